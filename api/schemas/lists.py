"""What the lists and the search box answer: one item per partner, account, contract, document, payment,
mandate, and one hit per key that matched (issue 11, "find and read everything")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel


class PartnerItem(BaseModel):
    partner_id: str
    name: str
    kind: str
    tax_ids: str  #: ``scheme:value`` pairs separated by spaces, as registered
    email: str | None
    language: str


class AddressOut(BaseModel):
    street: str
    postcode: str
    town: str
    country: str


class PartnerDetail(PartnerItem):
    """One partner with what only its own page shows: the postal address and the contact."""

    address: AddressOut | None = None
    contact: str | None = None


class AccountItem(BaseModel):
    account_id: str
    partner_id: str
    name: str
    currency: str
    balance: Decimal  #: open items less credit on account
    open_items_total: Decimal
    credit: Decimal
    payment_method: str | None
    payment_terms_days: int | None


class SupplyPointOut(BaseModel):
    scheme: str
    id: str


class ContractItem(BaseModel):
    contract_id: str
    account_id: str
    supply_point: SupplyPointOut
    commodity: str
    tariff_code: str  #: the latest assignment
    billing_frequency: str
    start_date: date
    end_date: date | None


class DocumentItem(BaseModel):
    document_id: str
    number: str
    kind: str  #: invoice or credit note
    account_id: str
    contract_id: str | None
    issue_date: date
    due_date: date
    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    payment_reference: str | None
    corrects: str | None
    credited: Decimal  #: credit notes issued against it
    open_amount: Decimal  #: still open on the account


class AllocationOut(BaseModel):
    item_id: str
    amount: Decimal


class PaymentItem(BaseModel):
    payment_id: str  #: what ``POST /accounts/{account_id}/payments/{payment_id}/reversal`` takes
    account_id: str
    amount: Decimal
    received_on: date
    source_account: str  #: GL account debited (``bank:<iban>``, or suspense)
    payer_iban: str | None
    rule: str  #: the matching rule that placed it
    evidence: str  #: why the rule matched
    allocations: list[AllocationOut]
    to_credit: Decimal
    reversed_on: date | None


class MandateItem(BaseModel):
    account_id: str
    reference: str
    status: str
    debtor_iban: str
    signed_on: date


class SearchHitOut(BaseModel):
    matched: str  #: name, tax_id, email, supply_point, iban, invoice_number, payment_reference, mandate_ref…
    key: str  #: the key as indexed (compact, or a name's word)
    entity: str  #: partner, account, contract, document, payment, mandate
    id: str
    label: str  #: what the thing is called (a name, a number, a supply point)
    account_id: str | None  #: the contract account it belongs to, where there is one
    path: str  #: where to read it


class SearchOut(BaseModel):
    query: str
    results: list[SearchHitOut]


class DunningStepItem(BaseModel):
    """One dunning step taken on an account: what level, when, under which procedure version and rule,
    which letter, with what fee and interest (issue 11: the dunning history)."""

    step_id: str
    account_id: str
    company: str  #: the account's company code
    run_id: str
    procedure: str
    procedure_version: int  #: 0: the procedure as shipped
    level: int
    level_name: str
    letter: str  #: the letter or notice sent (the level's template: reminder, formal notice, …)
    rule: str  #: the rule that allowed the step
    stepped_on: date  #: the day the letter was sent
    payment_deadline: date | None
    invoices: str  #: the invoice numbers dunned, separated by spaces
    overdue_total: Decimal
    fee: Decimal
    interest: Decimal
    reversed_on: date | None
    reversal_reason: str | None
