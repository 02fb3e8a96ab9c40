"""Ledger benchmark on PostgreSQL: appending through the domain, and projection catch-up.

Each figure is printed as a ratio to a limit measured in the same run, on the same database:
- append: invoices + payments for N accounts through ``Saldo.execute_many`` (events/s), against raw psycopg
  ``executemany`` of rows of the same sizes into a table shaped like the event table, in the same number
  of transactions;
- catch-up: rebuilding the ledger view from position 0 (events/s), against a raw ``SELECT`` of the same
  events in the same batch size; with the CPU this process spent per event and per raw row (PostgreSQL's
  own is not in it);
- catch-up by the worker process: the same rebuild by ``saldo projections run --once --only ledger-view``
  started as a subprocess, timed from its start to its exit (start-up and imports included) and by the
  seconds it reports for the catch-up itself, against the same raw ``SELECT``.
Goals (issue #2): append ≥ 0.5× raw, catch-up ≥ 0.2× raw read.

Usage: ``python bench/ledger.py [--accounts 10000] [--batch 1000]`` (PostgreSQL from
SALDO_BENCH_DATABASE_URL, else found like the tests find it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services, build
from bench.common import raw_insert_seconds, stored_payloads
from ledger.accounts import commands as ac
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from tests.postgres import server_url

LINES = (ac.LineInput("Standing charge", "standing", Decimal("61"), "day", Decimal("0.3120"), Decimal("10")),
         ac.LineInput("Energy F1", "energy", Decimal("312.5"), "kWh", Decimal("0.1380"), Decimal("10")),
         ac.LineInput("Network", "network", Decimal("312.5"), "kWh", Decimal("0.0410"), Decimal("10")))


def _account_id(i: int) -> uuid.UUID:
    return child_id(record_id("OpenContractAccount", f"bench:{i}:account"), "account")


def _setup(svc: Services, accounts: int, batch: int) -> None:
    for start in range(0, accounts, batch // 2):
        commands: list[tuple[object, str]] = []
        for i in range(start, min(start + batch // 2, accounts)):
            key = f"bench:{i}:partner"
            partner = child_id(record_id("RegisterPartner", key), "partner")
            commands += [(pc.RegisterPartner(f"Customer {i}", PartnerKind.PERSON), key),
                         (ac.OpenContractAccount(partner, f"Account {i}"), f"bench:{i}:account")]
        svc.app.execute_many(commands)


def _append(svc: Services, accounts: int, batch: int) -> tuple[int, float, int]:
    """Issue one invoice and record one payment per account; return (events, seconds, transactions)."""
    before = svc.app.recorder.max_notification_id() or 0
    transactions = 0
    started = time.perf_counter()
    for start in range(0, accounts, batch // 2):
        commands: list[tuple[object, str]] = []
        for i in range(start, min(start + batch // 2, accounts)):
            account = _account_id(i)
            commands.append((ac.IssueInvoice(account, LINES, date(2026, 3, 1)), f"bench:{i}:invoice"))
            commands.append((pmt.RecordPayment(account, Decimal("60.00"), date(2026, 3, 20)),
                             f"bench:{i}:payment"))
        items = svc.app.execute_many(commands)
        if any(item.error for item in items):
            raise SystemExit(f"benchmark command refused: {next(i.error for i in items if i.error)}")
        transactions += 1
    seconds = time.perf_counter() - started
    return (svc.app.recorder.max_notification_id() or 0) - before, seconds, transactions


def _catch_up(svc: Services) -> tuple[int, float, float]:
    """The ledger view rebuilt in this process: (events, seconds, this process's CPU seconds)."""
    svc.view.drop_rows(svc.projections.tracking_name)
    started, cpu = time.perf_counter(), time.process_time()
    report = svc.projections.catch_up()
    return report.events, time.perf_counter() - started, time.process_time() - cpu


def _worker_catch_up(svc: Services, url: str) -> tuple[int, float, float]:
    """The ledger view rebuilt by the worker process: (events, wall seconds, the catch-up's own seconds)."""
    svc.view.drop_rows(svc.projections.tracking_name)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "api.cli", "--database-url", url, "projections", "run",
                           "--once", "--only", "ledger-view"], cwd=root, env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - started
    found = re.search(r"applied (\d+) events in ([0-9.]+) s", done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"the projection worker failed ({done.returncode}): {done.stdout}{done.stderr}")
    return int(found.group(1)), wall, float(found.group(2))


