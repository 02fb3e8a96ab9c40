"""What an invoice or credit note prints: a pure, immutable value built from the document's events.

:func:`invoice_document` takes the issued :class:`~ledger.accounts.invoice.Invoice` and the account,
partner, company, supply points and readings it names, and returns an :class:`InvoiceDocument` whose
every figure is already the text the page shows. A renderer (``api/documents/invoice_pdf.py``) only lays
it out: nothing is computed, rounded or formatted there, so what the auditor re-renders from the events is
what the customer got, and the tests read the printed figures back from here.

Rounding rule (issue 9, ``ledger.core.money.line_amount``): each line prints its quantity and unit price
with every decimal they are stored with, so that quantity × unit price rounded half up to cents is the
printed amount. A line stored before that rule that does not add up is printed as the credit note that
reverses it would print it: a lump sum, the old figures in its description
(:func:`~ledger.accounts.invoice.credit_line`).

Language: the partner's. Every figure, date and word is written by the
:class:`~ledger.documents.wording.Wording` the caller passes (:data:`~ledger.documents.wording.PLAIN`,
English, unless it asks for another; the API passes the partner's language's, ``api.documents.wording``),
so this module stays free of catalogues and locale data and the page still prints only what the model
holds.

Summary by component group: for an Italian company the four blocks of ARERA's "bolletta 2.0"
(deliberazione 501/2014/R/com, https://www.arera.it/atti-e-provvedimenti/dettaglio/14/501-14): spesa per la
materia energia, trasporto e gestione del contatore, oneri di sistema, imposte (excise and VAT), which add
up to the total to pay; elsewhere one row per revenue component, before VAT.

What the page carries follows the EU VAT directive's list of an invoice's contents (2006/112/EC art. 226,
https://eur-lex.europa.eu/eli/dir/2006/112/oj: date and sequential number, the supplier's VAT id, names
and addresses, quantity and nature of the supply, its period, unit price and taxable amount per rate, the
rate and the VAT). Still to be read by a lawyer before real bills are sent: in Italy the legal invoice is
the FatturaPA sent through SDI since 2019, so this PDF is its courtesy copy ("copia di cortesia") and must
say so; the bolletta 2.0 has further mandatory boxes (offer code, consumption history, the ARERA
notices); the customer's VAT id must be on a B2B invoice (the partner's first tax id is printed, an SDI
recipient code excepted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.accounts.invoice import DocumentKind, Invoice, InvoiceLine, credit_line
from ledger.accounts.payment_references import ReferenceScheme
from ledger.billing.readings import ReadingSource, RegisterReading
from ledger.core.money import ZERO
from ledger.documents.messages import MessageBox
from ledger.documents.payment_codes import epc_qr, fi_virtual_barcode, pagopa_qr
from ledger.documents.swiss_qr_bill import qr_bill_for
from ledger.documents.wording import N_, PLAIN, Wording
from ledger.documents.wording import plain as plain
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import BusinessPartner

#: Bumped whenever the model prints something differently: part of the renderer version recorded with
#: each rendering's hash, so a re-render under another layout is told apart from a changed document.
MODEL_VERSION = 3  # 2: the personal messages box (issue 13 item 4); 3: and figures, dates and words in the
#: partner's language (a Wording)

CATALOG = "documents"

#: Italy's bolletta 2.0 blocks, by revenue component (VAT joins ``imposte``); order is the page's. The
#: labels are ARERA's Italian names in the Italian catalogue (an Italian customer reads the names the
#: regulator prescribes); other languages say what each block is.
IT_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("materia-energia", N_("Energy supply charges"), ("standing", "energy")),
    ("trasporto", N_("Transport and meter management charges"), ("network", "demand")),
    ("oneri", N_("System charges"), ("system",)),
    ("imposte", N_("Taxes"), ("excise",)),
)
#: The summary row of a revenue component outside Italy (chart.DEFAULT_REVENUE_COMPONENTS); another
#: component a company configures prints its own name.
COMPONENT_LABELS = {"standing": N_("Standing charges"), "energy": N_("Energy"), "demand": N_("Demand"),
                    "network": N_("Network"), "system": N_("System charges"), "water": N_("Water"),
                    "sewer": N_("Sewerage"), "excise": N_("Excise duty")}


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: tuple[str, ...]
    tax_id: str | None = None


@dataclass(frozen=True, slots=True)
class PrintedLine:
    """One line as printed: ``quantity`` × ``unit_price`` rounded half up to cents is ``amount``."""

    description: str
    quantity: str
    unit: str
    unit_price: str
    amount: str
    vat_rate: str
    component: str
    period: str
    note: str


@dataclass(frozen=True, slots=True)
class ReadingRow:
    reading_id: str
    read_on: str
    index: str
    kind: str  # "actual", "self-reading", "estimated", "correction"


@dataclass(frozen=True, slots=True)
class SiteSection:
    """The lines of one supply point (a collective invoice has one section per site)."""

    site: str | None
    lines: tuple[PrintedLine, ...]
    readings: tuple[ReadingRow, ...]
    estimated: bool
    subtotal: str


@dataclass(frozen=True, slots=True)
class SummaryRow:
    key: str
    label: str
    amount: str


@dataclass(frozen=True, slots=True)
class VatRow:
    rate: str
    taxable: str
    vat: str


@dataclass(frozen=True, slots=True)
class PaymentCode:
    """The code the page carries: ``epc-qr`` and ``pagopa-qr`` are QR codes of ``payload``;
    ``fi-barcode`` is the 54-digit virtual barcode, printed as digits and as Code 128; ``ch-qrbill`` is the
    Swiss QR-bill's payload, printed as its payment part (ledger/documents/swiss_qr_bill.py)."""

    kind: str
    payload: str


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    number: str
    kind: str  # "invoice" | "credit-note"
    title: str
    issue_date: str
    #: The issue date as a date, for the file's metadata (``issue_date`` is as printed).
    issued_on: date
    due_date: str
    period: str
    #: The sign printed after an amount (``EUR`` in English, ``€`` elsewhere).
    currency: str
    company: Party
    customer: Party
    account_name: str
    sections: tuple[SiteSection, ...]
    summary: tuple[SummaryRow, ...]
    vat_rows: tuple[VatRow, ...]
    net: str
    vat: str
    gross: str
    payment_reference: str | None
    payment_code: PaymentCode | None
    payee_iban: str
    payee_bic: str | None
    corrects: str | None
    #: For an account paid by SEPA direct debit under an active mandate when the invoice was issued: how
    #: it is collected (the mandate and the debtor's IBAN, masked); such an invoice carries no payment code,
    #: so the customer is not asked to pay twice.
    collection: str | None = None
    #: The personal messages chosen for the customer when it was issued (ledger/documents/messages.py);
    #: None: no box.
    messages: MessageBox | None = None
    #: The language the page is written in (its labels are translated into it by the renderer).
    language: str = "en"
    #: Where the invoice with legal value is another document, the name of its file: an Italian company's
    #: FatturaPA sent through SDI, of which this page is the courtesy copy (set by the caller that knows
    #: the e-invoice formats, ``api.documents.service``).
    tax_document: str | None = None


