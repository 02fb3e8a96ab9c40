"""The passes over the (M, N) interval data: per meter the largest interval, the sum per time-of-use band
(or the total, without bands) and the spot-priced sum, bit for bit the same whatever the batch.

Determinism.  Every float operation here is either element-wise (exact IEEE rounding, order-free) or a
numpy reduction along one meter's row (``add.reduce``/``add.reduceat`` along the last axis: numpy's own
pairwise loop, a fixed order that depends only on the length of what it sums,
https://numpy.org/doc/stable/reference/generated/numpy.sum.html).  None of them looks at another row, so a
meter's figures cannot depend on what else is in the batch, in which order, in which block of meters or
on which thread.  BLAS (``@``, ``np.dot``, ``vecdot``, ``einsum(optimize=True)``) is deliberately not
used: its summation order depends on the batch shape, the CPU kernel (``OPENBLAS_CORETYPE``) and the
thread count.  Measured here with OpenBLAS 0.3.31: ``c[rows] @ onehot`` differed in the last bit from
``(c @ onehot)[rows]`` for batches of 1, 3, 5, 7, 13 and 333 meters.  Plain ``np.einsum("ij,j->i")`` (no
BLAS, one fused pass for the spot sum, about half the cost of multiply + sum) is not usable either: numpy
picks another loop for a one-meter batch, and that meter's spot sum then differs in the last bit.

Why ``np.add.reduceat`` over runs of constant band for the band sums: it is the fastest of the
order-fixed options measured on 1000 meters x 35,040 quarter hours (one core, time on top of the max
pass that reads the data anyway): reduceat over the ~1,100 runs of the ARERA year +16 ms; gathering the
columns by band + a 3-segment reduceat +33 ms; a multiply by three 0/1 band masks + row sums +43 ms;
``einsum`` with a one-hot matrix +143 ms.  The BLAS one-hot product takes ~14 ms on two threads, but with
batch-dependent bits (above), so no; ``bench/rating.py`` times it too.  Also measured and dropped (issue 12,
item 6): folding the ordinary weeks into a one-week profile per meter first (a middle-axis ``add.reduce``,
then the ~21 runs of the profile; holiday and DST weeks by their own runs) took more CPU than reduceat
(46 against 39 ms for the whole scan: numpy's per-call cost on ~16 segments a year, and the profile's
traffic), and would have changed the last bits of every band sum.

The compiled scan.  With numba installed (a dependency) the same figures come from one compiled loop per
meter (:mod:`ledger.billing.rating.fused`) that redoes numpy's pairwise sums operation for operation: ~25
against ~39 ms of CPU for the benchmark's batch, byte-identical (``tests/rating/test_scan.py`` compares the
two on random data); the numpy loop below stays as the fallback and as the reference.

Hot path per block of meters (1 MiB): the spot multiply (first, so the block streams in from DRAM once:
~8 % faster than starting with the max), one max pass (validation and peak demand at once), one
``add.reduceat`` over the runs of constant band (TOU), the row sum of the spot products.  Python loops are
over blocks of meters and the handful of calendars, never per meter or per interval.  Above 8 MiB of data
the meters are cut into contiguous chunks of ~8 MiB, scanned by one thread per core (numpy and the compiled
loop release the GIL); each chunk writes only its own rows, and the arithmetic of a row is the same in any
chunk.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ledger.billing.rating.fused import AVAILABLE, compiled

__all__ = ["Runs", "Scan", "runs_of", "scan"]

F64 = NDArray[np.float64]

# Why ~1 MiB blocks: the first pass over a block pulls it from DRAM, the other passes then find it in L2
# (1 MiB per core on this machine's EPYC, 1-2 MiB on current x86).  Measured with 1000 x 35040: 1-7 rows
# per block (0.3-2 MiB) are within 2 % of each other, 28 rows (8 MiB) are 20 % slower; again for issue 12:
# 256 KiB to 2 MiB within 10 % of CPU time, 1 MiB the least.
_BLOCK_BYTES = 1 << 20
#: Scan with the compiled pass of :mod:`ledger.billing.rating.fused` (the same bits) when numba is there.
COMPILED = AVAILABLE
# Below this much data (8 MiB: 30 meters of a year of quarter hours) one thread: a pool costs more.
_THREAD_BYTES = 8 << 20


@dataclass(frozen=True, eq=False)
class Runs:
    """Runs of constant band of one calendar over a span, grouped by band for two ``add.reduceat``."""

    starts: NDArray[np.intp]  # first interval of every run, relative to the span, in time order
    order: NDArray[np.intp]  # runs sorted by band (stable: time order within a band)
    present: NDArray[np.intp]  # bands that occur in the span
    band_starts: NDArray[np.intp]  # first position in ``order`` of each present band
    long: NDArray[np.intp]  # runs of more than 129 intervals (the compiled scan sums them apart)


def runs_of(band: NDArray[np.int8]) -> Runs:
    starts = np.concatenate([[0], np.flatnonzero(band[1:] != band[:-1]) + 1]).astype(np.intp)
    run_band = band[starts].astype(np.intp)
    order = np.argsort(run_band, kind="stable").astype(np.intp)
    present = np.unique(run_band).astype(np.intp)
    lengths = np.diff(np.append(starts, band.shape[0]))
    long = np.flatnonzero(lengths > 129).astype(np.intp)
    return Runs(starts, order, present, np.searchsorted(run_band[order], present).astype(np.intp), long)


@dataclass(eq=False)
class Scan:
    max_bits: NDArray[np.uint64]  # bit pattern of each row's maximum (see the kernel's validation)
    total: F64
    band_sums: dict[str, F64]  # per calendar, (M, bands)
    spot_sum: F64 | None


def scan(c: F64, bands: Mapping[str, tuple[int, Runs]], spot: F64 | None) -> Scan:
    """Scan every row: ``bands`` maps each calendar to its number of bands and its runs on the grid."""
    m, n = c.shape
    out = Scan(
        max_bits=np.empty(m, dtype=np.uint64),
        total=np.empty(m),
        band_sums={k: np.zeros((m, size)) for k, (size, _) in bands.items()},
        spot_sum=None if spot is None else np.empty(m),
    )
    chunks = _chunks(m, n)
    if COMPILED:
        compiled()  # compile (or load from the disk cache) here, not in two threads at once
    if len(chunks) == 1:
        _scan_rows(c, bands, spot, out, 0, m)
    else:
        # Why threads cannot change the bits: every figure of a row comes from that row alone (module
        # docstring); numpy releases the GIL in its loops
        # (https://numpy.org/doc/stable/reference/thread_safety.html).
        with ThreadPoolExecutor(max_workers=min(len(chunks), _threads())) as pool:
            list(pool.map(lambda rr: _scan_rows(c, bands, spot, out, *rr), chunks))
    first_cal = next(iter(bands), None)
    if first_cal is not None:
        # Total = F1 + F2 + F3 in band order, so TOU lines and per-unit lines agree before rounding.
        bs = out.band_sums[first_cal]
        out.total[:] = bs[:, 0]
        for k in range(1, bs.shape[1]):
            out.total += bs[:, k]
    return out


def _threads() -> int:
    """The cores this process may run on (``sched_getaffinity`` honours taskset and cgroup cpusets), at most
    ``SALDO_RATING_THREADS`` when set: e.g. 1 in each of several worker processes on one machine."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = max(1, os.cpu_count() or 1)
    text = os.environ.get("SALDO_RATING_THREADS", "").strip()
    if not text:
        return cores
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"SALDO_RATING_THREADS {text!r} is not a whole number of threads >= 1")
    return min(cores, int(text))


