"""The journal as the accounting system receives it: the columns and one posting as a record.

Shared by ``GET /journal``, ``saldo export journal`` and the old-store fixture, so that all three write
the same bytes for the same posting.
"""

from __future__ import annotations

from typing import Any

from api.deps import money

JOURNAL_COLUMNS = ("cursor", "entry", "line", "booking_date", "recorded_at", "event", "document",
                   "contract_account", "gl_account", "debit", "credit", "currency")


def journal_record(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """One row of the view's journal in the order of :data:`JOURNAL_COLUMNS`, amounts as decimal text."""
    return (*row[:9], str(money(row[9])), str(money(row[10])), row[11])
