"""Spain's Facturae 3.2.2: the structured invoice of Orden HAP/1650/2015 and FACe / FACeB2B.

Facturae is the format of invoices to Spanish public administrations (Ley 25/2013, Orden HAP/1074/2014 and
HAP/1650/2015 for version 3.2.2, https://www.facturae.gob.es/formato/Paginas/version-3-2.aspx) and one of
the formats of the B2B e-invoicing obligation of Ley 18/2022 "Crea y Crece" (its regulation was still to
take effect at the time of writing). The file is checked against the official schema
(``api/documents/schemas/facturae``) in the tests.

**Unsigned.** FACe (and FACeB2B) accept only files signed with XAdES-EPES under the Facturae signature
policy 3.1 (https://www.facturae.gob.es/formato/Documents/Politica_Firma_formato_facturae_v3_1.pdf); the
schema allows no signature (``ds:Signature`` is optional). Signing would need: the company's qualified
certificate (or its seal), an enveloped XAdES-EPES signature over the whole document naming the policy
identifier and its hash, a signing time, and the ``.xsig`` extension; it belongs where the certificate is
kept, not in this pure writer.

Choices (to be read by a lawyer or tax adviser before real invoices are sent):

* **Parties**: the company as a legal entity resident in Spain (``J``/``R``), the customer as an
  individual (``F``) or a legal entity (``J``), resident (``R``, by its ``es.nif``), in another EU state
  (``U``, by its ``eu.vat``) or elsewhere (``E``). The NIF is written without the country prefix, which the
  schema asks for only in intra-community operations (then both parties' ids carry it). A customer without
  a NIF is refused (InvalidInput naming ``partner.tax_ids``): a complete invoice (factura completa, art. 6
  RD 1619/2012) names the customer's NIF. A person's name is split at its first space into ``Name`` and
  ``FirstSurname`` (the partner has one name field: a compound given name is split wrongly).
* **Province**, required in a Spanish address, is the province of the postcode's first two digits (the
  INE province code, as Correos assigns them).
* **Credit notes** are corrective invoices (factura rectificativa, art. 15 RD 1619/2012): class ``OR``,
  ``Corrective`` naming the corrected invoice, reason 16 *Base imponible* (the taxable base is reduced,
  art. 80 Ley 37/1992), method 02 *Rectificación por diferencias*, the amounts negative (the difference);
  the tax period is the credited invoice's period.
* **Tax**: IVA (``TaxTypeCode`` 01) at each line's rate: a company in the Canary Islands (IGIC), Ceuta or
  Melilla (IPSI) needs another code.
* **Lines**: quantity and unit price with every stored decimal (at most 8, see :mod:`.amounts`), TotalCost
  and GrossAmount the line's amount; kWh and m³ are unit codes 36 and 33, other units are left out.
* **LanguageName** is the customer's language (the one its PDF is written in) if Facturae lists it, else
  ``es``; the fixed texts the schema prescribes (reason and method descriptions) are Spanish.
* **Payment**: transfer (04) to the company's IBAN with the payment reference, or direct debit (02,
  *recibo domiciliado*) from the customer's IBAN naming the SEPA mandate.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pycountry
from lxml import etree

from api.documents.einvoice import EInvoiceFile
from api.documents.einvoice.amounts import decimal_text, written_line
from api.documents.einvoice.common import add
from api.documents.einvoice.text import ascii_text
from ledger.accounts.invoice import DocumentKind, Invoice, InvoiceLine
from ledger.core.errors import InvalidInput
from ledger.documents.loading import InvoiceFacts
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import BusinessPartner, PartnerKind

NAMESPACE = "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"
SCHEMA_VERSION = "3.2.2"
#: InvoiceNumber is TextMax20Type.
MAX_NUMBER_LENGTH = 20
#: Languages Facturae's LanguageCodeType lists, of those Saldo writes in (the rest are written as ``es``).
LANGUAGES = ("es", "ca", "it", "fi", "sv", "en")
#: Facturae's UnitOfMeasure codes of the units Saldo's lines use.
UNITS = {"kwh": "36", "m3": "33", "m³": "33", "h": "02", "kg": "03", "l": "04"}
#: The EU member states (VAT's intra-community operations): ISO 3166 alpha-2, Greece as GR and EL.
EU = frozenset(("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU",
                "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"))
#: Spain's provinces by INE code, the first two digits of a postcode (names within TextMax20Type).
PROVINCES = dict(enumerate((
    "Araba/Álava", "Albacete", "Alicante", "Almería", "Ávila", "Badajoz", "Illes Balears", "Barcelona",
    "Burgos", "Cáceres", "Cádiz", "Castellón", "Ciudad Real", "Córdoba", "A Coruña", "Cuenca", "Girona",
    "Granada", "Guadalajara", "Gipuzkoa", "Huelva", "Huesca", "Jaén", "León", "Lleida", "La Rioja", "Lugo",
    "Madrid", "Málaga", "Murcia", "Navarra", "Ourense", "Asturias", "Palencia", "Las Palmas", "Pontevedra",
    "Salamanca", "S.C. Tenerife", "Cantabria", "Segovia", "Sevilla", "Soria", "Tarragona", "Teruel",
    "Toledo", "Valencia", "Valladolid", "Bizkaia", "Zamora", "Zaragoza", "Ceuta", "Melilla"), start=1))


def money(value: Decimal) -> str:
    return decimal_text(value, 2, 2)


def alpha3(country: str, field: str) -> str:
    """The ISO 3166 alpha-3 code Facturae's CountryType takes (``ES`` → ``ESP``)."""
    found = pycountry.countries.get(alpha_2="GR" if country == "EL" else country)
    if found is None:
        raise InvalidInput(f"{country!r} is not an ISO 3166 country code", field)
    return str(found.alpha_3)


