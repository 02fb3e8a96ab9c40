"""A caller's decimal context never changes an invoice line (lines.py: "an explicit context, so a
caller's thread-local decimal context ... can never change an invoice").

Python's decimal arithmetic rounds to the *thread's* context (precision, rounding, traps) unless told
otherwise (https://docs.python.org/3/library/decimal.html#context-objects). A billing run called from code
that set ``getcontext().prec = 3`` for its own reasons must print the same lines, to the digit: every
Decimal step of the rating core (the spot losses factor, block limits, a demand charge's share on one
side of a tariff change, printed prices, amounts, VAT) uses its own context.
"""

from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Context, Inexact, localcontext

import numpy as np
import pytest
from rating_helpers import D, days, version

from ledger.billing.rating.batch import rate_batch
from ledger.billing.rating.lines import invoice_totals, printed_price, round_half_up
from ledger.billing.rating.tariff import (
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TieredBlocks,
    TimeOfUse,
)

COMPONENTS = (
    StandingCharge(D("0.1200")),
    FlatEnergy(D("0.2")),
    TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123"),
    SpotIndexed(D("0.102"), D("0.0150")),
    TieredBlocks((D("0.1"), D("0.3")), (D("0.5137"), D("1"), D("2"))),
    PerUnitCharge("network", D("0.0410")),
    Excise(D("0.0227")),
)
HOSTILE = [
    Context(prec=3, rounding=ROUND_DOWN),
    Context(prec=5, rounding=ROUND_CEILING),
    Context(prec=50, traps=[Inexact]),
]


def _rate() -> tuple[object, ...]:
    grid = days(date(2026, 6, 1), 30, 15)
    rng = np.random.default_rng(7)
    consumption = rng.gamma(2.0, 0.2, (2, grid.n_intervals))
    spot = rng.uniform(0.05, 0.3, grid.n_intervals)
    before = version(*COMPONENTS, Demand(D("4.50")), valid_to=date(2026, 6, 11), vid="v1")
    after = version(*COMPONENTS, Demand(D("4.70")), valid_from=date(2026, 6, 11), vid="v2")
    result = rate_batch(["a", "b"], consumption, grid, [before, after], spot)
    return tuple((result.lines(m), result.totals(m)) for m in ("a", "b"))


@pytest.mark.parametrize("context", HOSTILE, ids=["3 digits down", "5 digits ceiling", "inexact trapped"])
def test_the_callers_decimal_context_does_not_change_a_rated_line(context: Context) -> None:
    expected = _rate()
    with localcontext(context):
        assert _rate() == expected


@pytest.mark.parametrize("context", HOSTILE, ids=["3 digits down", "5 digits ceiling", "inexact trapped"])
def test_printed_prices_rounding_and_vat_ignore_the_callers_context(context: Context) -> None:
    lines = _rate()[0][0]  # type: ignore[index]

    def figures() -> tuple[object, ...]:
        prices = [printed_price(p) for p in (D("0.15"), D("0.1234567"), D("-0.00"))]
        rounded = [round_half_up(x, n) for x, n in ((2.675, 2), (0.1234565, 6), (1.0005, 3), (2.5, 0))]
        return prices, rounded, invoice_totals(lines)

    expected = figures()
    with localcontext(context):
        assert figures() == expected
