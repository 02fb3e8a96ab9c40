"""The scan of :mod:`ledger.billing.rating.scan` as one compiled pass per meter (numba), bit for bit numpy's.

Why compiled: numpy needs a pass per operation (multiply into a temporary, max, ``add.reduceat`` with
~10 ns of overhead per run and meter, sum), which is ~4-5 reads of every value; the limit the benchmark
measures reads it once.  Here one loop per meter does it all while the meter's row sits in L1/L2.

Why the figures do not change: every sum below is numpy's own pairwise summation, rewritten operation for
operation (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src: plain adds from -0.0 below 8 values, 8
accumulators up to 128, halves rounded to a multiple of 8 above), with the same first value:
``add.reduce`` of a row is ``0.0 + pairwise(row)``, ``add.reduceat`` of a segment is
``a[start] + pairwise(a[start + 1:stop])``.  A product is one IEEE multiply (numba does not contract
``a * b + c`` into an FMA without ``fastmath``,
https://numba.readthedocs.io/en/stable/user/performance-tips.html#fastmath),
the same as ``np.multiply``.  So the results are those of the numpy scan, which tests assert bit for bit on
random data; without numba the numpy scan runs instead and nothing else changes.  A meter's arithmetic
reads only its own row: batch, order, block and thread cannot change it.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["AVAILABLE", "compiled"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: numba is installed (a dependency; without it the numpy scan runs, with the same figures).
AVAILABLE = importlib.util.find_spec("numba") is not None
_INLINED: list[str] = []
_CALLED: list[str] = []


def _inline(fn: _F) -> _F:
    """Compiled inlined where it is called (no call and no reference counting of array views per run)."""
    _INLINED.append(fn.__name__)
    return fn


def _jit(fn: _F) -> _F:
    """Compiled as a function of its own."""
    _CALLED.append(fn.__name__)
    return fn


@functools.cache
def compiled() -> Callable[..., None]:
    """``scan_rows`` compiled: numba imported and the module's functions replaced by their compiled selves on
    the first call only (importing numba costs ~0.5 s, so a process that never rates a batch never pays it);
    no GIL (the threads of ``scan``), cached on disk beside the module (``__pycache__``)."""
    import numba  # lazily, see above

    names = globals()
    for name in _INLINED:
        names[name] = numba.njit(nogil=True, cache=True, error_model="numpy", inline="always")(names[name])
    for name in _CALLED:
        names[name] = numba.njit(nogil=True, cache=True, error_model="numpy")(names[name])
    fn: Callable[..., None] = names["scan_rows"]
    return fn


_U = np.uintp  # unsigned indices: numba skips its negative-index wrap-around, and LLVM can vectorize


@_inline
def _leaf_sum(a: NDArray[np.float64], lo: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's ``pairwise_sum`` of ``a[lo:lo + n]`` for ``n <= 128``, operation for operation."""
    b = _U(lo)
    if n < 8:
        res = -0.0  # numpy starts short sums at -0.0, the exact identity of IEEE addition
        for i in range(n):
            res += a[b + _U(i)]
        return res
    r0, r1, r2, r3 = a[b], a[b + _U(1)], a[b + _U(2)], a[b + _U(3)]
    r4, r5, r6, r7 = a[b + _U(4)], a[b + _U(5)], a[b + _U(6)], a[b + _U(7)]
    whole = n - n % 8
    for i in range(8, whole, 8):
        j = b + _U(i)
        r0 += a[j]
        r1 += a[j + _U(1)]
        r2 += a[j + _U(2)]
        r3 += a[j + _U(3)]
        r4 += a[j + _U(4)]
        r5 += a[j + _U(5)]
        r6 += a[j + _U(6)]
        r7 += a[j + _U(7)]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(whole, n):
        res += a[b + _U(i)]
    return float(res)


@_inline
def _leaf_dot(a: NDArray[np.float64], w: NDArray[np.float64], lo: int, n: int) -> float:  # pragma: no cover
    """``_leaf_sum`` of the products ``a[t] * w[t]`` (what ``np.multiply`` then ``add.reduce`` add up)."""
    b = _U(lo)
    if n < 8:
        res = -0.0  # numpy starts short sums at -0.0, the exact identity of IEEE addition
        for i in range(n):
            res += a[b + _U(i)] * w[b + _U(i)]
        return res
    r0, r1 = a[b] * w[b], a[b + _U(1)] * w[b + _U(1)]
    r2, r3 = a[b + _U(2)] * w[b + _U(2)], a[b + _U(3)] * w[b + _U(3)]
    r4, r5 = a[b + _U(4)] * w[b + _U(4)], a[b + _U(5)] * w[b + _U(5)]
    r6, r7 = a[b + _U(6)] * w[b + _U(6)], a[b + _U(7)] * w[b + _U(7)]
    whole = n - n % 8
    for i in range(8, whole, 8):
        j = b + _U(i)
        r0 += a[j] * w[j]
        r1 += a[j + _U(1)] * w[j + _U(1)]
        r2 += a[j + _U(2)] * w[j + _U(2)]
        r3 += a[j + _U(3)] * w[j + _U(3)]
        r4 += a[j + _U(4)] * w[j + _U(4)]
        r5 += a[j + _U(5)] * w[j + _U(5)]
        r6 += a[j + _U(6)] * w[j + _U(6)]
        r7 += a[j + _U(7)] * w[j + _U(7)]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(whole, n):
        res += a[b + _U(i)] * w[b + _U(i)]
    return float(res)


