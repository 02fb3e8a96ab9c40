"""The Decimal boundary: kernel floats become immutable invoice lines with explicit rounding.

Rounding rules (all ROUND_HALF_UP, the commercial rule customers check by hand):

* quantity to 3 decimals (Wh / litre resolution), unit price to 6 decimals, line amount to cents;
* every one is taken from the kernel's float **independently**: ``Decimal(repr(x))`` then
  ``quantize``. So ``amount`` is the kernel's product rounded once, not ``quantity x unit_price`` of
  the rounded figures: the two can differ by a cent (by more on large quantities at an effective
  spot price cut to 6 decimals), and the amount is the one that is right;
* totals are sums of the rounded lines (what the customer can add up on the invoice);
* VAT per rate = round_half_up(sum of the net lines at that rate x rate / 100), once per rate, not
  per line: the invoice states the taxable amount per rate and the VAT payable (Directive
  2006/112/EC art. 226), and rounding per line would make VAT drift from rate x base by up to half a
  cent a line.

Why ``repr``: it is the shortest decimal string that reads back as the same float (Python >= 3.1,
https://docs.python.org/3/tutorial/floatingpoint.html), hence deterministic across runs and
platforms, and it is the number a person sees.  ``Decimal(float)`` would instead expand the binary
value exactly (2.675 is 2.67499999999999982236431605997495353221893310546875), so half-cent cases
would round the way the binary value falls (2.67), not the way the number reads (2.68).

>>> round_half_up(2.675, 2), round_half_up(0.0005, 3), round_half_up(-0.004, 2)
(Decimal('2.68'), Decimal('0.001'), Decimal('0.00'))
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from ledger.billing.rating.kernel import SegmentResult

__all__ = [
    "AMOUNT_PLACES",
    "PRICE_PLACES",
    "QUANTITY_PLACES",
    "InvoiceTotals",
    "RatedLine",
    "VatSummary",
    "invoice_totals",
    "rated_lines",
    "round_half_up",
]

QUANTITY_PLACES = 3
PRICE_PLACES = 6
AMOUNT_PLACES = 2

# An explicit context, so a caller's thread-local decimal context (precision, rounding, traps) can
# never change an invoice (https://docs.python.org/3/library/decimal.html#context-objects).  34
# digits is IEEE decimal128: amounts up to 10^31 at cent precision, far beyond any bill.
_CTX = Context(prec=34, rounding=ROUND_HALF_UP, traps=[InvalidOperation])
_EXP = {p: Decimal(1).scaleb(-p) for p in (QUANTITY_PLACES, PRICE_PLACES, AMOUNT_PLACES)}


def round_half_up(x: float, places: int) -> Decimal:
    """``Decimal(repr(x))`` rounded half-up to ``places`` decimals; -0 is normalised to 0."""
    if not math.isfinite(x):
        raise ValueError(f"cannot turn {x!r} into money")
    exp = _EXP.get(places) or Decimal(1).scaleb(-places)
    d = Decimal(repr(float(x))).quantize(exp, rounding=ROUND_HALF_UP, context=_CTX)
    return d.copy_abs() if d.is_zero() else d  # "-0.00" on an invoice would be noise


def _round_dec(d: Decimal, places: int) -> Decimal:
    q = d.quantize(_EXP.get(places) or Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_CTX)
    return q.copy_abs() if q.is_zero() else q


@dataclass(frozen=True)
class RatedLine:
    """One invoice line.  ``component`` is the revenue component (``revenue:<component>``)."""

    component: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal
    period_start: date
    period_end: date  # exclusive, like the billing period
    tariff: str = ""  # "<code>/<version_id>" that produced the line, for audit and true-ups


def rated_lines(segment: SegmentResult, row: int) -> tuple[RatedLine, ...]:
    """The invoice lines of meter ``row`` of a priced segment, in component order."""
    res = segment.result
    if not 0 <= row < res.quantity.shape[0]:
        raise IndexError(f"row {row} not in result of {res.quantity.shape[0]} meters")
    v = segment.version
    tag = f"{v.code}/{v.version_id}"
    out = []
    for j, spec in enumerate(res.lines):
        out.append(
            RatedLine(
                component=spec.component,
                description=spec.description,
                quantity=round_half_up(float(res.quantity[row, j]), QUANTITY_PLACES),
                unit=spec.unit,
                unit_price=round_half_up(float(res.unit_price[row, j]), PRICE_PLACES),
                amount=round_half_up(float(res.amount[row, j]), AMOUNT_PLACES),
                vat_rate=v.vat_rate,
                period_start=segment.start,
                period_end=segment.end,
                tariff=tag,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class VatSummary:
    rate: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    net: Decimal
    vat: tuple[VatSummary, ...]  # one per rate, ascending
    vat_total: Decimal
    gross: Decimal


def invoice_totals(lines: Iterable[RatedLine]) -> InvoiceTotals:
    """Net, VAT per rate and gross of rounded lines (sums are exact in Decimal: no order effects).

    >>> from datetime import date
    >>> d = date(2026, 1, 1)
    >>> def line(amount):
    ...     q, p, vat = Decimal(1), Decimal(1), Decimal(22)
    ...     return RatedLine("energy", "e", q, "kWh", p, Decimal(amount), vat, d, d)
    >>> ls = [line(a) for a in ("10.01", "10.01", "0.03")]
    >>> t = invoice_totals(ls)
    >>> t.net, t.vat[0].vat, t.gross
    (Decimal('20.05'), Decimal('4.41'), Decimal('24.46'))
    """
    by_rate: dict[Decimal, Decimal] = {}
    net = Decimal(0)
    for line in lines:
        net = _CTX.add(net, line.amount)
        by_rate[line.vat_rate] = _CTX.add(by_rate.get(line.vat_rate, Decimal(0)), line.amount)
    summaries = tuple(
        VatSummary(
            rate,
            base,
            _round_dec(_CTX.divide(_CTX.multiply(base, rate), Decimal(100)), AMOUNT_PLACES),
        )
        for rate, base in sorted(by_rate.items())
    )
    vat_total = Decimal(0)
    for s in summaries:
        vat_total = _CTX.add(vat_total, s.vat)
    return InvoiceTotals(net, summaries, vat_total, _CTX.add(net, vat_total))
