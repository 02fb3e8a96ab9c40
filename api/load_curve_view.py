"""A load curve read over several months: raw, per local day, per month, or per time-of-use band.

A curve is stored month by month (one :class:`~ledger.billing.load_curves.LoadCurveMonth` per supply point
and local month), so a range reads one aggregate per month, at most :data:`MAX_LOAD_CURVE_MONTHS` of them.
Each month is laid on its own grid of local days (:func:`~ledger.billing.rating.calendar.build_grid`:
a day of the spring DST change has 23 hours, of the autumn one 25, in the curve's IANA time zone), so the
months join without a gap or an overlap at their borders. A month in the range with no curve at all
counts every interval of it as ``missing``, never as zero; bands add up over the whole range. A reader who
may see only some days (a portal after a holder change) gets those days only: the others are neither
values nor missing, and a month with none of them is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from ledger.billing.load_curves import LoadCurveMonth
from ledger.billing.rating.calendar import BandCalendar, CalendarError, IntervalGrid, build_grid, utc_iso
from ledger.core.errors import InvalidInput, NotFound

#: The most months one load-curve request reads (a year and the same month of the year before: a
#: comparison a customer asks for); each month is one aggregate read.
MAX_LOAD_CURVE_MONTHS = 13


@dataclass(frozen=True, slots=True)
class CurvePoint:
    key: str  #: the interval's UTC start, the local day, the month, or the band
    value: Decimal
    missing: int  #: intervals not received in it


@dataclass(frozen=True, slots=True)
class CurveRange:
    first: LoadCurveMonth  #: the first month that has a curve: its unit, resolution and time zone
    points: list[CurvePoint]


def months_between(first: str, last: str) -> list[str]:
    """The months ``first`` to ``last`` (``YYYY-MM``, both included), or InvalidInput naming ``to``."""
    y0, m0, y1, m1 = int(first[:4]), int(first[5:]), int(last[:4]), int(last[5:])
    count = (y1 - y0) * 12 + (m1 - m0) + 1
    if count < 1:
        raise InvalidInput(f"to ({last}) is before from ({first})", "to")
    if count > MAX_LOAD_CURVE_MONTHS:
        raise InvalidInput(f"a load curve is read at most {MAX_LOAD_CURVE_MONTHS} months at a time, "
                           f"{first} to {last} is {count}", "to")
    return [f"{y0 + (m0 - 1 + k) // 12:04d}-{(m0 - 1 + k) % 12 + 1:02d}" for k in range(count)]


def _decimal(x: float) -> Decimal:
    # The curve is float64 as stored (:mod:`ledger.billing.load_curves`); repr is its shortest exact text.
    return Decimal(repr(float(x))).normalize() if x else Decimal(0)


def _grid(month: str, resolution_min: int, zone: str) -> IntervalGrid:
    year, mon = int(month[:4]), int(month[5:])
    return build_grid(date(year, mon, 1), date(year + mon // 12, mon % 12 + 1, 1), resolution_min, zone)


def _days(month: str) -> list[date]:
    year, mon = int(month[:4]), int(month[5:])
    first, end = date(year, mon, 1), date(year + mon // 12, mon % 12 + 1, 1)
    return [first + timedelta(days=k) for k in range((end - first).days)]


def _month(month: str, grid: IntervalGrid, values: NDArray[np.float64], by: str, bands: BandCalendar,
           seen_days: NDArray[np.bool_]) -> tuple[list[CurvePoint], NDArray[np.float64], NDArray[np.float64]]:
    """One month's points (raw, per day, for the month) and its per-band sums and missing counts, of the
    days ``seen_days`` marks only (the others are neither values nor missing: not the reader's)."""
    seen = seen_days[grid.day_index]  # per interval: on one of the reader's days
    got = ~np.isnan(values) & seen
    unseen_or_got = got | ~seen
    filled = np.where(got, values, 0.0)
    nb = len(bands.band_names)
    band_sums, band_missing = np.zeros(nb), np.zeros(nb)
    if by == "band":
        try:
            band_index = bands.bands(grid)
        except CalendarError as error:  # a calendar of another time zone's wall clock: never shifted
            raise InvalidInput(f"calendar: {error}", "calendar") from None
        band_sums = np.bincount(band_index, weights=filled, minlength=nb).astype(np.float64)
        not_got = (~unseen_or_got).astype(np.float64)
        band_missing = np.bincount(band_index, weights=not_got, minlength=nb).astype(np.float64)
    if by == "interval":
        points = [CurvePoint(utc_iso(int(grid.utc_start_s[i])), _decimal(values[i]), 0)
                  for i in np.flatnonzero(got)]
    elif by == "month":
        points = [CurvePoint(month, _decimal(filled.sum()), int((~unseen_or_got).sum()))]
    elif by == "day":
        sums = np.bincount(grid.day_index, weights=filled, minlength=grid.n_days)
        missing = np.bincount(grid.day_index, weights=(~unseen_or_got).astype(np.float64),
                              minlength=grid.n_days)
        points = [CurvePoint(d.isoformat(), _decimal(sums[i]), int(missing[i]))
                  for i, d in enumerate(grid.dates()) if seen_days[i]]
    else:
        points = []
    return points, band_sums, band_missing


def curve_range(curves: Sequence[tuple[str, LoadCurveMonth | None]], by: str, bands: BandCalendar,
                where: str, visible: Callable[[date], bool] = lambda day: True) -> CurveRange:
    """The points of the months ``curves`` (each with its curve, or None) viewed ``by``, of the days
    ``visible`` lets the reader see (a portal: its holder's days); a month with none of them is left out."""
    seen = {m: np.array([visible(d) for d in _days(m)], dtype=bool) for m, _ in curves}
    present = [c for m, c in curves if c is not None and seen[m].any()]
    if not present:
        raise NotFound(f"no load curve of {where} in {curves[0][0]}"
                       + (f" to {curves[-1][0]}" if len(curves) > 1 else ""), "month")
    first = present[0]
    for other in present[1:]:
        if (other.unit, other.resolution_min, other.time_zone) != (first.unit, first.resolution_min,
                                                                   first.time_zone):
            raise InvalidInput(f"the load curve of {where} changes unit, resolution or time zone in "
                               f"{other.month}: read the months before and from it apart", "to")
    points: list[CurvePoint] = []
    nb = len(bands.band_names)
    band_sums, band_missing = np.zeros(nb), np.zeros(nb)
    for month, curve in curves:
        if not seen[month].any():
            continue
        grid = _grid(month, first.resolution_min, first.time_zone)
        values = curve.values if curve is not None else np.full(grid.n_intervals, np.nan)
        if values.size != grid.n_intervals:  # the stored month is the month's grid: never guess an alignment
            raise InvalidInput(f"the load curve of {where} in {month} does not fit its month", "month")
        month_points, sums, missing = _month(month, grid, values, by, bands, seen[month])
        points += month_points
        band_sums += sums
        band_missing += missing
    if by == "band":
        points = [CurvePoint(name, _decimal(band_sums[i]), int(band_missing[i]))
                  for i, name in enumerate(bands.band_names)]
    return CurveRange(first, points)