@_jit
def _pairwise(
    a: NDArray[np.float64],
    w: NDArray[np.float64],
    dot: bool,
    lo: int,
    n: int,
    stack: NDArray[np.int64],
    sums: NDArray[np.float64],
) -> float:  # pragma: no cover - compiled
    """numpy's ``pairwise_sum`` of ``a[lo:lo + n]`` (or of its products with ``w``): above 128 values, the
    sum of the two halves, the first a multiple of 8.

    Walked with an explicit stack (numba caches recursive functions badly): ``stack`` holds (first, count,
    step) triples, step 0 = left half to do, 1 = right half to do, 2 = add them; ``sums`` the pending sums.
    """
    if n <= 128:
        return _leaf_dot(a, w, lo, n) if dot else _leaf_sum(a, lo, n)
    top, pending = 0, 0
    stack[0], stack[1], stack[2] = lo, n, 0
    while top >= 0:
        first, count, step = stack[3 * top], stack[3 * top + 1], stack[3 * top + 2]
        if count <= 128:
            sums[pending] = _leaf_dot(a, w, first, count) if dot else _leaf_sum(a, first, count)
            pending += 1
            top -= 1
            continue
        if step == 2:
            pending -= 1
            sums[pending - 1] = sums[pending - 1] + sums[pending]
            top -= 1
            continue
        half = count // 2
        half -= half % 8
        stack[3 * top + 2] = step + 1
        top += 1
        stack[3 * top] = first if step == 0 else first + half
        stack[3 * top + 1] = half if step == 0 else count - half
        stack[3 * top + 2] = 0
    return float(sums[0])


@_inline
def _segment(
    a: NDArray[np.float64], start: int, stop: int, stack: NDArray[np.int64], sums: NDArray[np.float64]
) -> float:  # pragma: no cover - compiled
    """``np.add.reduceat``'s sum of ``a[start:stop]``: the first value, then the pairwise sum of the rest."""
    if stop - start == 1:
        return float(a[start])  # copied, not added to 0.0: -0.0 stays -0.0, as in numpy
    if stop - start - 1 <= 128:  # most runs: the leaf, inlined (a call costs more than the sum)
        return float(a[start] + _leaf_sum(a, start + 1, stop - start - 1))
    return float(a[start] + _pairwise(a, a, False, start + 1, stop - start - 1, stack, sums))


@_jit
def scan_rows(  # a compiled loop takes its arrays one by one
    c: NDArray[np.float64],
    bits: NDArray[np.uint64],
    start: int,
    stop: int,
    spot: NDArray[np.float64],
    run_starts: NDArray[np.intp],
    long_runs: NDArray[np.intp],
    run_order: NDArray[np.intp],
    band_starts: NDArray[np.intp],
    present: NDArray[np.intp],
    max_bits: NDArray[np.uint64],
    spot_sum: NDArray[np.float64],
    total: NDArray[np.float64],
    band_sums: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Rows ``[start, stop)``: max bits, spot sum (if ``spot`` is not empty), band sums (if there are runs)
    or else the total; ``bits`` is ``c`` viewed as uint64."""
    n = c.shape[1]
    n_runs = run_starts.shape[0]
    per_run = np.empty(n_runs)
    gathered = np.empty(n_runs)
    stack = np.empty(3 * 64, dtype=np.int64)  # depth <= log2(n / 128) + 1: 64 levels is 2^70 values
    sums = np.empty(64)
    for r in range(start, stop):
        row = c[r]
        row_bits = bits[r]
        top = np.uint64(0)
        for t in range(n):  # first touch: streams the row in from DRAM
            v = row_bits[t]
            top = v if v > top else top
        max_bits[r] = top
        if spot.shape[0] == n:
            spot_sum[r] = 0.0 + _pairwise(row, spot, True, 0, n, stack, sums)
        if n_runs == 0:
            total[r] = 0.0 + _pairwise(row, row, False, 0, n, stack, sums)
            continue
        for k in range(n_runs):  # most runs: <= 129 values, the leaf inlined
            first = run_starts[k]
            end = run_starts[k + 1] if k + 1 < n_runs else n
            if end - first == 1:
                per_run[k] = row[first]  # copied, not added to 0.0: -0.0 stays -0.0, as in numpy
            elif end - first <= 129:
                per_run[k] = row[first] + _leaf_sum(row, first + 1, end - first - 1)
        for k in long_runs:  # a call to the tree walk inside the loop above would slow every run 5x
            end = run_starts[k + 1] if k + 1 < n_runs else n
            first = run_starts[k]
            per_run[k] = row[first] + _pairwise(row, row, False, first + 1, end - first - 1, stack, sums)
        for k in range(n_runs):
            gathered[k] = per_run[run_order[k]]
        for b in range(band_starts.shape[0]):
            end = band_starts[b + 1] if b + 1 < band_starts.shape[0] else n_runs
            band_sums[r, present[b]] = _segment(gathered, band_starts[b], end, stack, sums)
