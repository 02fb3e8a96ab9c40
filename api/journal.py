"""The journal as the accounting system receives it: the columns and one posting as a record.

Shared by ``GET /journal``, ``saldo export journal`` and the old-store fixture, so that all three write
the same bytes for the same posting. Each line names the company whose books it is in and that company's
GL account number for the ledger account (``gl_accounts`` in SALDO_CONFIG; empty when the company maps
none). A company that maps any account must map every account its lines book to: a line it cannot number
is refused (:class:`UnmappedGLAccount`), never sent without its number for the accounting system to guess.
"""

from __future__ import annotations

from typing import Any

from api.deps import money
from ledger.core.errors import Conflict
from ledger.parties.company import Companies, CompanyConfig

JOURNAL_COLUMNS = ("cursor", "entry", "line", "booking_date", "recorded_at", "event", "document",
                   "contract_account", "gl_account", "debit", "credit", "currency", "company", "gl_number")


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
