"""The Decimal boundary: kernel floats become invoice lines a customer can recompute from the page.

The rule (issue 9, "invoice lines that do not add up"), for every line the rating core prints:

* **quantity**: the kernel's float rounded once, half up, to the meter's resolution, 3 decimals for
  every unit (kWh and kW to the Wh and W, m3 and Smc to the litre; days are whole days);
* **unit price**: the tariff's price as published, taken as ``Decimal`` from the tariff (never back
  from the kernel's float) and padded to at least 6 decimals (a tariff that publishes more keeps
  them all: 0.1234567 through a float and 6 decimals would print 0.123457); where the kernel *derives*
  the price, that price rounded half up once to 6 decimals;
* **amount** = :func:`ledger.core.money.line_amount` (printed quantity, printed unit price): their
  exact product rounded half up to the cent, the same function ``price_line`` checks every invoice
  line with. The kernel's float amount is an engine figure, never money;
* **totals** are sums of the line amounts; VAT per rate = round_half_up(sum of the net lines at that
  rate x rate / 100), once per rate, not per line: the invoice states the taxable amount per rate and
  the VAT payable (Directive 2006/112/EC art. 226), and rounding per line would make VAT drift from
  rate x base by up to half a cent a line.

Which line is which (``LineSpec.kind``), and why each is quantity x price:

============================  ============================  =========================================
kind                          quantity                      unit price
============================  ============================  =========================================
standing                      local days of the segment     price per day, published
flat, per_unit, excise        consumption of the segment    price per unit, published
tou (one line per band)       consumption in the band       the band's price, published
tiers (one line per block)    consumption in the block      the block's price, published
demand                        maximum kW of the segment     price per kW, published; on one side of a
                                                            tariff change its share days / period
                                                            days: derived, 6 decimals
spot                          consumption                   kernel amount / consumption (with none:
                                                            the time-average price): derived, 6 dp
============================  ============================  =========================================

The spot line is quantity x price too: what the customer buys is kWh, at the consumption-weighted
average of the interval prices, as Italian bills print "PUN medio". Printed like that, its amount may
differ from the sum of the interval products by the cut of the average price to 6 decimals, at most
half a cent per 10 MWh, and the printed figures win: the customer can check them. No rating line is a
lump sum. Lump sums (quantity 1, the amount as unit price) are the credit-note lines for lines of
documents issued before this rule whose amount was not their quantity x price
(:func:`ledger.accounts.invoice.credit_line`).

Why ``repr`` for the quantity: it is the shortest decimal string that reads back as the same float
(Python >= 3.1, https://docs.python.org/3/tutorial/floatingpoint.html), hence deterministic across runs
and platforms, and it is the number a person sees. ``Decimal(float)`` would instead expand the binary
value exactly (2.675 is 2.67499999999999982236431605997495353221893310546875), so half-way cases
would round the way the binary value falls (2.67), not the way the number reads (2.68). A band sum
that is an exact decimal half-way case may still reach here as a float a hair either side of it
(480.1005 as 480.10049999999995): it is rounded as that float reads, deterministically, and the amount
follows from the printed quantity whatever it is.

>>> round_half_up(2.675, 2), round_half_up(0.0005, 3), round_half_up(-0.004, 2)
(Decimal('2.68'), Decimal('0.001'), Decimal('0.00'))
>>> printed_price(Decimal("0.15")), printed_price(Decimal("0.1234567"))
(Decimal('0.150000'), Decimal('0.1234567'))
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from ledger.billing.rating.kernel import SegmentResult
from ledger.billing.rating.tariff import Demand, SpotIndexed, StandingCharge, TieredBlocks, TimeOfUse
from ledger.core.money import line_amount

__all__ = [
    "AMOUNT_PLACES",
    "PRICE_PLACES",
    "QUANTITY_PLACES",
    "InvoiceTotals",
    "RatedLine",
    "VatSummary",
    "invoice_totals",
    "printed_price",
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


def printed_price(price: Decimal) -> Decimal:
    """A published price as printed: every digit the tariff gives, padded to at least 6 decimals."""
    padded = price.quantize(_EXP[PRICE_PLACES], context=_CTX)  # only adds zeros when it has <= 6
    out = padded if padded == price else price
    return out.copy_abs() if out.is_zero() else out


@dataclass(frozen=True)
class RatedLine:
    """One invoice line: ``amount`` = ``line_amount(quantity, unit_price)`` of the printed figures.

    ``component`` is the revenue component (``revenue:<component>``).
    """

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


def _published_prices(segment: SegmentResult, period_days: int) -> tuple[Decimal | None, ...]:
    """The printed unit price of every kernel column that has one per segment; None for spot (per meter).

    Columns come in tariff order, one per band of a TOU component and one per block of tiers, each at
    the price of the same position (the kernel's contract, checked against its floats in rated_lines).
    """
    days = (segment.end - segment.start).days
    out: list[Decimal | None] = []
    seen: dict[int, int] = {}
    for spec in segment.result.lines:
        comp = segment.version.components[spec.component_index]
        k = seen[spec.component_index] = seen.get(spec.component_index, -1) + 1
        if isinstance(comp, SpotIndexed):
            out.append(None)
        elif isinstance(comp, Demand) and days != period_days:
            # A per-period charge on one side of a tariff change: its share, exact in Decimal, then
            # rounded once to 6 decimals like every derived price.
            share = _CTX.divide(_CTX.multiply(comp.price_per_kw, Decimal(days)), Decimal(period_days))
            out.append(_round_dec(share, PRICE_PLACES))
        elif isinstance(comp, Demand):
            out.append(printed_price(comp.price_per_kw))
        elif isinstance(comp, StandingCharge):
            out.append(printed_price(comp.price_per_day))
        elif isinstance(comp, TimeOfUse | TieredBlocks):
            out.append(printed_price(comp.prices_per_unit[k]))
        else:
            out.append(printed_price(comp.price_per_unit))
    return tuple(out)


def rated_lines(segment: SegmentResult, row: int, period_days: int | None = None) -> tuple[RatedLine, ...]:
    """The invoice lines of meter ``row`` of a priced segment, in component order.

    ``period_days`` is the whole billing period's length when the segment is one side of a tariff
    change (the demand price is then the segment's share); None: the segment is the whole period.
    """
    res = segment.result
    if not 0 <= row < res.quantity.shape[0]:
        raise IndexError(f"row {row} not in result of {res.quantity.shape[0]} meters")
    v = segment.version
    tag = f"{v.code}/{v.version_id}"
    days = (segment.end - segment.start).days
    whole = days if period_days is None else period_days
    published = _published_prices(segment, whole)
    quantities: list[float] = res.quantity[row].tolist()
    kernel_prices: list[float] = res.unit_price[row].tolist()
    out = []
    for j, spec in enumerate(res.lines):
        price = published[j]
        if price is None:
            price = round_half_up(kernel_prices[j], PRICE_PLACES)
        elif not (spec.kind == "demand" and whole != days) and float(price) != kernel_prices[j]:
            raise ValueError(f"{tag}: kernel line {j} ({spec.description}) is priced {kernel_prices[j]!r}, "
                             f"the tariff says {price}")
        # Why the amount is computed from the printed figures, not rounded from the kernel's product:
        # the customer recomputes the line from what the invoice shows (issue 9: 480.100 kWh x 0.150000
        # is 72.015 -> 72.02, where the float product 72.01499999999999 gave 72.01). Module docstring;
        # https://docs.python.org/3/library/decimal.html#decimal.ROUND_HALF_UP
        quantity = round_half_up(quantities[j], QUANTITY_PLACES)
        out.append(
            RatedLine(
                component=spec.component,
                description=spec.description,
                quantity=quantity,
                unit=spec.unit,
                unit_price=price,
                amount=line_amount(quantity, price),
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
