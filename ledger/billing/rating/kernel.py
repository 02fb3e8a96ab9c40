"""Rating kernel: price M meters sharing one tariff version over one interval grid, as numpy arrays.

Input: ``consumption`` (M, N) float64 in the tariff's unit (kWh, m3) per interval, and for
spot-indexed tariffs a price series ``spot_price`` (N,) in currency per unit.  Output: per meter and
per line (a component, or a band / block of it) a quantity, an effective unit price and an amount,
all float64: the kernel measures the data once, ``pricing.py`` prices each kind of component on those
measures.  Turning them into money (Decimal, cents) is ``lines.py``'s job.

Determinism.  The same meter must get the same amounts whatever else is in the batch, in any order,
on any run.  The only passes over the (M, N) data are in :mod:`ledger.billing.rating.scan` (why numpy's
row reductions and not BLAS or ``einsum``, why reduceat over runs of constant band, the threads); after it
every step here and in ``pricing.py`` is element-wise on columns of M values.  Every step is monotone
(float rounding is), so with non-negative prices more consumption never lowers a line.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ledger.billing.rating.calendar import DEFAULT_CALENDARS, BandCalendar, IntervalGrid, utc_iso
from ledger.billing.rating.pricing import Measured, priced_lines
from ledger.billing.rating.scan import Runs, Scan, runs_of, scan
from ledger.billing.rating.tariff import SpotIndexed, TariffError, TariffVersion, TimeOfUse

__all__ = [
    "KernelResult",
    "LineSpec",
    "RowIssue",
    "SegmentResult",
    "rate_arrays",
    "rate_period",
    "split_by_versions",
]

F64 = NDArray[np.float64]

# Bit pattern of +inf.  Viewed as uint64, every finite non-negative float64 is below it and ordered
# like the floats; NaN, +inf and anything with the sign bit (negatives, -0.0) are at or above it.
# So a single unsigned max per row both validates the row and, when valid, is the row's maximum (its
# bit pattern).
_INF_BITS = np.uint64(0x7FF0000000000000)


class _Bands(Runs):
    """The band runs' name in this module before they moved to :mod:`ledger.billing.rating.scan` (issue 12):
    every topic the old code could name must still resolve (tests/test_old_store.py)."""


class _Scan(Scan):
    """The scan's name in this module before it moved to :mod:`ledger.billing.rating.scan` (``_Bands``)."""


@dataclass(frozen=True)
class LineSpec:
    """What column ``j`` of a ``KernelResult`` is: which component, band or block, in which unit."""

    component_index: int
    component: str  # revenue component name (``revenue:<component>``)
    kind: str  # tariff component kind: standing, flat, tou, spot, tiers, demand, per_unit, excise
    description: str
    unit: str  # unit of the quantity: day, kWh, m3, kW


@dataclass(frozen=True)
class RowIssue:
    """Row ``row`` could not be rated: ``code`` (stable, for programs), ``reason`` (for people)."""

    row: int
    code: str
    reason: str


@dataclass(frozen=True, eq=False)
class KernelResult:
    """(M, L) arrays, one column per ``lines[j]``.  Rows named in ``issues`` are NaN."""

    lines: tuple[LineSpec, ...]
    quantity: F64
    unit_price: F64
    amount: F64
    issues: tuple[RowIssue, ...]

    def take(self, rows: NDArray[np.intp]) -> KernelResult:
        """The result restricted to ``rows`` (renumbering issues is the caller's business)."""
        return KernelResult(self.lines, self.quantity[rows], self.unit_price[rows], self.amount[rows], ())


@dataclass(frozen=True, eq=False)
class SegmentResult:
    """A tariff version priced over local days ``[start, end)``: intervals ``[first, stop)``."""

    version: TariffVersion
    start: date
    end: date
    first: int
    stop: int
    result: KernelResult


