"""Gathering what an invoice's page prints, from the store: the aggregates its events name.

The account and the partner are read **as they were when the document was issued** (their events up to
the invoice's own timestamp): a customer who moves later, or changes to direct debit, does not change what
an issued invoice printed, so a re-render from the events gives the bytes whose hash was recorded.
The personal messages are chosen from the account's events up to then too
(:mod:`ledger.documents.message_state`). Readings are immutable once recorded (a correction is a new
reading). The company's
configuration (name, address, IBAN) is not event-sourced: a changed configuration changes a re-render,
which the recorded hash then shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.accounts.account import ContractAccount
from ledger.accounts.invoice import Invoice, document_id
from ledger.accounts.terms import PaymentMethod
from ledger.billing.readings import MeterReadings, RegisterReading
from ledger.collections.mandate import MandateStatus
from ledger.core.errors import NotFound
from ledger.core.handling import Workspace
from ledger.documents.invoice_document import InvoiceDocument, invoice_document
from ledger.documents.message_state import message_box
from ledger.documents.wording import PLAIN, Wording
from ledger.parties.company import CompanyConfig, company_of
from ledger.parties.partner import BusinessPartner


def find_invoice(ws: Workspace[Any], number: str, field: str = "number") -> Invoice:
    """The issued invoice or credit note ``number``, or NotFound naming it (and ``field``)."""
    invoice = ws.find(Invoice, document_id(number.strip()))
    if invoice is None:
        raise NotFound(f"invoice or credit note {number} does not exist", field)
    return invoice


def as_of(ws: Workspace[Any], aggregate_id: UUID, timestamp: object) -> Aggregate | None:
    """The aggregate as its events up to ``timestamp`` made it (None if it did not exist yet)."""
    aggregate: Any = None
    for e in ws.events_after(aggregate_id, 0):
        if cast(Any, e).timestamp > timestamp:
            break
        aggregate = cast(Any, e).mutate(aggregate)
    return cast(Aggregate | None, aggregate)


def readings_of(ws: Workspace[Any], invoice: Invoice) -> dict[str, RegisterReading]:
    """The register readings the invoice's lines name (``reading:<supply point>#<n>``), by id."""
    wanted = dict.fromkeys(s[8:] for li in invoice.lines for s in li.sources if s.startswith("reading:"))
    found: dict[str, RegisterReading] = {}
    for supply_point in dict.fromkeys(r.rpartition("#")[0] for r in wanted):
        meter = ws.find(MeterReadings, MeterReadings.id_for(supply_point))
        if meter is not None:
            found.update({i: meter.readings[i] for i in wanted if i in meter.readings})
    return found


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """Everything an issued document's renderings are made from (the PDF, the e-invoices), read as it
    was when the document was issued: the invoice, its account and partner then, the company, the
    readings its lines name, and the (mandate reference, debtor IBAN) it is collected under, if any."""

    invoice: Invoice
    account: ContractAccount
    partner: BusinessPartner
    company: CompanyConfig
    readings: dict[str, RegisterReading]
    mandate: tuple[str, str] | None


def load_invoice_facts(ws: Workspace[Any], number: str) -> InvoiceFacts:
    """The facts of invoice or credit note ``number``, from the store (NotFound if there is none)."""
    invoice = find_invoice(ws, number)
    account = as_of(ws, invoice.account_id, invoice.created_on)
    if not isinstance(account, ContractAccount):  # pragma: no cover - a document's account exists before it
        raise NotFound(f"the contract account of {invoice.number} does not exist", "account_id")
    partner = as_of(ws, account.partner_id, invoice.created_on)
    if not isinstance(partner, BusinessPartner):  # pragma: no cover - an account's partner exists before it
        raise NotFound(f"the business partner of {invoice.number} does not exist", "partner_id")
    company: CompanyConfig = company_of(ws, account)
    mandate = account.mandate
    collected = None
    if (account.payment_method is PaymentMethod.DIRECT_DEBIT and mandate is not None
            and mandate.status is MandateStatus.ACTIVE):
        collected = (mandate.reference, mandate.debtor_iban)
    return InvoiceFacts(invoice, account, partner, company, readings_of(ws, invoice), collected)


def load_invoice_document(ws: Workspace[Any], number: str,
                          wording: Callable[[str], Wording] = lambda _: PLAIN) -> InvoiceDocument:
    """The printed document of invoice or credit note ``number``, from the store, written by
    ``wording(language)`` for the partner's language as it was when the document was issued (English,
    :data:`~ledger.documents.wording.PLAIN`, unless the caller gives another)."""
    return document_of(ws, load_invoice_facts(ws, number), wording)


def document_of(ws: Workspace[Any], f: InvoiceFacts,
                wording: Callable[[str], Wording] = lambda _: PLAIN) -> InvoiceDocument:
    """The printed document of the invoice whose facts are ``f`` (its messages read from ``ws``)."""
    return invoice_document(f.invoice, f.account.name, f.partner, f.company, f.readings, mandate=f.mandate,
                            messages=message_box(ws, f.invoice, f.account, f.company,
                                                 f.partner.language),
                            wording=wording(f.partner.language))
