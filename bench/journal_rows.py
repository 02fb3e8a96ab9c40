"""Synthetic journal lines written straight into the ledger view's journal table, for the export benchmark
and the export's memory test: a million lines by events would take an hour of billing here.

Each entry is an invoice's two lines (Dr receivables / Cr revenue:energy), one entry per account and day,
shaped as :meth:`projections.sql.LedgerViewSQL._write_journal` writes them (dense cursors in store order),
through the view's own transaction and bulk insert (``COPY`` on PostgreSQL). No event stands behind them:
the export reads only the view, which is what is measured and tested; nothing else of the view is
touched, and no entry names a company (so each is the default company's, as :mod:`projections.queries`
reads a view written before companies).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from projections.sql import LedgerViewSQL

#: Lines written per transaction while filling.
FILL_BATCH = 20_000
FIRST_DAY = date(2026, 1, 1)


def journal_line(cursor: int) -> tuple[Any, ...]:
    """The view's row of line ``cursor`` (1-based): two lines per entry, the debit then the credit."""
    entry, line_no = (cursor + 1) // 2, (cursor + 1) % 2
    day = FIRST_DAY + timedelta(days=entry % 365)
    cents = 1000 + (entry * 7919) % 900_000  # 10.00 .. 9,010.00
    debit = line_no == 0
    return (cursor, entry, line_no, day.isoformat(), f"{day.isoformat()}T08:{entry % 60:02d}:00+00:00",
            "Issued", f"INV-2026-{entry:07d}", f"00000000-0000-4000-8000-{entry % 100_000:012d}",
            "receivables" if debit else "revenue:energy", cents if debit else 0, 0 if debit else cents, "EUR")


def _lines(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
    for cursor in range(start, stop):
        yield journal_line(cursor)


def fill_journal(view: LedgerViewSQL, count: int) -> None:
    """Append ``count`` lines after the journal's last cursor (an empty view: cursors 1..count)."""
    start = _last_cursor(view) + 1
    for first in range(start, start + count, FILL_BATCH):
        rows = list(_lines(first, min(first + FILL_BATCH, start + count)))
        with view._write() as curs:  # the view's own transaction and bulk insert (COPY on PostgreSQL)
            view._insert(curs, "{journal}", view.JOURNAL_TYPES, rows)


def _last_cursor(view: LedgerViewSQL) -> int:
    rows = view._read("SELECT COALESCE(MAX(cursor), 0) FROM {journal}")
    return int(rows[0][0])
