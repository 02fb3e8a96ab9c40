"""Swiss QR reference (QRR, used with a QR-IBAN on the QR-bill).

27 digits, the last a modulo 10 recursive check digit (the ESR/ISR
algorithm). The check digit delegates to :mod:`stdnum.ch.esr`. Unlike an ESR
number, a QR reference keeps its leading zeros: it is always 27 digits.
A reference of only zeros is rejected (stdnum does too).

The print form is groups of five from the right, so it starts with a group
of two.

The recursion is a chain of bijections, so every single-digit error is
detected. Adjacent transpositions are not all detected: ``ab`` -> ``ba`` is
missed when both orders lead to the same carry, which happens for 20 of the
900 (carry, a, b) combinations (e.g. ``47`` <-> ``74`` at carry 0).

>>> generate('21000000000313947143000901')
'210000000003139471430009017'
>>> validate('21 00000 00003 13947 14300 09017')
'210000000003139471430009017'
>>> format('210000000003139471430009017')
'21 00000 00003 13947 14300 09017'
>>> validate('47000000000000000000000000')  # 26 digits
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
"""

from __future__ import annotations

from stdnum.ch import esr
from stdnum.exceptions import InvalidFormat, ValidationError

from ledger.accounts.references._util import clean, group, require_digits

_PREFIXES = ("QRR",)


def compact(number: str) -> str:
    """Strip separators and a ``QRR`` prefix (leading zeros stay)."""
    return clean(number, _PREFIXES)


def _base(base: str) -> str:
    base = require_digits(compact(base), 26, 26)
    if not base.strip("0"):
        raise InvalidFormat()
    return base


def calc_check_digits(base: str) -> str:
    """The check digit for a 26-digit base.

    >>> calc_check_digits('21000000000313947143000901')
    '7'
    """
    return esr.calc_check_digit(_base(base))


def generate(base: str) -> str:
    """``base`` + check digit."""
    return compact(base) + calc_check_digits(base)


def validate(number: str) -> str:
    """Return the compact 27 digits or raise a :mod:`stdnum.exceptions` error."""
    number = require_digits(compact(number), 27, 27)
    esr.validate(number)
    return number


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid QR reference."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form: groups of five from the right (2 + 5 x 5 for 27 digits)."""
    return group(compact(number), 5, from_right=True)
