"""Italian pagoPA notice code (codice avviso / numero avviso), aux digit 3.

18 digits: aux digit ``3`` + segregation code (2 digits, assigned by PagoPA
to each IUV generation point) + IUV base (13 digits) + check (2 digits). The
check is ``int('3' + segregation code + base) mod 93``, zero-padded. The last
17 digits are the IUV (identificativo univoco di versamento) that travels in
the payment flows. Other aux digits (0, 1, 2) have other layouts and are not
handled here (:class:`~stdnum.exceptions.InvalidComponent`). stdnum has no
module for it.

Every single-digit error and adjacent transposition is detected: 10 is
invertible mod 93, and a change of d * 10**k or 9 * (a - b) * 10**k is never
a multiple of 93 for digits d, a != b.

>>> generate('01', '2345678901234')
'301234567890123416'
>>> validate('3012 3456 7890 1234 16')
'301234567890123416'
>>> iuv('301234567890123416')
'01234567890123416'
>>> format('301234567890123416')
'3012 3456 7890 1234 16'
>>> validate('001234567890123416')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: One of the parts of the number are invalid or unknown.
"""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from ledger.accounts.references._util import clean, group, require_digits

AUX_DIGIT = "3"
_PREFIXES = ("CODICEAVVISO", "NUMEROAVVISO", "AVVISO")


def compact(number: str) -> str:
    """Strip separators and a ``codice avviso`` prefix."""
    return clean(number, _PREFIXES)


def calc_check_digits(segregation_code: str, base: str) -> str:
    """The two check digits for a 2-digit segregation code and a 13-digit IUV base.

    >>> calc_check_digits('01', '2345678901234')
    '16'
    """
    segregation_code = require_digits(segregation_code, 2, 2)
    payload = AUX_DIGIT + segregation_code + require_digits(compact(base), 13, 13)
    return f"{int(payload) % 93:02d}"


def generate(segregation_code: str, base: str) -> str:
    """The 18-digit notice code."""
    check = calc_check_digits(segregation_code, base)
    return AUX_DIGIT + segregation_code + compact(base) + check


def validate(number: str) -> str:
    """Return the compact notice code or raise a :mod:`stdnum.exceptions` error."""
    number = require_digits(compact(number), 18, 18)
    if number[0] != AUX_DIGIT:
        raise InvalidComponent()
    if calc_check_digits(number[1:3], number[3:16]) != number[16:]:
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid aux-digit-3 notice code."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def iuv(number: str) -> str:
    """The 17-digit IUV inside a notice code: segregation code + base + check."""
    return validate(number)[1:]


def format(number: str) -> str:
    """Print form on the notice: groups of four digits."""
    return group(compact(number), 4)
