"""Rating benchmark: one year of 15-minute data per meter (2026 in Europe/Rome, 35,040 intervals), priced
with a TOU (ARERA F1/F2/F3) + spot-indexed + demand + standing tariff.

Figures, all from the same run on the same (M, N) float64 array:
- kernel: ``rate_period`` over the whole batch (validation, bands, spot, demand, standing), best of runs,
  on as many threads as the process has cores (chunks of meters; a meter's bits never depend on it);
- kernel on one thread, for information (the limit's BLAS uses every core), and the kernel with numpy's
  scan instead of the compiled one (the same bits; what runs without numba);
- limit: ``load @ price`` (BLAS matrix-vector product: one read of the array, as fast as memory allows,
  on every core BLAS wants) - the memory-bandwidth limit;
- peer: a straightforward pandas implementation of the same tariff (DataFrame per meter with a local
  timestamp index, band column by ``np.where`` on dt fields, ``groupby`` sums), on a subset of meters,
  scaled per meter.
ratio to the limit = limit / kernel (goal >= 0.3); speed-up over the peer = peer s/meter x M / kernel
(goal >= 20). Exit status 1 if kernel and pandas disagree by more than 1e-6 relative.

Usage: ``python bench/rating.py [--meters 1000] [--peer-meters 20] [--repeat 5] [--json]``
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.billing.rating import (
    ITALY_ARERA,
    Demand,
    SpotIndexed,
    StandingCharge,
    TariffVersion,
    TimeOfUse,
    build_grid,
    rate_period,
)
from ledger.billing.rating import scan as rating_scan

ZONE = "Europe/Rome"
START, END = date(2026, 1, 1), date(2027, 1, 1)
STANDING_EUR_PER_DAY = Decimal("0.35")
NETWORK_EUR_PER_KWH = (Decimal("0.0310"), Decimal("0.0265"), Decimal("0.0198"))  # F1, F2, F3
LOSSES, SPREAD_EUR_PER_KWH = Decimal("0.102"), Decimal("0.0150")
DEMAND_EUR_PER_KW = Decimal("4.50")
TARIFF = TariffVersion(
    "BIZ-SPOT",
    "2026-01",
    START,
    None,
    "EUR",
    Decimal("22"),
    (
        StandingCharge(STANDING_EUR_PER_DAY),
        TimeOfUse(NETWORK_EUR_PER_KWH, "IT-ARERA-F123", name="network"),
        SpotIndexed(LOSSES, SPREAD_EUR_PER_KWH),
        Demand(DEMAND_EUR_PER_KW),
    ),
)
# Kernel line order: standing, network F1, F2, F3, energy (spot), demand.
COLUMNS = ("standing", "network_f1", "network_f2", "network_f3", "energy_spot", "demand")


def best_of(n: int, fns: dict[str, Callable[[], object]]) -> dict[str, tuple[float, object]]:
    """Best wall time of each function over ``n`` rounds, the functions interleaved within a round, so
    that load from other processes on a shared machine hits all of them alike."""
    best: dict[str, tuple[float, object]] = {k: (float("inf"), None) for k in fns}
    for _ in range(n):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            out = fn()
            took = time.perf_counter() - t0
            if took < best[key][0]:
                best[key] = (took, out)
    return best


def one_thread(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with the kernel's scan held to one thread."""

    def run() -> object:
        saved = rating_scan._threads
        rating_scan._threads = lambda: 1
        try:
            return fn()
        finally:
            rating_scan._threads = saved

    return run


