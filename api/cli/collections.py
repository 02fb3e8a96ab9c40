"""``saldo dd``: collection runs, settlement and returns from the command line."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from api.cli.errors import describe, say
from api.cli.output import progress
from api.cli.running import run
from importers.files import write_atomically
from importers.sepa import service as dd
from ledger.core.errors import InvalidInput


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
        say(f"refused, nothing settled: {e.field}: {e}")
        return 2
    print(f"settled {settled} collections due by {args.on}")
    return 0


def cmd_returns(svc: Any, args: argparse.Namespace) -> int:
    from importers.bank.errors import BankFileError

    failed = 0
    for name in args.files:
        try:
            with progress(name, "returns") as bar:  # one transaction: the count once it is done
                report = dd.import_returns(svc, Path(name).read_bytes(), Path(name).name)
                bar.update(report.items, report.items)
        except (BankFileError, OSError) as e:
            say(f"rejected, nothing booked: {describe(e)}")
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
        failed += 1 if report.refused else 0  # a refused return is an error of the file; held ones are not
    return 1 if failed else 0


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="SEPA direct debit", no_args_is_help=True)
    root.add_typer(group, name="dd", help="SEPA direct debit")

    @group.command("run", help="propose (and with --execute, book and write) a collection run")
    def _run(
        ctx: typer.Context,
        due_by: Annotated[date, typer.Option(parser=date.fromisoformat, metavar="YYYY-MM-DD",
                                             help="collect the open items due by this day")],
        collection_date: Annotated[date, typer.Option(parser=date.fromisoformat, metavar="YYYY-MM-DD",
                                                      help="the day the bank collects")],
        company: Annotated[str | None, typer.Option(
            help="the company whose accounts to collect (default: the default one)")] = None,
        execute: Annotated[bool, typer.Option("--execute", help="book it and write the pain.008")] = False,
        output: Annotated[str | None, typer.Option(help="where to write the pain.008 file")] = None,
    ) -> int:
        return run(ctx, cmd_run, due_by=due_by, collection_date=collection_date, company=company,
                   execute=execute, output=output)

    @group.command("settle", help="settle collections whose date has come")
    def _settle(ctx: typer.Context, on: Annotated[date, typer.Option(
            parser=date.fromisoformat, metavar="YYYY-MM-DD", help="the collections due by this day")]) -> int:
        return run(ctx, cmd_settle, on=on)

    @group.command("import-returns", help="pain.002 or camt.054/053 return files")
    def _returns(ctx: typer.Context,
                 files: Annotated[list[str], typer.Argument(help="pain.002, camt.054 or camt.053 files")]
                 ) -> int:
        return run(ctx, cmd_returns, files=files)