def _period(period: tuple[date, date] | None, wording: Wording) -> str:
    return "" if period is None else f"{wording.day(period[0])} – {wording.day(period[1])}"


def printed_line(line: InvoiceLine, wording: Wording = PLAIN) -> PrintedLine:
    """The line as the page prints it (a line that does not add up: as a lump sum, see the module)."""
    shown = credit_line(line)
    n = wording.number
    period = _period(shown.period, wording)
    return PrintedLine(shown.description, n(shown.quantity), shown.unit, n(shown.unit_price),
                       n(shown.amount), n(shown.vat_rate), shown.component, period, shown.note)


_KINDS = {ReadingSource.ACTUAL: "actual", ReadingSource.SELF_READING: "self-reading",
          ReadingSource.ESTIMATE: "estimated", ReadingSource.CORRECTION: "correction"}


def _sections(lines: Sequence[InvoiceLine], readings: Mapping[str, RegisterReading],
              wording: Wording) -> tuple[SiteSection, ...]:
    by_site: dict[str | None, list[InvoiceLine]] = {}
    for line in lines:
        by_site.setdefault(line.site, []).append(line)
    sections = []
    for site, site_lines in by_site.items():
        ids = dict.fromkeys(s[8:] for li in site_lines for s in li.sources if s.startswith("reading:"))
        rows = tuple(ReadingRow(r.reading_id, wording.day(r.read_on), wording.number(r.index),
                                _KINDS[r.source]) for r in (readings[i] for i in ids if i in readings))
        estimated = any(s.startswith("estimate:") for li in site_lines for s in li.sources) or any(
            r.kind == "estimated" for r in rows)
        subtotal = sum((li.amount for li in site_lines), ZERO)
        sections.append(SiteSection(site, tuple(printed_line(li, wording) for li in site_lines), rows,
                                    estimated, wording.number(subtotal)))
    return tuple(sections)


def _summary(invoice: Invoice, company: CompanyConfig, wording: Wording) -> tuple[SummaryRow, ...]:
    by_component: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines:
        by_component[line.component] += line.amount
    if company.address.country != "IT":
        return tuple(SummaryRow(c, wording.text(COMPONENT_LABELS[c]) if c in COMPONENT_LABELS
                                else c.capitalize(), wording.number(a))
                     for c, a in sorted(by_component.items()))
    rows = []
    grouped = {c for _, _, components in IT_GROUPS for c in components}
    for key, label, components in IT_GROUPS:
        amount = sum((by_component.pop(c, ZERO) for c in components), ZERO)
        if key == "imposte":
            amount += invoice.totals.vat
        rows.append(SummaryRow(key, wording.text(label), wording.number(amount)))
    rows += [SummaryRow(c, wording.text(N_("Other items: {component}"), component=c), wording.number(a))
             for c, a in sorted(by_component.items()) if c not in grouped]
    return tuple(rows)


