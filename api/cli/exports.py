"""``saldo export journal``: postings in store order from a cursor, as CSV, JSON lines or an XLSX workbook,
streamed from the view a batch at a time (:func:`api.journal.journal_lines`): memory stays flat however
long the journal is."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Annotated, Any

import typer

from api.bootstrap import Services
from api.cli.errors import say
from api.cli.output import progress
from api.cli.running import choice, metavar, run
from api.journal import journal_lines, jsonl_line, write_journal_csv, write_journal_xlsx
from importers.files import binary_file, text_file
from ledger.core.errors import DomainError
from ledger.parties.company import company_named


def cmd_export_journal(svc: Services, args: argparse.Namespace) -> int:
    """To standard output, or to ``--output`` whole or not at all (a file the accounting system picks up
    must never be half an export: :mod:`importers.files`)."""
    try:
        with progress("journal", "lines") as bar:
            lines, since = _export(svc, args, bar.update)
    except DomainError as e:  # an unknown company, a line its company does not map: no file is left
        say(f"saldo export journal: {e}")
        return 1
    print(f"exported {lines} journal lines; next cursor {since}", file=sys.stderr)
    return 0


def _export(svc: Services, args: argparse.Namespace,
            progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    company = None if args.company is None else company_named(svc.app, args.company).code
    last = [args.since, 0]

    def records() -> Iterator[tuple[Any, ...]]:
        for record in journal_lines(svc.view, svc.app.companies, args.since, company):
            last[0] = record[0]
            last[1] += 1
            if progress is not None and last[1] % PROGRESS_EVERY == 0:
                progress(last[1])
            yield record
        if progress is not None:
            progress(last[1])  # the final count, whatever the step

    if args.format == "xlsx":
        if not args.output:
            return write_journal_xlsx(sys.stdout.buffer, records()), last[0]
        with binary_file(args.output) as out:
            return write_journal_xlsx(out, records()), last[0]
    with text_file(args.output, newline="") if args.output else nullcontext(sys.stdout) as text:
        if args.format == "csv":
            return write_journal_csv(text, records()), last[0]
        count = 0
        for record in records():
            text.write(jsonl_line(record))
            count += 1
        return count, last[0]


#: Journal lines between two progress reports.
PROGRESS_EVERY = 1000


FORMATS = ("csv", "jsonl", "xlsx")


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="exports for the accounting system", no_args_is_help=True)
    root.add_typer(group, name="export", help="exports for the accounting system")

    @group.command("journal", help="postings in store order, from a cursor")
    def _journal(
        ctx: typer.Context,
        since: Annotated[int, typer.Option(help="last cursor already received")] = 0,
        format: Annotated[str, typer.Option(
            parser=choice(*FORMATS), metavar=metavar(FORMATS), help="csv, jsonl or xlsx")] = "csv",
        output: Annotated[str | None, typer.Option(help="file to write (default: standard output)")] = None,
        company: Annotated[str | None, typer.Option(
            help="only this company's books (its code in SALDO_CONFIG)")] = None,
    ) -> int:
        return run(ctx, cmd_export_journal, since=since, format=format, output=output, company=company)
