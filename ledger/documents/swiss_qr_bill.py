"""The Swiss QR-bill (QR-Rechnung / QR-facture): the payload of the Swiss QR code on a Swiss company's bill.

Swiss Payment Standards, *Swiss Implementation Guidelines for the QR-bill*, version 2.3 (SIX, valid from
22 November 2025, https://www.six-group.com/en/products-services/banking-services/payment-standardization/standards/qr-bill.html):
the code carries the data elements of §4.3.3 in a fixed order, one per line, starting ``SPC`` / ``0200`` /
``1`` and ending with the trailer ``EPD``. Two pairings are allowed (§3.3, "Reference types"):

- a **QR-IBAN** (its institution id, characters 5-9, is 30000-31999) with a **QR reference** (``QRR``, 27
  digits, modulo 10 recursive: :mod:`ledger.accounts.references.ch_qrr`);
- an ordinary **IBAN** with an ISO 11649 **creditor reference** (``SCOR``, RF) or no reference (``NON``).

The payload is built by the ``qrbill`` package (https://pypi.org/project/qrbill/, which checks the
pairing, the IBAN's country CH/LI, the currency CHF/EUR, the amount and the field lengths); only its text
is used (:meth:`qrbill.QRBill.qr_data`), never its SVG: the PDF draws the code itself, as vector squares,
so its bytes are the renderer's. qrbill's version is not in the recorded renderer's name (that name is
at most 80 characters): it is pinned (``qrbill~=1.2``), and an upgrade that writes another payload must
bump :data:`~ledger.documents.invoice_document.MODEL_VERSION`. Addresses are structured (type ``S``):
the combined type ``K`` is no longer accepted from November 2025 (guidelines v2.3, §4.2.2).

:func:`parse` reads a payload back into its fields: the renderer prints the receipt and the payment part
from it, and the tests compare what the scanned code carries with the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from qrbill import QRBill

from ledger.accounts.invoice import Invoice
from ledger.accounts.references import ch_qrr, rf
from ledger.core.errors import InvalidInput
from ledger.core.money import CENT
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import BusinessPartner

#: §3.2: a QR-IBAN's institution id (IID, IBAN characters 5 to 9) lies in this range.
QR_IID_RANGE = (30000, 31999)
#: §4.3.3: the unstructured message (``Ustrd``) is at most 140 characters.
MAX_MESSAGE_CHARS = 140
#: §4.3.3: the amount is 0.01 to 999,999,999.99.
MAX_AMOUNT = Decimal("999999999.99")


@dataclass(frozen=True, slots=True)
class SwissAddress:
    """A structured address (§4.2.2, type ``S``): name, street, building number, postcode, town, country."""

    name: str
    street: str
    building_number: str
    postcode: str
    town: str
    country: str

    def lines(self) -> tuple[str, ...]:
        """As the payment part prints it (§3.5.3): name, street and number, ``CH-8000 Zürich``-style town."""
        street = " ".join(x for x in (self.street, self.building_number) if x)
        town = f"{self.country}-{self.postcode} {self.town}" if self.country in ("CH", "LI") else (
            f"{self.postcode} {self.town}, {self.country}")
        return tuple(x for x in (self.name, street, town) if x.strip())


@dataclass(frozen=True, slots=True)
class SwissPayment:
    """The fields of a QR-bill payload, as §4.3.3 orders them."""

    iban: str
    creditor: SwissAddress
    amount: Decimal | None
    currency: str
    debtor: SwissAddress | None
    reference_type: str  # QRR, SCOR or NON
    reference: str
    message: str

    @property
    def printed_reference(self) -> str:
        """The reference as printed (§3.5.3): a QRR in blocks of five from the right, an RF in fours."""
        if self.reference_type == "QRR":
            return ch_qrr.format(self.reference)
        if self.reference_type == "SCOR":
            return rf.format(self.reference)
        return ""


def is_qr_iban(iban: str) -> bool:
    """Whether ``iban`` (compact) is a Swiss or Liechtenstein QR-IBAN.

    >>> is_qr_iban("CH4431999123000889012"), is_qr_iban("CH9300762011623852957")
    (True, False)
    """
    iid = iban[4:9]
    return iban[:2] in ("CH", "LI") and iid.isdigit() and QR_IID_RANGE[0] <= int(iid) <= QR_IID_RANGE[1]


def _address(a: SwissAddress) -> dict[str, str]:
    return {"name": a.name, "street": a.street, "house_num": a.building_number, "pcode": a.postcode,
            "city": a.town, "country": a.country}


def ch_qr_bill(iban: str, creditor: SwissAddress, amount: Decimal, currency: str, reference: str | None,
               debtor: SwissAddress | None, message: str = "") -> str:
    """The Swiss QR code's payload (``qrbill`` builds it), or InvalidInput saying what does not fit."""
    if amount != amount.quantize(CENT) or not CENT <= amount <= MAX_AMOUNT:
        raise InvalidInput(f"a QR-bill carries an amount of 0.01 to {MAX_AMOUNT} with two decimals, not "
                           f"{amount}", "amount")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"the QR-bill message is at most {MAX_MESSAGE_CHARS} characters", "message")
    try:
        bill = QRBill(account=iban, creditor=_address(creditor), amount=format(amount, "f"),
                      currency=currency, debtor=None if debtor is None else _address(debtor),
                      reference_number=reference or None, additional_information=message)
    except ValueError as e:  # qrbill says what is wrong (a QR-IBAN without a QR reference, say)
        raise InvalidInput(f"no Swiss QR-bill can be made: {e}", "payment_code") from e
    return str(bill.qr_data())


