"""Finnish reference number (viitenumero, kotimainen viite).

A base of 3 to 19 digits + one check digit, 4 to 20 digits in all. The base
digits are weighted 7, 3, 1, 7, 3, 1, ... from the rightmost one; the check
digit is (10 - sum mod 10) mod 10. Leading zeros carry no weight and are not
printed (the bank barcode pads to 20 digits), so :func:`compact` drops them.
The print form is groups of five digits from the right. stdnum has no module
for it.

The weights detect every single-digit error. Adjacent transpositions are
missed exactly when the two digits differ by 5 (05 <-> 50, 16 <-> 61, ...):
neighbouring weights differ by 2, 4 or 6, and 5 times an even number is 0 mod 10.

>>> generate('123'), generate('123123')
('1232', '1231234')
>>> validate('12312 34')
'1231234'
>>> validate('0000000000001231234')
'1231234'
>>> format('1231234')
'12 31234'
>>> validate('1231235')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.

The RF form of a Finnish reference is the RF creditor reference built on it:

>>> to_rf('1232')
'RF111232'
"""

from __future__ import annotations

from itertools import cycle

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.util import isdigits

from ledger.accounts.references import rf
from ledger.accounts.references._util import clean, group, require_digits

_PREFIXES = ("VIITENUMERO", "VIITE", "REF")
_WEIGHTS = (7, 3, 1)


def compact(number: str) -> str:
    """Strip separators, a ``viite``/``ref`` prefix and leading zeros."""
    number = clean(number, _PREFIXES)
    return number.lstrip("0") if isdigits(number) else number


def calc_check_digits(base: str) -> str:
    """The check digit for a base of 3 to 19 digits.

    >>> calc_check_digits('123456')  # 6*7 + 5*3 + 4*1 + 3*7 + 2*3 + 1*1 = 89
    '1'
    """
    base = require_digits(compact(base), 3, 19)
    total = sum(w * int(d) for w, d in zip(cycle(_WEIGHTS), reversed(base), strict=False))
    return str(-total % 10)


def generate(base: str) -> str:
    """``base`` + check digit."""
    return compact(base) + calc_check_digits(base)


def validate(number: str) -> str:
    """Return the compact reference or raise a :mod:`stdnum.exceptions` error."""
    number = require_digits(compact(number), 4, 20)
    if calc_check_digits(number[:-1]) != number[-1]:
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid Finnish reference number."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form: groups of five digits from the right."""
    return group(compact(number), 5, from_right=True)


def to_rf(number: str) -> str:
    """The RF creditor reference carrying this Finnish reference (``rf.generate(validate(n))``)."""
    return rf.generate(validate(number))