def province(postcode: str, field: str) -> str:
    """The Spanish province of a 5-digit postcode, or InvalidInput naming ``field``."""
    name = PROVINCES.get(int(postcode[:2])) if re.fullmatch(r"[0-9]{5}", postcode) else None
    if name is None:
        raise InvalidInput(f"{postcode!r} is not a Spanish postcode (5 digits, 01 to 52 first)", field)
    return name


def _address(parent: Any, street: str, postcode: str, town: str, country: str, field: str) -> None:
    if country == "ES":
        address = add(parent, "AddressInSpain")
        add(address, "Address", street[:80])
        add(address, "PostCode", postcode)
        add(address, "Town", town[:50])
        add(address, "Province", province(postcode, f"{field}.postcode"))
    else:
        address = add(parent, "OverseasAddress")
        add(address, "Address", street[:80])
        add(address, "PostCodeAndTown", f"{postcode} {town}".strip()[:50])
        add(address, "Province", town[:20])  # required; Saldo's addresses have no region: the town
    add(address, "CountryCode", alpha3(country, f"{field}.country"))


def _tax_identification(parent: Any, person: bool, residence: str, number: str) -> None:
    ids = add(parent, "TaxIdentification")
    add(ids, "PersonTypeCode", "F" if person else "J")
    add(ids, "ResidenceTypeCode", residence)
    add(ids, "TaxIdentificationNumber", number)


def buyer_tax_id(partner: BusinessPartner) -> tuple[str, str]:
    """(ResidenceTypeCode, number) of the customer: ``R`` by its NIF, ``U``/``E`` by its VAT id."""
    ids = {t.scheme: t.value for t in partner.tax_ids}
    if "es.nif" in ids:
        return "R", ids["es.nif"].removeprefix("ES")
    if "eu.vat" in ids:
        return ("U" if ids["eu.vat"][:2] in EU else "E"), ids["eu.vat"]
    raise InvalidInput(f"{partner.name} has no NIF (es.nif) nor VAT id (eu.vat): a complete Spanish invoice "
                       "names the customer's tax id (RD 1619/2012 art. 6)", "partner.tax_ids")


def _seller(parties: Any, company: CompanyConfig, intra_community: bool) -> str:
    vat = company.vat_id or ""
    if not vat.startswith("ES") or len(vat) < 5:
        raise InvalidInput("a Spanish company needs its NIF (ES and 9 characters) for Facturae",
                           "company.vat_id")
    number = vat if intra_community else vat[2:]
    seller = add(parties, "SellerParty")
    _tax_identification(seller, False, "R", number)
    entity = add(seller, "LegalEntity")
    add(entity, "CorporateName", company.legal_name[:80])
    a = company.address
    street = " ".join(x for x in (a.street_name, a.building_number) if x)
    _address(entity, street, a.postcode or "", a.town, a.country, "company.address")
    return number


