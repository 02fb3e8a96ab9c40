"""The European e-invoice: EN 16931 in UBL 2.1, as Peppol BIS Billing 3.0, for every company whose country
has no format of its own here.

Written from :class:`~ledger.documents.loading.InvoiceFacts` as a UBL 2.1 ``Invoice`` (type 380) or
``CreditNote`` (type 381, with the invoice it corrects in ``BillingReference``), to EN 16931-1:2017's
semantic model (https://standards.cencenelec.eu, "EN 16931-1:2017+A1:2019") and its UBL binding
(CEN/TS 16931-3-2), under Peppol BIS Billing 3.0 (https://docs.peppol.eu/poacc/billing/3.0/):
``CustomizationID`` :data:`CUSTOMIZATION`, ``ProfileID`` :data:`PROFILE`. Validated in the tests against the
OASIS XSD and both official rule sets (CEN's and OpenPEPPOL's schematron, ``api/documents/schemas/``).

Electronic addresses (``EndpointID``, BT-34/BT-49, mandatory in Peppol): the party's VAT id, under the
Peppol EAS code of its country's VAT scheme (:data:`VAT_EAS`: ``0211`` Italy, ``9920`` Spain, ``0213``
Finland, ``9930`` Germany...); a customer with no VAT id is addressed by its Finnish business id (``0037``)
or Norwegian organisation number (``0192``); one with none of these gets no Peppol invoice (InvalidInput
naming ``partner.tax_ids``): Peppol has no address for a consumer. The real endpoint is whatever the
customer registered in the Peppol directory (SMP); the company's configuration should carry it when the
first customer asks.

Rounding (EN 16931 BR-CO-10..17, BR-DEC-*): every amount has two decimals. A line's net amount (BT-131)
is its quantity × unit price (base quantity 1), rounded half up to cents
(:func:`ledger.core.money.line_amount`): the quantity and price are written with every stored decimal, so
the receiver recomputes the very same cents. Sum of lines = line extension (BR-CO-10); the VAT of each rate
is the rate applied to that rate's sum of line amounts, rounded half up to cents: exactly BR-CO-17's
"rounded to two decimals" (CEN's schematron accepts up to one currency unit either way, Saldo's figure is
the exact one); totals add up by construction (BR-CO-13, -15, -16), as ``compute_totals`` makes them.
A discount line (negative unit price) is written as a negative quantity at a positive price: BR-27 forbids
a negative item price, and the product is the same.

Payment (BG-16): code ``58`` (SEPA credit transfer) with the company's IBAN and BIC and the reference as
``PaymentID``; for an account collected by SEPA direct debit, code ``59`` with the mandate reference, the
company's SEPA creditor id and the debtor's IBAN masked as on the PDF. A credit note carries none.

File name: ``<number>.ubl.xml`` (characters outside ``[A-Za-z0-9._-]`` as ``_``).

Still to be read by an expert: 0 % lines are written as category ``Z`` (zero rated); an exempt supply needs
``E`` with an exemption reason (BR-E-10) instead, which the model does not record; ``BuyerReference``
(mandatory in Peppol, R003) carries the contract account's id for want of a customer's own reference; the
masked debtor IBAN (BT-91) is allowed by EN 16931 (it is for the buyer's information) but a national CIUS
may ask for it whole.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from api.documents.einvoice import EInvoiceFile
from api.documents.einvoice.common import cents, file_stem, percent, shown_lines, unit_code
from ledger.accounts.invoice import DocumentKind, InvoiceLine
from ledger.core.errors import InvalidInput
from ledger.documents.invoice_document import masked_iban, plain
from ledger.documents.loading import InvoiceFacts

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {DocumentKind.INVOICE: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
         DocumentKind.CREDIT_NOTE: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"}
#: Peppol EAS codes (https://docs.peppol.eu/edelivery/codelists/) of the VAT schemes, by VAT id prefix.
VAT_EAS = {"AT": "9914", "BE": "9925", "BG": "9926", "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931",
           "EL": "9933", "ES": "9920", "FI": "0213", "FR": "9957", "HR": "9934", "HU": "9910", "IE": "9935",
           "IT": "0211", "LT": "9937", "LU": "9938", "LV": "9939", "MT": "9943", "NL": "9944", "PL": "9945",
           "PT": "9946", "RO": "9947", "SI": "9949", "SK": "9950", "GB": "9932"}
#: Tax ids (:mod:`ledger.parties.identifiers` schemes) that make a VAT id with their country's prefix.
_VAT_SCHEMES = {"eu.vat": "", "it.iva": "IT", "es.nif": "ES", "be.vat": "BE"}
#: Other registration numbers with a Peppol EAS code: Finnish business id, Norwegian organisation number.
_OTHER_EAS = {"fi.ytunnus": "0037", "no.orgnr": "0192"}

cbc, cac = ElementMaker(namespace=CBC), ElementMaker(namespace=CAC)


def _money(name: str, value: Decimal, currency: str) -> Any:
    return getattr(cbc, name)(cents(value), currencyID=currency)


def vat_endpoint(vat_id: str, field: str) -> tuple[str, str]:
    """(EAS scheme, value) of a VAT id with its country prefix, or InvalidInput naming ``field``.

    >>> vat_endpoint("FI20774740", "vat_id"), vat_endpoint("IT00743110157", "vat_id")
    (('0213', 'FI20774740'), ('0211', 'IT00743110157'))
    """
    scheme = VAT_EAS.get(vat_id[:2].upper())
    if scheme is None:
        raise InvalidInput(f"{vat_id[:2]} VAT ids have no Peppol address scheme here (known: "
                           f"{', '.join(sorted(VAT_EAS))})", field)
    return scheme, vat_id


def buyer_ids(facts: InvoiceFacts) -> tuple[tuple[str, str], str | None]:
    """The customer's (EAS scheme, endpoint) and VAT id, from its tax ids (see the module)."""
    vat_id = next((prefix + t.value for t in facts.partner.tax_ids
                   for s, prefix in _VAT_SCHEMES.items() if t.scheme == s), None)
    if vat_id is not None and vat_id[:2].upper() in VAT_EAS:
        return vat_endpoint(vat_id, "partner.tax_ids"), vat_id
    other = next(((eas, t.value.replace("-", "")) for t in facts.partner.tax_ids
                  for s, eas in _OTHER_EAS.items() if t.scheme == s), None)
    if other is None:
        raise InvalidInput("a Peppol invoice needs the customer's electronic address: register its VAT id "
                           "(eu.vat), Finnish business id (fi.ytunnus) or Norwegian organisation number",
                           "partner.tax_ids")
    return other, vat_id


