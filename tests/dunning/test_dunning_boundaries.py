"""Dunning proposals at their edges: the minimum amount, item locks, several items earning interest.

:func:`ledger.dunning.propose_step` must send a letter for exactly the level's minimum (the minimum is "at
least", TIMOE's and the companies' wording), count every open principal item's interest, and say when the
next step becomes possible; these are the boundaries a reminder run gets wrong silently.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.accounts.clearing import ItemKind, OpenItem
from ledger.core.errors import InvalidInput
from ledger.core.money import round_cents
from ledger.dunning import (
    FI_POWER,
    IT_POWER_LV,
    DunningState,
    InterestRate,
    InterestRateTable,
    Lock,
    LockKind,
    earliest_next_step_date,
    propose_step,
)
from ledger.dunning.interest import exact_interest

RATES = InterestRateTable((InterestRate(date(2025, 6, 11), Decimal("5.65"), "ECB 2.15 + 3.5"),))
DUE = date(2026, 1, 31)
REMINDER = IT_POWER_LV.levels[0]
NOTICE = IT_POWER_LV.levels[1]


def invoice(item_id: str, amount: str, due: date = DUE, seq: int = 1, open_amount: str | None = None,
            kind: ItemKind = ItemKind.INVOICE) -> OpenItem:
    return OpenItem(item_id, f"DOC-{item_id}", kind, Decimal(amount), Decimal(open_amount or amount), due,
                    due - timedelta(days=20), None, seq)


def reminder_day(due: date = DUE) -> date:
    return due + timedelta(days=max(IT_POWER_LV.grace_days + 1, REMINDER.days_after_due))


def test_exactly_the_minimum_amount_is_dunned() -> None:
    state = DunningState((invoice("inv-1", str(REMINDER.min_amount)),))
    proposal = propose_step(state, IT_POWER_LV, reminder_day(), RATES)
    assert proposal is not None and proposal.overdue_total == REMINDER.min_amount
    assert earliest_next_step_date(state, IT_POWER_LV) == reminder_day()


def test_one_cent_below_the_minimum_is_not_dunned() -> None:
    state = DunningState((invoice("inv-1", str(REMINDER.min_amount - Decimal("0.01"))),))
    assert propose_step(state, IT_POWER_LV, reminder_day() + timedelta(days=60), RATES) is None
    assert earliest_next_step_date(state, IT_POWER_LV) is None


def test_two_items_reach_the_minimum_exactly_when_the_second_is_eligible() -> None:
    half = str(REMINDER.min_amount / 2)
    later = DUE + timedelta(days=9)
    state = DunningState((invoice("a", half), invoice("b", half, later, seq=2)))
    assert earliest_next_step_date(state, IT_POWER_LV) == reminder_day(later)
    proposal = propose_step(state, IT_POWER_LV, reminder_day(later), RATES)
    assert proposal is not None and [i.item_id for i in proposal.items] == ["a", "b"]


def test_a_paid_item_does_not_hide_the_open_ones_after_it() -> None:
    state = DunningState((invoice("paid", "50.00", open_amount="0.00"), invoice("open", "50.00", seq=2)))
    proposal = propose_step(state, IT_POWER_LV, reminder_day(), RATES)
    assert proposal is not None and [i.item_id for i in proposal.items] == ["open"]


def test_an_item_locked_until_a_day_counts_from_the_day_after() -> None:
    until = reminder_day() + timedelta(days=5)
    state = DunningState((invoice("inv-1", "50.00"),),
                         locks=(Lock(LockKind.DISPUTE, "bill disputed", until, "inv-1"),))
    assert earliest_next_step_date(state, IT_POWER_LV) == until + timedelta(days=1)
    assert propose_step(state, IT_POWER_LV, until, RATES) is None
    assert propose_step(state, IT_POWER_LV, until + timedelta(days=1), RATES) is not None


def test_a_level_without_interest_or_deadline_says_so() -> None:
    state = DunningState((invoice("inv-1", "50.00"),))
    proposal = propose_step(state, IT_POWER_LV, reminder_day(), RATES)
    assert proposal is not None
    assert (proposal.procedure, proposal.level, proposal.rule) == (IT_POWER_LV.code, REMINDER, REMINDER.rule)
    assert (proposal.interest, proposal.interest_until, proposal.payment_deadline) == (0, None, None)
    assert proposal.fee == REMINDER.fee and proposal.total_due == Decimal("50.00") + REMINDER.fee


def test_a_level_with_interest_charges_it_until_today_and_gives_its_deadline() -> None:
    sent = reminder_day()
    state = DunningState((invoice("inv-1", "120.00"),), level=1, last_step_on=sent)
    today = NOTICE.earliest_after(sent)
    proposal = propose_step(state, IT_POWER_LV, today, RATES)
    assert proposal is not None and proposal.level == NOTICE
    assert proposal.interest_until == today
    assert proposal.payment_deadline == today + timedelta(days=NOTICE.days_to_pay)
    assert proposal.interest == round_cents(exact_interest(Decimal("120.00"), DUE, today, RATES))


def test_every_principal_item_earns_interest_and_the_sum_is_rounded_once() -> None:
    items = (invoice("a", "100.00"), invoice("b", "33.33", DUE + timedelta(days=3), seq=2),
             invoice("fee", "5.00", kind=ItemKind.FEE, seq=3))
    state = DunningState(items, level=1, last_step_on=reminder_day())
    today = date(2026, 3, 31)
    proposal = propose_step(state, IT_POWER_LV, today, RATES)
    assert proposal is not None
    exact = sum(exact_interest(i.open_amount, i.due_date, today, RATES) for i in items[:2])
    assert proposal.interest == round_cents(exact)
    assert proposal.interest > round_cents(exact_interest(Decimal("100.00"), DUE, today, RATES))


def test_interest_already_charged_is_not_charged_again() -> None:
    charged = date(2026, 3, 1)
    state = DunningState((invoice("a", "100.00"),), level=1, last_step_on=reminder_day(),
                         interest_charged_until=charged)
    today = date(2026, 3, 31)
    proposal = propose_step(state, IT_POWER_LV, today, RATES)
    assert proposal is not None
    assert proposal.interest == round_cents(exact_interest(Decimal("100.00"), charged, today, RATES))


def test_the_day_count_asked_for_is_the_one_used() -> None:
    state = DunningState((invoice("a", "1000.00"),))
    today = date(2026, 4, 30)
    by_360 = propose_step(state, FI_POWER, today, RATES, day_count="ACT/360")
    by_365 = propose_step(state, FI_POWER, today, RATES)
    assert by_360 is not None and by_365 is not None
    assert by_360.interest == round_cents(exact_interest(Decimal("1000.00"), DUE, today, RATES, "ACT/360"))
    assert by_360.interest > by_365.interest


def test_a_level_that_charges_interest_needs_a_rate_table_and_says_so() -> None:
    state = DunningState((invoice("a", "100.00"),))
    why = r"^this level charges interest: an interest rate table is needed$"
    with pytest.raises(InvalidInput, match=why) as refused:
        propose_step(state, FI_POWER, date(2026, 4, 30))
    assert refused.value.field == "rates"


def test_no_rate_table_is_needed_when_only_fees_are_overdue() -> None:
    state = DunningState((invoice("fee", "10.00", kind=ItemKind.FEE),))
    proposal = propose_step(state, FI_POWER, date(2026, 4, 30))
    assert proposal is not None and proposal.interest == 0


def test_the_next_step_date_follows_the_step_just_proposed() -> None:
    state = DunningState((invoice("inv-1", "50.00"),))
    proposal = propose_step(state, IT_POWER_LV, reminder_day(), RATES)
    assert proposal is not None
    after = replace(state, level=1, last_step_on=reminder_day())
    assert proposal.earliest_next_step_date == earliest_next_step_date(after, IT_POWER_LV)
    assert proposal.earliest_next_step_date == NOTICE.earliest_after(reminder_day())
