"""Direct-debit collection run on PostgreSQL: propose, execute and write the pain.008 for N accounts.

Setup (not timed): N accounts with a mandate and one open invoice due. Timed: the proposal (select the
candidates from the view, load the accounts, pick the items), the execution (book every collection in
transit, one transaction) and the schema-validated pain.008 file. Limit, in the same run: raw psycopg
``executemany`` of as many rows, of the same sizes, as the run stored. Printed: accounts/s and the ratio.

Usage: ``python bench/collections.py [--accounts 100000]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import raw_insert_seconds, scratch_services, stored_payloads
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress

SETUP_BATCH = 3000
LINE = (ac.LineInput("Energia", "energy", Decimal("250"), "kWh", Decimal("0.2000"), Decimal("10")),)
IBAN = "IT60X0542811101000000123456"


def _setup(svc, accounts: int) -> None:  # type: ignore[no-untyped-def]
    key = "bench:dd-partner"
    svc.app.execute(
        pc.RegisterPartner(
            "Condominio Bench",
            PartnerKind.ORGANISATION,
            address=PostalAddress("Via Roma 1", "98122", "Messina", "IT"),
        ),
        key,
    )
    partner = child_id(record_id("RegisterPartner", key), "partner")
    for start in range(0, accounts, SETUP_BATCH // 3):
        commands: list[tuple[object, str]] = []
        for i in range(start, min(start + SETUP_BATCH // 3, accounts)):
            account = child_id(record_id("OpenContractAccount", f"bench:{i}:account"), "account")
            commands += [
                (ac.OpenContractAccount(partner, f"Flat {i}", payment_terms_days=10), f"bench:{i}:account"),
                (
                    d.RegisterMandate(account, f"UMR-B-{i:07d}", date(2025, 5, 1), "Condominio", IBAN),
                    f"bench:{i}:mandate",
                ),
                (ac.IssueInvoice(account, LINE, date(2026, 3, 1)), f"bench:{i}:invoice"),
            ]
        svc.app.execute_many(commands)
    svc.projections.catch_up()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with scratch_services("benchdd", date(2026, 3, 12)) as (svc, url, schema):
        _setup(svc, args.accounts)
        first = svc.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        proposal = dd.propose_run(svc, date(2026, 3, 11), date(2026, 3, 16), "bench-run")
        executed = dd.execute_run(svc, UUID(proposal["run_id"]))
        file = dd.run_file(svc, UUID(proposal["run_id"]))
        seconds = time.perf_counter() - started
        if executed["collections"] != args.accounts:
            raise SystemExit(f"benchmark run booked {executed['collections']} of {args.accounts}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        payloads = stored_payloads(url, schema, table, first)
        raw_seconds = raw_insert_seconds(url, schema, payloads, 2)
    result = {
        "accounts": args.accounts,
        "accounts_per_s": args.accounts / seconds,
        "events": len(payloads),
        "raw_rows_per_s": len(payloads) / raw_seconds,
        "ratio": (args.accounts / seconds) / (len(payloads) / raw_seconds),
        "file_mb": round(len(file.content) / 1e6, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"collection run {args.accounts} accounts (pain.008 {result['file_mb']} MB, XSD-validated): "
            f"{result['accounts_per_s']:7.0f} accounts/s; raw executemany of its {len(payloads)} event rows "
            f"{result['raw_rows_per_s']:7.0f} rows/s; ratio {result['ratio']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
