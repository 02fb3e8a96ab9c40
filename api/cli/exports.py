"""``saldo export journal``: postings in store order from a cursor, as CSV, JSON lines or an XLSX workbook,
streamed from the view a batch at a time (:func:`api.journal.journal_lines`): memory stays flat however
long the journal is."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

from api.bootstrap import Services
from api.journal import journal_lines, jsonl_line, write_journal_csv, write_journal_xlsx
from importers.files import binary_file, text_file
from ledger.core.errors import DomainError
from ledger.parties.company import company_named


def cmd_export_journal(svc: Services, args: argparse.Namespace) -> int:
    """To standard output, or to ``--output`` whole or not at all (a file the accounting system picks up
    must never be half an export: :mod:`importers.files`)."""
    try:
        lines, since = _export(svc, args)
    except DomainError as e:  # an unknown company, a line its company does not map: no file is left
        print(f"saldo export journal: {e}", file=sys.stderr)
        return 1
    print(f"exported {lines} journal lines; next cursor {since}", file=sys.stderr)
    return 0


def _export(svc: Services, args: argparse.Namespace) -> tuple[int, int]:
    company = None if args.company is None else company_named(svc.app, args.company).code
    last = [args.since]

    def records() -> Iterator[tuple[Any, ...]]:
        for record in journal_lines(svc.view, svc.app.companies, args.since, company):
            last[0] = record[0]
            yield record

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


def add_commands(sub: Any) -> None:
    export = sub.add_parser("export", help="exports for the accounting system").add_subparsers(
        dest="what", required=True)
    journal = export.add_parser("journal", help="postings in store order, from a cursor")
    journal.add_argument("--since", type=int, default=0, help="last cursor already received")
    journal.add_argument("--format", choices=("csv", "jsonl", "xlsx"), default="csv")
    journal.add_argument("--output", help="file to write (default: standard output)")
    journal.add_argument("--company", help="only this company's books (its code in SALDO_CONFIG)")
    journal.set_defaults(func=cmd_export_journal)
