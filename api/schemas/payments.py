"""Bodies of payments and their reversal, bank statement import, the suspense worklist and refunds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import AmountStr, Strict
from api.schemas import limits as n
from ledger.payments.commands import MAX_REFUND_NOTE_CHARS

InvoiceNumber = Annotated[str, Field(max_length=n.MAX_REFERENCE_LENGTH)]


class PaymentIn(Strict):
    amount: AmountStr
    received_on: date
    currency: str = Field(default="EUR", max_length=n.MAX_CURRENCY_LENGTH)
    bank_account: str | None = Field(default=None, max_length=n.MAX_IBAN_LENGTH,
                                     description="IBAN the money arrived on")
    invoice_numbers: list[InvoiceNumber] = Field(default_factory=list, max_length=100)
    payer_name: str | None = Field(default=None, max_length=n.MAX_PARTY_NAME_LENGTH)
    payer_iban: str | None = Field(default=None, max_length=n.MAX_IBAN_LENGTH)
    reference: str | None = Field(default=None, max_length=n.MAX_REFERENCE_LENGTH)
    note: str = Field(default="", max_length=n.MAX_NOTE_LENGTH)


class AllocationOut(BaseModel):
    invoice: str
    amount: str


class PaymentOut(BaseModel):
    payment_id: str
    allocations: list[AllocationOut]
    to_credit: str


class ReversalIn(Strict):
    reason: str = Field(min_length=1, max_length=n.MAX_REASON_LENGTH, examples=["recalled by the bank"])
    on: date | None = None


class ReversalOut(BaseModel):
    payment_id: str


class ImportReportOut(BaseModel):
    file_name: str
    sha256: str
    file_already_imported: bool
    entries: int
    booked: int
    duplicates: int
    to_suspense: int
    matched_by_rule: dict[str, int]
    amount_booked: Decimal
    amount_to_suspense: Decimal
    not_allocated: list[dict[str, str]]
    refused: list[dict[str, str]]
    #: False while any entry was refused: the file is read again on the next import (nothing is doubled).
    imported_in_full: bool
    #: The statement's direct-debit returns, as POST /direct-debit/returns reports them (None: none).
    direct_debit_returns: dict[str, Any] | None = None
    #: Each statement file read (the members of a ZIP archive: ``archive.zip!member.xml``), with its kind.
    files: list[dict[str, str]] = Field(default_factory=list)
    #: Statements imported although nothing proves them complete, each with the reason.
    not_reconcilable: list[dict[str, str]] = Field(default_factory=list)
    #: Archive members not read (a PDF copy, file system metadata), each with the reason.
    skipped: list[dict[str, str]] = Field(default_factory=list)
    #: Who accepted balances that do not add up, why, and which (``None`` when nothing needed accepting).
    balance_override: dict[str, Any] | None = None
    #: Receipts booked, to the worklist, that look like one booked from a statement of another period.
    possible_duplicates: list[dict[str, str]] = Field(default_factory=list)


class CandidateOut(BaseModel):
    invoice: str
    account_id: UUID
    account_name: str
    open_amount: Decimal
    score: float
    reasons: list[str]


class WorklistItemOut(BaseModel):
    suspense_id: UUID
    amount: Decimal
    currency: str
    received_on: str
    payer_name: str | None
    payer_iban: str | None
    reference: str | None
    remittance: str
    reason: str = Field(description="why the matching cascade could not place it")
    possible_duplicate: bool = Field(
        default=False, description="it looks like a receipt booked from a statement of another period: "
                                   "confirm it is a second payment, or refund it (the reason says where)")
    candidates: list[CandidateOut]


class AllocationIn(BaseModel):
    account_id: UUID
    invoice_numbers: list[InvoiceNumber] = Field(default_factory=list, max_length=100)
    on_account_only: bool = False
    note: str = Field(default="", max_length=n.MAX_NOTE_LENGTH)


class RefundIn(BaseModel):
    to_iban: str = Field(max_length=n.MAX_IBAN_LENGTH, examples=["DE89370400440532013000"])
    to_name: str = Field(max_length=n.MAX_PARTY_NAME_LENGTH)
    to_town: str = Field(max_length=n.MAX_TOWN_LENGTH, examples=["Berlin"])
    to_country: str = Field(min_length=2, max_length=2, examples=["DE"])
    reason: str = Field(min_length=1, max_length=n.MAX_REASON_LENGTH)


class RefundApprovalIn(Strict):
    note: str = Field(default="", max_length=MAX_REFUND_NOTE_CHARS,
                      description="what the approver checked (optional)")


class RefundOut(BaseModel):
    """A refund of a receipt in suspense: to whom, requested and approved by whom."""

    suspense_id: str
    status: str = Field(description="awaiting-approval, or refunded")
    amount: Decimal
    currency: str
    received_on: date
    payer_name: str | None
    payer_iban: str | None = Field(description="the IBAN the money came from, as the bank gave it")
    to_iban: str
    to_name: str
    to_town: str
    to_country: str
    reason: str | None = Field(description="why the refund was requested (for an approval)")
    requested_by: str | None = Field(description="who asked for a refund to another IBAN than the payer's")
    requested_on: date | None
    approved_by: str | None = Field(description="the second finance user who approved it")
    refunded_on: date | None
