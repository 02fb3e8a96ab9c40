"""Italy's FatturaPA 1.2.2, format FPR12 (fattura elettronica verso privati): the legal invoice sent to SDI.

Since 1 January 2019 an Italian company's invoices to Italian customers, businesses and consumers alike,
are the XML it sends through the Sistema di Interscambio (art. 1 c. 3 D.Lgs. 127/2015; Provvedimento
Agenzia delle Entrate 30 aprile 2018 n. 89757 and its technical annexes, the "Specifiche tecniche" that
go with schema 1.2.2 (version 1.7.1 and later: to be re-read against the current one),
https://www.fatturapa.gov.it/it/norme-e-regole/documentazione-fattura-elettronica/formato-fatturapa/).
Invoice contents: art. 21 DPR 633/1972.
This module writes that file from the issued document's facts; checked against the official schema
(``api/documents/schemas/fatturapa``) in the tests, with SDI's totals and VAT-summary checks
(:mod:`api.documents.einvoice.sdi_checks`).

Choices (each to be read by a lawyer or the company's tax adviser before real invoices are sent):

* **TipoDocumento** TD01 for an invoice, TD04 for a credit note (nota di credito, art. 26 DPR 633/1972),
  with positive amounts and ``DatiFattureCollegate/IdDocumento`` naming the invoice it corrects (its date
  is not among the facts and is left out; the field is optional).
* **Customer** (CessionarioCommittente): ``IdFiscaleIVA`` from the partner's ``it.iva`` (or ``eu.vat``) tax
  id and ``CodiceFiscale`` from its ``it.codicefiscale``; SDI refuses a file with neither (check 00417), so
  does this module (InvalidInput naming ``partner.tax_ids``). A consumer is usually known by the codice
  fiscale only (B2C), a business by its VAT number (B2B); a condominium or an association has a codice
  fiscale and no VAT number, which SDI accepts. The name is written as ``Denominazione`` for persons
  too: the partner has one name field, and splitting it into Nome/Cognome would be a guess.
* **Recipient code** (CodiceDestinatario): the partner's tax id of scheme ``it.sdi`` (the 7-character
  code of the customer's intermediary or software, registered like any tax id); without one
  ``0000000`` (SDI delivers to the channel the customer registered, else to its reserved area, "area
  riservata", and the company must hand over a copy, the PDF); ``XXXXXXX`` for a customer abroad. A PEC
  address as recipient is not supported (the partner's e-mail is not a PEC address).
* **RegimeFiscale** RF01 (ordinary VAT regime) for the company: utilities are in it; a company in another
  regime needs a configuration field.
* **EsigibilitaIVA** ``I`` (VAT due on the invoice, immediate): split payment (``S``, public
  administrations) and deferred VAT (``D``) are not supported. A 0 % line needs an exemption nature
  (``Natura``, N1–N7), which Saldo does not record: such an invoice is refused (InvalidInput).
* **DatiPagamento** (an invoice with something to pay): MP23 *PagoPA* with the notice code as
  ``CodicePagamento`` when the company's reference scheme is ``it_pagopa``; MP19 *SEPA Direct Debit* with
  the mandate reference when the invoice is collected under a mandate; else MP05 *bonifico* with the
  payment reference. The company's IBAN (and BIC) is written with MP05 and MP23, not with MP19 (nothing is
  transferred to it by the customer). TP02: paid in one instalment.
* **Lines**: quantity and unit price with every stored decimal (2 to 8, the schema's limits), PrezzoTotale
  the line's amount; a figure with more decimals makes the line a lump sum (:mod:`.amounts`). The supply
  point is ``AltriDatiGestionali`` of type ``FORNITURA``. Names and descriptions are transliterated to
  Latin-1, the schema's character set (:mod:`.text`).
* **File name** ``IT<VAT number>_<progressive>.xml`` (Specifiche tecniche, "nomenclatura dei file"): the
  company transmits itself (IdTrasmittente is the company); an intermediary that transmits names the file
  with its own id and progressive. See :func:`progressive` for the 5 characters.

The file is not signed: a qualified electronic signature is required only on invoices to public
administrations (FPA12) and optional on FPR12 (Specifiche tecniche §2.2 "firma del file"); the schema
allows an enveloped XAdES ``ds:Signature`` at the end, which a signing intermediary adds.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from lxml import etree

from api.documents.einvoice import EInvoiceFile
from api.documents.einvoice.amounts import decimal_text, written_line
from api.documents.einvoice.common import add
from api.documents.einvoice.text import ascii_text, latin1
from ledger.accounts.invoice import DocumentKind, Invoice, InvoiceLine
from ledger.accounts.payment_references import ReferenceScheme
from ledger.core.errors import InvalidInput
from ledger.documents.loading import InvoiceFacts
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import BusinessPartner

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
FORMAT = "FPR12"
#: The recipient code of a customer without one, and of a customer abroad.
NO_RECIPIENT_CODE = "0000000"
ABROAD_RECIPIENT_CODE = "XXXXXXX"
#: FatturaPA's ``Numero`` is String20Type.
MAX_NUMBER_LENGTH = 20

#: The progressive's alphabet (SDI: [a-z], [A-Z], [0-9]) in this order, and its length.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PROGRESSIVE_LENGTH = 5
#: The years and sequence numbers the progressive encodes: 45 years × 2 series × 10 million numbers
#: (899,999,999 codes) fit in 62**5 = 916,132,832.
FIRST_YEAR, LAST_YEAR = 2020, 2064
MAX_SEQUENCE = 10_000_000


def progressive(number: str, company: CompanyConfig) -> str:
    """The file's 5-character progressive, from the document number: unique per document of a company.

    A number of the company's series ``<series>-<year>-<n>`` (invoices: ``invoice_series``, kind 0;
    credit notes: ``credit_note_series``, kind 1) is the integer ``((year - 2020) × 2 + kind) × 10**7 + n``
    written in base 62 (0-9, A-Z, a-z), 5 digits: different numbers give different progressives, for
    years 2020 to 2064 and up to 9,999,999 documents per series and year. A number chosen by a caller
    outside the series cannot be mapped injectively into 5 characters and is refused (InvalidInput): SDI
    rejects a file name it has already received (check 00002). Progressives differ from one another in
    case as SDI's alphabet allows ("aB" ≠ "Ab"): an archive on a case-insensitive file system must keep
    the files in one folder per year or by their full name.

    >>> progressive("ALM-2026-000001", CompanyConfig(invoice_series="ALM", credit_note_series="ALMNC"))
    '87VTt'
    """
    for kind, series in enumerate((company.invoice_series, company.credit_note_series)):
        match = re.fullmatch(rf"{re.escape(series)}-([0-9]{{4}})-([0-9]+)", number)
        if match is None:
            continue
        year, sequence = int(match[1]), int(match[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 0 < sequence < MAX_SEQUENCE:
            value = ((year - FIRST_YEAR) * 2 + kind) * MAX_SEQUENCE + sequence
            digits = []
            for _ in range(PROGRESSIVE_LENGTH):
                value, digit = divmod(value, len(ALPHABET))
                digits.append(ALPHABET[digit])
            return "".join(reversed(digits))
    raise InvalidInput(f"{number} is not a number of the company's series {company.invoice_series} or "
                       f"{company.credit_note_series} (years {FIRST_YEAR}-{LAST_YEAR}, up to "
                       f"{MAX_SEQUENCE - 1} per year): its SDI file name cannot be derived uniquely",
                       "number")


def _vat_number(company: CompanyConfig) -> str:
    vat = company.vat_id or ""
    if not re.fullmatch(r"IT[0-9]{11}", vat):
        raise InvalidInput("an Italian company needs its VAT number (IT and 11 digits) for FatturaPA",
                           "company.vat_id")
    return vat[2:]


def _company(header: Any, company: CompanyConfig) -> None:
    seller = add(header, "CedentePrestatore")
    data = add(seller, "DatiAnagrafici")
    vat = add(data, "IdFiscaleIVA")
    add(vat, "IdPaese", "IT")
    add(vat, "IdCodice", _vat_number(company))
    add(add(data, "Anagrafica"), "Denominazione", latin1(company.legal_name, 80))
    add(data, "RegimeFiscale", "RF01")
    a = company.address
    if not a.street_name or not a.postcode or not re.fullmatch(r"[0-9]{5}", a.postcode):
        raise InvalidInput("the company's address needs a street and a 5-digit CAP for FatturaPA",
                           "company.address")
    seat = add(seller, "Sede")
    add(seat, "Indirizzo", latin1(a.street_name, 60))
    if a.building_number:
        add(seat, "NumeroCivico", ascii_text(a.building_number, 8))
    add(seat, "CAP", a.postcode)
    add(seat, "Comune", latin1(a.town, 60))
    add(seat, "Nazione", a.country)


def _tax_ids(partner: BusinessPartner) -> tuple[tuple[str, str] | None, str | None]:
    """The partner's (IdPaese, IdCodice) VAT id and codice fiscale, or InvalidInput if it has neither."""
    ids = {t.scheme: t.value for t in partner.tax_ids}
    vat = ("IT", ids["it.iva"]) if "it.iva" in ids else (
        (ids["eu.vat"][:2], ids["eu.vat"][2:]) if "eu.vat" in ids else None)
    fiscal_code = ids.get("it.codicefiscale")
    if vat is None and fiscal_code is None:
        raise InvalidInput(f"{partner.name} has neither an Italian VAT number (it.iva) nor a codice fiscale "
                           "(it.codicefiscale): SDI refuses a FatturaPA without one (check 00417)",
                           "partner.tax_ids")
    return vat, fiscal_code


