"""The portal's consumption chart: one stacked bar per month, one segment per time-of-use band, as inline SVG.

Drawn on the server from the numbers alone, so the same consumption gives the same bytes (no script, no
clock, no float formatting: every coordinate is a Decimal rounded to a tenth of a pixel). Each month with
data is one ``<g class="month" data-month="YYYY-MM">`` group holding one ``<rect>`` per band with a
value, each with a ``<title>`` a screen reader (and a hovering mouse) reads: "2026-03 F1: 123.4 kWh".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

#: The drawing's size in SVG user units (it scales to its box: ``viewBox`` and ``width="100%"``).
CHART_WIDTH, CHART_HEIGHT = 640, 240
#: Room for the month labels below the bars and the scale above them.
LABEL_HEIGHT, TOP_MARGIN = 28, 16
#: Each month's slot (at most ``MAX_SLOT`` wide, so two months are not two walls), of which the bar takes
#: ``BAR_SHARE``.
MAX_SLOT, BAR_SHARE = Decimal(80), Decimal("0.6")
#: The most months drawn (a year and the same month of the year before, as the load-curve API reads).
MAX_CHART_MONTHS = 13
#: Fill of each band by its position in the calendar (F1 peak darkest); more bands reuse the last colour.
BAND_COLOURS = ("#1f4e79", "#4f81bd", "#a7c4e5", "#d9e6f2")
TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class MonthBands:
    """One month's consumption per band, in the curve's unit (``values`` in the order of ``bands``)."""

    month: str
    values: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.values, Decimal(0))


def _px(value: Decimal) -> str:
    # A tenth of a pixel is finer than any screen draws; rounding half up keeps it the same on every run.
    return str(value.quantize(TENTH, rounding=ROUND_HALF_UP))


def _amount(value: Decimal) -> str:
    return str(value.quantize(TENTH, rounding=ROUND_HALF_UP))


def consumption_svg(months: Sequence[MonthBands], bands: Sequence[str], unit: str) -> Markup:
    """The chart of ``months`` (at most :data:`MAX_CHART_MONTHS`, in order); months with no consumption
    are left out, so every group drawn is a month with data. Empty: a sentence, not an empty frame."""
    shown = [m for m in months[-MAX_CHART_MONTHS:] if m.total > 0]
    if not shown:
        return Markup('<p class="chart-empty">No interval readings in the last months.</p>')
    tallest = max(m.total for m in shown)
    plot_height = Decimal(CHART_HEIGHT - LABEL_HEIGHT - TOP_MARGIN)
    slot = min(Decimal(CHART_WIDTH) / len(shown), MAX_SLOT)
    bar = slot * BAR_SHARE
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="consumption-chart" role="img" '
             f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" width="100%" '
             f'aria-label="Consumption by month and band, {escape(unit)}">',
             f'<text x="0" y="{TOP_MARGIN - 4}" class="scale">max {_amount(tallest)} {escape(unit)}</text>']
    for i, month in enumerate(shown):
        x = slot * i + (slot - bar) / 2
        parts.append(f'<g class="month" data-month="{escape(month.month)}">')
        bottom = Decimal(CHART_HEIGHT - LABEL_HEIGHT)
        for b, (band, value) in enumerate(zip(bands, month.values, strict=True)):
            if value <= 0:
                continue
            height = plot_height * value / tallest
            bottom -= height
            colour = BAND_COLOURS[min(b, len(BAND_COLOURS) - 1)]
            parts.append(f'<rect class="band" data-band="{escape(band)}" x="{_px(x)}" y="{_px(bottom)}" '
                         f'width="{_px(bar)}" height="{_px(height)}" fill="{colour}">'
                         f'<title>{escape(month.month)} {escape(band)}: {_amount(value)} {escape(unit)}'
                         f'</title></rect>')
        parts.append(f'<text x="{_px(x + bar / 2)}" y="{CHART_HEIGHT - 10}" text-anchor="middle" '
                     f'class="label">{escape(month.month)}</text></g>')
    parts.append("</svg>")
    # Every text in the drawing went through escape() and every number is a Decimal's digits: safe markup.
    return Markup("".join(parts))  # noqa: S704


def legend(bands: Sequence[str]) -> list[tuple[str, str]]:
    """(band, colour) of each band, for the legend under the chart."""
    return [(band, BAND_COLOURS[min(b, len(BAND_COLOURS) - 1)]) for b, band in enumerate(bands)]
