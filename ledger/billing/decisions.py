"""Billing decisions as pure functions: which periods are due, what was consumed, what the lines say.

* **Due periods.** Billing periods are calendar-aligned from January in steps of the contract's
  frequency (bimonthly: Jan-Feb, Mar-Apr, ...), cut to the contract's supply dates. A run over the
  days [start, end] bills every period whose last day falls in it (a monthly contract in a two-month
  run gets two invoices; a contract that ended mid-period gets its final bill).
* **Consumption.** A complete load curve for the period wins. Otherwise register readings: the index
  at the end of the day before the period and at the end of its last day, read exactly or pro-rated by
  days between the readings around it. Where there is no reading after a boundary, the consumption
  is **estimated** from the supply point's own daily average (the real reads of the last year), or,
  for a new supply point without two reads, from the standard annual consumption of its commodity
  spread evenly over the year. Quantities are Decimal, rounded half up to 0.001 (Wh, litre).
* **Lines.** Rated lines become invoice lines with the supply point (the section of a collective
  invoice), the service period (last day included), their sources (reading ids, load-curve block
  versions, the estimate method, the tariff version) and a note: "estimated ..." on estimated lines,
  the cause on true-up lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from numpy.typing import NDArray

from ledger.accounts.commands import LineInput
from ledger.accounts.contract import Commodity, Contract
from ledger.billing.load_curves import LoadCurveMonth
from ledger.billing.rating import RatedLine
from ledger.billing.readings import ChainPoint, MeterReadings, chain, daily_average
from ledger.billing.records import BilledPeriod
from ledger.core.errors import InvalidInput

QUANTITY = Decimal("0.001")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class BillingSettings:
    """What estimation assumes where the meter says nothing (a utility tunes these)."""

    #: Standard annual consumption per commodity, in the tariff's unit (ARERA's reference household
    #: uses 2,700 kWh a year; 1,400 Smc of gas; 150 m3 of water for a household of three).
    annual_consumption: Mapping[Commodity, Decimal] = field(
        default_factory=lambda: {
            Commodity.ELECTRICITY: Decimal(2700),
            Commodity.GAS: Decimal(1400),
            Commodity.WATER: Decimal(150),
            Commodity.DISTRICT_HEATING: Decimal(10000),
        }
    )
    #: Shares of a register read's energy per band of a calendar (an ARERA-like household profile).
    band_profiles: Mapping[str, tuple[Decimal, ...]] = field(
        default_factory=lambda: {"IT-ARERA-F123": (Decimal("0.33"), Decimal("0.31"), Decimal("0.36"))}
    )
    #: Interval length register reads are spread over (spot-indexed tariffs use the price series' own).
    register_resolution_min: int = 60


def billing_periods(
    months: int, contract_start: date, contract_end: date | None, window_start: date, window_end: date
) -> list[tuple[date, date]]:
    """Periods (first day, last day) of a contract whose last day falls in the window.

    >>> billing_periods(2, date(2025, 11, 1), None, date(2026, 1, 1), date(2026, 2, 28))
    [(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))]
    >>> for s, e in billing_periods(1, date(2026, 1, 10), date(2026, 2, 14), date(2026, 1, 1),
    ...                             date(2026, 3, 31)):
    ...     print(s, e)
    2026-01-10 2026-01-31
    2026-02-01 2026-02-14
    """
    if months not in (1, 2, 3, 4, 6, 12):
        raise InvalidInput(
            f"a billing period of {months} months does not divide the year", "billing_frequency"
        )
    index = window_start.year * 12 + window_start.month - 1
    index -= index % months
    out: list[tuple[date, date]] = []
    while True:
        first = date(index // 12, index % 12 + 1, 1)
        if first > window_end:
            return out
        nxt = index + months
        last = date(nxt // 12, nxt % 12 + 1, 1) - DAY
        s, e = max(first, contract_start), min(last, contract_end) if contract_end else last
        if s <= e and window_start <= e <= window_end:
            out.append((s, e))
        index = nxt


def contract_periods(contract: Contract, window_start: date, window_end: date) -> list[tuple[date, date]]:
    """The contract's periods whose last day falls in the window, each by the billing frequency in force.

    A frequency change (the first of a month) ends the period running under the old frequency the day
    before, and the new frequency's periods start from it, grouped from January as always
    (:func:`billing_periods` within each stretch).
    """
    periods: list[tuple[date, date]] = []
    for frequency, first, last in contract.frequency_spans():
        periods += billing_periods(frequency.months, first, last, window_start, window_end)
    return periods


@dataclass(frozen=True, eq=False)
class Usage:
    """What a contract consumed in a period and on what basis: a total to profile, or a load curve."""

    total: Decimal | None
    curve: NDArray[np.float64] | None
    estimated: bool
    basis: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class _Boundary:
    cumulative: Decimal
    used: tuple[ChainPoint, ...]
    estimated: bool
    method: str  # "", "history" or "profile" when extrapolated


def _boundary(points: list[ChainPoint], day: date, per_day: Decimal, method: str) -> _Boundary:
    """Cumulative consumption at the end of ``day``: read, pro-rated between reads, or extrapolated."""
    before = [p for p in points if p.reading.read_on <= day]
    after = [p for p in points if p.reading.read_on > day]
    if before and before[-1].reading.read_on == day:
        p = before[-1]
        return _Boundary(p.cumulative, (p,), not p.reading.source.is_read, "")
    if before and after:
        a, b = before[-1], after[0]
        span = (b.reading.read_on - a.reading.read_on).days
        part = (day - a.reading.read_on).days
        value = a.cumulative + (b.cumulative - a.cumulative) * part / span
        return _Boundary(value, (a, b), not (a.reading.source.is_read and b.reading.source.is_read), "")
    if before:
        a = before[-1]
        return _Boundary(a.cumulative + per_day * (day - a.reading.read_on).days, (a,), True, method)
    b = after[0]
    return _Boundary(b.cumulative - per_day * (b.reading.read_on - day).days, (b,), True, method)


def register_usage(
    readings: MeterReadings | None,
    start: date,
    end: date,
    commodity: Commodity,
    unit: str,
    settings: BillingSettings,
) -> Usage:
    """Consumption of the days [start, end] from register readings, estimated where they run out."""
    days = (end - start).days + 1
    annual = settings.annual_consumption[commodity]
    points = chain(readings.effective()) if readings is not None else []
    if not points:
        total = (annual * days / 365).quantize(QUANTITY, ROUND_HALF_UP)
        return Usage(
            total,
            None,
            True,
            ("estimate:profile",),
            f"estimated from the standard profile ({annual} {unit} a year), no readings",
        )
    history = daily_average(points)
    per_day, method = (history, "history") if history is not None else (annual / 365, "profile")
    opening = _boundary(points, start - DAY, per_day, method)
    closing = _boundary(points, end, per_day, method)
    total = (closing.cumulative - opening.cumulative).quantize(QUANTITY, ROUND_HALF_UP)
    if total < 0:
        total = Decimal("0.000")  # an estimate behind the reads it is pinned to: nothing more to bill
    used = sorted(
        {p.reading.reading_id: p for p in (*opening.used, *closing.used)}.values(),
        key=lambda p: p.reading.read_on,
    )
    estimated = opening.estimated or closing.estimated
    methods = sorted({m for m in (opening.method, closing.method) if m})
    basis = tuple(f"reading:{p.reading.reading_id}" for p in used) + tuple(f"estimate:{m}" for m in methods)
    reads = ", ".join(f"{p.reading.reading_id} ({p.reading.source.value} {p.reading.read_on})" for p in used)
    if not estimated:
        note = f"readings {reads}"
    elif methods == ["history"]:
        note = f"estimated from own history ({per_day:.3f} {unit}/day) after {reads}"
    elif methods:
        note = f"estimated from the standard profile ({annual} {unit} a year) after {reads}"
    else:
        note = f"estimated reading {reads}"
    return Usage(total, None, estimated, basis, note)


def curve_usage(
    months: Iterable[LoadCurveMonth], utc_starts: NDArray[np.int64], resolution_min: int
) -> tuple[Usage | None, int]:
    """The period's interval values from its load-curve months; (None, missing) if any is missing."""
    n = int(utc_starts.size)
    values = np.full(n, np.nan)
    basis = []
    start_s = int(utc_starts[0])
    stop_s = start_s + n * resolution_min * 60
    for month in sorted(months, key=lambda m: m.month):
        offset, part = month.slice_utc(start_s, stop_s, resolution_min)
        if part.size:
            values[offset : offset + part.size] = part
            basis.append(f"curve:{month.supply_point}:{month.month}#{month.blocks}")
    missing = int(np.isnan(values).sum())
    if missing:
        return None, missing
    return Usage(
        None, values, False, tuple(basis), f"load curve, {n} intervals of {resolution_min} minutes"
    ), 0


