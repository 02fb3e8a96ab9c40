"""RF creditor reference (ISO 11649).

``RF`` + two check digits + 1 to 21 letters or digits. The check is ISO 7064
MOD 97-10 over the reference with ``RF`` and the check digits moved to the end
(letters count as 10..35), as :mod:`stdnum.iso11649` checks it (tested against it);
generation uses :mod:`stdnum.iso7064.mod_97_10`.

Stricter than stdnum in two ways: the body must be ASCII letters and digits
(stdnum lets other Unicode digits through to ``int()``), and the check digits
must be 02..98, the only values the algorithm produces. stdnum also accepts
the aliases 00, 01 and 99 (congruent to 97, 98 and 02 modulo 97).

>>> generate('539007547034')
'RF18539007547034'
>>> validate('rf18 5390 0754 7034')
'RF18539007547034'
>>> format('RF18539007547034')
'RF18 5390 0754 7034'
>>> validate('RF19 5390 0754 7034')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> is_valid('RF97 72'), is_valid('RF00 72')  # 00 is the non-canonical alias of 97
(True, False)
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.iso7064 import mod_97_10

from ledger.accounts.references._util import clean, group

_BODY = re.compile(r"[0-9A-Z]{1,21}")
_REFERENCE = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")


def compact(number: str) -> str:
    """Strip separators and upper-case (``RF`` is part of the reference and stays)."""
    return clean(number)


def _base(base: str) -> str:
    base = compact(base)
    if not 1 <= len(base) <= 21:
        raise InvalidLength()
    if not _BODY.fullmatch(base):
        raise InvalidFormat()
    return base


def calc_check_digits(base: str) -> str:
    """The two check digits for ``base`` (1 to 21 letters or digits).

    >>> calc_check_digits('539007547034')
    '18'
    """
    return mod_97_10.calc_check_digits(_base(base) + "RF")


def generate(base: str) -> str:
    """``RF`` + check digits + ``base``."""
    return "RF" + calc_check_digits(base) + _base(base)


def validate(number: str) -> str:
    """Return the compact reference or raise a :mod:`stdnum.exceptions` error."""
    number = compact(number)
    if not number.startswith("RF"):
        raise InvalidFormat()
    if not 5 <= len(number) <= 25:
        raise InvalidLength()
    if not _REFERENCE.fullmatch(number):
        raise InvalidFormat()
    # ISO 7064 MOD 97-10 over the body then "RF" and the check digits, letters as 10..35: what
    # stdnum.iso11649.validate checks after cleaning the number again (a third of this function's time).
    rotated = number[4:] + number[:4]
    if int("".join(str(int(c, 36)) for c in rotated)) % 97 != 1:
        raise InvalidChecksum()
    if not "02" <= number[2:4] <= "98":
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid RF creditor reference."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form: groups of four characters."""
    return group(compact(number), 4)
