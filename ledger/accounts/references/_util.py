"""Helpers shared by the reference modules (private: import the scheme modules instead)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from stdnum.exceptions import InvalidFormat, InvalidLength
from stdnum.util import clean as _stdnum_clean
from stdnum.util import isdigits

#: Characters people and banks put inside a printed reference.
SEPARATORS = " -./+:"


@functools.cache
def _deletion(extra: str) -> dict[int, None]:
    return dict.fromkeys(map(ord, SEPARATORS + extra))


def clean(number: str, prefixes: tuple[str, ...] = (), extra: str = "") -> str:
    """Upper-case ``number``, drop separators and whitespace, then any leading ``prefixes``.

    Prefixes are removed repeatedly, so the result is a fixed point (``clean`` is idempotent).

    >>> clean(' viite: 12312 34', ('VIITE',))
    '1231234'
    >>> clean('ref-ref 1232', ('REF',))
    '1232'
    """
    if number.isascii() and "`" not in number:
        # What stdnum's clean does to ASCII (its character map only turns ` into '), in one C call:
        # references are cleaned for every remittance line of a statement (bench/payments.py).
        number = "".join(number.upper().translate(_deletion(extra)).split())
    else:
        number = "".join(_stdnum_clean(number.upper(), SEPARATORS + extra).split())
    stripped = True
    while stripped:
        stripped = False
        for prefix in prefixes:
            if number.startswith(prefix):
                number = number[len(prefix) :]
                stripped = True
    return number


def require_digits(number: str, min_length: int, max_length: int) -> str:
    """Return ``number`` if it is ASCII digits of an allowed length, else raise stdnum's error."""
    if not isdigits(number):
        raise InvalidFormat()
    if not min_length <= len(number) <= max_length:
        raise InvalidLength()
    return number


def _chunks_from_right(number: str, size: int) -> Iterator[str]:
    head = len(number) % size
    if head:
        yield number[:head]
    for i in range(head, len(number), size):
        yield number[i : i + size]


def group(number: str, size: int, *, from_right: bool = False) -> str:
    """Split ``number`` into space-separated groups of ``size``.

    >>> group('1231234', 5, from_right=True)
    '12 31234'
    >>> group('301234567890123456', 4)
    '3012 3456 7890 1234 56'
    """
    if from_right:
        return " ".join(_chunks_from_right(number, size))
    return " ".join(number[i : i + size] for i in range(0, len(number), size))