def _parsed_address(fields: list[str]) -> SwissAddress | None:
    kind, name, street, number, postcode, town, country = fields
    return None if not kind else SwissAddress(name, street, number, postcode, town, country)


def parse(payload: str) -> SwissPayment:
    """The fields of a QR-bill payload (lines separated by CR LF or LF, §4.1.4).

    >>> p = parse(ch_qr_bill("CH44 3199 9123 0008 8901 2", SwissAddress("Robert Schneider AG", "Rue du Lac",
    ...     "1268", "2501", "Biel", "CH"), Decimal("1949.75"), "CHF", "210000000003139471430009017", None))
    >>> p.iban, p.amount, p.reference_type, p.printed_reference, p.creditor.lines()[-1]
    ('CH4431999123000889012', Decimal('1949.75'), 'QRR', '21 00000 00003 13947 14300 09017', 'CH-2501 Biel')
    """
    lines = payload.replace("\r\n", "\n").split("\n")
    if len(lines) < 31 or lines[:3] != ["SPC", "0200", "1"] or lines[30] != "EPD":
        raise InvalidInput("not a Swiss QR-bill payload (SPC 0200, coding 1, trailer EPD)", "payload")
    creditor = _parsed_address(lines[4:11])
    if creditor is None:
        raise InvalidInput("a QR-bill names its creditor", "payload")
    return SwissPayment(lines[3], creditor, Decimal(lines[18]) if lines[18] else None, lines[19],
                        _parsed_address(lines[20:27]), lines[27], lines[28], lines[29])


def company_address(company: CompanyConfig) -> SwissAddress:
    """The creditor: the company's legal name and registered address."""
    a = company.address
    return SwissAddress(company.legal_name[:70], a.street_name or "", a.building_number or "",
                        a.postcode or "", a.town, a.country)


def partner_address(partner: BusinessPartner) -> SwissAddress | None:
    """The debtor (``UltmtDbtr``): the partner's name and address, if it has one (the street as written,
    number included: the partner's address keeps no separate building number)."""
    a = partner.address
    return None if a is None else SwissAddress(partner.name[:70], a.street, "", a.postcode, a.town, a.country)


def qr_bill_for(invoice: Invoice, company: CompanyConfig, partner: BusinessPartner) -> str:
    """The payload of ``invoice``'s QR-bill: the company's collection (QR-)IBAN, the invoice's gross in
    its currency, its payment reference (QRR or RF), the partner as debtor and the invoice number as the
    message."""
    return ch_qr_bill(company.bank_account, company_address(company), invoice.totals.gross, invoice.currency,
                      invoice.payment_reference, partner_address(partner), invoice.number)