def recipient_code(partner: BusinessPartner) -> str:
    """CodiceDestinatario: the partner's ``it.sdi`` code, else ``XXXXXXX`` abroad, else ``0000000``."""
    code = next((t.value for t in partner.tax_ids if t.scheme == "it.sdi"), None)
    if code is not None:
        return code
    abroad = partner.address is not None and partner.address.country != "IT"
    return ABROAD_RECIPIENT_CODE if abroad else NO_RECIPIENT_CODE


def _customer(header: Any, partner: BusinessPartner) -> None:
    vat, fiscal_code = _tax_ids(partner)
    address = partner.address
    if address is None:
        raise InvalidInput(f"{partner.name} has no address: FatturaPA needs the customer's seat (Sede)",
                           "partner.address")
    buyer = add(header, "CessionarioCommittente")
    data = add(buyer, "DatiAnagrafici")
    if vat is not None:
        element = add(data, "IdFiscaleIVA")
        add(element, "IdPaese", vat[0])
        add(element, "IdCodice", vat[1])
    if fiscal_code is not None:
        add(data, "CodiceFiscale", fiscal_code)
    add(add(data, "Anagrafica"), "Denominazione", latin1(partner.name, 80))
    seat = add(buyer, "Sede")
    add(seat, "Indirizzo", latin1(address.street, 60))
    italian = address.country == "IT"
    if italian and not re.fullmatch(r"[0-9]{5}", address.postcode):
        raise InvalidInput(f"{partner.name}'s CAP must be 5 digits for FatturaPA", "partner.address.postcode")
    add(seat, "CAP", address.postcode if italian else "00000")
    add(seat, "Comune", latin1(address.town, 60))
    add(seat, "Nazione", address.country)


