"""Bodies of direct debit: mandates, collection runs and settlement, the account's direct-debit view."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from api.schemas import CompanyCode
from api.schemas import limits as n


class MandateIn(BaseModel):
    reference: str = Field(max_length=n.MAX_REFERENCE_LENGTH, examples=["UMR-2026-000123"],
                           description="unique mandate reference (UMR)")
    signed_on: date
    debtor_name: str = Field(max_length=n.MAX_PARTY_NAME_LENGTH)
    debtor_iban: str = Field(max_length=n.MAX_IBAN_LENGTH, examples=["IT60X0542811101000000123456"])
    debtor_bic: str | None = Field(default=None, max_length=n.MAX_BIC_LENGTH)
    scheme: str = Field(default="CORE", pattern="^(CORE|B2B)$", max_length=4)


class IbanChangeIn(BaseModel):
    new_iban: str = Field(max_length=n.MAX_IBAN_LENGTH)
    new_bic: str | None = Field(default=None, max_length=n.MAX_BIC_LENGTH)


class RunIn(BaseModel):
    # Three bodies are called RunIn, so pydantic names them after their module in the OpenAPI document;
    # clients generated from it know this one as api__dd_http__RunIn. Pinning the module keeps
    # that name (and is why this file has no ``from __future__ import annotations``: pydantic would look
    # the field types up in the pinned module, which no longer exists).
    __module__ = "api.dd_http"
    due_by: date
    collection_date: date
    company: CompanyCode | None = None


class SettlementIn(BaseModel):
    on: date = Field(description="the day the bank credited the collections due by then: today or earlier")


class CollectionOut(BaseModel):
    end_to_end_id: str
    collection_date: date
    amount: Decimal
    sequence_type: str
    status: str
    return_reason: str | None


class DirectDebitOut(BaseModel):
    mandate_reference: str | None
    mandate_status: str | None
    debtor_iban: str | None
    upcoming: list[CollectionOut] = Field(description="pre-notification: what will be collected, and when")
    returned: list[CollectionOut]
    history: list[CollectionOut]


class ReturnReviewOut(BaseModel):
    """A return held for a person: what the bank said, why it was not applied, what it could be."""

    review_id: str
    status: str = Field(description="open, applied or dismissed")
    problem: str = Field(examples=["amount-differs"])
    detail: str
    source: str = Field(examples=["pain.002", "camt.054"])
    file_name: str
    where: str = Field(description="line and element path in the file")
    level: str = Field(description="transaction, payment (a whole block) or group (a whole message)")
    reason_code: str
    returned_on: date
    end_to_end_id: str | None
    mandate_id: str | None
    amount: Decimal | None
    currency: str | None
    original_message_id: str | None
    payment_information_id: str | None
    candidates: list[str] = Field(description="end-to-end ids of the collections it could be")
    resolution: str | None


class ReviewApplicationIn(BaseModel):
    end_to_end_id: str = Field(min_length=1, max_length=35,
                               description="the collection this return undoes, as our pain.008 wrote it")
    note: str = Field(min_length=1, max_length=500)


class ProposalOut(BaseModel):
    """A direct debit a collection run proposed, as its JSON lists it (``proposals``): one line of its
    CSV/XLSX."""

    account_id: str
    end_to_end_id: str
    invoices: list[str]
    amount: Decimal
    sequence_type: str
