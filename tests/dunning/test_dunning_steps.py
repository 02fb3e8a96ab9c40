"""Dunning steps: worked examples per country with dates, locks, minimums, and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ledger.accounts.clearing import ItemKind, OpenItem
from ledger.core.errors import InvalidInput
from ledger.dunning import (
    ES_POWER,
    ES_POWER_VULNERABLE,
    FI_POWER,
    IT_GAS,
    IT_POWER_LV,
    PROCEDURES,
    DunningLevel,
    DunningState,
    InterestRate,
    InterestRateTable,
    Lock,
    LockKind,
    Procedure,
    earliest_next_step_date,
    propose_step,
)

IT_RATES = InterestRateTable((InterestRate(date(2025, 6, 11), Decimal("5.65"), "ECB 2.15 + 3.5"),))
ES_RATES = InterestRateTable((InterestRate(date(2025, 1, 1), Decimal("3.25"), "interés legal 2025"),))
FI_RATES = InterestRateTable((InterestRate(date(2026, 1, 1), Decimal("9.00"), "test: reference 2.0 + 7"),))


def invoice(item_id: str, amount: str, due: date, kind: ItemKind = ItemKind.INVOICE, seq: int = 1,
            open_amount: str | None = None) -> OpenItem:
    return OpenItem(item_id, f"DOC-{item_id}", kind, Decimal(amount), Decimal(open_amount or amount), due,
                    due - timedelta(days=20), None, seq)


def advance(state: DunningState, proposal_day: date, charges_interest: bool) -> DunningState:
    return replace(state, level=state.level + 1, last_step_on=proposal_day,
                   interest_charged_until=proposal_day if charges_interest else state.interest_charged_until)


def test_italy_low_voltage_power_worked_example() -> None:
    """120.00 due Sat 31 Jan 2026, grace 3 days, ECB 2.15 + 3.5 = 5.65 %.

    * reminder: due + max(3 + 1, 7) = 7 Feb; no fee, no interest;
    * formal notice: 10 days after the reminder (17 Feb) and 14 after due (14 Feb) → 17 Feb; fee 5.00;
      interest 1–17 Feb, 17 days: 120 × 5.65 % × 17 / 365 = 0.3157… → 0.32; pay by 17 Feb + 15 = 4 Mar;
    * suspension request: 25 days after the notice → 14 Mar; interest 18 Feb–14 Mar, 25 days:
      120 × 5.65 % × 25 / 365 = 0.4643… → 0.46. For gas it would be 40 days → 29 Mar.
    """
    state = DunningState((invoice("inv-1", "120.00", date(2026, 1, 31)),))
    assert earliest_next_step_date(state, IT_POWER_LV) == date(2026, 2, 7)
    assert propose_step(state, IT_POWER_LV, date(2026, 2, 6), IT_RATES) is None
    reminder = propose_step(state, IT_POWER_LV, date(2026, 2, 7), IT_RATES)
    assert reminder is not None
    assert (reminder.level.level, reminder.level.name, reminder.fee, reminder.interest) == (
        1, "sollecito", Decimal("0.00"), Decimal("0"))
    assert [i.item_id for i in reminder.items] == ["inv-1"] and reminder.overdue_total == Decimal("120.00")
    assert reminder.earliest_next_step_date == date(2026, 2, 17)

    state = advance(state, date(2026, 2, 7), False)
    assert propose_step(state, IT_POWER_LV, date(2026, 2, 16), IT_RATES) is None
    notice = propose_step(state, IT_POWER_LV, date(2026, 2, 17), IT_RATES)
    assert notice is not None
    assert (notice.level.name, notice.rule, notice.fee, notice.interest, notice.payment_deadline) == (
        "costituzione in mora", "IT-ARERA-258/2015 TIMOE art. 3", Decimal("5.00"), Decimal("0.32"),
        date(2026, 3, 4))
    assert notice.total_due == Decimal("125.32")
    assert notice.earliest_next_step_date == date(2026, 3, 14)

    state = advance(state, date(2026, 2, 17), True)
    assert propose_step(state, IT_POWER_LV, date(2026, 3, 13), IT_RATES) is None
    suspension = propose_step(state, IT_POWER_LV, date(2026, 3, 14), IT_RATES)
    assert suspension is not None
    assert (suspension.level.level, suspension.rule, suspension.interest) == (
        3, "IT-ARERA-258/2015 TIMOE art. 4", Decimal("0.46"))
    assert suspension.earliest_next_step_date is None  # last level
    assert earliest_next_step_date(state, IT_GAS) == date(2026, 3, 29)
    assert propose_step(state, IT_GAS, date(2026, 3, 28), IT_RATES) is None
    gas = propose_step(state, IT_GAS, date(2026, 3, 29), IT_RATES)
    assert gas is not None and gas.rule == "IT-ARERA-ARG/gas 99/11 TIMG art. 4"
    done = advance(state, date(2026, 3, 14), True)
    assert propose_step(done, IT_POWER_LV, date(2026, 6, 1), IT_RATES) is None


def test_spain_two_months_or_four_for_vulnerable_customers() -> None:
    """80.00 due 15 Jan 2026. Reminder 22 Jan; certified demand at due + 20 = 4 Feb, interest
    16 Jan–4 Feb, 20 days at 3.25 %: 80 × 3.25 % × 20 / 365 = 0.1424… → 0.14.
    Suspension 2 calendar months later: 4 Apr (vulnerable: 4 months → 4 Jun); interest
    5 Feb–4 Apr, 59 days: 80 × 3.25 % × 59 / 365 = 0.4202… → 0.42."""
    state = DunningState((invoice("f-1", "80.00", date(2026, 1, 15)),))
    assert propose_step(state, ES_POWER, date(2026, 1, 22), ES_RATES) is not None
    state = advance(state, date(2026, 1, 22), False)
    assert earliest_next_step_date(state, ES_POWER) == date(2026, 2, 4)
    demand = propose_step(state, ES_POWER, date(2026, 2, 4), ES_RATES)
    assert demand is not None
    assert (demand.level.name, demand.rule, demand.interest) == (
        "requerimiento fehaciente de pago", "ES-RD-1955/2000 art. 84", Decimal("0.14"))
    assert demand.earliest_next_step_date == date(2026, 4, 4)
    state = advance(state, date(2026, 2, 4), True)
    assert propose_step(state, ES_POWER, date(2026, 4, 3), ES_RATES) is None
    suspension = propose_step(state, ES_POWER, date(2026, 4, 4), ES_RATES)
    assert suspension is not None
    assert (suspension.rule, suspension.interest) == ("ES-RD-1955/2000 art. 85", Decimal("0.42"))
    assert earliest_next_step_date(state, ES_POWER_VULNERABLE) == date(2026, 6, 4)
    assert propose_step(state, ES_POWER_VULNERABLE, date(2026, 6, 3), ES_RATES) is None
    vulnerable = propose_step(state, ES_POWER_VULNERABLE, date(2026, 6, 4), ES_RATES)
    assert vulnerable is not None and vulnerable.rule == "ES-RD-897/2017 art. 19"


def test_finland_reminder_warning_disconnection() -> None:
    """60.00 due 2 Mar 2026, 9 %. Reminder at due + 14 = 16 Mar (fee 5.00, interest 3–16 Mar,
    14 days: 60 × 9 % × 14 / 365 = 0.2071… → 0.21); warning 14 days later, 30 Mar; disconnection
    14 days after the warning and ≥ 35 days after due → 13 Apr."""
    state = DunningState((invoice("lasku-1", "60.00", date(2026, 3, 2)),))
    assert propose_step(state, FI_POWER, date(2026, 3, 15), FI_RATES) is None
    reminder = propose_step(state, FI_POWER, date(2026, 3, 16), FI_RATES)
    assert reminder is not None
    assert (reminder.level.name, reminder.fee, reminder.interest, reminder.rule) == (
        "maksumuistutus", Decimal("5.00"), Decimal("0.21"), "FI-PerintäL-513/1999 §10e")
    assert reminder.earliest_next_step_date == date(2026, 3, 30)
    state = advance(state, date(2026, 3, 16), True)
    warning = propose_step(state, FI_POWER, date(2026, 3, 30), FI_RATES)
    assert warning is not None and warning.level.name == "katkaisuvaroitus"
    assert warning.earliest_next_step_date == date(2026, 4, 13)
    state = advance(state, date(2026, 3, 30), True)
    assert propose_step(state, FI_POWER, date(2026, 4, 12), FI_RATES) is None
    cut = propose_step(state, FI_POWER, date(2026, 4, 13), FI_RATES)
    assert cut is not None and cut.level.name == "katkaisu" and cut.rule == "FI-SML-588/2013 §102"


def test_every_shipped_level_cites_its_rule() -> None:
    for procedure in PROCEDURES.values():
        assert all(level.rule for level in procedure.levels), procedure.code


def test_account_lock_stops_and_its_end_is_the_next_date() -> None:
    state = DunningState((invoice("inv-1", "120.00", date(2026, 1, 31)),),
                         locks=(Lock(LockKind.INSTALMENT_PLAN, "plan P-7", date(2026, 2, 28)),))
    assert propose_step(state, IT_POWER_LV, date(2026, 2, 28), IT_RATES) is None
    assert earliest_next_step_date(state, IT_POWER_LV) == date(2026, 3, 1)
    assert propose_step(state, IT_POWER_LV, date(2026, 3, 1), IT_RATES) is not None
    open_ended = replace(state, locks=(Lock(LockKind.COLLECTION_IN_TRANSIT, "run 2026-03"),))
    assert earliest_next_step_date(open_ended, IT_POWER_LV) is None
    assert propose_step(open_ended, IT_POWER_LV, date(2026, 12, 31), IT_RATES) is None


def test_item_lock_leaves_the_disputed_bill_out() -> None:
    items = (invoice("inv-1", "120.00", date(2026, 1, 31)),
             invoice("inv-2", "30.00", date(2026, 1, 20), seq=2))
    state = DunningState(items, locks=(Lock(LockKind.DISPUTE, "meter read contested", None, "inv-1"),))
    proposal = propose_step(state, IT_POWER_LV, date(2026, 2, 10), IT_RATES)
    assert proposal is not None and [i.item_id for i in proposal.items] == ["inv-2"]
    only_disputed = replace(state, items=items[:1])
    assert propose_step(only_disputed, IT_POWER_LV, date(2026, 3, 10), IT_RATES) is None
    assert earliest_next_step_date(only_disputed, IT_POWER_LV) is None


def test_minimum_amount_grace_and_paid_items() -> None:
    small = DunningState((invoice("inv-1", "9.99", date(2026, 1, 31)),))
    assert propose_step(small, IT_POWER_LV, date(2026, 3, 1), IT_RATES) is None
    assert earliest_next_step_date(small, IT_POWER_LV) is None
    paid = DunningState((invoice("inv-1", "50.00", date(2026, 1, 31), open_amount="0.00"),))
    assert propose_step(paid, IT_POWER_LV, date(2026, 3, 1), IT_RATES) is None
    # two small items together pass the minimum on the day the second one becomes eligible
    pair = DunningState((invoice("a", "6.00", date(2026, 1, 10)),
                         invoice("b", "6.00", date(2026, 1, 20), seq=2)))
    assert earliest_next_step_date(pair, IT_POWER_LV) == date(2026, 1, 27)
    assert propose_step(pair, IT_POWER_LV, date(2026, 1, 26), IT_RATES) is None
    # grace: Spain has none, so the first day after due counts if the level allows it
    custom = Procedure("X", "ES", (DunningLevel(1, "r", 0, Decimal("1.00"), Decimal("0.00"), "t", False, 0,
                                                "X-1"),), grace_days=2)
    due = DunningState((invoice("c", "10.00", date(2026, 1, 10)),))
    assert earliest_next_step_date(due, custom) == date(2026, 1, 13)


def test_interest_is_charged_on_principal_only_and_needs_a_table() -> None:
    items = (invoice("inv", "100.00", date(2026, 1, 1)),
             invoice("fee", "5.00", date(2026, 1, 1), ItemKind.FEE, seq=2),
             invoice("int", "0.50", date(2026, 1, 1), ItemKind.INTEREST, seq=3))
    state = DunningState(items, level=1, last_step_on=date(2026, 1, 10))
    proposal = propose_step(state, IT_POWER_LV, date(2026, 2, 1), IT_RATES)
    assert proposal is not None
    # 100 × 5.65 % × 31 / 365 = 0.4798… → 0.48: fee and interest items earn no interest
    assert proposal.interest == Decimal("0.48") and proposal.overdue_total == Decimal("105.50")
    with pytest.raises(InvalidInput):
        propose_step(state, IT_POWER_LV, date(2026, 2, 1))


def test_procedures_refuse_bad_data() -> None:
    level = DunningLevel(1, "r", 0, Decimal("1.00"), Decimal("0.00"), "t", False, 0, "X-1")
    with pytest.raises(InvalidInput):
        Procedure("X", "IT", (), 0)
    with pytest.raises(InvalidInput):
        Procedure("X", "IT", (replace(level, level=2),), 0)
    with pytest.raises(InvalidInput):
        replace(level, rule=" ")
    with pytest.raises(InvalidInput):
        replace(level, fee=Decimal("-1.00"))


# --- properties -------------------------------------------------------------------------------------

BASE = date(2026, 1, 1)
FLAT = InterestRateTable((InterestRate(date(2000, 1, 1), Decimal("8.00")),))
items_strategy = st.lists(
    st.tuples(st.integers(0, 120), st.integers(1, 50_000), st.sampled_from(list(ItemKind))),
    min_size=0, max_size=6,
).map(lambda raw: tuple(
    OpenItem(f"i{n}", f"D{n}", kind, Decimal(c).scaleb(-2), Decimal(c).scaleb(-2), BASE + timedelta(days=d),
             BASE, None, n) for n, (d, c, kind) in enumerate(raw)))
locks_strategy = st.lists(st.tuples(st.sampled_from(list(LockKind)), st.none() | st.integers(0, 200),
                                    st.none() | st.integers(0, 5)), max_size=3).map(lambda raw: tuple(
    Lock(kind, "test", None if until is None else BASE + timedelta(days=until),
         None if item is None else f"i{item}") for kind, until, item in raw))


@st.composite
def states(draw: st.DrawFn) -> tuple[DunningState, Procedure]:
    procedure = draw(st.sampled_from(list(PROCEDURES.values())))
    level = draw(st.integers(0, len(procedure.levels)))
    last = None if level == 0 else BASE + timedelta(days=draw(st.integers(0, 150)))
    return DunningState(draw(items_strategy), level, last, draw(locks_strategy)), procedure


@given(states(), st.integers(0, 400), st.sampled_from(list(LockKind)), st.none() | st.integers(0, 400))
def test_an_active_account_lock_always_stops_a_step(case: tuple[DunningState, Procedure], offset: int,
                                                     kind: LockKind, until: int | None) -> None:
    state, procedure = case
    today = BASE + timedelta(days=offset)
    assume(until is None or until >= offset)
    lock = Lock(kind, "stop", None if until is None else BASE + timedelta(days=until))
    locked = replace(state, locks=(*state.locks, lock))
    assert propose_step(locked, procedure, today, FLAT) is None


@given(states())
def test_earliest_next_step_date_is_exactly_when_a_step_becomes_possible(
        case: tuple[DunningState, Procedure]) -> None:
    state, procedure = case
    earliest = earliest_next_step_date(state, procedure)
    if earliest is None:
        for offset in (0, 100, 400, 2000):
            assert propose_step(state, procedure, BASE + timedelta(days=offset), FLAT) is None
        return
    if state.last_step_on is not None:
        assert earliest >= state.last_step_on
    proposal = propose_step(state, procedure, earliest, FLAT)
    assert proposal is not None and proposal.level.level == state.level + 1
    assert proposal.overdue_total >= proposal.level.min_amount
    assert propose_step(state, procedure, earliest - timedelta(days=1), FLAT) is None
    assert propose_step(state, procedure, earliest + timedelta(days=30), FLAT) is not None
