"""Dunning run benchmark on PostgreSQL: review N overdue accounts and record their steps, end to end.

N accounts each get one invoice, overdue on the run day (setup, not timed). The timed part is the daily
run as ``saldo dunning run --execute`` does it (``api.dunning_run.run_dunning``): the candidate query on
the view, then per part of ``--batch`` accounts a proposal (``propose_step`` per account, one run event)
and its execution (one step event per account: with the default Finnish procedure a reminder with a fee
and late interest, i.e. two new open items and four postings), then the view catching up. In the same
run, the limit is raw psycopg ``executemany`` of N rows the size of what the run stored per account.

Usage: ``python bench/dunning.py [--accounts 100000] [--batch 1000] [--procedure FI-POWER]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.dunning_run import run_dunning
from bench.common import raw_insert_seconds, scratch_services, stored_payloads
from ledger.accounts import commands as ac
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.dunning.settings import DunningSettings
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind

#: Commands per setup transaction.
SETUP_BATCH = 2000
PARTNER_KEY = "bench:debtor"
LINE = (ac.LineInput("Electricity 2026-02", "energy", Decimal("250"), "kWh", Decimal("0.2100"),
                    Decimal("10")),)
ISSUED = date(2026, 3, 1)
#: The run day: the invoices fell due on 21 March; Finland's reminder is due 14 days later.
RUN_DAY = date(2026, 4, 4)


def _setup(svc, accounts: int) -> None:  # type: ignore[no-untyped-def]
    """One partner, N accounts with one invoice each, due 20 days after issue."""
    svc.app.execute(pc.RegisterPartner("Bench Debtor", PartnerKind.ORGANISATION), PARTNER_KEY)
    partner = child_id(record_id("RegisterPartner", PARTNER_KEY), "partner")
    for start in range(0, accounts, SETUP_BATCH // 2):
        commands: list[tuple[object, str]] = []
        for i in range(start, min(start + SETUP_BATCH // 2, accounts)):
            key = f"bench:{i}:account"
            account = child_id(record_id("OpenContractAccount", key), "account")
            commands += [(ac.OpenContractAccount(partner, f"Site {i}"), key),
                         (ac.IssueInvoice(account, LINE, ISSUED), f"bench:{i}:invoice")]
        for item in svc.app.execute_many(commands):
            if item.error is not None:
                raise SystemExit(f"setup failed: {item.error}")
    svc.projections.catch_up()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="accounts per run (one transaction each)")
    parser.add_argument("--procedure", default="FI-POWER")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with scratch_services("benchdun", RUN_DAY) as (svc, url, schema):
        svc.app.dunning.dunning_settings = replace(DunningSettings(), default_procedure=args.procedure)
        _setup(svc, args.accounts)
        first = svc.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        results = run_dunning(svc, RUN_DAY, execute=True, batch=args.batch)
        seconds = time.perf_counter() - started
        steps = sum(r["steps"] for r in results)
        if steps != args.accounts:
            raise SystemExit(f"benchmark run did not dun every account: {steps} steps of {args.accounts}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        payloads = stored_payloads(url, schema, table, first)
        per_account = sum(len(state) + len(topic) for topic, state in payloads) // max(args.accounts, 1)
        rows = [(payloads[0][0], b"x" * per_account)] * args.accounts
        raw_seconds = raw_insert_seconds(url, schema, rows, max(1, args.accounts // 1000))
    result = {"accounts": args.accounts, "batch": args.batch, "procedure": args.procedure,
              "accounts_per_s": args.accounts / seconds, "raw_rows_per_s": args.accounts / raw_seconds,
              "ratio": raw_seconds / seconds, "bytes_per_account": per_account, "seconds": round(seconds, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"dunning run over {args.accounts} accounts ({args.procedure}, runs of {args.batch}): "
              f"{result['accounts_per_s']:8.0f} accounts/s in {result['seconds']} s  raw executemany "
              f"{result['raw_rows_per_s']:8.0f} rows/s of {per_account} B  ratio {result['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
