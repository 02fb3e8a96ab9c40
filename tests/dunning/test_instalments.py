"""Instalment plans (rateizzazione): examples, eligibility, missed instalments, properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.errors import InvalidInput
from ledger.dunning.instalments import (
    Instalment,
    InstalmentPayment,
    is_eligible_it,
    missed_instalment,
    missed_instalments,
    plan_instalments,
)


def test_remainder_on_the_first_instalment_and_month_end_dates() -> None:
    plan = plan_instalments(Decimal("100.00"), 3, date(2026, 1, 31))
    assert [(i.number, i.due_date, i.principal, i.interest, i.amount) for i in plan] == [
        (1, date(2026, 1, 31), Decimal("33.34"), Decimal("0"), Decimal("33.34")),
        (2, date(2026, 2, 28), Decimal("33.33"), Decimal("0"), Decimal("33.33")),
        (3, date(2026, 3, 31), Decimal("33.33"), Decimal("0"), Decimal("33.33")),
    ]


def test_interval_in_days_and_bimonthly() -> None:
    weekly = plan_instalments(Decimal("10.00"), 4, date(2026, 3, 2), interval_days=7)
    assert [i.due_date for i in weekly] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16),
                                            date(2026, 3, 23)]
    assert [i.amount for i in weekly] == [Decimal("2.50")] * 4
    bimonthly = plan_instalments(Decimal("10.00"), 3, date(2026, 8, 31), interval_months=2)
    assert [i.due_date for i in bimonthly] == [date(2026, 8, 31), date(2026, 10, 31), date(2026, 12, 31)]


def test_interest_on_the_declining_balance() -> None:
    """600.00 in 3 from 1 Feb, start 1 Jan, 5 % ACT/365:
    1 Jan–1 Feb 600 × 5 % × 31/365 = 2.547… → 2.55; 1 Feb–1 Mar 400 × 5 % × 28/365 = 1.534… → 1.53;
    1 Mar–1 Apr 200 × 5 % × 31/365 = 0.849… → 0.85."""
    plan = plan_instalments(Decimal("600.00"), 3, date(2026, 2, 1), interest_rate=Decimal("5"),
                            start=date(2026, 1, 1))
    assert [i.interest for i in plan] == [Decimal("2.55"), Decimal("1.53"), Decimal("0.85")]
    assert sum(i.amount for i in plan) == Decimal("604.93")
    default_start = plan_instalments(Decimal("600.00"), 3, date(2026, 2, 1), interest_rate=Decimal("5"))
    assert default_start == plan  # one interval before the first due date


def test_custom_amounts() -> None:
    plan = plan_instalments(Decimal("100.00"), 2, date(2026, 4, 1),
                            custom_amounts=[Decimal("70.00"), Decimal("30.00")])
    assert [i.amount for i in plan] == [Decimal("70.00"), Decimal("30.00")]
    with pytest.raises(InvalidInput) as caught:
        plan_instalments(Decimal("100.00"), 2, date(2026, 4, 1),
                         custom_amounts=[Decimal("70.00"), Decimal("29.99")])
    assert caught.value.field == "custom_amounts"
    with pytest.raises(InvalidInput):
        plan_instalments(Decimal("100.00"), 3, date(2026, 4, 1),
                         custom_amounts=[Decimal("70.00"), Decimal("30.00")])


@pytest.mark.parametrize(("args", "field"), [
    ({"total": Decimal("0.02"), "n": 3}, "n"),
    ({"total": Decimal("0.00"), "n": 1}, "total"),
    ({"total": Decimal("10.001"), "n": 1}, "total"),
    ({"total": Decimal("10.00"), "n": 0}, "n"),
    ({"total": Decimal("10.00"), "n": 2, "interval_months": 1, "interval_days": 7}, "interval"),
    ({"total": Decimal("10.00"), "n": 2, "interval_days": 0}, "interval_days"),
    ({"total": Decimal("10.00"), "n": 2, "interest_rate": Decimal("-1")}, "interest_rate"),
    ({"total": Decimal("10.00"), "n": 2, "start": date(2026, 5, 2)}, "start"),
])
def test_bad_plans(args: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_instalments(first_due=date(2026, 5, 1), **args)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(("amount", "average", "domestic", "expected"), [
    ("150.00", "100.00", True, True),  # exactly 150 %
    ("149.99", "100.00", True, False),
    ("249.99", "100.00", False, False),
    ("250.00", "100.00", False, True),
    ("50.00", "20.00", True, False),  # not over €50
    ("50.01", "20.00", True, True),
    ("60.00", "0.00", True, True),  # no history
])
def test_italian_eligibility(amount: str, average: str, domestic: bool, expected: bool) -> None:
    assert is_eligible_it(Decimal(amount), Decimal(average), domestic) is expected


def test_missed_instalments() -> None:
    plan = plan_instalments(Decimal("300.00"), 3, date(2026, 1, 31))  # 100.00 on 31 Jan, 28 Feb, 31 Mar
    paid_on_time = [InstalmentPayment(date(2026, 1, 30), Decimal("100.00"))]
    assert not missed_instalment(plan, paid_on_time, date(2026, 3, 5), grace_days=5)  # Feb grace ends 5 Mar
    assert missed_instalments(plan, paid_on_time, date(2026, 3, 6), grace_days=5) == (2,)
    late = [*paid_on_time, InstalmentPayment(date(2026, 3, 6), Decimal("100.00"))]
    assert missed_instalment(plan, late, date(2026, 3, 10), grace_days=5)  # paid after the grace: missed
    ahead = [InstalmentPayment(date(2026, 1, 20), Decimal("200.00"))]
    assert not missed_instalment(plan, ahead, date(2026, 4, 5), grace_days=5)
    assert missed_instalments(plan, ahead, date(2026, 4, 6), grace_days=5) == (3,)
    partial = [InstalmentPayment(date(2026, 1, 31), Decimal("99.99"))]
    assert missed_instalments(plan, partial, date(2026, 2, 6), grace_days=5) == (1,)
    with pytest.raises(InvalidInput):
        missed_instalment(plan, [], date(2026, 2, 6), grace_days=-1)


@st.composite
def plans(draw: st.DrawFn) -> tuple[Decimal, tuple[Instalment, ...]]:
    n = draw(st.integers(1, 60))
    total = Decimal(draw(st.integers(n, 10**9))).scaleb(-2)
    first = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 4000)))
    rate = draw(st.none() | st.integers(0, 2000).map(lambda r: Decimal(r).scaleb(-2)))
    if draw(st.booleans()):
        plan = plan_instalments(total, n, first, interval_months=draw(st.integers(1, 12)), interest_rate=rate)
    else:
        plan = plan_instalments(total, n, first, interval_days=draw(st.integers(1, 90)), interest_rate=rate)
    return total, plan


@given(plans())
def test_instalments_sum_to_the_total_with_increasing_dates(
        case: tuple[Decimal, tuple[Instalment, ...]]) -> None:
    total, plan = case
    assert sum(i.principal for i in plan) == total
    assert sum(i.amount for i in plan) == total + sum(i.interest for i in plan)
    assert all(i.amount == i.principal + i.interest for i in plan)
    assert all(i.principal > 0 and i.interest >= 0 for i in plan)
    assert all(i.principal == i.principal.quantize(Decimal("0.01")) for i in plan)
    assert all(a.due_date < b.due_date for a, b in pairwise(plan))
    assert [i.number for i in plan] == list(range(1, len(plan) + 1))
    later = {i.principal for i in plan[1:]}
    assert len(later) <= 1 and all(plan[0].principal - p < Decimal("0.01") * len(plan) for p in later)
