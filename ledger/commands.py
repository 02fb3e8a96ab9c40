"""Commands: what a user or a file asks Saldo to do, in the imperative. Immutable value records.

Each is handled by :meth:`ledger.application.Saldo.execute` under an idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.account import PaymentMethod
from ledger.contract import BillingFrequency, Commodity
from ledger.matching import MatchDecision, Receipt
from ledger.partner import PartnerKind, PostalAddress


@dataclass(frozen=True, slots=True)
class RegisterPartner:
    name: str
    kind: PartnerKind
    tax_ids: tuple[tuple[str, str], ...] = ()
    email: str | None = None
    language: str = "it"
    address: PostalAddress | None = None


@dataclass(frozen=True, slots=True)
class OpenContractAccount:
    partner_id: UUID
    name: str
    currency: str = "EUR"
    payment_terms_days: int = 20
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER


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


@dataclass(frozen=True, slots=True)
class RecordPayment:
    account_id: UUID
    amount: Decimal
    received_on: date
    currency: str = "EUR"
    bank_account: str | None = None
    invoice_numbers: tuple[str, ...] = ()
    payer_name: str | None = None
    payer_iban: str | None = None
    reference: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReversePayment:
    account_id: UUID
    payment_id: str
    reason: str
    reversed_on: date | None = None


@dataclass(frozen=True, slots=True)
class ResetClearing:
    account_id: UUID
    payment_id: str
    reason: str
    reset_on: date | None = None


@dataclass(frozen=True, slots=True)
class ImportReceipt:
    """Book one receipt from a bank statement where the matching cascade decided (or park it in suspense).

    The idempotency fingerprint covers the receipt only, not the decision: importing the same entry again
    is a replay even if today's open items would be matched differently.
    """

    receipt: Receipt
    bank_account: str
    decision: MatchDecision

    def idempotency_payload(self) -> Any:
        return (self.receipt, self.bank_account)


@dataclass(frozen=True, slots=True)
class AllocateSuspense:
    """A clerk places a parked receipt: on named invoices, oldest first, or only as credit on account."""

    suspense_id: UUID
    account_id: UUID
    invoice_numbers: tuple[str, ...] = ()
    on_account_only: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class RefundSuspense:
    suspense_id: UUID
    to_iban: str
    to_name: str
    reason: str
    to_town: str = ""  # a payee address (town and country at least) is required on SEPA transfers
    to_country: str = ""


@dataclass(frozen=True, slots=True)
class RecordStatementFile:
    """Remember that a bank file was imported in full (its key is the file's SHA-256)."""

    sha256: str
    file_name: str
    report: tuple[tuple[str, str], ...]


Command = (
    RegisterPartner
    | OpenContractAccount
    | SignContract
    | IssueInvoice
    | IssueCreditNote
    | RecordPayment
    | ReversePayment
    | ResetClearing
    | ImportReceipt
    | AllocateSuspense
    | RefundSuspense
    | RecordStatementFile
)
