"""What a contract costs on disk (PostgreSQL): events, snapshots and read models per contract and per billing
cycle, measured, for the sizing in README.md ("What runs where at 1M, 10M and 50M contracts").

Setup: N customers as bench/billing.py makes them (partner, account, contract, two readings), then C billing
cycles: a bimonthly billing run (one invoice per contract) and a payment per account of what it owes,
through ``Saldo.execute_many``; the read models caught up. Measured with ``pg_total_relation_size`` (table,
indexes and TOAST) after ``VACUUM ANALYZE``: the first figure is the contract's master data, each later
cycle's growth is what a year of cycles multiplies.

The limit it is printed against: the bytes of the event payloads themselves (``octet_length(state)``, what
a raw insert of the same events would at least store), so ``ratio`` is payload / on-disk (1.0 would be no
overhead at all).

Usage: ``python bench/store_size.py [--contracts 2000] [--cycles 2] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from api.bootstrap import Services
from bench.billing import END, START, _setup
from bench.common import scratch_services
from ledger.billing import commands as b
from ledger.billing.run import run_billing
from ledger.payments import commands as pay

#: Payments per transaction.
PAY_BATCH = 500


def _sizes(url: str, schema: str) -> dict[str, int]:
    """On-disk bytes of every table of ``schema`` (with indexes and TOAST), by table name."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'", (schema,)).fetchall()
    return {name: int(size) for name, size in rows}


def _events(url: str, schema: str, table: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(f'SELECT count(*), coalesce(sum(octet_length(state)), 0) '
                           f'FROM "{schema}".{table}').fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _pay_everyone(svc: Services, day: date, cycle: int) -> None:
    accounts = [(r[0], r[4]) for r in svc.view.dump()["accounts"] if int(r[4]) > 0]
    for first in range(0, len(accounts), PAY_BATCH):
        batch: list[tuple[object, str]] = [
            (pay.RecordPayment(UUID(str(a)), Decimal(int(cents)) / 100, day), f"size:{cycle}:{a}")
            for a, cents in accounts[first:first + PAY_BATCH]]
        failed = [i for i in svc.app.execute_many(batch) if i.error is not None]
        if failed:
            raise SystemExit(f"payment refused: {failed[0].error}")
    svc.projections.catch_up()


def _cycle(svc: Services, cycle: int, contracts: int) -> None:
    start, end = START + timedelta(days=61 * cycle), END + timedelta(days=61 * cycle)
    if cycle:  # the next period's closing readings (the setup recorded the first period's)
        batch: list[tuple[object, str]] = [
            (b.RecordReading(f"IT001E{i:08d}", end, Decimal(10_300 + 300 * cycle + i + i % 500)),
             f"size:{cycle}:{i}:reading") for i in range(contracts)]
        for first in range(0, len(batch), 4000):
            svc.app.execute_many(batch[first:first + 4000])
    report = run_billing(svc.app, start, end, issue_date=end + timedelta(days=3))
    if report.invoices != contracts:
        raise SystemExit(f"cycle {cycle} billed {report.invoices} of {contracts}: {report.as_dict()}")
    svc.projections.catch_up()
    _pay_everyone(svc, end + timedelta(days=20), cycle)
    svc.trail.catch_up()
    svc.catalog.catch_up()
    svc.dunning_history.catch_up()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    steps: list[dict[str, Any]] = []
    with scratch_services("benchsize", date(2027, 12, 31)) as (svc, url, schema):
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        _setup(svc, args.contracts)
        for each in (svc.projections, svc.trail, svc.catalog, svc.dunning_history):
            each.catch_up()
        steps.append(_step("master data", url, schema, table, args.contracts))
        for cycle in range(args.cycles):
            _cycle(svc, cycle, args.contracts)
            steps.append(_step(f"cycle {cycle + 1}", url, schema, table, args.contracts))
    _print(steps, args.json)
    return 0


def _step(name: str, url: str, schema: str, table: str, contracts: int) -> dict[str, Any]:
    sizes = _sizes(url, schema)
    events, payload = _events(url, schema, table)
    stored = sizes.get(table, 0)
    return {"step": name, "events": events, "payload_bytes": payload, "events_table_bytes": stored,
            "snapshot_bytes": sum(v for k, v in sizes.items() if "snapshot" in k),
            "view_bytes": sum(v for k, v in sizes.items() if k != table and "snapshot" not in k),
            "contracts": contracts, "tables": sizes}


def _print(steps: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(steps))
        return
    previous: dict[str, Any] | None = None
    for s in steps:
        grown = {k: s[k] - (previous[k] if previous else 0) for k in
                 ("events", "payload_bytes", "events_table_bytes", "snapshot_bytes", "view_bytes")}
        n = s["contracts"]
        print(f"{s['step']:12} per contract: {grown['events'] / n:5.1f} events, payload "
              f"{grown['payload_bytes'] / n:7.0f} B, events table {grown['events_table_bytes'] / n:7.0f} B "
              f"({grown['events_table_bytes'] / max(grown['events'], 1):5.0f} B/event on disk, payload/disk "
              f"ratio {grown['payload_bytes'] / max(grown['events_table_bytes'], 1):.2f}), snapshots "
              f"{grown['snapshot_bytes'] / n:6.0f} B, read models {grown['view_bytes'] / n:6.0f} B")
        previous = s
    last, first = steps[-1], steps[-2] if len(steps) > 1 else None
    grown = {k: v - (first["tables"].get(k, 0) if first else 0) for k, v in last["tables"].items()}
    n = last["contracts"]
    print("last step, by table (B per contract): " + ", ".join(
        f"{k} {v / n:.0f}" for k, v in sorted(grown.items(), key=lambda kv: -kv[1]) if v / n >= 50))


if __name__ == "__main__":
    raise SystemExit(main())