def _buyer(parties: Any, partner: BusinessPartner, residence: str, number: str) -> None:
    address = partner.address
    if address is None:
        raise InvalidInput(f"{partner.name} has no address: Facturae needs the customer's", "partner.address")
    buyer = add(parties, "BuyerParty")
    person = partner.kind is PartnerKind.PERSON
    _tax_identification(buyer, person, residence, number)
    if person:
        name, _, surnames = partner.name.partition(" ")
        if not surnames:
            raise InvalidInput(f"{partner.name!r} has no surname: Facturae needs a person's name and first "
                               "surname", "partner.name")
        entity = add(buyer, "Individual")
        add(entity, "Name", name[:40])
        add(entity, "FirstSurname", surnames[:40])
    else:
        entity = add(buyer, "LegalEntity")
        add(entity, "CorporateName", partner.name[:80])
    _address(entity, address.street, address.postcode, address.town, address.country, "partner.address")


def _header(root: Any, facts: InvoiceFacts, sign: int) -> None:
    invoice = facts.invoice
    residence, buyer_number = buyer_tax_id(facts.partner)
    header = add(root, "FileHeader")
    add(header, "SchemaVersion", SCHEMA_VERSION)
    add(header, "Modality", "I")
    add(header, "InvoiceIssuerType", "EM")
    parties = etree.Element("Parties")
    seller_number = _seller(parties, facts.company, residence == "U")
    _buyer(parties, facts.partner, residence, buyer_number)
    batch = add(header, "Batch")
    add(batch, "BatchIdentifier", f"{seller_number}{invoice.number}"[:70])
    add(batch, "InvoicesCount", "1")
    gross = money(sign * invoice.totals.gross)
    for tag in ("TotalInvoicesAmount", "TotalOutstandingAmount", "TotalExecutableAmount"):
        add(add(batch, tag), "TotalAmount", gross)
    add(batch, "InvoiceCurrencyCode", invoice.currency)
    root.append(parties)


def _invoice_header(element: Any, invoice: Invoice) -> None:
    if len(invoice.number) > MAX_NUMBER_LENGTH:
        raise InvalidInput(f"Facturae's InvoiceNumber has at most {MAX_NUMBER_LENGTH} characters", "number")
    header = add(element, "InvoiceHeader")
    add(header, "InvoiceNumber", invoice.number)
    add(header, "InvoiceDocumentType", "FC")
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    add(header, "InvoiceClass", "OR" if credit else "OO")
    if credit:
        corrective = add(header, "Corrective")
        if invoice.corrects is not None:
            add(corrective, "InvoiceNumber", invoice.corrects[:20])
        add(corrective, "ReasonCode", "16")
        add(corrective, "ReasonDescription", "Base imponible")
        start, end = invoice.period or (invoice.issue_date, invoice.issue_date)
        period = add(corrective, "TaxPeriod")
        add(period, "StartDate", start.isoformat())
        add(period, "EndDate", end.isoformat())
        add(corrective, "CorrectionMethod", "02")
        add(corrective, "CorrectionMethodDescription", "Rectificación por diferencias")


def _issue_data(element: Any, invoice: Invoice, language: str) -> None:
    data = add(element, "InvoiceIssueData")
    add(data, "IssueDate", invoice.issue_date.isoformat())
    if invoice.period is not None:
        period = add(data, "InvoicingPeriod")
        add(period, "StartDate", invoice.period[0].isoformat())
        add(period, "EndDate", invoice.period[1].isoformat())
    add(data, "InvoiceCurrencyCode", invoice.currency)
    add(data, "TaxCurrencyCode", invoice.currency)
    add(data, "LanguageName", language if language in LANGUAGES else "es")


def _tax(parent: Any, rate: Decimal, base: Decimal, tax: Decimal | None) -> None:
    element = add(parent, "Tax")
    add(element, "TaxTypeCode", "01")
    add(element, "TaxRate", decimal_text(rate, 2))
    add(add(element, "TaxableBase"), "TotalAmount", money(base))
    if tax is not None:
        add(add(element, "TaxAmount"), "TotalAmount", money(tax))