def _header(root: Any, facts: InvoiceFacts, progressive_code: str) -> None:
    header = add(root, "FatturaElettronicaHeader")
    transmission = add(header, "DatiTrasmissione")
    sender = add(transmission, "IdTrasmittente")
    add(sender, "IdPaese", "IT")
    add(sender, "IdCodice", _vat_number(facts.company))
    add(transmission, "ProgressivoInvio", progressive_code)
    add(transmission, "FormatoTrasmissione", FORMAT)
    add(transmission, "CodiceDestinatario", recipient_code(facts.partner))
    _company(header, facts.company)
    _customer(header, facts.partner)


def rate_text(rate: Decimal, field: str) -> str:
    """A VAT rate as AliquotaIVA (``22.00``); a 0 % rate needs a Natura Saldo does not record."""
    if rate.is_zero():
        raise InvalidInput("a 0 % VAT line needs its exemption nature (Natura N1-N7), which Saldo does not "
                           "record: FatturaPA cannot be written (SDI check 00400)", field)
    return decimal_text(rate, 2, 2)


def _general(body: Any, invoice: Invoice) -> None:
    if len(invoice.number) > MAX_NUMBER_LENGTH or not invoice.number.isascii():
        raise InvalidInput(f"FatturaPA's Numero has at most {MAX_NUMBER_LENGTH} ASCII characters", "number")
    general = add(body, "DatiGenerali")
    document = add(general, "DatiGeneraliDocumento")
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    add(document, "TipoDocumento", "TD04" if credit else "TD01")
    add(document, "Divisa", invoice.currency)
    add(document, "Data", invoice.issue_date.isoformat())
    add(document, "Numero", invoice.number)
    add(document, "ImportoTotaleDocumento", decimal_text(invoice.totals.gross, 2, 2))
    if credit and invoice.corrects is not None:
        add(add(general, "DatiFattureCollegate"), "IdDocumento", ascii_text(invoice.corrects, 20))


