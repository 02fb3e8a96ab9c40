"""Commands of contract accounts: open an account, sign a contract, issue invoices and credit notes.

Immutable value records, in the imperative.
"""


from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.terms import PaymentMethod


@dataclass(frozen=True, slots=True)
class OpenContractAccount:
    partner_id: UUID
    name: str
    currency: str = "EUR"
    #: Days from an invoice's issue to its due date; none: the company's terms when the account is opened
    #: (copied onto the account, as its own terms from then on).
    payment_terms_days: int | None = None
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    #: The company (its code) the account belongs to; none: the installation's default company.
    company: str | None = None


@dataclass(frozen=True, slots=True)
class SignContract:
    account_id: UUID
    supply_point_scheme: str
    supply_point_id: str
    commodity: Commodity
    tariff_code: str
    billing_frequency: BillingFrequency
    start_date: date
    end_date: date | None = None
    time_zone: str = "Europe/Rome"


@dataclass(frozen=True, slots=True)
class LineInput:
    description: str
    component: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    amount: Decimal | None = None  # given by the rating core; else quantity × unit price, half up
    site: str | None = None  # supply point, for the sections of a collective invoice
    period: tuple[date, date] | None = None
    sources: tuple[str, ...] = ()  # reading ids, tariff version: what produced the line
    note: str = ""


@dataclass(frozen=True, slots=True)
class IssueInvoice:
    account_id: UUID
    lines: tuple[LineInput, ...]
    issue_date: date | None = None
    due_date: date | None = None
    contract_id: UUID | None = None
    period: tuple[date, date] | None = None
    number: str | None = None


@dataclass(frozen=True, slots=True)
class IssueCreditNote:
    """Credit an issued invoice, in full (no lines) or in part (the lines to credit, positive amounts)."""

    invoice_number: str
    reason: str
    lines: tuple[LineInput, ...] = ()
    issue_date: date | None = None
