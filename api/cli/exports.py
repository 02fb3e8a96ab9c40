"""``saldo export journal``: postings in store order from a cursor, as CSV or JSON lines, page by page."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any, TextIO

from api.bootstrap import Services
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
        if not args.output:
            lines, since = _export(svc, args, sys.stdout)
        else:
            with text_file(args.output, newline="") as out:
                lines, since = _export(svc, args, out)
    except DomainError as e:  # an unknown company, a line its company does not map: no file is left
        print(f"saldo export journal: {e}", file=sys.stderr)
        return 1
    print(f"exported {lines} journal lines; next cursor {since}", file=sys.stderr)
    return 0


def _export(svc: Services, args: argparse.Namespace, out: TextIO) -> tuple[int, int]:
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
    return lines, since


def add_commands(sub: Any) -> None:
    export = sub.add_parser("export", help="exports for the accounting system").add_subparsers(
        dest="what", required=True)
    journal = export.add_parser("journal", help="postings in store order, from a cursor")
    journal.add_argument("--since", type=int, default=0, help="last cursor already received")
    journal.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    journal.add_argument("--output", help="file to write (default: standard output)")
    journal.add_argument("--company", help="only this company's books (its code in SALDO_CONFIG)")
    journal.set_defaults(func=cmd_export_journal)