def _totals(element: Any, invoice: Invoice, sign: int) -> None:
    taxes = add(element, "TaxesOutputs")
    for v in invoice.totals.vat_lines:
        _tax(taxes, v.rate, sign * v.taxable, sign * v.vat)
    t = invoice.totals
    totals = add(element, "InvoiceTotals")
    for tag, value in (("TotalGrossAmount", t.net), ("TotalGrossAmountBeforeTaxes", t.net),
                       ("TotalTaxOutputs", t.vat), ("TotalTaxesWithheld", Decimal(0)),
                       ("InvoiceTotal", t.gross),
                       ("TotalOutstandingAmount", t.gross), ("TotalExecutableAmount", t.gross)):
        add(totals, tag, money(sign * value))


def _line(items: Any, line: InvoiceLine, sign: int) -> None:
    shown = written_line(line)
    element = add(items, "InvoiceLine")
    add(element, "ItemDescription", shown.description[:2500])
    add(element, "Quantity", decimal_text(shown.quantity, 0))
    unit = UNITS.get(shown.unit.strip().lower())
    if unit is not None:
        add(element, "UnitOfMeasure", unit)
    add(element, "UnitPriceWithoutTax", decimal_text(sign * shown.unit_price, 0))
    add(element, "TotalCost", money(sign * shown.amount))
    add(element, "GrossAmount", money(sign * shown.amount))
    _tax(add(element, "TaxesOutputs"), shown.vat_rate, sign * shown.amount, None)
    if shown.period is not None:
        period = add(element, "LineItemPeriod")
        add(period, "StartDate", shown.period[0].isoformat())
        add(period, "EndDate", shown.period[1].isoformat())
    if shown.site:
        add(element, "AdditionalLineItemInformation", f"Punto de suministro {shown.site}")


def _account(parent: Any, tag: str, iban: str, bic: str | None) -> None:
    account = add(parent, tag)
    add(account, "IBAN", iban)
    if bic:
        add(account, "BIC", bic)


def _payment(element: Any, facts: InvoiceFacts) -> None:
    invoice = facts.invoice
    if invoice.kind is not DocumentKind.INVOICE or invoice.totals.gross <= 0:
        return
    installment = add(add(element, "PaymentDetails"), "Installment")
    add(installment, "InstallmentDueDate", invoice.due_date.isoformat())
    add(installment, "InstallmentAmount", money(invoice.totals.gross))
    if facts.mandate is None:
        add(installment, "PaymentMeans", "04")
        _account(installment, "AccountToBeCredited", facts.company.bank_account, facts.company.bic)
        if invoice.payment_reference:
            add(installment, "PaymentReconciliationReference", invoice.payment_reference[:60])
        return
    reference, debtor_iban = facts.mandate
    add(installment, "PaymentMeans", "02")
    _account(installment, "AccountToBeDebited", debtor_iban, None)
    add(installment, "CollectionAdditionalInformation", f"SEPA direct debit, mandate {reference}")


def file_name(facts: InvoiceFacts) -> str:
    """``<company NIF>_<document number>.xml`` (Facturae sets no naming rule; ``.xsig`` once signed)."""
    return f"{(facts.company.vat_id or '').removeprefix('ES')}_{ascii_text(facts.invoice.number)}.xml"


def facturae(facts: InvoiceFacts) -> EInvoiceFile:
    """The Facturae 3.2.2 file of an issued invoice or credit note (InvalidInput naming a missing fact)."""
    invoice = facts.invoice
    sign = -1 if invoice.kind is DocumentKind.CREDIT_NOTE else 1
    root = etree.Element(etree.QName(NAMESPACE, "Facturae"), nsmap={"fe": NAMESPACE})
    _header(root, facts, sign)
    element = add(add(root, "Invoices"), "Invoice")
    _invoice_header(element, invoice)
    _issue_data(element, invoice, facts.partner.language)
    _totals(element, invoice, sign)
    items = add(element, "Items")
    for line in invoice.lines:
        _line(items, line, sign)
    _payment(element, facts)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return EInvoiceFile(file_name(facts), "facturae", content)
