"""Tariff components priced: the lines each kind of component puts on the bill, as float64 arrays.

The kernel (:mod:`ledger.billing.rating.kernel`) reads the meters' interval data once and measures what
every tariff is priced on: per meter the total consumption, the consumption per time-of-use band (fasce
F1, F2, F3), the spot-priced sum and the largest interval.  Here each component of a tariff version turns
those measures into its lines: a standing charge per local day, a flat price, per-unit charge or excise
duty on the total, one line per time-of-use band, a spot-indexed price, tiered blocks, maximum demand.

A line is (description, unit, quantity, unit price, amount), each of the last three per meter.  Only
element-wise float operations on whole columns, in a fixed order, so the kernel's determinism holds
(see its docstring); Decimal constants are combined in Decimal first and rounded to float once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ledger.billing.rating.tariff import (
    Component,
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TariffError,
    TieredBlocks,
    TimeOfUse,
)

F64 = NDArray[np.float64]
#: One line of a component: description, unit of the quantity, quantity, unit price, amount.
PricedLine = tuple[str, str, F64, F64 | float, F64]

_PER_UNIT_LABELS = {"flat": "flat price", "per_unit": "per-unit charge", "excise": "excise duty"}


class Measured(NamedTuple):
    """What the kernel measured for M meters on one grid: everything a component is priced on.

    A named tuple, not a frozen dataclass: just as immutable, and a third of the cost to build (one per
    kernel call, ~0.5 against ~1.5 us).
    """

    meters: int
    unit: str  # the tariff's unit of consumption (kWh, m3)
    days: int  # local days of the grid
    period_days: int  # local days of the whole billing period (more than ``days`` beside a tariff change)
    resolution_min: int
    total: F64  # (M,) consumption
    band_sums: Mapping[str, F64]  # per calendar, (M, bands) consumption per time-of-use band
    band_names: Mapping[str, tuple[str, ...]]  # per calendar
    spot: F64 | None  # the spot price series, if a component needs it and it is complete
    spot_sum: F64 | None  # (M,) sum of spot price x consumption, when ``spot`` is
    max_kwh: F64  # (M,) the largest interval consumption


#: The context every Decimal step here uses: the thread's own (``getcontext()``) belongs to the caller, who
#: may have set 3 digits or trapped Inexact for their own reasons, and must never change an invoice
#: (https://docs.python.org/3/library/decimal.html#context-objects). Python's default settings (28 digits,
#: half even), so the kernel's figures are what they were under a default context.
_CTX = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


def _f(d: Decimal) -> float:
    """Decimal -> float64 once, correctly rounded (constants are combined in Decimal first)."""
    return float(d)


def priced_lines(comp: Component, measured: Measured) -> list[PricedLine]:
    """The lines of one tariff component, in bill order."""
    if isinstance(comp, StandingCharge):
        return [_standing(comp, measured)]
    if isinstance(comp, FlatEnergy | PerUnitCharge | Excise):
        p = _f(comp.price_per_unit)
        total = measured.total
        return [(f"{comp.name}: {_PER_UNIT_LABELS[comp.kind]}", measured.unit, total, p, total * p)]
    if isinstance(comp, TimeOfUse):
        return _time_of_use(comp, measured)
    if isinstance(comp, SpotIndexed):
        return [_spot_indexed(comp, measured)]
    if isinstance(comp, TieredBlocks):
        return _tiered_blocks(comp, measured)
    if isinstance(comp, Demand):
        return [_demand(comp, measured)]
    raise TariffError(f"unsupported component {comp!r}")  # pragma: no cover - TariffVersion admits no other


def _standing(comp: StandingCharge, measured: Measured) -> PricedLine:
    # Pro-rated per local day of supply, not per hour: a 23- or 25-hour DST day is one day,
    # and a tariff change at midnight splits the days between the versions.
    q_days = np.full(measured.meters, float(measured.days))
    p = _f(comp.price_per_day)
    return f"{comp.name}: fixed charge per day", "day", q_days, p, q_days * p


def _time_of_use(comp: TimeOfUse, measured: Measured) -> list[PricedLine]:
    # One line per band (F1, F2, F3 as on Italian bills), each at its own nominal price.
    bs, names = measured.band_sums[comp.calendar], measured.band_names[comp.calendar]
    out: list[PricedLine] = []
    for b, price in enumerate(comp.prices_per_unit):
        p = _f(price)
        q = bs[:, b]
        out.append((f"{comp.name}: {names[b]}", measured.unit, q, p, q * p))
    return out


def _spot_indexed(comp: SpotIndexed, measured: Measured) -> PricedLine:
    # 1 + losses is added in Decimal and rounded to float once (not 1.0 + float(losses): two
    # roundings).  Then the fixed float order: (sum(spot x kWh) x factor) + (spread x kWh).
    factor = _f(_CTX.add(Decimal(1), comp.losses_factor))
    spread = _f(comp.spread_per_unit)
    total, spot = measured.total, measured.spot
    if measured.spot_sum is None or spot is None:
        amount = np.full(measured.meters, np.nan)
        flat = np.nan
    else:
        amount = measured.spot_sum * factor + spread * total
        flat = float(spot.sum()) / spot.size * factor + spread
    # Effective price = amount / quantity; with no consumption there is nothing to weight
    # by, so the line quotes the time-average price instead of 0/0.
    eff = np.divide(amount, total, out=np.full(measured.meters, flat), where=total > 0)
    return f"{comp.name}: spot-indexed", measured.unit, total, eff, amount


def _tiered_blocks(comp: TieredBlocks, measured: Measured) -> list[PricedLine]:
    # Thresholds are per day, pro-rated to the days of this grid: t x days in Decimal, one
    # rounding to float (https://docs.python.org/3/library/decimal.html).
    limits = [_f(_CTX.multiply(t, Decimal(measured.days))) for t in comp.thresholds_per_day]
    # Block i holds what lies between the previous limit and its own: clip keeps every block
    # quantity monotone in the total and the blocks summing to it (up to float rounding).
    out: list[PricedLine] = []
    lower = 0.0
    for i, price in enumerate(comp.prices_per_unit):
        upper = limits[i] if i < len(limits) else np.inf
        q = np.clip(measured.total - lower, 0.0, upper - lower)
        p = _f(price)
        out.append((f"{comp.name}: block {i + 1}", measured.unit, q, p, q * p))
        lower = upper
    return out


def _demand(comp: Demand, measured: Measured) -> PricedLine:
    # kW = kWh in the interval / interval hours (x 4 for quarter hours: exact in binary).
    # The price is per billing period: on one side of a tariff change, price x days / period
    # days, computed in Decimal and rounded to float once (see the kernel's rate_arrays).
    kw = measured.max_kwh * (60.0 / measured.resolution_min)
    share = _CTX.multiply(comp.price_per_kw, Decimal(measured.days))
    p = _f(_CTX.divide(share, Decimal(measured.period_days)))
    return f"{comp.name}: maximum demand", "kW", kw, p, kw * p
