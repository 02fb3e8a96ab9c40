"""Bodies of write-offs, their runs and refunds of credit on account (issue 11 item 5)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from api.schemas import AmountStr, CompanyCode, Strict
from api.schemas.limits import MAX_NOTE_LENGTH, MAX_REASON_LENGTH
from api.schemas.payments import InvoiceNumber, RefundIn
from ledger.accounts.write_offs import MAX_WRITE_OFF_ITEMS

WriteOffReasonText = Literal["uncollectable", "deceased", "small-balance", "statute-of-limitations"]


class WriteOffIn(Strict):
    reason: WriteOffReasonText
    invoice_numbers: list[InvoiceNumber] = Field(default_factory=list, max_length=MAX_WRITE_OFF_ITEMS,
                                       description="the items to write off; none: the account's balance")
    note: str = Field("", max_length=MAX_NOTE_LENGTH)
    on: date | None = None


class WriteOffReversalIn(Strict):
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH)
    on: date | None = None


class WriteOffOut(Strict):
    account_id: str
    write_off_id: str
    reason: str
    written_off_on: date
    amount: str
    invoices: list[str]
    reversed_on: date | None
    balance: str



class WriteOffRunIn(Strict):
    reason: Literal["statute-of-limitations", "small-balance"]
    on: date | None = Field(None, description="the day the run decides for (default today)")
    company: CompanyCode | None = None


class WriteOffRunDiscardIn(Strict):
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH)


class CreditRefundIn(RefundIn):
    amount: AmountStr | None = Field(None, description="what to refund; none: all the credit on account")
