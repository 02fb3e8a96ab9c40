"""The payment code printed on a bill, by the company's country: what the customer's bank app scans.

Each function takes what the invoice already says (the creditor's IBAN and name, the amount, the payment
reference, the due date) and returns the exact text the code carries; drawing it (a QR image, a Code 128
barcode) is the renderer's job. Amounts are :class:`~decimal.Decimal` euros with at most two decimals: a
code never rounds, it refuses an amount it cannot carry exactly.

**SEPA credit transfer QR ("GiroCode")**, EPC069-12 version 002
(https://www.europeanpaymentscouncil.eu/document-library/guidance-documents/quick-response-code-guidelines-enable-data-capture-initiation):
twelve lines separated by LF, UTF-8, at most 331 bytes; either a structured (RF) or an unstructured
reference, never both.

>>> print(epc_qr("Energia Sicula S.p.A.", "IT60 X054 2811 1010 0000 0123 456", Decimal("123.40"),
...              reference="RF18 5390 0754 7034", bic="BLOPIT22"))
BCD
002
1
SCT
BLOPIT22
Energia Sicula S.p.A.
IT60X0542811101000000123456
EUR123.4
<BLANKLINE>
RF18539007547034

**Finnish virtual bank barcode** (virtuaaliviivakoodi), Finance Finland's "Pankkiviivakoodi-opas" 5.3:
54 digits; version 4 carries a national reference (viitenumero), version 5 an RF reference. The examples
are the guide's own.

>>> fi_virtual_barcode("FI79 4405 2020 0360 82", Decimal("4883.15"), "86851 62596 19897", date(2010, 6, 12))
'479440520200360820048831500000000868516259619897100612'
>>> fi_virtual_barcode("FI79 4405 2020 0360 82", Decimal("4883.15"), "RF09 8685 1625 9619 897",
...                    date(2010, 6, 12))
'579440520200360820048831509000000868516259619897100612'

**pagoPA notice QR** (Avviso di pagamento 2.0): ``PAGOPA|002|`` notice code (18 digits) ``|`` creditor's
fiscal code (11 digits) ``|`` amount in euro cents.

>>> pagopa_qr("3012 3456 7890 1234 16", "00743110157", Decimal("82.50"))
'PAGOPA|002|301234567890123416|00743110157|8250'
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from stdnum.exceptions import ValidationError
from stdnum.it import iva

from ledger.accounts.references import fi, it_pagopa, rf
from ledger.core.errors import InvalidInput
from ledger.core.money import CENT
from ledger.parties.identifiers import InvalidIdentifier, validate_iban

#: EPC069-12 §3: the payload may hold at most 331 bytes.
EPC_MAX_PAYLOAD_BYTES = 331
#: EPC069-12 §3: the beneficiary's name (line 6) is at most 70 characters.
EPC_MAX_NAME_CHARS = 70
#: EPC069-12 §3: an unstructured remittance (line 11) is at most 140 characters.
EPC_MAX_TEXT_CHARS = 140
#: EPC069-12 §3: the amount is EUR 0.01 to 999,999,999.99.
EPC_MAX_AMOUNT = Decimal("999999999.99")
#: The Finnish barcode's euro field has six digits; a larger amount is printed as zeros (the guide, §5.3).
FI_MAX_AMOUNT = Decimal("999999.99")


def _cents(amount: Decimal, field: str, maximum: Decimal) -> int:
    if amount != amount.quantize(CENT) or not CENT <= amount <= maximum:
        raise InvalidInput(f"a payment code carries an amount of 0.01 to {maximum} with at most two "
                           f"decimals, not {amount}", field)
    return int(amount * 100)


def _iban(iban: str) -> str:
    """The IBAN in electronic form (:func:`~ledger.parties.identifiers.validate_iban`), or InvalidInput."""
    try:
        return validate_iban(iban)
    except InvalidIdentifier as e:
        raise InvalidInput(f"{iban!r} is not a valid IBAN: {e}", "iban") from e


def epc_qr(name: str, iban: str, amount: Decimal, *, reference: str | None = None, text: str | None = None,
           bic: str | None = None) -> str:
    """The EPC QR payload; ``reference`` is an RF creditor reference, ``text`` free remittance text."""
    if reference and text:
        raise InvalidInput("an EPC QR code carries a structured reference or a text, not both", "reference")
    if not name.strip() or len(name) > EPC_MAX_NAME_CHARS:
        raise InvalidInput(f"the beneficiary name must be 1 to {EPC_MAX_NAME_CHARS} characters", "name")
    if text is not None and len(text) > EPC_MAX_TEXT_CHARS:
        raise InvalidInput(f"the remittance text must be at most {EPC_MAX_TEXT_CHARS} characters", "text")
    try:
        structured = rf.validate(reference) if reference else ""
    except ValidationError as e:
        raise InvalidInput(f"{reference!r} is not an RF creditor reference", "reference") from e
    cents = _cents(amount, "amount", EPC_MAX_AMOUNT)
    euros = f"{cents // 100}.{cents % 100:02d}".rstrip("0").rstrip(".")
    lines = ["BCD", "002", "1", "SCT", bic or "", name.strip(), _iban(iban), f"EUR{euros}", "",
             structured, text or ""]
    payload = "\n".join(lines).rstrip("\n")
    if len(payload.encode("utf-8")) > EPC_MAX_PAYLOAD_BYTES:
        raise InvalidInput(f"the EPC QR payload would exceed {EPC_MAX_PAYLOAD_BYTES} bytes", "text")
    return payload


def fi_virtual_barcode(iban: str, amount: Decimal, reference: str, due: date | None) -> str:
    """The 54-digit Finnish virtual barcode: version 4 for a viitenumero, 5 for an RF reference."""
    account = _iban(iban)
    if not account.startswith("FI"):
        raise InvalidInput(f"the Finnish bank barcode needs a Finnish IBAN, not {account}", "iban")
    cents = 0 if amount > FI_MAX_AMOUNT else _cents(amount, "amount", FI_MAX_AMOUNT)
    money = f"{cents // 100:06d}{cents % 100:02d}"
    day = due.strftime("%y%m%d") if due is not None else "000000"
    digits = account[2:]
    try:
        if reference.strip().upper().startswith("RF"):
            ref = rf.validate(reference)
            if not ref[4:].isdigit() or len(ref) - 4 > 21:
                raise InvalidInput("the barcode carries an RF reference of at most 21 digits", "reference")
            return f"5{digits}{money}{ref[2:4]}{ref[4:]:0>21}{day}"
        return f"4{digits}{money}000{fi.validate(reference):0>20}{day}"
    except ValidationError as e:
        raise InvalidInput(f"{reference!r} is not a Finnish or RF reference", "reference") from e


def pagopa_qr(notice_code: str, creditor_fiscal_code: str, amount: Decimal) -> str:
    """The pagoPA notice's QR payload (the creditor's fiscal code is the entity's 11-digit one)."""
    try:
        notice = it_pagopa.validate(notice_code)
    except ValidationError as e:
        raise InvalidInput(f"{notice_code!r} is not a pagoPA notice code", "notice_code") from e
    if not iva.is_valid(creditor_fiscal_code):
        raise InvalidInput(f"{creditor_fiscal_code!r} is not an 11-digit Italian fiscal code",
                           "creditor_fiscal_code")
    cents = _cents(amount, "amount", EPC_MAX_AMOUNT)
    return f"PAGOPA|002|{notice}|{iva.compact(creditor_fiscal_code)}|{cents}"