def numpy_scan(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with the kernel's numpy scan instead of the compiled one."""

    def run() -> object:
        saved = rating_scan.COMPILED
        rating_scan.COMPILED = False
        try:
            return fn()
        finally:
            rating_scan.COMPILED = saved

    return run


def synthetic(meters: int, grid_hours: np.ndarray, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Load (M, N) kWh per quarter hour (daily shape x meter size x noise) and spot EUR/kWh (N,)."""
    rng = np.random.default_rng(seed)
    shape = 0.6 + 0.4 * np.sin((grid_hours - 6) / 24 * 2 * np.pi).clip(0) + 0.2 * (grid_hours >= 18)
    load_kwh = rng.uniform(0.5, 1.5, (meters, grid_hours.size))
    load_kwh *= shape
    load_kwh *= rng.uniform(0.02, 0.5, (meters, 1))
    spot = 0.09 + 0.05 * np.sin(grid_hours / 24 * 2 * np.pi) + rng.normal(0, 0.02, grid_hours.size)
    return load_kwh, spot


def pandas_peer(load_kwh: np.ndarray, spot: np.ndarray, utc: np.ndarray) -> np.ndarray:
    """The naive peer, one meter at a time; returns amounts in COLUMNS order."""
    index = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(ZONE)
    it_holidays = set(holidays.country_holidays("IT", years=range(START.year, END.year)))
    out = np.empty((load_kwh.shape[0], len(COLUMNS)))
    for m in range(load_kwh.shape[0]):
        df = pd.DataFrame({"kwh": load_kwh[m], "spot": spot}, index=index)
        hour, dow = df.index.hour, df.index.day_of_week
        local_day = df.index.date
        holiday = pd.Series(local_day, index=df.index).isin(it_holidays).to_numpy()
        f2_weekday = (hour == 7) | ((hour >= 19) & (hour < 23))
        weekday_band = np.where((hour >= 8) & (hour < 19), 0, np.where(f2_weekday, 1, 2))
        saturday_band = np.where((hour >= 7) & (hour < 23), 1, 2)
        df["band"] = np.where(holiday | (dow == 6), 2, np.where(dow == 5, saturday_band, weekday_band))
        per_band = df.groupby("band")["kwh"].sum().reindex([0, 1, 2], fill_value=0.0)
        days = pd.Series(local_day).nunique()
        total_kwh = df["kwh"].sum()
        spot_cost = (df["kwh"] * df["spot"]).sum() * float(1 + LOSSES) + float(SPREAD_EUR_PER_KWH) * total_kwh
        demand_kw = df["kwh"].max() * 4
        out[m] = (
            days * float(STANDING_EUR_PER_DAY),
            *(per_band.to_numpy() * [float(p) for p in NETWORK_EUR_PER_KWH]),
            spot_cost,
            demand_kw * float(DEMAND_EUR_PER_KW),
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--peer-meters", type=int, default=20, help="meters priced by the pandas peer")
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds (best is reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (for bench/run_all.py)")
    args = parser.parse_args()

    grid = build_grid(START, END, 15, ZONE)
    load_kwh, spot = synthetic(args.meters, grid.local_hour.astype(float) + grid.local_minute / 60)
    price = np.ascontiguousarray(spot)

    # The road not taken, timed in the same run: band sums and spot cost as one BLAS product with a
    # one-hot band matrix (plus the same max pass).  Faster, but a meter's last bits then depend on the
    # batch it is in (BLAS blocking), which billing cannot accept; see ledger/billing/rating/kernel.py.
    onehot = np.zeros((grid.n_intervals, 4))
    onehot[np.arange(grid.n_intervals), ITALY_ARERA.bands(grid)] = 1.0
    onehot[:, 3] = spot
    timed = best_of(
        max(5, args.repeat),
        {
            "kernel": lambda: rate_period(load_kwh, grid, [TARIFF], spot),
            "kernel_one_thread": one_thread(lambda: rate_period(load_kwh, grid, [TARIFF], spot)),
            "kernel_numpy_scan": numpy_scan(lambda: rate_period(load_kwh, grid, [TARIFF], spot)),
            "limit": lambda: load_kwh @ price,
            # Context, not a goal: one single-threaded numpy pass over the same array.
            "one_pass": lambda: load_kwh.max(axis=1),
            "blas": lambda: (load_kwh @ onehot, load_kwh.view(np.uint64).max(axis=1)),
        },
    )
    kernel_s, kernel_1t_s = timed["kernel"][0], timed["kernel_one_thread"][0]
    kernel_np_s = timed["kernel_numpy_scan"][0]
    threads = min(len(rating_scan._chunks(args.meters, grid.n_intervals)), rating_scan._threads())
    segments = rate_period(load_kwh, grid, [TARIFF], spot)  # the figures checked below
    limit_s, one_pass_s, blas_s = timed["limit"][0], timed["one_pass"][0], timed["blas"][0]
    sub = min(7, args.meters)
    blas_stable = bool(np.array_equal(load_kwh[:sub] @ onehot, (load_kwh @ onehot)[:sub]))

    k = min(args.peer_meters, args.meters)
    t0 = time.perf_counter()
    peer = pandas_peer(load_kwh[:k], spot, grid.utc_datetime64())
    peer_s = time.perf_counter() - t0
    peer_per_meter_s = peer_s / k

    result = segments[0].result
    got_lines = [s.component + (s.description[-3:] if s.kind == "tou" else "") for s in result.lines]
    expected_lines = ["standing", "network F1", "network F2", "network F3", "energy", "demand"]
    if result.issues or got_lines != expected_lines:
        print(f"unexpected kernel lines or issues: {result.lines} {result.issues}", file=sys.stderr)
        return 1
    kernel_amounts = result.amount[:k]
    rel = np.abs(kernel_amounts - peer) / np.maximum(np.abs(peer), 1e-12)
    agree = bool(np.all(rel <= 1e-6))
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2

    figures = {
        "meters": args.meters,
        "intervals": grid.n_intervals,
        "kernel_s": kernel_s,
        "kernel_threads": threads,
        "kernel_one_thread_s": kernel_1t_s,
        "goal_kernel_s": limit_s / 0.3,
        "kernel_compiled_scan": rating_scan.COMPILED,
        "kernel_numpy_scan_s": kernel_np_s,
        "limit_s": limit_s,
        "one_numpy_pass_s": one_pass_s,
        "peer_s_per_meter": peer_per_meter_s,
        "peer_meters": k,
        "ratio_to_limit": limit_s / kernel_s,
        "speedup_over_peer": peer_per_meter_s * args.meters / kernel_s,
        "blas_onehot_s": blas_s,
        "blas_onehot_bit_identical_in_sub_batch": blas_stable,
        "max_relative_difference": float(rel.max()),
        "agree": agree,
        "peak_rss_gb": rss_gb,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{'meters':>7} {'intervals':>9} {'kernel s':>9} {'limit s':>9} {'peer s/meter':>12} "
            f"{'ratio to limit':>15} {'speed-up over peer':>19}"
        )
        print(
            f"{args.meters:>7} {grid.n_intervals:>9} {kernel_s:>9.4f} {limit_s:>9.4f} "
            f"{peer_per_meter_s:>12.4f} "
            f"{figures['ratio_to_limit']:>7.2f} (>=0.3) {figures['speedup_over_peer']:>10.0f}x (>=20x)"
        )
        print(
            f"kernel on {threads} thread(s); goal: kernel <= limit / 0.3 = {limit_s / 0.3:.4f} s "
            f"({'met' if limit_s / kernel_s >= 0.3 else 'not met'}); on one thread {kernel_1t_s:.4f} s "
            f"(ratio {limit_s / kernel_1t_s:.2f}); {'compiled' if rating_scan.COMPILED else 'numpy'} scan, "
            f"with numpy's scan {kernel_np_s:.4f} s (ratio {limit_s / kernel_np_s:.2f}, the same bits)"
        )
        print(
            f"one single-threaded numpy pass (max) over the same array: {one_pass_s:.4f} s "
            f"(kernel = {kernel_s / one_pass_s:.1f} passes, on one thread {kernel_1t_s / one_pass_s:.1f})"
        )
        print(
            f"BLAS one-hot alternative (not used): {blas_s:.4f} s, ratio {limit_s / blas_s:.2f}; its rows "
            f"bit-identical in a {sub}-meter sub-batch: {'yes' if blas_stable else 'no'}"
        )
        print(
            f"kernel vs pandas on {k} meters x {len(COLUMNS)} amounts: max relative difference "
            f"{rel.max():.1e} -> {'agree' if agree else 'DISAGREE'} (tolerance 1e-6); "
            f"peak RSS {rss_gb:.2f} GB"
        )
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
