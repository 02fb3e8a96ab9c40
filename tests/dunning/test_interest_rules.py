"""Late interest at its edges: where periods split, what a schedule may be, and what is refused, naming why.

Companion of test_dunning_interest.py (worked examples by hand): here a rate change or a payment on the
last day, a year end under ACT/ACT with a principal large enough that one misplaced day shows in the
cents, a principal schedule that starts late, and the errors a rate table or a schedule is refused with.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.core.errors import InvalidInput
from ledger.dunning import InterestRate, InterestRateTable, late_interest
from ledger.dunning.interest import exact_interest

FLAT_10 = InterestRateTable((InterestRate(date(2020, 1, 1), Decimal("10.00")),), "flat 10")


def test_a_rate_change_on_the_last_day_applies_to_that_day() -> None:
    """36,500.00 for 2 days, 10 % then 20 % from the second day: 10.00 + 20.00 = 30.00 (10 + 10 if not)."""
    table = InterestRateTable((InterestRate(date(2020, 1, 1), Decimal("10")),
                               InterestRate(date(2024, 9, 3), Decimal("20"))))
    assert late_interest(Decimal("36500.00"), date(2024, 9, 1), date(2024, 9, 3), table) == Decimal("30.00")


def test_a_payment_on_the_last_day_applies_to_that_day() -> None:
    """36,500.00 on 2 Sep, 18,250.00 from 3 Sep, at 10 %: 10.00 + 5.00 = 15.00."""
    steps = [(date(2024, 9, 1), Decimal("36500.00")), (date(2024, 9, 3), Decimal("18250.00"))]
    assert late_interest(steps, date(2024, 9, 1), date(2024, 9, 3), FLAT_10) == Decimal("15.00")


def test_act_act_splits_exactly_at_new_year() -> None:
    """1,000,000.00 at 10 %, 22 Dec 2023 – 10 Jan 2024: 10 d / 365 + 10 d / 366 = 2,739.726… + 2,732.240…
    = 5,471.966… → 5,471.97 (one day put in the wrong year moves it by 0.75)."""
    interest = late_interest(Decimal("1000000.00"), date(2023, 12, 21), date(2024, 1, 10), FLAT_10, "ACT/ACT")
    assert interest == Decimal("5471.97")


def test_act_act_over_two_year_ends() -> None:
    """36,600.00 at 10 %, 1 Jan 2024 (leap) – 31 Dec 2025: 366 d / 366 + 365 d / 365, one year's interest
    each: 3,660.00 + 3,660.00 (ACT/365 would count 731 days / 365: 7,330.03)."""
    interest = late_interest(Decimal("36600.00"), date(2023, 12, 31), date(2025, 12, 31), FLAT_10, "ACT/ACT")
    assert interest == Decimal("7320.00")


def test_the_unrounded_interest_counts_act_365_unless_asked_otherwise() -> None:
    due, until = date(2024, 9, 1), date(2024, 10, 1)
    assert exact_interest(Decimal("1000.00"), due, until, FLAT_10) == exact_interest(
        Decimal("1000.00"), due, until, FLAT_10, "ACT/365")
    assert exact_interest(Decimal("36500.00"), due, until, FLAT_10) == Decimal("300")


def test_a_schedule_that_starts_after_the_due_date_earns_nothing_before_it() -> None:
    due = date(2024, 9, 1)
    late_start = [(date(2024, 9, 11), Decimal("36500.00"))]
    assert late_interest(late_start, due, date(2024, 9, 20), FLAT_10) == Decimal("100.00")  # 10 days


def test_nothing_due_yet_is_zero_whatever_the_day_count() -> None:
    for day_count in ("ACT/365", "ACT/360", "ACT/ACT"):
        assert late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 9, 1), FLAT_10,
                             day_count) == 0  # type: ignore[arg-type]


@pytest.mark.parametrize("until", [date(2024, 8, 1), date(2024, 10, 1)])
def test_an_unknown_day_count_is_refused_naming_it(until: date) -> None:
    with pytest.raises(InvalidInput, match="unknown day count '30/360'") as refused:
        late_interest(Decimal("1000.00"), date(2024, 9, 1), until, FLAT_10, "30/360")  # type: ignore[arg-type]
    assert refused.value.field == "day_count"


SAME_DAY = [(date(2024, 9, 1), Decimal("100.00")), (date(2024, 9, 1), Decimal("50.00"))]
BACKWARDS = [(date(2024, 9, 5), Decimal("100.00")), (date(2024, 9, 2), Decimal("50.00"))]


ORDER = r"^principal steps must be in strictly increasing date order$"
NEGATIVE = r"^open principal must be finite and not negative$"


@pytest.mark.parametrize(("steps", "why"), [
    (SAME_DAY, ORDER),
    (BACKWARDS, ORDER),
    ([(date(2024, 9, 1), Decimal("-1.00"))], NEGATIVE),
    ([(date(2024, 9, 1), Decimal("NaN"))], NEGATIVE),
])
def test_a_bad_principal_schedule_is_refused_naming_the_field(steps: list[tuple[date, Decimal]],
                                                              why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        late_interest(steps, date(2024, 9, 1), date(2024, 9, 30), FLAT_10)
    assert refused.value.field == "principal"


RATE_ORDER = r"^rates must be in strictly increasing effective_from order$"
BAD_RATE = r"^interest rates must be finite and not negative$"


@pytest.mark.parametrize(("rates", "why"), [
    ((), r"^an interest rate table needs at least one rate$"),
    ((InterestRate(date(2024, 1, 1), Decimal("8")), InterestRate(date(2024, 1, 1), Decimal("9"))),
     RATE_ORDER),
    ((InterestRate(date(2024, 6, 1), Decimal("8")), InterestRate(date(2024, 1, 1), Decimal("9"))),
     RATE_ORDER),
    ((InterestRate(date(2024, 1, 1), Decimal("-0.5")),), BAD_RATE),
    ((InterestRate(date(2024, 1, 1), Decimal("Infinity")),), BAD_RATE),
    ((InterestRate(date(2024, 1, 1), Decimal("NaN")),), BAD_RATE),
])
def test_a_bad_rate_table_is_refused_naming_the_field(rates: tuple[InterestRate, ...], why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        InterestRateTable(rates)
    assert refused.value.field == "rates"


def test_a_reference_rate_that_is_not_a_number_is_refused_like_any_bad_rate() -> None:
    with pytest.raises(InvalidInput, match=BAD_RATE):
        InterestRateTable.reference_plus_margin([(date(2024, 6, 12), Decimal("NaN"))], Decimal("3.5"))


def test_a_day_before_the_table_is_refused_naming_the_table_and_where_it_starts() -> None:
    table = InterestRateTable((InterestRate(date(2024, 6, 12), Decimal("7.75")),
                               InterestRate(date(2024, 9, 18), Decimal("7.15"))), "ECB MRO + 3.5")
    where = r"on 2024-06-11 \(table ECB MRO \+ 3.5 starts 2024-06-12\)"
    with pytest.raises(InvalidInput, match=where) as refused:
        table.rate_on(date(2024, 6, 11))
    assert refused.value.field == "rates"
    with pytest.raises(InvalidInput, match="table unnamed starts"):
        InterestRateTable(table.rates).rate_on(date(2024, 1, 1))


def test_a_reference_plus_margin_table_keeps_its_name_and_says_where_each_rate_comes_from() -> None:
    table = InterestRateTable.reference_plus_margin([(date(2024, 6, 12), Decimal("4.25"))], Decimal("3.5"),
                                                    "ECB MRO + 3.5")
    assert table.name == "ECB MRO + 3.5"
    (rate,) = table.rates
    assert (rate.annual_percent, rate.source) == (Decimal("7.75"), "reference 4.25 + 3.5")
    assert InterestRateTable.reference_plus_margin([(date(2024, 6, 12), Decimal("4.25"))],
                                                   Decimal("3.5")).name == ""


def test_a_negative_reference_plus_margin_is_no_interest_not_a_refund() -> None:
    table = InterestRateTable.reference_plus_margin([(date(2022, 1, 1), Decimal("-0.50")),
                                                     (date(2022, 9, 14), Decimal("0.75"))], Decimal("0.25"))
    assert [rate.annual_percent for rate in table.rates] == [Decimal("0.00"), Decimal("1.00")]
