"""Rating kernel: price M meters sharing one tariff version over one interval grid, as numpy arrays.

Input: ``consumption`` (M, N) float64 in the tariff's unit (kWh, m3) per interval, and for
spot-indexed tariffs a price series ``spot_price`` (N,) in currency per unit.  Output: per meter and
per line (a component, or a band / block of it) a quantity, an effective unit price and an amount,
all float64: the kernel measures the data once, ``pricing.py`` prices each kind of component on those
measures.  Turning them into money (Decimal, cents) is ``lines.py``'s job.

Determinism.  The same meter must get the same amounts whatever else is in the batch, in any order,
on any run.  So every float operation here is either element-wise (exact IEEE rounding, order-free)
or a numpy reduction along one meter's row (numpy's own loop, a fixed order that depends only on
that row's length, https://numpy.org/doc/stable/reference/generated/numpy.sum.html).  BLAS (``@``,
``np.dot``, ``einsum(optimize=True)``) is deliberately not used on money paths: its summation order
depends on the batch shape, the CPU kernel (``OPENBLAS_CORETYPE``) and the thread count.  Measured
here with OpenBLAS 0.3.31: ``c[rows] @ onehot`` differed in the last bit from ``(c @ onehot)[rows]``
for batches of 1, 3, 5, 7, 13 and 333 meters.  No threads either.

Why ``np.add.reduceat`` over runs of constant band for the band sums: it is the fastest of the
order-fixed options measured on 1000 meters x 35,040 quarter hours (one core, time on top of the
max pass that reads the data anyway): reduceat over the ~1,100 runs of the ARERA year +16 ms;
gathering the columns by band + a 3-segment reduceat +33 ms; a multiply by three 0/1 band masks +
row sums +43 ms; ``einsum`` with a one-hot matrix +143 ms.  The BLAS one-hot product takes ~14 ms
on two threads, but with batch-dependent bits (above), so no.  ``bench/rating.py`` times it too.

Hot path per block of meters: the spot multiply (first, so the block streams in from DRAM
once: ~8 % faster than starting with the max), one max pass (validation and peak demand at once),
one ``add.reduceat`` over the runs of constant band (TOU), the row sum of the spot products.  Python loops
are over blocks of meters (1 MiB each) and over the handful of components, never per meter or per
interval.  Every step is monotone (float rounding is), so with non-negative prices more consumption
never lowers a line.
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

# Why 1 MiB blocks: the first pass over a block pulls it from DRAM, the other passes then find it
# in L2 (1-2 MiB per core on current x86).  Measured with 1000 x 35040: 1-7 rows
# per block (0.3-2 MiB) are within 2 % of each other, 28 rows (8 MiB) are 20 % slower.
_BLOCK_BYTES = 1 << 20
# Bit pattern of +inf.  Viewed as uint64, every finite non-negative float64 is below it and ordered
# like the floats; NaN, +inf and anything with the sign bit (negatives, -0.0) are at or above it.
# So a single unsigned max per row both validates the row and, when valid, is the row's maximum (its
# bit pattern).
_INF_BITS = np.uint64(0x7FF0000000000000)


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


@dataclass(frozen=True, eq=False)
class _Bands:
    """Runs of constant band of one calendar on one grid, grouped by band for ``add.reduceat``."""

    names: tuple[str, ...]
    run_starts: NDArray[np.intp]  # first interval of every run of constant band, in time order
    run_order: NDArray[np.intp]  # runs sorted by band (stable: time order within a band)
    present: NDArray[np.intp]  # bands that occur on the grid
    band_starts: NDArray[np.intp]  # first position in run_order of each present band


def _band_runs(calendar: BandCalendar, grid: IntervalGrid) -> _Bands:
    band = calendar.bands(grid)
    n_bands = len(calendar.band_names)
    run_starts = np.concatenate([[0], np.flatnonzero(band[1:] != band[:-1]) + 1]).astype(np.intp)
    run_band = band[run_starts].astype(np.intp)
    if run_band.size and (run_band.min() < 0 or run_band.max() >= n_bands):
        raise TariffError(f"calendar {calendar.name} returned a band outside 0..{n_bands - 1}")
    order = np.argsort(run_band, kind="stable").astype(np.intp)
    present = np.unique(run_band).astype(np.intp)
    starts = np.searchsorted(run_band[order], present).astype(np.intp)
    return _Bands(tuple(calendar.band_names), run_starts, order, present, starts)


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


@dataclass(eq=False)
class _Scan:
    max_bits: NDArray[np.uint64]
    total: F64
    band_sums: dict[str, F64]
    spot_sum: F64 | None


def _scan(c: F64, bands: Mapping[str, _Bands], spot: F64 | None) -> _Scan:
    """The only passes over the (M, N) data, one block of meters at a time."""
    m, n = c.shape
    scan = _Scan(
        max_bits=np.empty(m, dtype=np.uint64),
        total=np.empty(m),
        band_sums={k: np.zeros((m, len(b.names))) for k, b in bands.items()},
        spot_sum=None if spot is None else np.empty(m),
    )
    rows = max(1, _BLOCK_BYTES // (8 * max(n, 1)))
    tmp = np.empty((min(rows, m), n)) if spot is not None else None
    first_cal = next(iter(bands), None)
    for r0 in range(0, m, rows):
        r1 = min(m, r0 + rows)
        blk = c[r0:r1]
        if spot is not None and tmp is not None:
            np.multiply(blk, spot, out=tmp[: r1 - r0])  # first touch: streams the block from DRAM
        scan.max_bits[r0:r1] = blk.view(np.uint64).max(axis=1)
        for key, b in bands.items():
            # Why reduceat over runs, not a one-hot matmul: see the module docstring (BLAS order).
            # The runs of one band are summed in time order, every run in numpy's fixed order.
            runs = np.add.reduceat(blk, b.run_starts, axis=1)
            scan.band_sums[key][r0:r1, b.present] = np.add.reduceat(
                runs[:, b.run_order], b.band_starts, axis=1
            )
        if first_cal is None:
            scan.total[r0:r1] = blk.sum(axis=1)
        if tmp is not None and scan.spot_sum is not None:
            scan.spot_sum[r0:r1] = tmp[: r1 - r0].sum(axis=1)
    if first_cal is not None:
        # Total = F1 + F2 + F3 in band order, so TOU lines and per-unit lines agree before rounding.
        bs = scan.band_sums[first_cal]
        scan.total[:] = bs[:, 0]
        for k in range(1, bs.shape[1]):
            scan.total += bs[:, k]
    return scan


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
    issues: list[RowIssue] = []
    spot: F64 | None = None
    needs_spot = any(isinstance(comp, SpotIndexed) for comp in tariff.components)
    if needs_spot:
        spot, spot_issues = _check_spot(spot_price, grid, m)
        issues += spot_issues
    scan = _scan(c, bands, spot)
    row_issues, fixed_max = _row_issues(c, scan.max_bits, grid)
    issues += row_issues
    max_kwh = scan.max_bits.view(np.float64).copy()
    for r, v in fixed_max.items():
        max_kwh[r] = v
    measured = Measured(
        meters=m,
        unit=tariff.unit,
        days=days,
        period_days=whole,
        resolution_min=grid.resolution_min,
        total=scan.total,
        band_sums=scan.band_sums,
        band_names={k: b.names for k, b in bands.items()},
        spot=spot,
        spot_sum=scan.spot_sum,
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
) -> dict[str, _Bands]:
    """The band runs on ``grid`` of every calendar the tariff's time-of-use components name."""
    bands: dict[str, _Bands] = {}
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
            bands[comp.calendar] = _band_runs(cal, grid)
    return bands


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
