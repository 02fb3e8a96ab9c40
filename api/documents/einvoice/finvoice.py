"""Finland's e-invoice (verkkolasku, the consumer's e-lasku): Finvoice 3.0 of Finance Finland.

Written from :class:`~ledger.documents.loading.InvoiceFacts` as the Finvoice 3.0 message
(https://www.finanssiala.fi/en/topics/finvoice-standard/, implementation guidelines and the
``Finvoice3.0.xsd`` it is validated against, ``api/documents/schemas/finvoice/``):

- ``SellerPartyDetails`` (business id, name, VAT id, address), the seller's IBAN and BIC, and
  ``BuyerPartyDetails`` (the partner's name, VAT or business id, address);
- ``InvoiceDetails``: ``INV01`` (UNTDID 1001 ``380``) for an invoice, ``INV02`` (``381``) for a credit note
  with ``OriginalInvoiceNumber``; totals, one ``VatSpecificationDetails`` per rate (category ``S``, ``Z``
  for 0 %) and the due date;
- one ``InvoiceRow`` per line, in the lines' order: the printed description, quantity (with its UN/ECE
  rec. 20 unit), unit price, VAT rate and the amount before VAT;
- ``EpiDetails``, the payment order the customer's bank pre-fills: the seller's IBAN and BIC, the reference
  (``EpiRemittanceInfoIdentifier``: ``SPY`` for a Finnish national reference, ``ISO`` for an RF one), the
  amount (``EpiInstructedAmount``) and the due date (``EpiDateOptionDate``); ``EpiReference`` (a name token)
  is the invoice number with characters beyond ``[A-Za-z0-9._-]`` as ``_``.

Figures: decimals with a comma, as the schema's patterns require. A unit price takes at most five decimals
there, so a price stored with more (0.123456 €/kWh) is written per a base quantity of 10ⁿ units
(``UnitPriceBaseQuantity``: 1.23456 per 10 kWh), which keeps quantity × price / base exactly the product
the line's amount was rounded from. A credit note is written with negative quantities and amounts, as the
guidelines ask of ``INV02``.

File name: ``<number>.finvoice.xml`` (characters outside ``[A-Za-z0-9._-]`` as ``_``): Finvoice names no
file, the operator's envelope carries the message.

Still to be read by an expert before real messages are sent: the ``MessageTransmissionDetails`` routing
frame (the seller's and the customer's e-invoice addresses and operators, OVT codes) is not written, as
the model has no e-invoice addresses yet, so a message needs it added before an operator accepts it; a
consumer's e-lasku needs the bank's receiver agreement (the customer's e-invoice address) first; Finvoice
3.0 files are often ISO-8859-15, this one is UTF-8 (names beyond Latin-9 such as ``ř``); whether 0 % lines
are zero-rated (``Z``) or exempt (``E``, with a reason) depends on the supply; payment by direct debit is
written as payment means ``59`` with no debtor account, which the Finnish banks' direct-debit successor
("suoramaksu", Finvoice ``DirectDebitInfo``) may want instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree
from lxml.builder import E

from api.documents.einvoice import EInvoiceFile
from api.documents.einvoice.common import UNIT_CODES, chunks, file_stem, percent, shown_lines, y_tunnus
from ledger.accounts.invoice import DocumentKind, InvoiceLine
from ledger.core.errors import InvalidInput
from ledger.documents.loading import InvoiceFacts

#: The longest invoice number Finvoice carries (``InvoiceNumber`` is 1 to 20 characters).
MAX_NUMBER_LENGTH = 20
#: The most decimals of a Finvoice unit price; more are written per a base quantity.
MAX_PRICE_DECIMALS = 5


def comma(value: Decimal, places: int | None = None) -> str:
    """``value`` with a decimal comma, with ``places`` decimals if given.

    >>> comma(Decimal("-12.5"), 2), comma(Decimal("480.100"))
    ('-12,50', '480,100')
    """
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f").replace(".", ",")


def unit_price(price: Decimal) -> tuple[str, int]:
    """The price as Finvoice writes it (2 to 5 decimals) and the base quantity it is per (1, 10, 100...).

    >>> unit_price(Decimal("0.123456")), unit_price(Decimal("1.125")), unit_price(Decimal("3"))
    (('1,23456', 10), ('1,125', 1), ('3,00', 1))
    """
    base = 1
    while -price.normalize().as_tuple().exponent > MAX_PRICE_DECIMALS:  # type: ignore[operator]
        price, base = price * 10, base * 10
    places = max(2, -price.normalize().as_tuple().exponent)  # type: ignore[operator]
    return comma(price, places), base


def _amount(name: str, value: Decimal, currency: str) -> Any:
    return E(name, comma(value, 2), AmountCurrencyIdentifier=currency)


def _date(name: str, value: Any) -> Any:
    return E(name, value.strftime("%Y%m%d"), Format="CCYYMMDD")


def _seller(facts: InvoiceFacts) -> list[Any]:
    c = facts.company
    business_id = y_tunnus(c.vat_id)
    street = " ".join(x for x in (c.address.street_name, c.address.building_number) if x)
    party = E.SellerPartyDetails(
        *([E.SellerPartyIdentifier(business_id)] if business_id else []),
        *(E.SellerOrganisationName(n) for n in chunks(c.legal_name, 70)),
        *([E.SellerOrganisationTaxCode(c.vat_id)] if c.vat_id else []))
    if street and c.address.postcode:
        party.append(E.SellerPostalAddressDetails(E.SellerStreetName(street[:35]),
                                                  E.SellerTownName(c.address.town[:35]),
                                                  E.SellerPostCodeIdentifier(c.address.postcode),
                                                  E.CountryCode(c.address.country)))
    out = [party]
    if c.bic:
        out.append(E.SellerInformationDetails(E.SellerAccountDetails(
            E.SellerAccountID(c.bank_account, IdentificationSchemeName="IBAN"),
            E.SellerBic(c.bic, IdentificationSchemeName="BIC"))))
    return out


def _buyer(facts: InvoiceFacts) -> Any:
    partner = facts.partner
    ids = {t.scheme: t.value for t in partner.tax_ids}
    business_id = y_tunnus("FI" + ids["fi.ytunnus"]) if "fi.ytunnus" in ids else None
    party = E.BuyerPartyDetails(*([E.BuyerPartyIdentifier(business_id)] if business_id else []),
                                *(E.BuyerOrganisationName(n) for n in chunks(partner.name, 70)),
                                *([E.BuyerOrganisationTaxCode(ids["eu.vat"])] if "eu.vat" in ids else []))
    a = partner.address
    if a is not None:
        party.append(E.BuyerPostalAddressDetails(
            E.BuyerStreetName(a.street[:35]), E.BuyerTownName(a.town[:35]),
            E.BuyerPostCodeIdentifier(a.postcode), E.CountryCode(a.country)))
    return party


def _details(facts: InvoiceFacts, sign: int) -> Any:
    inv, t, cur = facts.invoice, facts.invoice.totals, facts.invoice.currency
    credit = inv.kind is DocumentKind.CREDIT_NOTE
    details = E.InvoiceDetails(E.InvoiceTypeCode("INV02" if credit else "INV01"),
                               E.InvoiceTypeCodeUN("381" if credit else "380"),
                               E.InvoiceTypeText("HYVITYSLASKU" if credit else "LASKU"),
                               E.OriginCode("Original"), E.InvoiceNumber(inv.number),
                               _date("InvoiceDate", inv.issue_date))
    if credit and inv.corrects:
        details.append(E.OriginalInvoiceNumber(inv.corrects))
    if inv.period is not None:
        details.extend([_date("InvoicingPeriodStartDate", inv.period[0]),
                        _date("InvoicingPeriodEndDate", inv.period[1])])
    details.extend([_amount("RowsTotalVatExcludedAmount", sign * t.net, cur),
                _amount("InvoiceTotalVatExcludedAmount", sign * t.net, cur),
                _amount("InvoiceTotalVatAmount", sign * t.vat, cur),
                _amount("InvoiceTotalVatIncludedAmount", sign * t.gross, cur)])
    details.extend([E.VatSpecificationDetails(_amount("VatBaseAmount", sign * v.taxable, cur),
                                          E.VatRatePercent(percent(v.rate).replace(".", ",")),
                                          E.VatCode("Z" if v.rate.is_zero() else "S"),
                                          _amount("VatRateAmount", sign * v.vat, cur)) for v in t.vat_lines])
    details.append(E.PaymentTermsDetails(_date("InvoiceDueDate", inv.due_date)))
    return details


def _row(n: int, line: InvoiceLine, sign: int, currency: str) -> Any:
    price, base = unit_price(line.unit_price)
    code = UNIT_CODES.get(line.unit.strip().lower())
    unit = {"QuantityUnitCode": line.unit[:14], **({"QuantityUnitCodeUN": code} if code else {})}
    row = E.InvoiceRow(E.ArticleName(line.description[:100]),
                       E.InvoicedQuantity(comma(sign * line.quantity), **unit))
    if line.period is not None:
        row.extend([_date("StartDate", line.period[0]), _date("EndDate", line.period[1])])
    row.append(E.UnitPriceAmount(price, AmountCurrencyIdentifier=currency))
    if base != 1:
        row.append(E.UnitPriceBaseQuantity(str(base), **unit))
    row.append(E.RowPositionIdentifier(str(n)))
    note = "; ".join(x for x in (f"site {line.site}" if line.site else "", line.note) if x)
    if note:
        row.append(E.RowFreeText(note[:512]))
    row.extend([E.RowVatRatePercent(percent(line.vat_rate).replace(".", ",")),
            E.RowVatCode("Z" if line.vat_rate.is_zero() else "S"),
            _amount("RowVatExcludedAmount", sign * line.amount, currency)])
    return row


def _epi(facts: InvoiceFacts, sign: int) -> Any:
    inv, c = facts.invoice, facts.company
    bic = [E.EpiBfiIdentifier(c.bic, IdentificationSchemeName="BIC")] if c.bic else []
    bfi = E.EpiBfiPartyDetails(*bic)
    business_id = y_tunnus(c.vat_id)
    beneficiary = E.EpiBeneficiaryPartyDetails(
        E.EpiNameAddressDetails(chunks(c.legal_name, 35)[0]),
        *([E.EpiBei(business_id)] if business_id else []),
        E.EpiAccountID(c.bank_account, IdentificationSchemeName="IBAN"))
    instruction = E.EpiPaymentInstructionDetails()
    reference = inv.payment_reference
    if reference:
        scheme = "ISO" if reference.upper().startswith("RF") else "SPY"
        instruction.append(E.EpiRemittanceInfoIdentifier(reference, IdentificationSchemeName=scheme))
    gross = comma(sign * inv.totals.gross, 2)
    instruction.extend([E.EpiInstructedAmount(gross, AmountCurrencyIdentifier=inv.currency),
                        E.EpiCharge(ChargeOption="SLEV"), _date("EpiDateOptionDate", inv.due_date),
                        E.EpiPaymentMeansCode("59" if facts.mandate else "58")])
    identification = E.EpiIdentificationDetails(_date("EpiDate", inv.issue_date),
                                                E.EpiReference(file_stem(inv.number)))
    return E.EpiDetails(identification, E.EpiPartyDetails(bfi, beneficiary), instruction)


def finvoice(facts: InvoiceFacts) -> EInvoiceFile:
    """The Finvoice 3.0 message of an issued invoice or credit note (see the module for what it carries)."""
    inv = facts.invoice
    if len(inv.number) > MAX_NUMBER_LENGTH:
        raise InvalidInput(f"Finvoice carries invoice numbers of at most {MAX_NUMBER_LENGTH} characters: "
                           f"{inv.number} is longer", "invoice_number")
    sign = -1 if inv.kind is DocumentKind.CREDIT_NOTE else 1
    root = E.Finvoice(*_seller(facts), _buyer(facts), _details(facts, sign),
                      *(_row(n, line, sign, inv.currency) for n, line in shown_lines(inv)),
                      _epi(facts, sign), Version="3.0")
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return EInvoiceFile(f"{file_stem(inv.number)}.finvoice.xml", "finvoice", content)