def _address(street: str | None, town: str, postcode: str | None, country: str) -> Any:
    return cac.PostalAddress(*([cbc.StreetName(street)] if street else []), cbc.CityName(town),
                             *([cbc.PostalZone(postcode)] if postcode else []),
                             cac.Country(cbc.IdentificationCode(country)))


def _party(endpoint: tuple[str, str], name: str, address: Any, vat_id: str | None,
           identification: tuple[str, str] | None = None) -> Any:
    party = cac.Party(cbc.EndpointID(endpoint[1], schemeID=endpoint[0]))
    if identification is not None:
        party.append(cac.PartyIdentification(cbc.ID(identification[1], schemeID=identification[0])))
    party.extend([cac.PartyName(cbc.Name(name)), address])
    if vat_id:
        party.append(cac.PartyTaxScheme(cbc.CompanyID(vat_id), cac.TaxScheme(cbc.ID("VAT"))))
    party.append(cac.PartyLegalEntity(cbc.RegistrationName(name)))
    return party


def _parties(facts: InvoiceFacts) -> list[Any]:
    c, partner = facts.company, facts.partner
    if not c.vat_id:
        raise InvalidInput(f"company {c.code} needs its VAT id for an EN 16931 invoice (BR-CO-26)",
                           "company.vat_id")
    if partner.address is None:
        raise InvalidInput("an EN 16931 invoice needs the customer's postal address (BR-10)",
                           "partner.address")
    a = c.address
    street = " ".join(x for x in (a.street_name, a.building_number) if x) or None
    creditor = ("SEPA", c.creditor_id) if facts.mandate and c.creditor_id else None
    seller = _party(vat_endpoint(c.vat_id, "company.vat_id"), c.legal_name,
                    _address(street, a.town, a.postcode, a.country), c.vat_id, creditor)
    endpoint, buyer_vat = buyer_ids(facts)
    p = partner.address
    buyer = _party(endpoint, partner.name, _address(p.street, p.town, p.postcode, p.country), buyer_vat)
    return [cac.AccountingSupplierParty(seller), cac.AccountingCustomerParty(buyer)]


