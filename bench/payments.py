"""Bank statement benchmark on PostgreSQL: import + match a camt.053 against open invoices, end to end.

N accounts each get one open invoice (setup, not timed). A camt.053 of N receipts is written, each
paying one invoice by its RF reference; the timed part reads and checks the file, matches every
receipt and books it (``importers.bank.service.import_statement``). In the same run, the limit is raw
psycopg ``executemany`` of N rows the size of what the import stored per entry. Goal (issue #4):
entries/s ≥ 0.25× raw rows/s.

Usage: ``python bench/payments.py [--entries 100000]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import raw_insert_seconds, scratch_services, stored_payloads
from importers.bank.service import import_statement
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind

#: Commands per setup transaction.
SETUP_BATCH = 2000
PARTNER_KEY = "bench:payer"
LINE = (ac.LineInput("Water 2026-Q1", "water", Decimal("31"), "m3", Decimal("1.4500"), Decimal("10")),)


def _setup(svc, entries: int) -> list[tuple[Decimal, str]]:  # type: ignore[no-untyped-def]
    """One partner, N accounts with one invoice each; returns (gross, payment reference) per invoice."""
    svc.app.execute(pc.RegisterPartner("Bench Payer", PartnerKind.ORGANISATION), PARTNER_KEY)
    partner = child_id(record_id("RegisterPartner", PARTNER_KEY), "partner")
    invoices: list[tuple[Decimal, str]] = []
    for start in range(0, entries, SETUP_BATCH // 2):
        commands: list[tuple[object, str]] = []
        for i in range(start, min(start + SETUP_BATCH // 2, entries)):
            key = f"bench:{i}:account"
            account = child_id(record_id("OpenContractAccount", key), "account")
            commands += [(ac.OpenContractAccount(partner, f"Site {i}"), key),
                         (ac.IssueInvoice(account, LINE, date(2026, 3, 1)), f"bench:{i}:invoice")]
        for item in svc.app.execute_many(commands):
            if item.result and "payment_reference" in item.result:
                invoices.append((Decimal(item.result["gross"]), item.result["payment_reference"]))
    svc.projections.catch_up()
    return invoices


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with scratch_services("benchpay", date(2026, 3, 25)) as (svc, url, schema), \
            tempfile.TemporaryDirectory() as folder:
        invoices = _setup(svc, args.entries)
        path = Path(folder) / "statement.xml"
        write_camt053(path, (SynthEntry(gross, reference=ref, account_servicer_reference=f"BNK{i:08d}")
                             for i, (gross, ref) in enumerate(invoices)),
                      account_iban="IT60X0542811101000000123456", booking_date=date(2026, 3, 20))
        data = path.read_bytes()
        first = svc.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        report = import_statement(svc, data, path.name)
        seconds = time.perf_counter() - started
        if report.booked != args.entries or report.by_rule.get("structured-reference") != args.entries:
            raise SystemExit(f"benchmark import did not match every receipt: {report.as_dict()}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        payloads = stored_payloads(url, schema, table, first)
        per_entry = sum(len(state) + len(topic) for topic, state in payloads) // max(args.entries, 1)
        rows = [(payloads[0][0], b"x" * per_entry)] * args.entries
        raw_seconds = raw_insert_seconds(url, schema, rows, max(1, args.entries // 1000))
    result = {"entries": args.entries, "entries_per_s": args.entries / seconds,
              "raw_rows_per_s": args.entries / raw_seconds, "ratio": raw_seconds / seconds,
              "bytes_per_entry": per_entry, "file_mb": round(len(data) / 1e6, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"import+match {args.entries} entries ({result['file_mb']} MB camt.053): "
              f"{result['entries_per_s']:8.0f} entries/s  "
              f"raw executemany {result['raw_rows_per_s']:8.0f} rows/s"
              f" of {per_entry} B  ratio {result['ratio']:.2f} (goal ≥ 0.25)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
