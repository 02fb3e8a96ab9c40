"""The payment reference an invoice carries: derived from its number, or drawn from the company's sequence.

The national schemes (viitenumero, pagoPA, OGM, QRR, KID) are built from the digits of the invoice number
(year and serial), so they are unique per series. Two companies of one installation both draw serial 1 of
their year, and both would print the same viitenumero on their first invoice: only per-company matching
kept them apart, and a payment sent to the wrong company's IBAN went to the wrong customer (issue 11).
A company's **reference prefix** (a digit string in its configuration, none by default) is put in front of
the number before the check digit, so its references are its own. The RF form of a national reference
(:func:`ledger.accounts.references.fi.to_rf`) is built on the prefixed reference and carries it too; for
the RF scheme itself the prefix leads the body.

Without a prefix nothing changes: the default company's references, and every stored one, stay as issued.
"""

from __future__ import annotations

import enum

from ledger.accounts.references import be_ogm, ch_qrr, fi, it_pagopa, no_kid, rf
from ledger.core.errors import InvalidInput


class ReferenceScheme(enum.Enum):
    """The payment reference the company prints on its invoices (configuration)."""

    RF = "rf"  # ISO 11649, anywhere in SEPA
    FI = "fi"  # viitenumero
    IT_PAGOPA = "it_pagopa"  # numero avviso, segregation code 01
    BE_OGM = "be_ogm"  # gestructureerde mededeling
    CH_QRR = "ch_qrr"  # QR-IBAN reference
    NO_KID = "no_kid"  # KID, mod 10


def payment_reference(scheme: ReferenceScheme, number: str) -> str:
    """The reference printed on an invoice, derived from its number and verified by check digits.

    >>> payment_reference(ReferenceScheme.RF, "INV-2026-000123")
    'RF98INV2026000123'
    >>> payment_reference(ReferenceScheme.FI, "INV-2026-000123")
    '20260001230'
    >>> [payment_reference(s, "INV-2026-000123") for s in list(ReferenceScheme)[2:]]
    ['301000202600012302', '202600012320', '000000000000000020260001237', '20260001233']

    The national schemes are built from the digits of the number (year and serial): unique per series,
    which is what the invoice series (not credit notes, which carry no reference) needs. Only a number the
    company drew may shape a reference: invoices get theirs from
    :func:`ledger.accounts.handlers.issue_reference`, which uses :func:`derived_reference` (nothing cut
    away) for drawn numbers and the company's sequence for the rest. Called directly on other numbers this
    may raise stdnum's errors, and ``be_ogm`` keeps only the last ten digits.
    """
    digits = "".join(ch for ch in number if ch.isdigit())
    if scheme is ReferenceScheme.RF:
        return rf.generate("".join(ch for ch in number if ch.isalnum()).upper())
    if scheme is ReferenceScheme.FI:
        return fi.generate(digits)
    if scheme is ReferenceScheme.IT_PAGOPA:
        return it_pagopa.generate("01", digits.zfill(13))
    if scheme is ReferenceScheme.BE_OGM:
        return be_ogm.generate(digits.zfill(10)[-10:])
    if scheme is ReferenceScheme.CH_QRR:
        return ch_qrr.generate(digits.zfill(26))
    return no_kid.generate(digits)


#: The company's own sequence of payment references, for invoices whose number the caller chose (a gapless
#: :class:`~ledger.accounts.invoice.NumberRange`, year 0). Its references are built on ``9`` + the serial in
#: nine digits: a space no drawn number reaches, since a drawn number's digits start with its year.
REFERENCE_SERIES = "payment-reference"
#: Longest document number a caller may choose (ISO 20022 ``Max35Text``, where payers' banks quote it).
MAX_NUMBER_LENGTH = 35

#: The most characters each scheme builds a reference on (the base before the check digits): a Finnish
#: base takes 3 to 19 digits, pagoPA 13 (after aux digit and segregation code), OGM 10, QRR 26, KID 24,
#: RF 21 letters and digits.
MAX_BASE = {ReferenceScheme.RF: 21, ReferenceScheme.FI: 19, ReferenceScheme.IT_PAGOPA: 13,
            ReferenceScheme.BE_OGM: 10, ReferenceScheme.CH_QRR: 26, ReferenceScheme.NO_KID: 24}
#: Digits of a drawn number (year and six-digit serial) and of a sequence reference (``9`` + nine digits):
#: what a company's prefix must leave room for.
NUMBER_DIGITS = 10
#: Longest reference prefix a company may configure (the scheme may allow less, see :func:`check_prefix`).
MAX_PREFIX_DIGITS = 9