def line_inputs(
    rated: Iterable[RatedLine], site: str, basis: tuple[str, ...], note: str, vat_rate: Decimal | None
) -> tuple[LineInput, ...]:
    """Invoice lines from rated lines; lines with neither quantity nor amount are left out."""
    out = []
    for line in rated:
        if line.quantity == 0 and line.amount == 0:
            continue
        out.append(
            LineInput(
                line.description,
                line.component,
                line.quantity,
                line.unit,
                line.unit_price,
                line.vat_rate if vat_rate is None else vat_rate,
                line.amount,
                site,
                (line.period_start, line.period_end - DAY),
                (*basis, f"tariff:{line.tariff}"),
                note,
            )
        )
    return tuple(out)


def needs_true_up_check(
    entry: BilledPeriod, readings: MeterReadings | None, curves: Mapping[str, LoadCurveMonth]
) -> bool:
    """Whether a billed period may now rate differently: it was estimated, or what it used has changed."""
    if entry.estimated:
        return True
    for item in entry.basis:
        kind, _, ref = item.partition(":")
        if kind == "reading" and readings is not None and ref in readings.superseded_by:
            return True
        if kind == "curve":
            month, _, blocks = ref.rpartition(":")[2].partition("#")
            current = curves.get(month)
            if current is not None and current.blocks > int(blocks):
                return True
    return False


def true_up_cause(old: BilledPeriod, new: Usage, readings: MeterReadings | None) -> str:
    """Why a period is re-billed, in words a customer can check."""
    superseded = [
        ref
        for kind, _, ref in (b.partition(":") for b in old.basis)
        if kind == "reading" and readings is not None and ref in readings.superseded_by
    ]
    if superseded and readings is not None:
        fixes = ", ".join(f"{readings.superseded_by[r]} corrects {r}" for r in superseded)
        return f"true-up of {old.invoice_number}: corrected reading ({fixes})"
    if old.estimated:
        used = ", ".join(b.partition(":")[2] for b in new.basis)
        return f"true-up of {old.invoice_number}: actual data ({used}) replaces the estimate"
    return f"true-up of {old.invoice_number}: corrected load curve ({', '.join(new.basis)})"