def _raw_read(url: str, schema: str, table: str, batch: int) -> tuple[int, float, float]:
    """The limit: the same events read with raw psycopg, (rows, seconds, this process's CPU seconds)."""
    from projections.ledger_view import TOPICS

    with psycopg.connect(url) as conn:
        started, cpu = time.perf_counter(), time.process_time()
        position, rows = 0, 0
        while True:
            chunk = conn.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                f'FROM "{schema}".{table} WHERE notification_id > %s AND topic = ANY(%s) '
                "ORDER BY notification_id LIMIT %s", (position, list(TOPICS), batch)).fetchall()
            if not chunk:
                return rows, time.perf_counter() - started, time.process_time() - cpu
            rows += len(chunk)
            position = chunk[-1][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000, help="commands per transaction")
    parser.add_argument("--json", action="store_true", help="print one JSON object (for bench/run_all.py)")
    args = parser.parse_args()

    with server_url() as base:
        url = os.environ.get("SALDO_BENCH_DATABASE_URL", base)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        store = f"{url}{'&' if '?' in url else '?'}schema={schema}"
        svc = build(store, clock=lambda: date(2026, 3, 1))
        try:
            _setup(svc, args.accounts, args.batch)
            first = svc.app.recorder.max_notification_id() or 0
            events, seconds, transactions = _append(svc, args.accounts, args.batch)
            table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
            raw_seconds = raw_insert_seconds(url, schema, stored_payloads(url, schema, table, first),
                                             transactions)
            applied, catch_seconds, catch_cpu = _catch_up(svc)
            by_worker, worker_wall, worker_seconds = _worker_catch_up(svc, store)
            read_rows, read_seconds, read_cpu = _raw_read(url, schema, table, 1000)
        finally:
            svc.close()
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    result = {
        "append_events": events, "append_events_per_s": events / seconds,
        "raw_insert_rows_per_s": events / raw_seconds, "append_ratio": raw_seconds / seconds,
        "catch_up_events": applied, "catch_up_events_per_s": applied / catch_seconds,
        "raw_read_rows_per_s": read_rows / read_seconds,
        "catch_up_ratio": (applied / catch_seconds) / (read_rows / read_seconds),
        "worker_catch_up_events": by_worker, "worker_catch_up_events_per_s": by_worker / worker_seconds,
        "worker_wall_events_per_s": by_worker / worker_wall, "worker_wall_seconds": worker_wall,
        "worker_catch_up_ratio": (by_worker / worker_seconds) / (read_rows / read_seconds),
        "worker_wall_ratio": (by_worker / worker_wall) / (read_rows / read_seconds),
        # This process's CPU per event (the database's is not in it): steadier than the rates on a loaded
        # machine, where the wall clock also counts the time spent waiting for a core.
        "catch_up_cpu_us_per_event": catch_cpu / applied * 1e6,
        "raw_read_cpu_us_per_row": read_cpu / read_rows * 1e6,
        "accounts": args.accounts, "transactions": transactions,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"append   {events} events in {transactions} txns: {result['append_events_per_s']:9.0f} ev/s"
              f"  raw executemany {result['raw_insert_rows_per_s']:9.0f} rows/s"
              f"  ratio {result['append_ratio']:.2f} (goal ≥ 0.5)")
        print(f"catch-up {applied} events: {result['catch_up_events_per_s']:9.0f} ev/s"
              f"  raw select {result['raw_read_rows_per_s']:9.0f} rows/s"
              f"  ratio {result['catch_up_ratio']:.2f} (goal ≥ 0.2);"
              f" client CPU {result['catch_up_cpu_us_per_event']:.1f} µs/event"
              f" (raw select {result['raw_read_cpu_us_per_row']:.1f} µs/row)")
        print(f"worker   {by_worker} events: {result['worker_catch_up_events_per_s']:9.0f} ev/s"
              f"  raw select {result['raw_read_rows_per_s']:9.0f} rows/s"
              f"  ratio {result['worker_catch_up_ratio']:.2f} (goal ≥ 0.2);"
              f" with its start-up ({worker_wall:.1f} s in all)"
              f" {result['worker_wall_events_per_s']:.0f} ev/s,"
              f" ratio {result['worker_wall_ratio']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
