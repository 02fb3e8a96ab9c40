"""Money and double-entry postings.

Money is :class:`decimal.Decimal` everywhere outside the numpy rating kernel. Amounts on documents and
postings are whole cents; an input with more decimals is rejected rather than silently rounded, because
a clerk typing ``10.005`` made a mistake we must not hide. Where Saldo itself has to round (VAT on a
taxable total, quantity × unit price) it calls :func:`round_cents`, which is ROUND_HALF_UP — the
"commercial" rounding that EU VAT rules and Italian/Spanish/Finnish invoicing practice expect
(see https://docs.python.org/3/library/decimal.html#rounding-modes).

>>> parse_amount("12.30")
Decimal('12.30')
>>> round_cents(Decimal("0.125"))
Decimal('0.13')
>>> p = (Posting.debit("receivables", Decimal("122.00")),
...      Posting.credit("revenue:energy", Decimal("100.00")),
...      Posting.credit("vat-output:22", Decimal("22.00")))
>>> check_balanced(p)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

#: Largest amount one document or payment may carry. A named limit, so that a typo of many zeros (or an
#: overflow in a file) is refused at the door instead of poisoning balances.
MAX_AMOUNT = Decimal("999999999.99")

#: ISO 4217 codes Saldo books in. Accounts are single-currency; foreign receipts are reported, not booked.
CURRENCIES = frozenset({"EUR", "CHF", "NOK", "SEK", "DKK", "GBP", "PLN", "CZK", "HUF"})


class MoneyError(ValueError):
    """A monetary value or invariant is wrong. ``field`` names what was wrong, for error reports."""

    def __init__(self, message: str, field: str = "amount") -> None:
        super().__init__(message)
        self.field = field


class UnbalancedPostings(MoneyError):
    """Debits and credits of one event differ: a programming error, never booked."""


def parse_amount(value: str | int | Decimal, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """Parse an amount in whole cents; reject floats, NaN, negatives and sub-cent digits.

    >>> parse_amount("0.001")
    Traceback (most recent call last):
    ...
    ledger.core.money.MoneyError: amount must have at most 2 decimals, got '0.001'
    >>> parse_amount("-1")
    Traceback (most recent call last):
    ...
    ledger.core.money.MoneyError: amount must be positive, got '-1'
    """
    if isinstance(value, float):  # a float has already lost the cents: refuse it
        raise MoneyError(f"{field} must be a decimal string, not a float ({value!r})", field)
    if isinstance(value, str) and not value.isascii():  # "١٠.٠٠" is 10 to Decimal: see ledger.core.numbers
        raise MoneyError(f"{field} must be written in ASCII digits, got {value!r}", field)
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise MoneyError(f"{field} is not a decimal number: {value!r}", field) from None
    if not amount.is_finite():
        raise MoneyError(f"{field} must be a finite number, got {value!r}", field)
    if amount != amount.quantize(CENT):
        raise MoneyError(f"{field} must have at most 2 decimals, got {str(value)!r}", field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise MoneyError(f"{field} must be positive, got {str(value)!r}", field)
    if amount > MAX_AMOUNT:
        raise MoneyError(f"{field} exceeds the limit of {MAX_AMOUNT}, got {str(value)!r}", field)
    return amount.quantize(CENT)


def round_cents(value: Decimal) -> Decimal:
    """Round to cents, half up (commercial rounding); the one rounding rule for money in Saldo."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# Explicit contexts, so that a caller's thread-local decimal context (precision, rounding, traps) can never