def payment_code(invoice: Invoice, company: CompanyConfig, direct_debit: bool,
                 debtor: BusinessPartner | None = None) -> PaymentCode | None:
    """The payment code of the company's country, for an invoice the customer pays by transfer.

    Italy with pagoPA references (the company's ``reference_scheme`` is ``it_pagopa``): the pagoPA notice
    QR with the company's fiscal code (its VAT number's digits); Finland: the virtual bank barcode; every
    other SEPA company: the EPC QR code, with the RF reference structured or the national one as text.
    Switzerland and Liechtenstein (a CH or LI collection IBAN, in CHF or EUR): the QR-bill, with the
    ``debtor``'s address.
    """
    reference, gross = invoice.payment_reference, invoice.totals.gross
    if invoice.kind is not DocumentKind.INVOICE or reference is None or gross <= 0 or direct_debit:
        return None
    country = company.address.country
    vat_id = company.vat_id or ""
    if country == "IT" and company.reference_scheme is ReferenceScheme.IT_PAGOPA and vat_id.startswith("IT"):
        return PaymentCode("pagopa-qr", pagopa_qr(reference, vat_id[2:], gross))
    if (country in ("CH", "LI") and company.bank_account[:2] in ("CH", "LI") and debtor is not None
            and invoice.currency in ("CHF", "EUR")):  # the QR-bill's two currencies (guidelines v2.3 §4.3.3)
        return PaymentCode("ch-qrbill", qr_bill_for(invoice, company, debtor))
    if country == "FI" and company.bank_account.startswith("FI"):
        return PaymentCode("fi-barcode", fi_virtual_barcode(company.bank_account, gross, reference,
                                                            invoice.due_date))
    if invoice.currency != "EUR":
        return None
    structured = reference.upper().startswith("RF")
    return PaymentCode("epc-qr", epc_qr(company.legal_name[:70], company.bank_account, gross,
                                        reference=reference if structured else None,
                                        text=None if structured else reference, bic=company.bic))


def partner_party(partner: BusinessPartner) -> Party:
    address = partner.address
    lines = () if address is None else (address.street, f"{address.postcode} {address.town}", address.country)
    # An SDI recipient code (it.sdi) is among the tax ids but identifies a channel, not the customer.
    tax_id = next((t.value for t in partner.tax_ids if t.scheme != "it.sdi"), None)
    return Party(partner.name, tuple(x for x in lines if x), tax_id)


def company_party(company: CompanyConfig) -> Party:
    a = company.address
    street = " ".join(x for x in (a.street_name, a.building_number) if x)
    town = " ".join(x for x in (a.postcode, a.town) if x)
    return Party(company.legal_name, tuple(x for x in (street, town, a.country) if x), company.vat_id)


def masked_iban(iban: str) -> str:
    """An IBAN as a document may print it: country, check digits and the last four characters.

    >>> masked_iban("IT60X0542811101000000123456")
    'IT60 **** 3456'
    """
    return f"{iban[:4]} **** {iban[-4:]}"


def invoice_document(invoice: Invoice, account_name: str, partner: BusinessPartner, company: CompanyConfig,
                     readings: Mapping[str, RegisterReading], *,
                     mandate: tuple[str, str] | None = None,
                     messages: MessageBox | None = None, wording: Wording = PLAIN) -> InvoiceDocument:
    """The printed document of ``invoice`` (``readings``: the register readings its lines name, by id;
    ``mandate``: the (reference, debtor IBAN) it is collected under, if by direct debit), written by
    ``wording`` (the partner's language's)."""
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    totals = invoice.totals
    n, t = wording.number, wording.text
    collection = None if mandate is None or credit else t(
        N_("Collected by SEPA direct debit from {iban} (mandate {mandate})"), iban=masked_iban(mandate[1]),
        mandate=mandate[0])
    return InvoiceDocument(
        number=invoice.number, kind=invoice.kind.value,
        title=t(N_("Credit note") if credit else N_("Invoice")),
        issue_date=wording.day(invoice.issue_date), issued_on=invoice.issue_date,
        due_date=wording.day(invoice.due_date), period=_period(invoice.period, wording),
        currency=wording.currency(invoice.currency), company=company_party(company),
        customer=partner_party(partner),
        account_name=account_name, sections=_sections(invoice.lines, readings, wording),
        summary=_summary(invoice, company, wording),
        vat_rows=tuple(VatRow(n(v.rate), n(v.taxable), n(v.vat)) for v in totals.vat_lines),
        net=n(totals.net), vat=n(totals.vat), gross=n(totals.gross),
        payment_reference=invoice.payment_reference,
        payment_code=payment_code(invoice, company, direct_debit=mandate is not None, debtor=partner),
        payee_iban=company.bank_account, payee_bic=company.bic, corrects=invoice.corrects,
        collection=collection, language=wording.language,
        messages=messages if messages is not None and messages.messages and not credit else None)
