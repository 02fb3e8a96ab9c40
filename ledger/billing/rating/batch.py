"""Errors as data: rate a batch of meters; results for the good ones, reasons for the others.

One bad meter (NaN or negative reads, a series of the wrong length, text instead of numbers) never
aborts the batch; a missing spot price makes every meter of a spot-indexed tariff an error, since
the price is an input of each of them.  Configuration problems that no meter can fix (unknown
calendar, no tariff version for a day, duplicate meter ids) still raise.

>>> from datetime import date
>>> from decimal import Decimal
>>> from ledger.billing.rating.calendar import build_grid
>>> from ledger.billing.rating.tariff import FlatEnergy, TariffVersion
>>> g = build_grid(date(2026, 6, 1), date(2026, 6, 2), 60, "Europe/Rome")
>>> energy = (FlatEnergy(Decimal("0.2")),)
>>> t = TariffVersion("T", "1", date(2026, 1, 1), None, "EUR", Decimal("22"), energy)
>>> r = rate_batch(["good", "short", "nan"], [np.ones(24), np.ones(23), np.full(24, np.nan)], g, t)
>>> r.meter_ids, [(e.meter_id, e.code) for e in r.errors]
(('good',), [('short', 'length_mismatch'), ('nan', 'nan_consumption')])
>>> [str(line.amount) for line in r.lines("good")]
['4.80']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ledger.billing.rating.calendar import DEFAULT_CALENDARS, BandCalendar, IntervalGrid
from ledger.billing.rating.kernel import SegmentResult, rate_period
from ledger.billing.rating.lines import InvoiceTotals, RatedLine, invoice_totals, rated_lines
from ledger.billing.rating.tariff import TariffVersion

__all__ = ["BatchResult", "RatingError", "rate_batch"]


@dataclass(frozen=True)
class RatingError:
    """Meter ``meter_id`` (input position ``meter_index``) was not rated, because ``reason``."""

    meter_index: int
    meter_id: str
    code: str
    reason: str


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Rated meters in input order; ``segments[k].result`` row ``i`` belongs to ``meter_ids[i]``."""

    meter_ids: tuple[str, ...]
    meter_index: NDArray[np.intp]  # position of each rated meter in the input
    segments: tuple[SegmentResult, ...]
    errors: tuple[RatingError, ...]

    def row_of(self, meter: int | str) -> int:
        """Row of a rated meter, by id (str) or by row number (int)."""
        if isinstance(meter, str):
            try:
                return self.meter_ids.index(meter)
            except ValueError:
                raise KeyError(f"meter {meter!r} was not rated (see errors)") from None
        if not 0 <= meter < len(self.meter_ids):
            raise IndexError(f"row {meter} out of range 0..{len(self.meter_ids) - 1}")
        return meter

    def lines(self, meter: int | str) -> tuple[RatedLine, ...]:
        """Invoice lines of one meter: segments in date order, components in tariff order."""
        row = self.row_of(meter)
        if not self.segments:
            return ()
        period_days = (self.segments[-1].end - self.segments[0].start).days  # the segments tile the period
        return tuple(line for seg in self.segments for line in rated_lines(seg, row, period_days))

    def totals(self, meter: int | str) -> InvoiceTotals:
        return invoice_totals(self.lines(meter))


def _stack(
    ids: tuple[str, ...], consumption: ArrayLike | Sequence[ArrayLike], n: int
) -> tuple[NDArray[np.float64], list[int], list[RatingError]]:
    """(M_ok, N) float64 of the well-shaped series, their input positions, errors for the rest."""
    if isinstance(consumption, np.ndarray) and consumption.ndim == 2:
        if consumption.shape[0] != len(ids):
            raise ValueError(f"{len(ids)} meter ids for {consumption.shape[0]} rows of consumption")
        if consumption.shape[1] == n:
            return np.asarray(consumption, dtype=np.float64), list(range(len(ids))), []
        why = f"{consumption.shape[1]} intervals, the grid has {n}"
        return (
            np.empty((0, n)),
            [],
            [RatingError(i, m, "length_mismatch", why) for i, m in enumerate(ids)],
        )
    series = list(consumption)  # type: ignore[arg-type]  # any iterable of per-meter series
    if len(series) != len(ids):
        raise ValueError(f"{len(ids)} meter ids for {len(series)} consumption series")
    good: list[NDArray[np.float64]] = []
    where: list[int] = []
    errors: list[RatingError] = []
    for i, s in enumerate(series):  # input checking, not pricing: one cheap look per meter
        try:
            a = np.asarray(s, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            errors.append(RatingError(i, ids[i], "not_numeric", f"consumption is not numeric: {exc}"))
            continue
        if a.shape != (n,):
            why = f"series of shape {a.shape}, the grid has {n} intervals"
            errors.append(RatingError(i, ids[i], "length_mismatch", why))
            continue
        good.append(a)
        where.append(i)
    data = np.stack(good) if good else np.empty((0, n))
    return data, where, errors


def rate_batch(
    meter_ids: Sequence[str],
    consumption: ArrayLike | Sequence[ArrayLike],
    grid: IntervalGrid,
    tariff: TariffVersion | Sequence[TariffVersion],
    spot_price: ArrayLike | None = None,
    *,
    calendars: Mapping[str, BandCalendar] = DEFAULT_CALENDARS,
) -> BatchResult:
    """Rate meters sharing a grid and tariff (or its versions across the period).

    ``consumption`` is an (M, N) array or M series of N values each (series of the wrong length
    become errors).  The kernel results of the rated meters keep their input order.
    """
    ids = tuple(str(m) for m in meter_ids)
    if len(set(ids)) != len(ids):
        raise ValueError("meter ids must be unique within a batch")
    versions = (tariff,) if isinstance(tariff, TariffVersion) else tuple(tariff)
    data, where, errors = _stack(ids, consumption, grid.n_intervals)
    segments = rate_period(data, grid, versions, spot_price, calendars=calendars)
    # A meter bad on either side of a tariff change is bad for the whole period.  One error per
    # (meter, code): segments are in date order, so the first one kept names the earliest interval.
    seen: set[tuple[int, str]] = set()
    for seg in segments:
        for issue in seg.result.issues:
            if (issue.row, issue.code) not in seen:
                seen.add((issue.row, issue.code))
                errors.append(RatingError(where[issue.row], ids[where[issue.row]], issue.code, issue.reason))
    bad_rows = {row for row, _ in seen}
    ok = np.array([r for r in range(len(where)) if r not in bad_rows], dtype=np.intp)
    kept = tuple(
        SegmentResult(s.version, s.start, s.end, s.first, s.stop, s.result.take(ok)) for s in segments
    )
    index = np.array([where[r] for r in ok], dtype=np.intp)
    # Input order, then code: the same batch always reports its errors in the same order.
    errors.sort(key=lambda e: (e.meter_index, e.code))
    return BatchResult(tuple(ids[i] for i in index), index, kept, tuple(errors))
