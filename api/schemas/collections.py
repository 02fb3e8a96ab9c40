"""Bodies of direct debit: mandates, collection runs and settlement, the account's direct-debit view."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class MandateIn(BaseModel):
    reference: str = Field(examples=["UMR-2026-000123"], description="unique mandate reference (UMR)")
    signed_on: date
    debtor_name: str
    debtor_iban: str = Field(examples=["IT60X0542811101000000123456"])
    debtor_bic: str | None = None
    scheme: str = Field(default="CORE", pattern="^(CORE|B2B)$")


class IbanChangeIn(BaseModel):
    new_iban: str
    new_bic: str | None = None


class RunIn(BaseModel):
    # Three bodies are called RunIn, so pydantic names them after their module in the OpenAPI document;
    # clients generated from it know this one as api__dd_http__RunIn. Pinning the module keeps
    # that name (and is why this file has no ``from __future__ import annotations``: pydantic would look
    # the field types up in the pinned module, which no longer exists).
    __module__ = "api.dd_http"
    due_by: date
    collection_date: date


class SettlementIn(BaseModel):
    on: date


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
