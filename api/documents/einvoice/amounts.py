"""Figures as an e-invoice writes them: decimals within the format's limits, lines that recompute.

Issue 9's rule holds in the XML as on the page: each line's amount is its written quantity × written unit
price, rounded half up to cents (:func:`ledger.core.money.line_amount`). FatturaPA and Facturae write a
quantity or a price with at most 8 decimals (FatturaPA ``QuantitaType``/``Amount8DecimalType``: 2 to 8;
Facturae ``DoubleUpToEightDecimalType``: up to 8). A stored figure with more significant decimals is never
rounded to fit, because the written line would no longer give its amount: the line is written as a lump
sum instead — quantity 1 and its amount as unit price, the stored figures in the description — as a credit
note writes a line that does not add up (:func:`ledger.accounts.invoice.credit_line`). Trailing zeros
beyond 8 decimals are dropped (the value is unchanged).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from ledger.accounts.invoice import LUMP_SUM_UNIT, InvoiceLine, credit_line
from ledger.core.errors import InvalidInput

#: The most decimals FatturaPA and Facturae write on a quantity or a unit price.
MAX_DECIMALS = 8


def fits(value: Decimal, max_places: int = MAX_DECIMALS) -> bool:
    """Whether ``value`` is exactly written with at most ``max_places`` decimals."""
    return value == value.quantize(Decimal(1).scaleb(-max_places))


def decimal_text(value: Decimal, min_places: int = 2, max_places: int = MAX_DECIMALS) -> str:
    """``value`` with every stored decimal, at least ``min_places`` and at most ``max_places``.

    >>> decimal_text(Decimal("480.100")), decimal_text(Decimal("2")), decimal_text(Decimal("0.1500000000"))
    ('480.100', '2.00', '0.15000000')
    """
    if not fits(value, max_places):
        raise InvalidInput(f"{value} has more than {max_places} decimals", "amount")
    places = min(max(-int(value.as_tuple().exponent), min_places), max_places)
    text = format(value.quantize(Decimal(1).scaleb(-places)), "f")
    return text[1:] if text.startswith("-") and value.is_zero() else text


def written_line(line: InvoiceLine) -> InvoiceLine:
    """``line`` as an e-invoice writes it: as the page prints it, or a lump sum if its quantity or unit
    price has more than :data:`MAX_DECIMALS` significant decimals (see the module docstring)."""
    shown = credit_line(line)
    if fits(shown.quantity) and fits(shown.unit_price):
        return shown
    return dataclasses.replace(
        shown, description=f"{shown.description} ({shown.quantity} {shown.unit} x {shown.unit_price})",
        quantity=Decimal(1), unit=LUMP_SUM_UNIT, unit_price=shown.amount)
