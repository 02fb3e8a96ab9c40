"""The scan's blocks of meters and its threads never change a meter's bits (issue 12, item 6).

The kernel cuts a batch into chunks of meters for threads and every chunk into ~1 MiB blocks; both cuts
depend on the batch's size.  These tests force small blocks and several threads, so that batches of a few
meters already cross block and chunk boundaries, and compare bytes with each meter rated alone.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rating_helpers import D, version

from ledger.billing.rating import fused, scan
from ledger.billing.rating.calendar import ITALY_ARERA, build_grid
from ledger.billing.rating.kernel import KernelResult, rate_arrays
from ledger.billing.rating.tariff import (
    Demand,
    FlatEnergy,
    SpotIndexed,
    StandingCharge,
    TieredBlocks,
    TimeOfUse,
)

TOU_SPOT = version(
    StandingCharge(D("0.35")),
    TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123", name="network"),
    SpotIndexed(D("0.102"), D("0.0150")),
    TieredBlocks((D("5"), D("12")), (D("0.1"), D("0.2"), D("0.4")), name="tiers"),
    Demand(D("4.5")),
)
# No time-of-use: the total is the scan's own row sum, not F1 + F2 + F3.
FLAT_SPOT = version(FlatEnergy(D("0.2150")), SpotIndexed(D("0.102"), D("0.0150")), Demand(D("4.5")))
FIELDS = ("quantity", "unit_price", "amount")


@contextmanager
def cut(block_rows: int, threads: int, n: int) -> Iterator[None]:
    """Blocks of ``block_rows`` meters of ``n`` intervals, ``threads`` threads from the first byte."""
    saved = scan._BLOCK_BYTES, scan._THREAD_BYTES, scan._threads
    scan._BLOCK_BYTES, scan._THREAD_BYTES = 8 * n * block_rows, 0
    scan._threads = lambda: threads
    try:
        yield
    finally:
        scan._BLOCK_BYTES, scan._THREAD_BYTES, scan._threads = saved


def same_rows(part: KernelResult, full: KernelResult, rows: np.ndarray) -> bool:
    return all(getattr(part, f).tobytes() == getattr(full, f)[rows].tobytes() for f in FIELDS)


@settings(max_examples=40, deadline=None, database=None)
@given(
    start=st.sampled_from([date(2026, 3, 27), date(2026, 5, 30), date(2026, 10, 23), date(2026, 12, 24)]),
    n_days=st.integers(1, 9),
    resolution=st.sampled_from([15, 30, 60]),
    m=st.integers(1, 23),
    block_rows=st.integers(1, 5),
    threads=st.integers(1, 4),
    tariff=st.sampled_from([TOU_SPOT, FLAT_SPOT]),
    compiled=st.booleans(),
    data=st.data(),
)
def test_random_sub_batches_cut_into_blocks_and_threads_keep_every_byte(
    start, n_days, resolution, m, block_rows, threads, tariff, compiled, data
):
    """Any sub-batch, in any order, in any blocks on any threads, compiled scan or numpy's: each meter's
    bytes as when it is alone."""
    if compiled and not fused.AVAILABLE:
        return
    g = build_grid(start, start + timedelta(days=n_days), resolution, "Europe/Rome")
    kwh = st.floats(0, 50, allow_nan=False, allow_infinity=False)
    c = data.draw(arrays(np.float64, (m, g.n_intervals), elements=kwh))
    spot = data.draw(arrays(np.float64, g.n_intervals, elements=st.floats(-0.1, 0.5, allow_nan=False)))
    alone = [rate_arrays(c[i : i + 1], g, tariff, spot) for i in range(m)]
    picked = data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=m, unique=True))
    rows = np.array(picked, dtype=np.intp)
    with cut(block_rows, threads, g.n_intervals), scan_kind(compiled):
        part = rate_arrays(np.ascontiguousarray(c[rows]), g, tariff, spot)
        whole = rate_arrays(c, g, tariff, spot)
    for k, r in enumerate(rows):
        assert all(getattr(part, f)[k].tobytes() == getattr(alone[r], f)[0].tobytes() for f in FIELDS)
    assert same_rows(whole, rate_arrays(c, g, tariff, spot), np.arange(m))


def test_a_year_of_quarter_hours_on_threads_matches_each_meter_alone(monkeypatch):
    """The benchmark's shape in small: 37 meters (10 MiB, so the default settings use threads), sizes not
    multiples of any SIMD width; every meter's bytes equal its own single-meter, single-thread result."""
    monkeypatch.setattr(scan, "_threads", lambda: 2)
    g = build_grid(date(2026, 1, 1), date(2027, 1, 1), 15, "Europe/Rome")
    rng = np.random.default_rng(12)
    c = rng.gamma(2.0, 0.1, (37, g.n_intervals))
    spot = 0.09 + rng.normal(0, 0.03, g.n_intervals)
    assert len(scan._chunks(37, g.n_intervals)) == 2  # the threaded path really runs
    full = rate_arrays(c, g, TOU_SPOT, spot)
    for rows in ([5], [36, 0, 17], list(range(1, 36, 5)), list(range(13))):
        r = np.array(rows, dtype=np.intp)
        assert same_rows(rate_arrays(np.ascontiguousarray(c[r]), g, TOU_SPOT, spot), full, r), rows
    monkeypatch.setattr(scan, "_threads", lambda: 1)
    assert same_rows(rate_arrays(c, g, TOU_SPOT, spot), full, np.arange(37))


