"""Numbers from text, in ASCII digits only.

Python reads any Unicode decimal digit as a digit: ``Decimal("١٠.٠٠")`` and ``int("１０")`` are 10, and
``re``'s ``\\d`` matches them too (https://docs.python.org/3/library/stdtypes.html#int, "Unicode
decimal digits"; https://docs.python.org/3/library/re.html#index-21). Nobody writes an amount in a
ledger in Arabic-Indic or full-width digits on purpose: such a value is pasted from somewhere else, a
spoofing attempt ("١٠" looks like a mark, not a number, to most clerks) or a file in the wrong encoding.
Every amount, quantity and price read from text goes through here, and is refused unless it is ASCII.

>>> ascii_decimal("-12.50"), ascii_int("15")
(Decimal('-12.50'), 15)
>>> ascii_decimal("١٠.٠٠")
Traceback (most recent call last):
...
decimal.InvalidOperation: '١٠.٠٠' is not written in ASCII digits
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: A regular-expression class for one digit: ``\d`` would match every Unicode decimal digit.
DIGIT = "[0-9]"


def ascii_decimal(text: str) -> Decimal:
    """``Decimal(text)`` for ASCII text; anything else raises :class:`decimal.InvalidOperation`."""
    if not text.isascii():
        raise InvalidOperation(f"{text!r} is not written in ASCII digits")
    return Decimal(text)


def ascii_int(text: str) -> int:
    """``int(text)`` for ASCII text; anything else raises :class:`ValueError`."""
    if not text.isascii():
        raise ValueError(f"{text!r} is not written in ASCII digits")
    return int(text)