def _chunks(m: int, n: int) -> list[tuple[int, int]]:
    """Contiguous ranges of rows of ~``_THREAD_BYTES`` each (one range below that), at least one per thread.

    Why many more ranges than threads: the pool hands them out as threads come free, so a thread that the
    machine's other load deschedules holds up one small range, not half the batch.  Measured on the
    benchmark at load ~8 on 2 cores: two halves 45 ms median, 32 ranges 34 ms, one thread 45 ms.
    """
    threads = min(m, _threads())
    if threads < 2 or m * n * 8 < _THREAD_BYTES:
        return [(0, m)]
    k = max(threads, min(m, m * n * 8 // max(_THREAD_BYTES, 1)))
    bounds = [m * i // k for i in range(k + 1)]
    return list(itertools.pairwise(bounds))


def _scan_rows(
    c: F64, bands: Mapping[str, tuple[int, Runs]], spot: F64 | None, out: Scan, start: int, stop: int
) -> None:
    """Rows ``[start, stop)`` of ``out``: compiled, or with numpy one block of meters at a time."""
    if COMPILED:
        _compiled_rows(c, bands, spot, out, start, stop)
        return
    n = c.shape[1]
    rows = max(1, _BLOCK_BYTES // (8 * max(n, 1)))
    tmp = np.empty((min(rows, stop - start), n)) if spot is not None else None
    for r0 in range(start, stop, rows):
        r1 = min(stop, r0 + rows)
        blk = c[r0:r1]
        if tmp is not None and spot is not None:
            np.multiply(blk, spot, out=tmp[: r1 - r0])  # first touch: streams the block from DRAM
        out.max_bits[r0:r1] = blk.view(np.uint64).max(axis=1)
        for key, (_, runs) in bands.items():
            # The runs of one band are summed in time order, every run in numpy's fixed order.
            per_run = np.add.reduceat(blk, runs.starts, axis=1)
            out.band_sums[key][r0:r1, runs.present] = np.add.reduceat(
                per_run[:, runs.order], runs.band_starts, axis=1
            )
        if not bands:
            out.total[r0:r1] = blk.sum(axis=1)
        if tmp is not None and out.spot_sum is not None:
            out.spot_sum[r0:r1] = tmp[: r1 - r0].sum(axis=1)



_NO_RUNS = np.empty(0, dtype=np.intp)


def _compiled_rows(
    c: F64, bands: Mapping[str, tuple[int, Runs]], spot: F64 | None, out: Scan, start: int, stop: int
) -> None:
    """The figures of the numpy loop above from one compiled pass per row (one more per extra calendar)."""
    bits = c.view(np.uint64)
    empty = np.empty(0)
    spot_sum = out.spot_sum if out.spot_sum is not None else empty
    todo = list(bands.items()) or [("", (0, Runs(_NO_RUNS, _NO_RUNS, _NO_RUNS, _NO_RUNS, _NO_RUNS)))]
    for i, (key, (_, runs)) in enumerate(todo):
        compiled()(
            c,
            bits,
            start,
            stop,
            spot if spot is not None and i == 0 else empty,
            runs.starts,
            runs.long,
            runs.order,
            runs.band_starts,
            runs.present,
            out.max_bits,
            spot_sum,
            out.total,
            out.band_sums[key] if key else np.empty((0, 0)),
        )
