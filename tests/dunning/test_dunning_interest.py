"""Late interest: worked examples computed by hand, day counts, and monotonicity."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.errors import InvalidInput
from ledger.dunning import InterestRate, InterestRateTable, late_interest

ECB_2024 = InterestRateTable.reference_plus_margin(
    [(date(2024, 6, 12), Decimal("4.25")), (date(2024, 9, 18), Decimal("3.65")),
     (date(2024, 10, 23), Decimal("3.40"))], Decimal("3.5"), "ECB MRO + 3.5")
FLAT_8 = InterestRateTable((InterestRate(date(2020, 1, 1), Decimal("8.00")),))
FLAT_10 = InterestRateTable((InterestRate(date(2020, 1, 1), Decimal("10.00")),))


def test_three_rates_rounded_once() -> None:
    """1,000.00 due 1 Sep 2024, until 31 Oct 2024 (60 days), ECB + 3.5:

    2–17 Sep: 16 d × 7.75 = 124.00; 18 Sep–22 Oct: 35 d × 7.15 = 250.25; 23–31 Oct: 9 d × 6.90 = 62.10.
    1,000 × 436.35 % / 365 = 4,363.5 / 365 = 11.954794… → 11.95. Rounding each period instead
    (3.40 + 6.86 + 1.70) would give 11.96: the rule is one rounding, at the end.
    """
    interest = late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 10, 31), ECB_2024)
    assert interest == Decimal("11.95")


def test_partial_payment_splits_the_principal() -> None:
    """1,000.00 open until 20 Sep, 400.00 from 21 Sep, 8 %, until 30 Sep:
    19 d × 1,000 × 8 % / 365 + 10 d × 400 × 8 % / 365 = (152,000 + 32,000) / 36,500 = 5.041… → 5.04."""
    steps = [(date(2024, 9, 1), Decimal("1000.00")), (date(2024, 9, 21), Decimal("400.00"))]
    assert late_interest(steps, date(2024, 9, 1), date(2024, 9, 30), FLAT_8) == Decimal("5.04")


@pytest.mark.parametrize(("day_count", "expected"), [
    # 30 days × 1,000 × 8 %: / 360 = 6.666… → 6.67; / 365 = 6.575… → 6.58
    ("ACT/360", Decimal("6.67")), ("ACT/365", Decimal("6.58"))])
def test_day_counts(day_count: str, expected: Decimal) -> None:
    assert late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 10, 1), FLAT_8,
                         day_count) == expected  # type: ignore[arg-type]


def test_act_act_splits_at_the_year_end() -> None:
    """22–31 Dec 2023: 10 d / 365; 1–10 Jan 2024: 10 d / 366 (leap year); 1,000 at 10 %:
    2.739726… + 2.732240… = 5.471966… → 5.47 (ACT/365 would give 20 d / 365 = 5.479… → 5.48)."""
    assert late_interest(Decimal("1000.00"), date(2023, 12, 21), date(2024, 1, 10), FLAT_10,
                         "ACT/ACT") == Decimal("5.47")
    act_365 = late_interest(Decimal("1000.00"), date(2023, 12, 21), date(2024, 1, 10), FLAT_10)
    assert act_365 == Decimal("5.48")


def test_no_interest_on_or_before_the_due_date() -> None:
    assert late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 9, 1), ECB_2024) == Decimal("0.00")
    assert late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 8, 1), ECB_2024) == Decimal("0.00")
    one_day = late_interest(Decimal("36500.00"), date(2024, 9, 1), date(2024, 9, 2), FLAT_10)
    assert one_day == Decimal("10.00")


def test_bad_tables_and_inputs() -> None:
    with pytest.raises(InvalidInput, match="no interest rate known"):
        late_interest(Decimal("100.00"), date(2024, 1, 1), date(2024, 7, 1), ECB_2024)
    with pytest.raises(InvalidInput):
        InterestRateTable(())
    with pytest.raises(InvalidInput):
        InterestRateTable((InterestRate(date(2024, 2, 1), Decimal("1")), InterestRate(date(2024, 1, 1),
                                                                                       Decimal("2"))))
    with pytest.raises(InvalidInput):
        InterestRateTable((InterestRate(date(2024, 2, 1), Decimal("-0.5")),))
    with pytest.raises(InvalidInput):
        late_interest(Decimal("-1.00"), date(2024, 9, 1), date(2024, 9, 30), FLAT_8)
    with pytest.raises(InvalidInput):
        late_interest(Decimal("1.00"), date(2024, 9, 1), date(2024, 9, 30), FLAT_8, "30/360")  # type: ignore[arg-type]


cents = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c).scaleb(-2))
rates = st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 2000)), min_size=1, max_size=4)


def table_of(raw: list[tuple[int, int]]) -> InterestRateTable:
    start = date(2000, 1, 1)
    days = sorted({d for d, _ in raw})
    return InterestRateTable(tuple(InterestRate(start + timedelta(days=d if i else 0), Decimal(r).scaleb(-2))
                                   for i, (d, (_, r)) in enumerate(zip(days, raw, strict=False))))


@given(cents, rates, st.integers(0, 4000), st.integers(0, 2000), st.integers(0, 2000),
       st.sampled_from(["ACT/365", "ACT/360", "ACT/ACT"]))
def test_interest_is_monotone_in_days(principal: Decimal, raw: list[tuple[int, int]], offset: int, d1: int,
                                      extra: int, day_count: str) -> None:
    table = table_of(raw)
    due = date(2000, 1, 1) + timedelta(days=offset)
    shorter = late_interest(principal, due, due + timedelta(days=d1), table, day_count)  # type: ignore[arg-type]
    longer = late_interest(principal, due, due + timedelta(days=d1 + extra), table, day_count)  # type: ignore[arg-type]
    assert Decimal(0) <= shorter <= longer


@given(cents, cents, rates, st.integers(0, 4000), st.integers(0, 3000))
def test_interest_is_monotone_in_principal(a: Decimal, b: Decimal, raw: list[tuple[int, int]], offset: int,
                                           days: int) -> None:
    table = table_of(raw)
    due = date(2000, 1, 1) + timedelta(days=offset)
    low, high = sorted((a, b))
    until = due + timedelta(days=days)
    assert late_interest(low, due, until, table) <= late_interest(high, due, until, table)
