"""``saldo export journal``: postings in store order from a cursor, as CSV or JSON lines, page by page."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from typing import Annotated, TextIO

import typer

from api.bootstrap import Services
from api.cli.errors import say
from api.cli.output import progress
from api.cli.running import choice, metavar, run
from api.journal import JOURNAL_COLUMNS, journal_record
from importers.files import text_file
from ledger.core.errors import DomainError
from ledger.parties.company import company_named

#: Journal lines fetched per query while exporting; the export streams page by page.
EXPORT_PAGE = 5000


def cmd_export_journal(svc: Services, args: argparse.Namespace) -> int:
    """To standard output, or to ``--output`` whole or not at all (a file the accounting system picks up
    must never be half an export: :mod:`importers.files`)."""
    try:
        with progress("journal", "lines") as bar:
            if not args.output:
                lines, since = _export(svc, args, sys.stdout, bar.update)
            else:
                with text_file(args.output, newline="") as out:
                    lines, since = _export(svc, args, out, bar.update)
    except DomainError as e:  # an unknown company, a line its company does not map: no file is left
        say(f"saldo export journal: {e}")
        return 1
    print(f"exported {lines} journal lines; next cursor {since}", file=sys.stderr)
    return 0


def _export(svc: Services, args: argparse.Namespace, out: TextIO,
            progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    since, lines = args.since, 0
    companies = svc.app.companies
    company = None if args.company is None else company_named(svc.app, args.company).code
    writer = csv.writer(out, lineterminator="\n") if args.format == "csv" else None
    if writer is not None:
        writer.writerow(JOURNAL_COLUMNS)
    while rows := svc.view.journal(since, EXPORT_PAGE, company, companies.default.code):
        for r in rows:
            record = journal_record(r, companies)
            if writer is not None:
                writer.writerow(record)
            else:
                line = dict(zip(JOURNAL_COLUMNS, record, strict=True))
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        lines += len(rows)
        since = rows[-1][0]
        if progress is not None:
            progress(lines)
    return lines, since


FORMATS = ("csv", "jsonl")


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="exports for the accounting system", no_args_is_help=True)
    root.add_typer(group, name="export", help="exports for the accounting system")

    @group.command("journal", help="postings in store order, from a cursor")
    def _journal(
        ctx: typer.Context,
        since: Annotated[int, typer.Option(help="last cursor already received")] = 0,
        format: Annotated[str, typer.Option(
            parser=choice(*FORMATS), metavar=metavar(FORMATS), help="csv or JSON lines")] = "csv",
        output: Annotated[str | None, typer.Option(help="file to write (default: standard output)")] = None,
        company: Annotated[str | None, typer.Option(
            help="only this company's books (its code in SALDO_CONFIG)")] = None,
    ) -> int:
        return run(ctx, cmd_export_journal, since=since, format=format, output=output, company=company)
