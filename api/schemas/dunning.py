"""Bodies of dunning and instalment plans: locks, procedures, runs, the dunning state, the portal summary."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import AmountStr, DecimalStr
from api.schemas import limits as n
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH


class LockIn(BaseModel):
    kind: Literal["dispute", "manual"]
    reason: str = Field(min_length=1, max_length=n.MAX_REASON_LENGTH,
                        examples=["customer disputes the meter reading"])
    until: date | None = Field(default=None, description="last locked day; required for a manual lock")
    invoice_number: str | None = Field(default=None, max_length=n.MAX_REFERENCE_LENGTH,
                                       description="lock one item only")


class ProcedureIn(BaseModel):
    procedure: str | None = Field(default=None, max_length=n.MAX_CODE_LENGTH, examples=["FI-POWER"])
    country: str | None = Field(default=None, min_length=2, max_length=2, examples=["IT"])
    commodity: str | None = Field(default=None, max_length=n.MAX_CODE_LENGTH, examples=["gas"])


class RunIn(BaseModel):
    # Three bodies are called RunIn, so pydantic names them after their module in the OpenAPI document;
    # clients generated from it know this one as api__dunning_http__RunIn. Pinning the module keeps
    # that name (and is why this file has no ``from __future__ import annotations``: pydantic would look
    # the field types up in the pinned module, which no longer exists).
    __module__ = "api.dunning_http"
    run_on: date | None = None
    account_ids: list[UUID] | None = Field(default=None, description="default: every candidate account")
    company: str | None = Field(default=None, min_length=1, max_length=MAX_COMPANY_CODE_LENGTH,
                                description="only this company's accounts (its code); default: every "
                                            "company's")


class PlanIn(BaseModel):
    invoice_numbers: list[Annotated[str, Field(max_length=n.MAX_REFERENCE_LENGTH)]] = Field(min_length=1,
                                                                                         max_length=100)
    instalments: int = Field(ge=1, le=120)
    first_due: date
    interval_months: int | None = Field(default=None, ge=1, le=12)
    interval_days: int | None = Field(default=None, ge=1, le=366)
    interest_rate: DecimalStr | None = Field(default=None, description="annual percent, simple interest")
    custom_amounts: list[AmountStr] | None = None
    grace_days: int | None = Field(default=None, ge=0, le=90)


class RunsOut(BaseModel):
    accounts: int
    steps: int
    runs: list[dict[str, Any]]


class LockOut(BaseModel):
    kind: str
    reason: str
    until: date | None
    invoice_number: str | None
    source: str = Field(description="manual (set by a person), plan, or direct-debit")
    lock_id: str | None


class StepOut(BaseModel):
    step_id: str
    run_id: str
    level: int
    name: str
    rule: str
    template: str
    sent_on: date
    items: list[str]
    overdue_total: Decimal
    fee: Decimal
    interest: Decimal
    payment_deadline: date | None
    reversed: bool


class InstalmentOut(BaseModel):
    number: int
    document: str
    due_date: date
    amount: Decimal
    principal: Decimal
    interest: Decimal
    open_amount: Decimal
    payment_reference: str | None


class PlanOut(BaseModel):
    plan_id: str
    number: str
    status: str
    created_on: date
    originals: list[str]
    grace_days: int
    interest_rate: Decimal | None
    instalments: list[InstalmentOut]
    ended_on: date | None
    end_reason: str
    missed: list[int]


class NextStepOut(BaseModel):
    level: int
    name: str
    earliest_date: date | None = Field(description="None: not reachable unless something changes")
    rule: str


class DunningStateOut(BaseModel):
    account_id: UUID
    as_of: date
    procedure: str
    level: int
    level_name: str | None
    last_step_on: date | None
    next_step: NextStepOut | None
    overdue: Decimal
    overdue_items: int
    fees: Decimal = Field(description="dunning and return fees still open")
    interest: Decimal = Field(description="late interest charged and still open")
    interest_accrued: Decimal = Field(description="late interest run up since it was last charged")
    locks: list[LockOut]
    steps: list[StepOut]
    plan: PlanOut | None


class EligibilityOut(BaseModel):
    invoice: str
    amount: Decimal
    average_12_months: Decimal
    bills_in_average: int
    domestic: bool
    ratio_required: Decimal
    minimum_amount: Decimal
    eligible: bool
    rule: str


class ReturnedDebitOut(BaseModel):
    end_to_end_id: str
    collection_date: date
    amount: Decimal
    reason_code: str | None


class PortalSummaryOut(BaseModel):
    account_id: UUID
    as_of: date
    returned_direct_debits: list[ReturnedDebitOut]
    unpaid_invoices: int
    unpaid_invoices_amount: Decimal
    open_total: Decimal
    active_plan: str | None
    next_instalment: InstalmentOut | None
    dunning_level: int
    dunning_level_name: str | None
    mandate_reference: str | None
    mandate_status: str | None


class ProposedStepOut(BaseModel):
    """A step a dunning run proposed, as its JSON lists it (``proposed_steps``): one line of its CSV/XLSX."""

    account_id: str
    procedure: str
    procedure_version: int
    level: int
    name: str
    rule: str
    template: str
    items: list[str]
    overdue: Decimal
    fee: Decimal
    interest: Decimal
    payment_deadline: date | None
    earliest_next_step: date | None
