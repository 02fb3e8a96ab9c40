"""The million-contract month (issue 12, item 4): a loaded portfolio billed, collected, dunned (PostgreSQL).

Setup (timed apart, not in the figures): :mod:`bench.portfolio_loader` writes N customers with 24 months of
invoices and payments (30 % on direct debit with a mandate, some invoices open) as the application's own
events, snapshots every account, and the projections catch up. Timed, each on its own:

* the monthly billing run for January 2026 (``run_billing`` under a recorded run, resumable: a re-run bills
  what is still due), N invoices;
* the direct-debit collection run (proposal from the view, execution, the pain.008);
* the daily dunning run (``api.dunning_run.run_dunning``, executed).

Printed per size: invoices/s (goal >= 280), the cost per invoice as a ratio to the smallest size's (goal:
within 1.2x), peak memory of the process (``ru_maxrss``; each size runs in its own process), and the limit
measured in the same run: raw psycopg ``executemany`` of the very event rows the billing run stored, in as
many transactions (bench/common.py), as the ratio raw seconds / run seconds.

``--kill-test``: a billing run in a subprocess is killed with SIGKILL part-way, run again to the end, and the
invoices are counted: every contract billed exactly once.

Usage: ``python bench/portfolio.py [--contracts 1000,10000] [--million] [--kill-test] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services, build
from api.dunning_run import run_dunning
from bench.common import raw_insert_seconds, scratch_services, stored_payloads
from bench.portfolio_history import RUN_DAY, RUN_END, RUN_START
from bench.portfolio_loader import load
from importers.sepa import service as dd
from ledger.billing import commands as b
from ledger.billing.run import run_billing


def start_run(svc: Services) -> UUID:
    return UUID(svc.app.execute(b.StartBillingRun(RUN_START, RUN_END, RUN_DAY), "pf:run:2026-01")["run_id"])


def count_invoices(svc: Services, url: str, schema: str) -> tuple[int, int]:
    """(invoices of January 2026, distinct contracts they bill), read from the store."""
    import psycopg

    table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f"SELECT count(*), count(DISTINCT convert_from(state, 'UTF8')::json->'contract_id'->>'_data_') "
            f'FROM "{schema}".{table} WHERE topic = %s AND position(%s in state) > 0',
            ("ledger.accounts.invoice:Invoice.Issued", b'"2026-01-01"'),
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _note(what: str, seconds: float) -> None:
    print(f"  {what}: {seconds:.1f} s", file=sys.stderr, flush=True)


def one_size(contracts: int) -> dict[str, Any]:
    with scratch_services("benchpf", RUN_DAY) as (svc, url, schema):
        started = time.perf_counter()
        load(svc, contracts)
        load_s = time.perf_counter() - started
        _note(f"load {contracts}", load_s)
        started = time.perf_counter()
        svc.projections.catch_up()
        catch_up_s = time.perf_counter() - started
        _note("catch-up", catch_up_s)
        first = svc.app.recorder.max_notification_id() or 0
        run_id = start_run(svc)
        started = time.perf_counter()
        report = run_billing(svc.app, RUN_START, RUN_END, run_id=run_id)
        billing_s = time.perf_counter() - started
        _note("billing run", billing_s)
        if report.invoices != contracts or report.errors:
            raise SystemExit(f"the billing run did not bill every contract: {report.as_dict()}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        payloads = stored_payloads(url, schema, table, first)
        raw_s = raw_insert_seconds(url, schema, payloads, -(-contracts // 1000))
        started = time.perf_counter()
        proposal = dd.propose_run(svc, RUN_DAY, RUN_DAY + timedelta(days=5), "pf:dd:2026-02")
        executed = dd.execute_run(svc, UUID(proposal["run_id"]))
        dd.run_file(svc, UUID(proposal["run_id"]))
        collection_s = time.perf_counter() - started
        started = time.perf_counter()
        steps = sum(r["steps"] for r in run_dunning(svc, RUN_DAY, execute=True))
        dunning_s = time.perf_counter() - started
    return {"contracts": contracts, "load_s": round(load_s, 1), "catch_up_s": round(catch_up_s, 1),
            "invoices": report.invoices, "billing_s": round(billing_s, 2),
            "invoices_per_s": report.invoices / billing_s, "s_per_invoice": billing_s / report.invoices,
            "ratio_raw": raw_s / billing_s, "raw_invoices_per_s": report.invoices / raw_s,
            "collections": executed["collections"], "collection_s": round(collection_s, 2),
            "dunning_steps": steps, "dunning_s": round(dunning_s, 2),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def kill_test(contracts: int) -> dict[str, Any]:
    """Kill a billing run with SIGKILL part-way, resume it, count the invoices."""
    with scratch_services("benchpfk", RUN_DAY) as (svc, url, schema):
        load(svc, contracts)
        run_id = start_run(svc)
        dsn = f"{url}{'&' if '?' in url else '?'}schema={schema}"
        child = subprocess.Popen([sys.executable, __file__, "--resume", dsn, str(run_id)],
                                 env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
        while count_invoices(svc, url, schema)[0] == 0 and child.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)
        child.send_signal(signal.SIGKILL)
        child.wait()
        before = count_invoices(svc, url, schema)[0]
        report = run_billing(svc.app, RUN_START, RUN_END, run_id=run_id)
        invoices, distinct = count_invoices(svc, url, schema)
    return {"contracts": contracts, "invoices_when_killed": before, "invoices": invoices,
            "contracts_billed": distinct, "exactly_once": invoices == distinct == contracts,
            "report_invoices": report.invoices, "report_already_billed": report.already_billed}


def _resume(dsn: str, run_id: str) -> int:
    svc = build(dsn, clock=lambda: RUN_DAY)
    run_billing(svc.app, RUN_START, RUN_END, run_id=UUID(run_id))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", default="1000,10000", help="sizes, comma-separated")
    parser.add_argument("--million", action="store_true", help="also 100,000 and 1,000,000 contracts")
    parser.add_argument("--kill-test", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--resume", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.resume:
        return _resume(*args.resume)
    if args.one:
        print(json.dumps(one_size(args.one)))
        return 0
    sizes = [int(s) for s in args.contracts.split(",")] + ([100_000, 1_000_000] if args.million else [])
    results = []
    for size in sizes:  # each in its own process: its peak memory is its own
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    base = results[0]["s_per_invoice"]
    for r in results:
        r["cost_ratio"] = r["s_per_invoice"] / base
    killed = kill_test(min(sizes)) if args.kill_test else None
    if args.json:
        print(json.dumps({"sizes": results, "kill_test": killed}))
        return 0
    for r in results:
        print(f"portfolio {r['contracts']:>8} contracts (load {r['load_s']} s, catch-up {r['catch_up_s']} s):"
              " "
              f"billing {r['invoices_per_s']:6.0f} invoices/s (goal 280), cost/invoice "
              f"{r['cost_ratio']:.2f}x the {results[0]['contracts']} run's (goal <= 1.2), raw executemany "
              f"{r['raw_invoices_per_s']:6.0f} invoices/s ratio {r['ratio_raw']:.2f}; collection "
              f"{r['collections']} in {r['collection_s']} s; dunning {r['dunning_steps']} steps in "
              f"{r['dunning_s']} s; peak {r['peak_mb']:.0f} MB")
    if killed:
        print(f"kill -9 test {killed['contracts']} contracts: killed at {killed['invoices_when_killed']} "
              f"invoices, resumed: {killed['invoices']} invoices for {killed['contracts_billed']} contracts, "
              f"exactly once: {killed['exactly_once']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
