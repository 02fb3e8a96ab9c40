"""Norwegian KID (kundeidentifikasjon) payment reference.

2 to 25 digits, the last a check digit computed by the payee's choice of
method (fixed in the OCR/AvtaleGiro agreement):

* ``mod10``: Luhn, delegated to :mod:`stdnum.luhn`;
* ``mod11``: weights 2, 3, 4, 5, 6, 7, 2, 3, ... from the rightmost base
  digit; remainder 0 gives ``0``, remainder r > 1 gives ``11 - r``, and
  remainder 1 has no digit: such a base cannot take a mod 11 check digit.
  (Nets' spec writes ``-`` there; we treat it as invalid, and :func:`compact`
  strips dashes anyway.)

:func:`validate` without ``method`` accepts a number valid under either
method, as a payer's bank does. That doubles the chance that a mistyped
KID still passes: pass ``method`` when the agreement's method is known.

Luhn detects every single-digit error and every adjacent transposition
except ``09`` <-> ``90``. Mod 11 detects every single-digit error and every
adjacent transposition (adjacent weights differ by 1 or 5, 11 is prime).

>>> generate('2345678')
'23456783'
>>> generate('2345678', method='mod11')
'23456788'
>>> validate('2345 6783'), validate('23456788')
('23456783', '23456788')
>>> validate('23456788', method='mod10')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> generate('6', method='mod11')  # 6 * 2 = 12, remainder 1
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: this base has no mod 11 check digit (remainder 1)
"""

from __future__ import annotations

from itertools import cycle
from typing import Literal

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from ledger.accounts.references._util import clean, require_digits

Method = Literal["mod10", "mod11"]
METHODS: tuple[Method, ...] = ("mod10", "mod11")
_PREFIXES = ("KID",)
_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7)


def compact(number: str) -> str:
    """Strip separators and a ``KID`` prefix."""
    return clean(number, _PREFIXES)


def _mod11(base: str) -> str | None:
    total = sum(w * int(d) for w, d in zip(cycle(_MOD11_WEIGHTS), reversed(base), strict=False))
    remainder = total % 11
    return None if remainder == 1 else str(-remainder % 11)


def calc_check_digits(base: str, method: Method = "mod10") -> str:
    """The check digit for a base of 1 to 24 digits.

    >>> calc_check_digits('2345678'), calc_check_digits('2345678', 'mod11')
    ('3', '8')
    """
    base = require_digits(compact(base), 1, 24)
    if method == "mod10":
        return luhn.calc_check_digit(base)
    if method == "mod11":
        check = _mod11(base)
        if check is None:
            raise InvalidComponent("this base has no mod 11 check digit (remainder 1)")
        return check
    raise ValueError(f"unknown KID method {method!r}; expected one of {METHODS}")


def generate(base: str, method: Method = "mod10") -> str:
    """``base`` + check digit by ``method``."""
    return compact(base) + calc_check_digits(base, method)


def _fits(number: str, method: Method) -> bool:
    try:
        return calc_check_digits(number[:-1], method) == number[-1]
    except InvalidComponent:
        return False


def validate(number: str, method: Method | None = None) -> str:
    """Return the compact KID or raise; ``method=None`` accepts either method."""
    number = require_digits(compact(number), 2, 25)
    if not any(_fits(number, m) for m in ((method,) if method else METHODS)):
        raise InvalidChecksum()
    return number


def is_valid(number: str, method: Method | None = None) -> bool:
    """Whether ``number`` is a valid KID (by ``method``, or by either when None)."""
    try:
        return bool(validate(number, method))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form: KIDs are printed as one unbroken run of digits."""
    return compact(number)