def _payment(facts: InvoiceFacts) -> list[Any]:
    inv, c = facts.invoice, facts.company
    if inv.kind is DocumentKind.CREDIT_NOTE:
        return []
    reference = [cbc.PaymentID(inv.payment_reference)] if inv.payment_reference else []
    if facts.mandate is not None:
        mandate, debtor_iban = facts.mandate
        return [cac.PaymentMeans(cbc.PaymentMeansCode("59", name="SEPA direct debit"), *reference,
                                 cac.PaymentMandate(cbc.ID(mandate),
                                                    cac.PayerFinancialAccount(cbc.ID(masked_iban(debtor_iban)))))]
    account = cac.PayeeFinancialAccount(cbc.ID(c.bank_account), cbc.Name(c.legal_name))
    if c.bic:
        account.append(cac.FinancialInstitutionBranch(cbc.ID(c.bic)))
    return [cac.PaymentMeans(cbc.PaymentMeansCode("58", name="SEPA credit transfer"), *reference, account)]


def _category(rate: Decimal, tag: str) -> Any:
    return getattr(cac, tag)(cbc.ID("Z" if rate.is_zero() else "S"), cbc.Percent(percent(rate)),
                             cac.TaxScheme(cbc.ID("VAT")))


def _totals(facts: InvoiceFacts) -> list[Any]:
    t, cur = facts.invoice.totals, facts.invoice.currency
    tax = cac.TaxTotal(_money("TaxAmount", t.vat, cur),
                       *(cac.TaxSubtotal(_money("TaxableAmount", v.taxable, cur),
                                         _money("TaxAmount", v.vat, cur), _category(v.rate, "TaxCategory"))
                         for v in t.vat_lines))
    monetary = cac.LegalMonetaryTotal(_money("LineExtensionAmount", t.net, cur),
                                      _money("TaxExclusiveAmount", t.net, cur),
                                      _money("TaxInclusiveAmount", t.gross, cur),
                                      _money("PayableAmount", t.gross, cur))
    return [tax, monetary]


def _period(period: tuple[Any, Any] | None) -> list[Any]:
    if period is None:
        return []
    return [cac.InvoicePeriod(cbc.StartDate(period[0].isoformat()), cbc.EndDate(period[1].isoformat()))]


def _line(n: int, line: InvoiceLine, facts: InvoiceFacts) -> Any:
    credit = facts.invoice.kind is DocumentKind.CREDIT_NOTE
    quantity, price = (line.quantity, line.unit_price) if line.unit_price >= 0 else (-line.quantity,
                                                                                    -line.unit_price)
    note = "; ".join(x for x in (f"site {line.site}" if line.site else "", line.note) if x)
    qty = getattr(cbc, "CreditedQuantity" if credit else "InvoicedQuantity")(
        plain(quantity), unitCode=unit_code(line.unit, n - 1))
    return getattr(cac, "CreditNoteLine" if credit else "InvoiceLine")(
        cbc.ID(str(n)), *([cbc.Note(note)] if note else []), qty,
        _money("LineExtensionAmount", line.amount, facts.invoice.currency), *_period(line.period),
        cac.Item(cbc.Name(line.description), _category(line.vat_rate, "ClassifiedTaxCategory")),
        cac.Price(cbc.PriceAmount(plain(price), currencyID=facts.invoice.currency)))


def _header(facts: InvoiceFacts) -> list[Any]:
    inv = facts.invoice
    credit = inv.kind is DocumentKind.CREDIT_NOTE
    head = [cbc.CustomizationID(CUSTOMIZATION), cbc.ProfileID(PROFILE), cbc.ID(inv.number),
            cbc.IssueDate(inv.issue_date.isoformat())]
    if credit:
        head.append(cbc.CreditNoteTypeCode("381"))
    else:
        head.extend([cbc.DueDate(inv.due_date.isoformat()), cbc.InvoiceTypeCode("380")])
    head.extend([cbc.DocumentCurrencyCode(inv.currency), cbc.BuyerReference(str(facts.account.id)),
                 *_period(inv.period)])
    if credit and inv.corrects:
        head.append(cac.BillingReference(cac.InvoiceDocumentReference(cbc.ID(inv.corrects))))
    return head


def ubl(facts: InvoiceFacts) -> EInvoiceFile:
    """The EN 16931 UBL invoice or credit note of an issued document (see the module for its content)."""
    inv = facts.invoice
    credit = inv.kind is DocumentKind.CREDIT_NOTE
    maker = ElementMaker(namespace=ROOTS[inv.kind], nsmap={None: ROOTS[inv.kind], "cac": CAC, "cbc": CBC})
    root = getattr(maker, "CreditNote" if credit else "Invoice")(
        *_header(facts), *_parties(facts), *_payment(facts), *_totals(facts),
        *(_line(n, line, facts) for n, line in shown_lines(inv)))
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return EInvoiceFile(f"{file_stem(inv.number)}.ubl.xml", "ubl", content)
