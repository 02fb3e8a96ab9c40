"""Belgian structured communication (OGM / VCS, gestructureerde mededeling).

10 digits + 2 check digits = the first 10 digits mod 97, with 0 written as 97.
Printed between ``+++`` (or ``***``) as ``+++123/4567/89012+++``. Checking
delegates to :mod:`stdnum.be.ogm_vcs` (which prints without the ``+++``).

Every single-digit error and adjacent transposition is detected (mod 97 with
10 invertible; 9 * (a - b) and 11 * (a - b) are never multiples of 97).

>>> generate('0108068171')
'010806817183'
>>> validate('+++010/8068/17183+++')
'010806817183'
>>> format('010806817183')
'+++010/8068/17183+++'
>>> validate('***010/8068/17180***')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
"""

from __future__ import annotations

from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError

from ledger.accounts.references._util import clean, require_digits

_PREFIXES = ("OGM", "VCS")


def compact(number: str) -> str:
    """Strip ``+++``/``***``, slashes, separators and an ``OGM``/``VCS`` prefix."""
    return clean(number, _PREFIXES, extra="*")


def calc_check_digits(base: str) -> str:
    """The two check digits for a 10-digit base.

    >>> calc_check_digits('0000000000')
    '97'
    """
    return ogm_vcs.calc_check_digits(require_digits(compact(base), 10, 10))


def generate(base: str) -> str:
    """``base`` + check digits."""
    return compact(base) + calc_check_digits(base)


def validate(number: str) -> str:
    """Return the compact 12 digits or raise a :mod:`stdnum.exceptions` error."""
    return ogm_vcs.validate(compact(number))


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid structured communication."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form: ``+++ddd/dddd/ddddd+++``."""
    return f"+++{ogm_vcs.format(compact(number))}+++"