def test_band_sums_are_reduceat_over_runs_in_time_order():
    """What the scan computes, spelled out on one meter: F1 of an ARERA Monday (hourly, 08-19) is the first
    run's reduceat sum - the first value plus numpy's pairwise sum of the rest - not any other order."""
    g = build_grid(date(2026, 6, 1), date(2026, 6, 2), 60, "Europe/Rome")
    c = np.array([[0.1 * (h + 1) + 1e-13 * h * h for h in range(24)]])
    runs = scan.runs_of(ITALY_ARERA.bands(g))
    out = scan.scan(c, {"IT": (3, runs)}, None)
    f1 = c[0, 8:19]
    assert out.band_sums["IT"][0, 0].tobytes() == (f1[0] + np.add.reduce(f1[1:])).tobytes()
    assert out.max_bits[0] == c[0].view(np.uint64).max()


def test_saldo_rating_threads_caps_the_threads(monkeypatch):
    """One thread per worker process when several share a machine; a bad value is a one-line error."""
    monkeypatch.setattr(scan.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    monkeypatch.delenv("SALDO_RATING_THREADS", raising=False)
    assert scan._threads() == 4
    monkeypatch.setenv("SALDO_RATING_THREADS", "1")
    assert scan._threads() == 1
    assert scan._chunks(1000, 35040) == [(0, 1000)]
    monkeypatch.setenv("SALDO_RATING_THREADS", "16")
    assert scan._threads() == 4
    monkeypatch.setenv("SALDO_RATING_THREADS", "two")
    with pytest.raises(ValueError, match="SALDO_RATING_THREADS 'two' is not a whole number"):
        scan._threads()


@contextmanager
def scan_kind(compiled: bool) -> Iterator[None]:
    """The compiled scan (True) or numpy's (False) within the block."""
    saved = scan.COMPILED
    scan.COMPILED = compiled
    try:
        yield
    finally:
        scan.COMPILED = saved


def both_scans(c, bands, spot):
    with scan_kind(False):
        by_numpy = scan.scan(c, bands, spot)
    with scan_kind(True):
        by_loop = scan.scan(c, bands, spot)
    return by_numpy, by_loop


@pytest.mark.skipif(not fused.AVAILABLE, reason="numba is not installed: only the numpy scan runs")
@settings(max_examples=80, deadline=None, database=None)
@given(
    n=st.integers(1, 700),
    m=st.integers(1, 6),
    n_cal=st.integers(0, 2),
    with_spot=st.booleans(),
    data=st.data(),
)
def test_compiled_scan_gives_the_numpy_scans_bits(n, m, n_cal, with_spot, data):
    """The compiled loop redoes numpy's pairwise sums: every figure byte for byte, on runs of 1 to 700 values
    (the 8-wide leaves, their tails, the tree above 128), with zeros and -0.0 among the values."""
    values = st.one_of(st.floats(0, 1e6, allow_nan=False, allow_infinity=False), st.sampled_from([0.0, -0.0]))
    c = data.draw(arrays(np.float64, (m, n), elements=values))
    bands = {}
    for k in range(n_cal):
        size = data.draw(st.integers(1, 4))
        band = np.array(data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=6)), dtype=np.int8)
        widths = data.draw(st.lists(st.integers(1, 300), min_size=len(band), max_size=len(band)))
        band = np.repeat(band, widths)[:n]
        band = np.concatenate([band, np.full(n - band.size, band[-1], dtype=np.int8)])
        bands[f"cal{k}"] = (size, scan.runs_of(band))
    spot = data.draw(arrays(np.float64, n, elements=st.floats(-1, 1, allow_nan=False))) if with_spot else None
    by_numpy, by_loop = both_scans(c, bands, spot)
    assert by_loop.max_bits.tobytes() == by_numpy.max_bits.tobytes()
    assert by_loop.total.tobytes() == by_numpy.total.tobytes()
    if spot is not None:
        assert by_loop.spot_sum.tobytes() == by_numpy.spot_sum.tobytes()
    for key in bands:
        assert by_loop.band_sums[key].tobytes() == by_numpy.band_sums[key].tobytes(), key


