"""The journal as the accounting system receives it: the columns and one posting as a record.

Shared by ``GET /journal``, ``saldo export journal`` and the old-store fixture, so that all three write
the same bytes for the same posting. Each line names the company whose books it is in and that company's
GL account number for the ledger account (``gl_accounts`` in SALDO_CONFIG; empty when the company maps
none). A company that maps any account must map every account its lines book to: a line it cannot number
is refused (:class:`UnmappedGLAccount`), never sent without its number for the accounting system to guess.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, TextIO

from api.deps import money
from api.spreadsheets import Column, ColumnKind, write_xlsx
from ledger.core.errors import Conflict
from ledger.parties.company import Companies, CompanyConfig
from projections.queries import LedgerQueries

JOURNAL_COLUMNS = ("cursor", "entry", "line", "booking_date", "recorded_at", "event", "document",
                   "contract_account", "gl_account", "debit", "credit", "currency", "company", "gl_number")
#: The journal's columns in a workbook: the cursor, entry and line as numbers, the amounts as money.
_KINDS: tuple[ColumnKind, ...] = ("integer", "integer", "integer", "date", "datetime", "text", "text", "text",
                                   "text", "money", "money", "text", "text", "text")
JOURNAL_SHEET_COLUMNS = tuple(Column(name, kind) for name, kind in zip(JOURNAL_COLUMNS, _KINDS, strict=True))
#: Journal lines read per query while an export streams: what one export holds in memory at a time,
#: whatever its length (keyset pages on the cursor, so each batch is one indexed range read).
JOURNAL_BATCH = 2000
#: Lines of CSV or JSON text sent per chunk of a streamed answer.
CHUNK_LINES = 500


class UnmappedGLAccount(Conflict):
    """A journal line whose company maps GL accounts, but not the one the line books to (409)."""


def gl_number(company: CompanyConfig | None, code: str, account: str, cursor: int | None = None) -> str:
    """The GL number of ``account`` in ``company``'s books ("" if it maps none), or UnmappedGLAccount."""
    if company is None or not company.gl_accounts:
        return ""
    number = company.gl_number(account)
    if number is None:
        family = account.partition(":")[0]
        also = f" (or its family {family!r})" if ":" in account else ""
        line = "" if cursor is None else f"journal line {cursor}: "
        raise UnmappedGLAccount(
            f"{line}company {code!r} maps no GL account number for ledger account {account!r}; "
            f"add it{also} to [companies.gl_accounts] of {code} in SALDO_CONFIG",
            "gl_accounts")
    return number


def journal_record(row: tuple[Any, ...], companies: Companies | None = None) -> tuple[Any, ...]:
    """One row of the view's journal in the order of :data:`JOURNAL_COLUMNS`, amounts as decimal text."""
    code = row[12] if len(row) > 12 else ""
    company = companies.named(code) if companies is not None else None
    return (*row[:9], str(money(row[9])), str(money(row[10])), row[11], code,
            gl_number(company, code, row[8], row[0]))


def journal_lines(view: LedgerQueries, companies: Companies, since: int, company: str | None = None, *,
                  limit: int | None = None, until: int | None = None,
                  batch: int = JOURNAL_BATCH) -> Iterator[tuple[Any, ...]]:
    """The journal's records (:func:`journal_record`) after cursor ``since``, up to ``until`` and at most
    ``limit`` of them, read :data:`JOURNAL_BATCH` at a time: an export of any length holds one batch."""
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch if remaining is None else min(batch, remaining)
        rows = view.journal(since, size, company, companies.default.code, until=until)
        for row in rows:
            yield journal_record(row, companies)
        if len(rows) < size:
            return
        since = rows[-1][0]
        remaining = None if remaining is None else remaining - len(rows)


def check_page_mapped(view: LedgerQueries, companies: Companies, since: int, until: int,
                      company: str | None) -> None:
    """UnmappedGLAccount for the first line in (``since``, ``until``] whose company cannot number its
    account: checked before a streamed answer starts, so a refusal is a problem document, not half a file."""
    for code, account, first in view.journal_accounts(since, until, company, companies.default.code):
        gl_number(companies.named(code), code, account, first)


def write_journal_csv(out: TextIO, records: Iterable[tuple[Any, ...]], escape: Any = None) -> int:
    """The header and one line per record to ``out`` (each cell through ``escape`` if given); the count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(JOURNAL_COLUMNS)
    count = 0
    for record in records:
        writer.writerow(record if escape is None else [escape(v) for v in record])
        count += 1
    return count


def jsonl_line(record: tuple[Any, ...]) -> str:
    return json.dumps(dict(zip(JOURNAL_COLUMNS, record, strict=True)), ensure_ascii=False) + "\n"


def csv_chunks(records: Iterable[tuple[Any, ...]], escape: Any = None) -> Iterator[str]:
    """The CSV of ``records`` in chunks of :data:`CHUNK_LINES` lines, for a streamed answer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(JOURNAL_COLUMNS)
    for count, record in enumerate(records, start=1):
        writer.writerow(record if escape is None else [escape(v) for v in record])
        if count % CHUNK_LINES == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_chunks(records: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """One JSON object per line, :data:`CHUNK_LINES` lines per chunk."""
    lines: list[str] = []
    for record in records:
        lines.append(jsonl_line(record))
        if len(lines) == CHUNK_LINES:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def write_journal_xlsx(out: BinaryIO, records: Iterable[tuple[Any, ...]], locale: str = "en") -> int:
    """The journal as a workbook (constant memory: :mod:`api.spreadsheets`); the lines written."""
    return write_xlsx(out, "journal", JOURNAL_SHEET_COLUMNS, records, locale=locale)
