"""``saldo dd``: collection runs, settlement and returns from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from importers.files import write_atomically
from importers.sepa import service as dd
from ledger.core.errors import InvalidInput


def _date(text: str) -> date:
    return date.fromisoformat(text)


def cmd_run(svc: Any, args: argparse.Namespace) -> int:
    # A company's run has its own key: one run per company and day (the default company's keeps its old key).
    of = "" if args.company is None else f"{args.company}:"
    proposal = dd.propose_run(
        svc, args.due_by, args.collection_date, f"cli-run:{of}{args.due_by}:{args.collection_date}",
        company=args.company,
    )
    print(f"proposal {proposal['run_id']} of {proposal.get('company', 'the default company')}: "
          f"{proposal['collections']} collections, "
          f"{proposal['amount']} EUR")
    if not args.execute:
        print("not executed (add --execute to book it and write the pain.008 file)")
        return 0
    run_id = UUID(proposal["run_id"])
    executed = dd.execute_run(svc, run_id)
    print(
        f"executed: {executed['collections']} booked, {executed['skipped']} skipped, {executed['amount']} EUR"
    )
    if executed["collections"]:
        file = dd.run_file(svc, run_id)
        out = Path(args.output or f"var/{file.message_id}.xml")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out, file.content)
        print(
            f"pain.008.001.08 written to {out} ({file.number_of_transactions} transactions, "
            f"control sum {file.control_sum}); schema-validated"
        )
    return 0


def cmd_settle(svc: Any, args: argparse.Namespace) -> int:
    try:
        settled = dd.settle_due(svc, args.on)
    except InvalidInput as e:
        print(f"refused, nothing settled: {e.field}: {e}", file=sys.stderr)
        return 2
    print(f"settled {settled} collections due by {args.on}")
    return 0


def cmd_returns(svc: Any, args: argparse.Namespace) -> int:
    from importers.bank.errors import BankFileError

    failed = 0
    for name in args.files:
        try:
            report = dd.import_returns(svc, Path(name).read_bytes(), Path(name).name)
        except BankFileError as e:
            print(f"rejected, nothing booked: {e}", file=sys.stderr)
            failed += 1
            continue
        print(
            f"{name}: {report.items} returns, {report.returned} applied {report.by_action}, "
            f"{report.duplicates} duplicates, {len(report.reviews)} held for a person "
            f"({len(report.unknown)} unknown collections)"
        )
        for row in report.statuses:
            if row["status"] != "RJCT":
                print(f"  status {row['status']} ({row['level']}): {row['where']}: {row['meaning']}")
        for line in report.reviews:
            print(f"  held for a person: {line['where']}: {line['problem']} — {line['detail']}")
        for line in report.refused:
            print(f"  refused: {line['where']}: {line['reason']}")
    return 1 if failed else 0


def add_commands(sub: Any) -> None:
    group = sub.add_parser("dd", help="SEPA direct debit").add_subparsers(dest="action", required=True)
    run = group.add_parser("run", help="propose (and with --execute, book and write) a collection run")
    run.add_argument("--due-by", type=_date, required=True)
    run.add_argument("--collection-date", type=_date, required=True)
    run.add_argument("--company", help="the company whose accounts to collect (default: the default one)")
    run.add_argument("--execute", action="store_true")
    run.add_argument("--output", help="where to write the pain.008 file")
    run.set_defaults(func=cmd_run)
    settle = group.add_parser("settle", help="settle collections whose date has come")
    settle.add_argument("--on", type=_date, required=True)
    settle.set_defaults(func=cmd_settle)
    returns = group.add_parser("import-returns", help="pain.002 or camt.054/053 return files")
    returns.add_argument("files", nargs="+")
    returns.set_defaults(func=cmd_returns)