# change a line (https://docs.python.org/3/library/decimal.html#context-objects). The product is exact or
# refused: 100 digits hold any quantity x price a document can carry, and Inexact is a trap, not a rounding.
_EXACT = Context(prec=100, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
_CENTS = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """The amount of a document line: printed quantity x printed unit price, exact, rounded half up to cents.

    Why from the printed figures (issue 9): the customer must be able to recompute every line from what
    the document shows, so the amount is derived from the quantity and unit price exactly as printed, and
    rounded once. ``ROUND_HALF_UP`` rounds a half cent away from zero, so a discount (negative price)
    rounds like the charge it mirrors. Zero is ``0.00``, never ``-0.00``.

    >>> line_amount(Decimal("480.100"), Decimal("0.150000")), line_amount(Decimal("88.100"), Decimal("0.15"))
    (Decimal('72.02'), Decimal('13.22'))
    >>> line_amount(Decimal("0.000"), Decimal("-0.15")), line_amount(Decimal("1"), Decimal("-0.125"))
    (Decimal('0.00'), Decimal('-0.13'))
    """
    if not (quantity.is_finite() and unit_price.is_finite()):
        raise MoneyError(f"cannot price {quantity} x {unit_price}", "amount")
    try:
        amount = _EXACT.multiply(quantity, unit_price).quantize(CENT, context=_CENTS)
    except ArithmeticError:
        raise MoneyError(f"{quantity} x {unit_price} cannot be priced exactly", "amount") from None
    return amount.copy_abs() if amount.is_zero() else amount


def check_currency(code: str, field: str = "currency") -> str:
    """Return the upper-case ISO 4217 code if Saldo books in it."""
    normalised = code.strip().upper()
    if normalised not in CURRENCIES:
        raise MoneyError(f"{field}: unsupported currency {code!r}", field)
    return normalised


class Side(enum.Enum):
    """Debit or credit side of a posting."""

    DEBIT = "D"
    CREDIT = "C"


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a journal entry: ``amount`` on ``side`` of general-ledger ``account``.

    ``account`` follows the chart in architecture.md §3 (``receivables``, ``bank:<iban>``,
    ``revenue:<component>``, ``vat-output:<rate>``, ``customer-credit``, ``suspense``, ...).
    ``contract_account_id`` says whose sub-ledger the line belongs to (None for pure GL lines such as
    revenue); ``document`` is the document number or payment id the line books.
    """

    account: str
    side: Side
    amount: Decimal
    contract_account_id: str | None = None
    document: str = ""

    @classmethod
    def debit(cls, account: str, amount: Decimal, contract_account_id: str | None = None,
              document: str = "") -> Posting:
        return cls(account, Side.DEBIT, amount, contract_account_id, document)

    @classmethod
    def credit(cls, account: str, amount: Decimal, contract_account_id: str | None = None,
               document: str = "") -> Posting:
        return cls(account, Side.CREDIT, amount, contract_account_id, document)

    @property
    def signed(self) -> Decimal:
        """Debit positive, credit negative."""
        return self.amount if self.side is Side.DEBIT else -self.amount


def check_balanced(postings: Iterable[Posting]) -> None:
    """Raise :class:`UnbalancedPostings` unless debits equal credits and every line is a positive cent amount.

    Raises explicitly (never ``assert``, which ``python -O`` strips): booking an unbalanced entry is the
    one error a ledger must never make silently.
    """
    lines = tuple(postings)
    if not lines:
        raise UnbalancedPostings("an entry needs at least one debit and one credit")
    for line in lines:
        if line.amount <= 0 or line.amount != line.amount.quantize(CENT):
            raise UnbalancedPostings(f"posting on {line.account} has invalid amount {line.amount}")
    total = sum((line.signed for line in lines), ZERO)
    if total != 0:
        raise UnbalancedPostings(f"debits and credits differ by {total}: {lines}")


def entry(*postings: Posting | None) -> tuple[Posting, ...]:
    """Build a balanced journal entry, dropping absent or zero lines (e.g. no excess, no credit used)."""
    lines = tuple(p for p in postings if p is not None and p.amount != 0)
    check_balanced(lines)
    return lines


@dataclass(frozen=True, slots=True)
class Allocation:
    """``amount`` of a payment or credit applied to open item ``item_id`` (:mod:`ledger.accounts.clearing`).

    Here beside :class:`Posting` because the store writes both in a compact positional form
    (:mod:`ledger.core.transcoding`), and core must not import a capability.
    """

    item_id: str
    amount: Decimal