def derived_reference(scheme: ReferenceScheme, number: str, prefix: str = "") -> str | None:
    """The reference :func:`payment_reference` gives ``prefix`` + the number, or None where it cannot carry
    them whole.

    Nothing is cut or padded away: a Finnish base takes 3 to 19 digits, pagoPA 13, OGM 10, QRR 26 (not
    all zeros), KID 24, RF 21 letters and digits.

    >>> derived_reference(ReferenceScheme.FI, "INV-2026-000123"), derived_reference(ReferenceScheme.FI, "ABC")
    ('20260001230', None)
    >>> derived_reference(ReferenceScheme.BE_OGM, "INV-2026-1000000") is None  # 11 digits: OGM takes 10
    True

    With a company's prefix, in front of the number and before the check digit:

    >>> fi_ = ReferenceScheme.FI
    >>> derived_reference(fi_, "VRK-2026-000001", "1"), derived_reference(fi_, "KLM-2026-000001", "2")
    ('120260000018', '220260000015')
    >>> derived_reference(ReferenceScheme.RF, "VRK-2026-000001", "1")
    'RF281VRK2026000001'
    """
    digits = prefix + "".join(ch for ch in number if ch in "0123456789")
    body = prefix + "".join(ch for ch in number.upper() if ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    fits = {
        ReferenceScheme.RF: 1 <= len(body) <= 21,
        ReferenceScheme.FI: 3 <= len(digits.lstrip("0")) <= 19,
        ReferenceScheme.IT_PAGOPA: 1 <= len(digits) <= 13,
        ReferenceScheme.BE_OGM: 1 <= len(digits) <= 10,
        ReferenceScheme.CH_QRR: 1 <= len(digits) <= 26 and digits.strip("0") != "",
        ReferenceScheme.NO_KID: 1 <= len(digits) <= 24,
    }
    # Built from the ASCII letters and digits only, so it is what payment_reference gives a drawn number.
    return payment_reference(scheme, body) if fits[scheme] else None


def sequence_reference(scheme: ReferenceScheme, serial: int, prefix: str = "") -> str:
    """The ``serial``-th reference of the company's own sequence (see :data:`REFERENCE_SERIES`).

    >>> sequence_reference(ReferenceScheme.RF, 1), sequence_reference(ReferenceScheme.BE_OGM, 1)
    ('RF579000000001', '900000000116')
    >>> sequence_reference(ReferenceScheme.FI, 1, "2")
    '290000000014'
    """
    if not 1 <= serial < 10**9:
        raise InvalidInput("the company's sequence of payment references is used up")
    reference = derived_reference(scheme, f"9{serial:09d}", prefix)
    if reference is None:  # check_prefix refuses a prefix that leaves no room for ten digits
        raise InvalidInput(f"the reference prefix {prefix!r} leaves no room for the sequence's ten digits "
                           f"in a {scheme.value} reference", "reference_prefix")
    return reference


def check_prefix(prefix: str | None, scheme: ReferenceScheme, invoice_series: str = "") -> str | None:
    """A company's reference prefix if it is digits that fit its scheme, else InvalidInput naming
    ``reference_prefix``.

    The prefix and the number's ten digits (year and serial, or the sequence's ``9`` + nine) must fit the
    scheme's base; for RF the invoice series' letters count too. A leading zero would vanish from a
    viitenumero (leading zeros carry no weight) and make the prefix of no use, so a prefix starts with 1-9.

    >>> check_prefix("2", ReferenceScheme.FI), check_prefix(None, ReferenceScheme.BE_OGM)
    ('2', None)
    >>> check_prefix("1", ReferenceScheme.BE_OGM)
    Traceback (most recent call last):
        ...
    ledger.core.errors.InvalidInput: reference_prefix: a be_ogm reference is built on at most 10 digits ...
    >>> check_prefix("0x", ReferenceScheme.FI)
    Traceback (most recent call last):
        ...
    ledger.core.errors.InvalidInput: reference_prefix: must be 1 to 9 digits (0-9) not starting with 0, ...
    """
    if prefix is None:
        return None
    if not (0 < len(prefix) <= MAX_PREFIX_DIGITS and prefix.isascii() and prefix.isdigit()
            and prefix[0] != "0"):
        raise InvalidInput(f"reference_prefix: must be 1 to {MAX_PREFIX_DIGITS} digits (0-9) not starting "
                           f"with 0, got {prefix!r}", "reference_prefix")
    letters = sum(ch.isalpha() for ch in invoice_series) if scheme is ReferenceScheme.RF else 0
    taken = NUMBER_DIGITS + letters
    if len(prefix) + taken > MAX_BASE[scheme]:
        what = "the invoice number" if not letters else f"the invoice number of series {invoice_series}"
        unit = "letters and digits" if letters else "digits"
        raise InvalidInput(f"reference_prefix: a {scheme.value} reference is built on at most "
                           f"{MAX_BASE[scheme]} {unit} and {what} takes {taken}: no room for the prefix "
                           f"{prefix!r}", "reference_prefix")
    return prefix