@pytest.mark.skipif(not fused.AVAILABLE, reason="numba is not installed: only the numpy scan runs")
def test_compiled_kernel_gives_the_numpy_kernels_invoice_figures_on_a_year():
    """A year of quarter hours (runs of 4 to 320 values, DST days, holidays), TOU + spot + demand + tiers."""
    g = build_grid(date(2026, 1, 1), date(2027, 1, 1), 15, "Europe/Rome")
    rng = np.random.default_rng(6)
    c = rng.gamma(2.0, 0.1, (9, g.n_intervals))
    c[3, 100:200] = 0.0
    c[4, 7] = -0.0
    spot = 0.09 + rng.normal(0, 0.03, g.n_intervals)
    with scan_kind(False):
        by_numpy = rate_arrays(c, g, TOU_SPOT, spot)
    with scan_kind(True):
        by_loop = rate_arrays(c, g, TOU_SPOT, spot)
    assert same_rows(by_loop, by_numpy, np.arange(9))


def test_cached_bands_never_serve_another_calendar_or_grid():
    """The band cache is keyed by the calendar's value and the grid's shape: two calendars of one name but
    other hours, or one calendar on an hourly and a quarter-hourly grid, each get their own bands."""
    from ledger.billing.rating.calendar import peak_offpeak_calendar

    day = date(2026, 6, 1)
    early, late = peak_offpeak_calendar("P", (6, 18)), peak_offpeak_calendar("P", (9, 21))
    tou = version(TimeOfUse((D("0.30"), D("0.10")), "P"))
    for resolution in (60, 15):
        g = build_grid(day, day + timedelta(days=1), resolution, "Europe/Rome")
        per_hour = 60 // resolution
        c = np.zeros((1, g.n_intervals))
        c[0, 6 * per_hour] = 1.0  # 06:00: peak for "early", off-peak for "late"
        for cal, peak in ((early, 1.0), (late, 0.0), (early, 1.0)):
            r = rate_arrays(c, g, tou, calendars={"P": cal})
            assert r.quantity[0, 0] == peak, (resolution, cal.weekday_hours[0][6])