def _line(goods: Any, index: int, line: InvoiceLine) -> None:
    shown = written_line(line)
    element = add(goods, "DettaglioLinee")
    add(element, "NumeroLinea", str(index + 1))
    add(element, "Descrizione", latin1(shown.description, 1000))
    add(element, "Quantita", decimal_text(shown.quantity))
    if shown.unit.strip():
        add(element, "UnitaMisura", ascii_text(shown.unit, 10))
    if shown.period is not None:
        add(element, "DataInizioPeriodo", shown.period[0].isoformat())
        add(element, "DataFinePeriodo", shown.period[1].isoformat())
    add(element, "PrezzoUnitario", decimal_text(shown.unit_price))
    add(element, "PrezzoTotale", decimal_text(shown.amount, 2, 2))
    add(element, "AliquotaIVA", rate_text(shown.vat_rate, f"lines[{index}].vat_rate"))
    if shown.site:
        other = add(element, "AltriDatiGestionali")
        add(other, "TipoDato", "FORNITURA")
        add(other, "RiferimentoTesto", latin1(shown.site, 60))


def _goods(body: Any, invoice: Invoice) -> None:
    goods = add(body, "DatiBeniServizi")
    for index, line in enumerate(invoice.lines):
        _line(goods, index, line)
    for vat in invoice.totals.vat_lines:
        summary = add(goods, "DatiRiepilogo")
        add(summary, "AliquotaIVA", rate_text(vat.rate, "lines.vat_rate"))
        add(summary, "ImponibileImporto", decimal_text(vat.taxable, 2, 2))
        add(summary, "Imposta", decimal_text(vat.vat, 2, 2))
        add(summary, "EsigibilitaIVA", "I")


def payment_method(facts: InvoiceFacts) -> tuple[str, str | None]:
    """(ModalitaPagamento, CodicePagamento): MP19 under a mandate, MP23 with pagoPA notices, else MP05."""
    if facts.mandate is not None:
        return "MP19", facts.mandate[0]
    if facts.company.reference_scheme is ReferenceScheme.IT_PAGOPA:
        return "MP23", facts.invoice.payment_reference
    return "MP05", facts.invoice.payment_reference


def _payment(body: Any, facts: InvoiceFacts) -> None:
    invoice = facts.invoice
    if invoice.kind is not DocumentKind.INVOICE or invoice.totals.gross <= 0:
        return
    method, code = payment_method(facts)
    payment = add(body, "DatiPagamento")
    add(payment, "CondizioniPagamento", "TP02")
    detail = add(payment, "DettaglioPagamento")
    add(detail, "Beneficiario", latin1(facts.company.legal_name, 200))
    add(detail, "ModalitaPagamento", method)
    add(detail, "DataScadenzaPagamento", invoice.due_date.isoformat())
    add(detail, "ImportoPagamento", decimal_text(invoice.totals.gross, 2, 2))
    if method != "MP19":
        add(detail, "IBAN", facts.company.bank_account)
        if facts.company.bic:
            add(detail, "BIC", facts.company.bic)
    if code:
        add(detail, "CodicePagamento", ascii_text(code, 60))


def file_name(facts: InvoiceFacts) -> str:
    """SDI's name for the file: ``IT<company VAT number>_<progressive>.xml``."""
    return f"IT{_vat_number(facts.company)}_{progressive(facts.invoice.number, facts.company)}.xml"


def fatturapa(facts: InvoiceFacts) -> EInvoiceFile:
    """The FatturaPA FPR12 file of an issued invoice or credit note (InvalidInput naming a missing fact)."""
    code = progressive(facts.invoice.number, facts.company)
    root = etree.Element(etree.QName(NAMESPACE, "FatturaElettronica"), nsmap={"p": NAMESPACE},
                         versione=FORMAT)
    _header(root, facts, code)
    body = add(root, "FatturaElettronicaBody")
    _general(body, facts.invoice)
    _goods(body, facts.invoice)
    _payment(body, facts)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return EInvoiceFile(f"IT{_vat_number(facts.company)}_{code}.xml", "fatturapa", content)
