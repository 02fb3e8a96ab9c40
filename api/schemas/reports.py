"""Bodies of the reports: aged receivables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field


class AgedBucketsOut(BaseModel):
    not_due: Decimal = Field(description="open, due on or after the date")
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal
    total: Decimal = Field(description="the sum of the buckets: the open items' total on the date")
    credit: Decimal = Field(description="credit on account on the date (not aged, not in the total)")


class AgedAccountOut(AgedBucketsOut):
    account_id: UUID
    name: str
    currency: str


class AgedTotalOut(AgedBucketsOut):
    currency: str
    accounts: int = Field(description="accounts with something open or credit on account")


class AgedReceivablesOut(BaseModel):
    company: str = Field(description="the name of the company whose receivables these are (of each, when the "
                                     "report covers every company)")
    company_code: str | None = Field(description="its code (SALDO_CONFIG); null: every company's")
    as_of: date
    known_at: datetime
    totals: list[AgedTotalOut] = Field(description="the company's (or the one account's), per currency")
    accounts: list[AgedAccountOut] = Field(description="this page of accounts, in account-id order")
    next_after: UUID | None = Field(description="pass as `after` for the next page; null on the last")
