"""Bodies of the accounting exports: the trial balance, per company."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class TrialBalanceLineOut(BaseModel):
    gl_account: str = Field(description="the ledger's account (receivables, bank:<iban>, revenue:energy...)")
    gl_number: str = Field(description="the company's GL account number for it (gl_accounts); empty if the "
                                       "company maps none")
    debit: Decimal
    credit: Decimal
    balance: Decimal = Field(description="debit minus credit")
    lines: int = Field(description="journal lines added up")


class TrialBalanceBookOut(BaseModel):
    """One company's books in one currency: never mixed with another company's."""

    company: str = Field(description="the company's code")
    legal_name: str
    currency: str
    accounts: list[TrialBalanceLineOut]
    total_debit: Decimal
    total_credit: Decimal
    balanced: bool = Field(description="total debit equals total credit")


class TrialBalanceOut(BaseModel):
    first_day: date | None = Field(description="postings booked on or after this day (none: from the start)")
    last_day: date | None = Field(description="postings booked on or before this day (none: to the end)")
    books: list[TrialBalanceBookOut] = Field(description="per company and currency, by company code")


class TrialBalanceRow(BaseModel):
    """One line of the trial balance as a CSV or XLSX row: an account of one company's books in one
    currency, with the company named on every line (a sheet has no nesting)."""

    company: str
    legal_name: str
    currency: str
    gl_account: str
    gl_number: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    lines: int