def _as_2d(consumption: ArrayLike, n: int) -> F64:
    c = np.asarray(consumption, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != n:
        raise ValueError(f"consumption must be (meters, {n}) for this grid, got shape {c.shape}")
    return c


def _check_spot(spot: ArrayLike | None, grid: IntervalGrid, m: int) -> tuple[F64 | None, list[RowIssue]]:
    """The spot series if usable, else an issue for every row (the price is every meter's input)."""
    if spot is None:
        return None, [RowIssue(r, "missing_spot", "no spot price series given") for r in range(m)]
    s = np.asarray(spot, dtype=np.float64)
    if s.shape != (grid.n_intervals,):
        why = f"spot series has shape {s.shape}, the grid has {grid.n_intervals} intervals"
        return None, [RowIssue(r, "spot_length_mismatch", why) for r in range(m)]
    missing = np.flatnonzero(~np.isfinite(s))
    if missing.size:
        why = (
            f"spot price missing for {missing.size} interval(s), first at "
            f"{utc_iso(int(grid.utc_start_s[missing[0]]))}"
        )
        return None, [RowIssue(r, "missing_spot", why) for r in range(m)]
    return s, []


def _row_issues(
    c: F64, max_bits: NDArray[np.uint64], grid: IntervalGrid
) -> tuple[list[RowIssue], dict[int, float]]:
    """Exact look at the (rare) rows the bit-pattern max flagged; -0.0 alone is fine."""
    issues: list[RowIssue] = []
    fixed_max: dict[int, float] = {}
    for r in (int(x) for x in np.flatnonzero(max_bits >= _INF_BITS)):
        row = c[r]
        found = False
        for mask, code, what in (
            (np.isnan(row), "nan_consumption", "NaN"),
            (row < 0, "negative_consumption", "negative"),
            (np.isinf(row) & (row > 0), "infinite_consumption", "infinite"),
        ):
            idx = np.flatnonzero(mask)
            if idx.size:
                found = True
                when = utc_iso(int(grid.utc_start_s[idx[0]]))  # absolute, also on a split period
                issues.append(RowIssue(r, code, f"{idx.size} {what} interval value(s), first at {when}"))
        if not found:
            fixed_max[r] = float(np.max(row))
    return issues, fixed_max


def rate_arrays(
    consumption: ArrayLike,
    grid: IntervalGrid,
    tariff: TariffVersion,
    spot_price: ArrayLike | None = None,
    *,
    calendars: Mapping[str, BandCalendar] = DEFAULT_CALENDARS,
    period_days: int | None = None,
) -> KernelResult:
    """Price every row of ``consumption`` (M, N) against one tariff version over ``grid``.

    ``period_days`` is the length of the whole billing period when ``grid`` is one side of a tariff
    change: demand charges are per billing period, so each side charges its share ``grid.n_days /
    period_days`` of ``max kW x price`` (a day-weighted average of the two prices).  Data problems
    (NaN, negative, missing spot) become ``issues`` and NaN rows; configuration problems (unknown
    calendar, price count vs bands) raise ``TariffError``.
    """
    c = _as_2d(consumption, grid.n_intervals)
    m = c.shape[0]
    days = grid.n_days
    whole = days if period_days is None else period_days
    if whole < days:
        raise ValueError(f"period_days {whole} is shorter than the grid ({days} days)")
    bands = _tariff_bands(tariff, calendars, grid)
    runs = {k: (len(names), runs_of(band)) for k, (names, band) in bands.items()}
    issues: list[RowIssue] = []
    spot: F64 | None = None
    needs_spot = any(isinstance(comp, SpotIndexed) for comp in tariff.components)
    if needs_spot:
        spot, spot_issues = _check_spot(spot_price, grid, m)
        issues += spot_issues
    scanned = scan(c, runs, spot)
    row_issues, fixed_max = _row_issues(c, scanned.max_bits, grid)
    issues += row_issues
    max_kwh = scanned.max_bits.view(np.float64).copy()
    for r, v in fixed_max.items():
        max_kwh[r] = v
    measured = Measured(
        meters=m,
        unit=tariff.unit,
        days=days,
        period_days=whole,
        resolution_min=grid.resolution_min,
        total=scanned.total,
        band_sums=scanned.band_sums,
        band_names={k: names for k, (names, _) in bands.items()},
        spot=spot,
        spot_sum=scanned.spot_sum,
        max_kwh=max_kwh,
    )
    specs: list[LineSpec] = []
    cols: list[tuple[F64, F64, F64]] = []  # (quantity, unit price, amount) per line
    for j, comp in enumerate(tariff.components):
        for desc, unit, q, p, a in priced_lines(comp, measured):
            specs.append(LineSpec(j, comp.name, comp.kind, desc, unit))
            cols.append((q, np.broadcast_to(np.asarray(p, dtype=np.float64), q.shape), a))
    return _result(m, specs, cols, issues)


def _tariff_bands(
    tariff: TariffVersion, calendars: Mapping[str, BandCalendar], grid: IntervalGrid
) -> dict[str, tuple[tuple[str, ...], NDArray[np.int8]]]:
    """Band names and band per interval of ``grid`` of each calendar the tariff's TOU components name."""
    bands: dict[str, tuple[tuple[str, ...], NDArray[np.int8]]] = {}
    for comp in tariff.components:
        if isinstance(comp, TimeOfUse) and comp.calendar not in bands:
            cal = calendars.get(comp.calendar)
            if cal is None:
                raise TariffError(
                    f"{tariff.code}/{tariff.version_id}: unknown band calendar {comp.calendar!r}"
                )
            if len(cal.band_names) != len(comp.prices_per_unit):
                raise TariffError(
                    f"{tariff.code}/{tariff.version_id}: {len(comp.prices_per_unit)} prices for "
                    f"{len(cal.band_names)} bands of {cal.name}"
                )
            bands[comp.calendar] = (tuple(cal.band_names), _bands_on(cal, grid))
    return bands


# Why a cache: a calendar's bands on a year of quarter hours take ~2 ms (a holiday look-up per day), paid
# by every batch of a billing run on the same grid.  The key is what decides a grid (build_grid's inputs,
# plus its size and first and last instants, so a grid built by hand cannot borrow another's bands) and
# the calendar itself (frozen, compared by value); an unhashable calendar is simply not cached.
_BANDS_CACHE: dict[tuple[object, ...], NDArray[np.int8]] = {}


def _bands_on(cal: BandCalendar, grid: IntervalGrid) -> NDArray[np.int8]:
    n = grid.n_intervals
    edges = (int(grid.utc_start_s[0]), int(grid.utc_start_s[-1])) if n else ()
    key: tuple[object, ...] | None = (cal, grid.start, grid.end, grid.resolution_min, grid.zone, n, *edges)
    try:
        hit = _BANDS_CACHE.get(key)  # type: ignore[arg-type]
    except TypeError:  # a calendar that is not hashable
        hit, key = None, None
    if hit is not None:
        return hit
    band = np.asarray(cal.bands(grid))
    if band.size and (band.min() < 0 or band.max() >= len(cal.band_names)):
        raise TariffError(f"calendar {cal.name} returned a band outside 0..{len(cal.band_names) - 1}")
    band = band.astype(np.int8)  # a copy the cache owns, read-only
    band.flags.writeable = False
    if key is not None:
        if len(_BANDS_CACHE) >= 256:
            _BANDS_CACHE.clear()
        _BANDS_CACHE[key] = band
    return band


def _result(
    m: int, specs: list[LineSpec], cols: list[tuple[F64, F64, F64]], issues: list[RowIssue]
) -> KernelResult:
    """The (M, L) arrays, one column per line; the rows with an issue NaN."""
    shape = (m, len(specs))
    quantity, unit_price, amount_out = np.empty(shape), np.empty(shape), np.empty(shape)
    for k, (q_col, p_col, a_col) in enumerate(cols):
        quantity[:, k], unit_price[:, k], amount_out[:, k] = q_col, p_col, a_col
    bad = sorted({i.row for i in issues})
    if bad:
        for arr in (quantity, unit_price, amount_out):
            arr[bad] = np.nan
    return KernelResult(tuple(specs), quantity, unit_price, amount_out, tuple(issues))


def split_by_versions(
    start: date, end: date, versions: Sequence[TariffVersion]
) -> tuple[tuple[TariffVersion, date, date], ...]:
    """Cut local days ``[start, end)`` at version boundaries; each day needs exactly one version."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for a, b in itertools.pairwise(ordered):
        if a.valid_to is None or a.valid_to > b.valid_from:
            raise TariffError(f"versions {a.version_id} and {b.version_id} overlap")
    out: list[tuple[TariffVersion, date, date]] = []
    cursor = start
    for v in ordered:
        s = max(start, v.valid_from)
        e = end if v.valid_to is None else min(end, v.valid_to)
        if s >= e:
            continue
        if s != cursor:
            raise TariffError(f"no tariff version is valid on {cursor}")
        out.append((v, s, e))
        cursor = e
    if cursor != end:
        raise TariffError(f"no tariff version is valid on {cursor}")
    return tuple(out)


def rate_period(
    consumption: ArrayLike,
    grid: IntervalGrid,
    versions: Sequence[TariffVersion],
    spot_price: ArrayLike | None = None,
    *,
    calendars: Mapping[str, BandCalendar] = DEFAULT_CALENDARS,
) -> tuple[SegmentResult, ...]:
    """Rate a period against its tariff versions, split by whole local days at version boundaries.

    Why by days: tariffs change at local midnight, standing charges and tier thresholds are per day,
    so each side gets its own days (``subgrid``), its own standing days and its own thresholds x
    days.
    """
    c = _as_2d(consumption, grid.n_intervals)
    spot = None if spot_price is None else np.asarray(spot_price, dtype=np.float64)
    out: list[SegmentResult] = []
    for version, s, e in split_by_versions(grid.start, grid.end, versions):
        sl = grid.day_slice(s, e)
        seg_spot = spot[sl] if spot is not None and spot.shape == (grid.n_intervals,) else spot
        res = rate_arrays(
            c[:, sl],
            grid.subgrid(s, e),
            version,
            seg_spot,
            calendars=calendars,
            period_days=grid.n_days,
        )
        out.append(SegmentResult(version, s, e, int(sl.start), int(sl.stop), res))
    return tuple(out)
