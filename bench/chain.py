"""Cost of the hash chain on the ledger append (PostgreSQL), and how fast a store verifies.

The same append as ``bench/ledger.py`` (an invoice and a payment per account through
``Saldo.execute_many``), run transaction by transaction with the chain's append switched on and off in
turn (on/off, off/on, ...), in one process on one schema, so that the load of a shared machine falls on
both alike. Printed: the median time per transaction with and without the chain and their ratio (the
limit measured in the same run is the append without the chain), for large transactions (a batch of
``--batch`` commands, as imports and runs write) and for small ones (one account's two commands, as an
HTTP request writes); the time spent in the chain's own work (head read, hashing, insert); and
``saldo audit verify``'s rate against a raw ``SELECT`` of the same rows.

Usage: ``python bench/chain.py [--accounts 10000] [--batch 1000] [--small 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services
from bench.common import scratch_services
from bench.ledger import LINES, _account_id, _setup
from ledger.accounts import commands as ac
from ledger.payments import commands as pmt
from projections.chain_sql import chained, verify_chain


def _transaction(svc: Services, accounts: range, tag: str) -> float:
    commands: list[tuple[object, str]] = []
    for i in accounts:
        account = _account_id(i)
        commands.append((ac.IssueInvoice(account, LINES, date(2026, 3, 1)), f"{tag}:{i}:invoice"))
        commands.append((pmt.RecordPayment(account, Decimal("60.00"), date(2026, 3, 20)),
                         f"{tag}:{i}:payment"))
    started = time.perf_counter()
    items = svc.app.execute_many(commands)
    seconds = time.perf_counter() - started
    if any(item.error for item in items):
        raise SystemExit(f"benchmark command refused: {next(i.error for i in items if i.error)}")
    return seconds


def _interleaved(svc: Services, first: int, count: int, per_txn: int, spent: list[float]
                 ) -> tuple[list[float], list[float], float, float]:
    """(seconds per transaction with the chain, without, seconds inside the chain's append, events per
    transaction)."""
    before = svc.app.recorder.max_notification_id() or 0
    chain = chained(svc.app.recorder).chain
    real: Callable[..., None] = chain.append

    def timed(*args: Any) -> None:
        started = time.perf_counter()
        real(*args)
        spent.append(time.perf_counter() - started)

    on: list[float] = []
    off: list[float] = []
    spent.clear()
    for n, start in enumerate(range(first, first + count, per_txn)):
        with_chain = (n % 4) in (0, 3)  # on, off, off, on, on, off, ...: each follows each equally often
        chain.append = timed if with_chain else (lambda *args: None)  # type: ignore[method-assign]
        seconds = _transaction(svc, range(start, min(start + per_txn, first + count)), f"chain:{start}")
        (on if with_chain else off).append(seconds)
    chain.append = real  # type: ignore[method-assign]
    events = (svc.app.recorder.max_notification_id() or 0) - before
    return on, off, sum(spent), events / (len(on) + len(off))


def _raw_read_seconds(url: str, schema: str, table: str) -> tuple[int, float]:
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        position, rows = 0, 0
        while chunk := conn.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                f'FROM "{schema}".{table} WHERE notification_id > %s ORDER BY notification_id LIMIT 5000',
                (position,)).fetchall():
            rows += len(chunk)
            position = chunk[-1][0]
        return rows, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts of the large transactions")
    parser.add_argument("--batch", type=int, default=1000, help="commands per large transaction")
    parser.add_argument("--small", type=int, default=300, help="small transactions (one account each)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (for bench/run_all.py)")
    args = parser.parse_args()
    with scratch_services("chain", date(2026, 3, 1)) as (svc, url, schema):
        _setup(svc, args.accounts + args.small, args.batch)
        spent: list[float] = []
        big_on, big_off, big_chain, big_events = _interleaved(svc, 0, args.accounts, args.batch // 2, spent)
        small_on, small_off, small_chain, small_events = _interleaved(svc, args.accounts, args.small, 1,
                                                                      spent)
        # The chain was switched off for half the transactions: link them, so that it verifies.
        recorder = chained(svc.app.recorder)
        with recorder.locked() as curs:
            curs.execute(f"DELETE FROM {recorder.chain.chain_table}")
            recorder.chain.backfill(curs)
        started = time.perf_counter()
        report = verify_chain(recorder)
        verify_seconds = time.perf_counter() - started
        if not report.intact:
            raise SystemExit(f"chain does not verify: {report.problem}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        rows, raw_seconds = _raw_read_seconds(url, schema, table)
    result = {
        "large_txn_ms_with_chain": 1000 * statistics.median(big_on),
        "large_txn_ms_without": 1000 * statistics.median(big_off),
        "large_ratio": statistics.median(big_on) / statistics.median(big_off),
        "large_chain_ms_per_txn": 1000 * big_chain / len(big_on), "large_txn_events": big_events,
        "small_txn_ms_with_chain": 1000 * statistics.median(small_on),
        "small_txn_ms_without": 1000 * statistics.median(small_off),
        "small_ratio": statistics.median(small_on) / statistics.median(small_off),
        "small_chain_ms_per_txn": 1000 * small_chain / max(len(small_on), 1),
        "small_txn_events": small_events,
        "verify_events_per_s": report.events / verify_seconds, "raw_read_rows_per_s": rows / raw_seconds,
        "verify_ratio": (report.events / verify_seconds) / (rows / raw_seconds), "events": report.events,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"large txns ({big_events:.0f} events): {result['large_txn_ms_with_chain']:8.1f} ms with chain,"
          f" {result['large_txn_ms_without']:8.1f} ms without: ratio {result['large_ratio']:.3f}; "
          f"the chain's own work {result['large_chain_ms_per_txn']:.1f} ms/txn")
    print(f"small txns ({small_events:.0f} events): {result['small_txn_ms_with_chain']:8.2f} ms with chain,"
          f" {result['small_txn_ms_without']:8.2f} ms without: ratio {result['small_ratio']:.3f}; "
          f"the chain's own work {result['small_chain_ms_per_txn']:.2f} ms/txn")
    print(f"verify   {report.events} events: {result['verify_events_per_s']:9.0f} ev/s  raw select "
          f"{result['raw_read_rows_per_s']:9.0f} rows/s  ratio {result['verify_ratio']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
