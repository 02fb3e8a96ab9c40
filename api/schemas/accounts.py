"""Bodies of master data (partners, accounts, contracts), invoices and credit notes, and the account's
read paths (balance, open items, statement)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import DecimalStr, Strict
from api.schemas import limits as n
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.terms import PaymentMethod
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH
from ledger.parties.partner import PartnerKind


class TaxIdIn(Strict):
    scheme: str = Field(max_length=n.MAX_CODE_LENGTH, examples=["it.codicefiscale"],
                        description="python-stdnum module name")
    value: str = Field(max_length=n.MAX_IDENTIFIER_LENGTH, examples=["RSSMRA85T10A562S"])


class AddressIn(Strict):
    street: str = Field(max_length=n.MAX_STREET_LENGTH, examples=["Via Roma 1"])
    postcode: str = Field(max_length=n.MAX_POSTCODE_LENGTH, examples=["98122"])
    town: str = Field(max_length=n.MAX_TOWN_LENGTH, examples=["Messina"])
    country: str = Field(min_length=2, max_length=2, examples=["IT"])


class PartnerIn(Strict):
    name: str = Field(min_length=1, max_length=n.MAX_NAME_LENGTH, examples=["Mario Rossi"])
    kind: PartnerKind = PartnerKind.PERSON
    tax_ids: list[TaxIdIn] = Field(default_factory=list, max_length=10)
    email: str | None = Field(default=None, max_length=n.MAX_EMAIL_LENGTH,
                              examples=["mario.rossi@example.it"])
    language: str = Field(default="it", max_length=n.MAX_LANGUAGE_LENGTH, examples=["it"])
    address: AddressIn | None = None


class PartnerOut(BaseModel):
    partner_id: UUID


class AccountIn(Strict):
    partner_id: UUID
    name: str = Field(min_length=1, max_length=n.MAX_NAME_LENGTH, examples=["Casa via Roma"])
    currency: str = Field(default="EUR", max_length=n.MAX_CURRENCY_LENGTH, examples=["EUR"])
    payment_terms_days: int | None = Field(default=None, ge=0, le=365, description=(
        "days from an invoice's issue to its due date; none: the company's payment_terms_days"))
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    #: The company's code (SALDO_CONFIG); none: the installation's default company.
    company: str | None = Field(default=None, min_length=1, max_length=MAX_COMPANY_CODE_LENGTH,
                                examples=["fi-network"])


class AccountOut(BaseModel):
    account_id: UUID


class ContractIn(Strict):
    account_id: UUID
    supply_point_scheme: str = Field(max_length=n.MAX_CODE_LENGTH, examples=["pod"],
                                     description="pod, pdr, cups, eic, gsrn or other")
    supply_point_id: str = Field(max_length=n.MAX_IDENTIFIER_LENGTH, examples=["IT001E12345678"])
    commodity: Commodity
    tariff_code: str = Field(max_length=n.MAX_CODE_LENGTH, examples=["IT-DOM-F123-2026"])
    billing_frequency: BillingFrequency = BillingFrequency.BIMONTHLY
    start_date: date
    end_date: date | None = None
    time_zone: str = Field(default="Europe/Rome", max_length=n.MAX_TIME_ZONE_LENGTH)


class ContractOut(BaseModel):
    contract_id: UUID


class LineIn(Strict):
    description: str = Field(max_length=n.MAX_DESCRIPTION_LENGTH, examples=["Energia fascia F1"])
    component: str = Field(max_length=n.MAX_CODE_LENGTH, examples=["energy"],
                           description="revenue component: energy, standing, network…")
    quantity: DecimalStr = Field(examples=["123.456"])
    unit: str = Field(max_length=n.MAX_UNIT_LENGTH, examples=["kWh"])
    unit_price: DecimalStr = Field(examples=["0.1234"])
    vat_rate: DecimalStr = Field(examples=["10"], description="percent")


class InvoiceIn(Strict):
    lines: list[LineIn] = Field(min_length=1, max_length=2000)
    issue_date: date | None = None
    due_date: date | None = None
    contract_id: UUID | None = None
    period_start: date | None = None
    period_end: date | None = None
    number: str | None = Field(default=None, max_length=n.MAX_REFERENCE_LENGTH,
                               description="leave empty to draw the next number")


class InvoiceOut(BaseModel):
    invoice_id: UUID
    number: str
    gross: str
    due_date: date
    payment_reference: str


class CreditNoteIn(Strict):
    reason: str = Field(min_length=1, max_length=n.MAX_REASON_LENGTH, examples=["meter reading corrected"])
    lines: list[LineIn] = Field(default_factory=list, max_length=2000,
                                description="empty: credit the whole invoice")
    issue_date: date | None = None


class CreditNoteOut(BaseModel):
    credit_note_id: UUID
    number: str
    gross: str
    corrects: str


class BalanceOut(BaseModel):
    account_id: UUID
    partner_id: UUID
    name: str
    currency: str
    balance: Decimal = Field(
        description="open items less credit on account; negative: the customer is in credit")
    open_items_total: Decimal
    overdue: Decimal
    credit: Decimal
    next_due_date: date | None
    as_of: date


class OpenItemOut(BaseModel):
    item_id: str
    document_number: str
    kind: str
    amount: Decimal
    open_amount: Decimal
    due_date: date
    posted_on: date
    payment_reference: str | None
    overdue: bool


class StatementLineOut(BaseModel):
    position: int
    booking_date: date
    movement: str
    document: str
    amount: Decimal = Field(description="debit (+) raises what the customer owes, credit (-) lowers it")
    running_balance: Decimal
