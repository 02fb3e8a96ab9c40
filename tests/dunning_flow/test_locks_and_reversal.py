"""Locks stop steps; a run is a proposal first; a reversal compensates exactly. On both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from ledger.collections import commands as d
from ledger.core.errors import Conflict, InvalidInput
from ledger.dunning import LockKind
from ledger.dunning import commands as dc
from tests.clerk import Clerk
from tests.dunning_flow.helpers import account_of, customer, dd_customer, do, dun, gl, postings_of, state


def test_a_manual_lock_stops_the_step_until_it_expires(clerk: Clerk) -> None:
    account = customer(clerk, "Marco Blu")
    clerk.bill(account, "40.00", vat="0")  # due 11 March; reminder due 18 March
    clerk.clock.today = date(2026, 3, 16)
    lock = do(clerk, dc.SetDunningLock(account, LockKind.MANUAL, "customer in hospital", date(2026, 3, 25)))
    clerk.clock.today = date(2026, 3, 18)
    assert dun(clerk)["steps"] == 0
    locked = state(clerk, account)
    assert [(v.kind, v.source, v.lock_id) for v in locked.locks] == [("manual", "manual", lock["lock_id"])]
    assert locked.next_step is not None and locked.next_step.earliest_date == date(2026, 3, 26)
    clerk.clock.today = date(2026, 3, 25)
    assert dun(clerk)["steps"] == 0  # the last locked day
    clerk.clock.today = date(2026, 3, 26)
    assert dun(clerk)["by_level"] == {"1": 1}


def test_a_dispute_holds_its_item_until_released_and_keeps_it_out_of_collections(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Sara Viola", "UMR-DISPUTE-1")
    disputed = clerk.bill(account, "90.00", vat="0")["number"]
    clerk.clock.today = date(2026, 3, 11)
    lock = do(clerk, dc.SetDunningLock(account, LockKind.DISPUTE, "meter reading contested",
                                       invoice_number=disputed))
    candidates = tuple(UUID(a) for a in clerk.services.view.dd_candidates("2026-03-11"))
    collection = do(clerk, d.ProposeCollectionRun(date(2026, 3, 11), date(2026, 3, 11), candidates))
    assert collection["collections"] == 0
    do(clerk, d.RevokeMandate(account, "customer pays by transfer now"))
    clerk.clock.today = date(2026, 4, 10)
    assert dun(clerk)["steps"] == 0
    assert state(clerk, account).next_step.earliest_date is None  # type: ignore[union-attr]
    do(clerk, dc.ReleaseDunningLock(account, lock["lock_id"], "reading confirmed by the distributor"))
    assert dun(clerk)["by_level"] == {"1": 1}
    with pytest.raises(InvalidInput):
        do(clerk, dc.ReleaseDunningLock(account, lock["lock_id"], "again"))


def test_a_manual_lock_also_holds_direct_debit_until_it_expires(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Nora Ocra", "UMR-HOLD-1")
    clerk.bill(account, "45.00", vat="0")  # due 11 March
    do(clerk, dc.SetDunningLock(account, LockKind.MANUAL, "estate being settled", date(2026, 3, 20)))

    def collections(day: date) -> int:
        candidates = tuple(UUID(a) for a in clerk.services.view.dd_candidates(day.isoformat()))
        result: int = do(clerk, d.ProposeCollectionRun(day, day, candidates))["collections"]
        return result

    clerk.clock.today = date(2026, 3, 11)
    assert collections(date(2026, 3, 11)) == 0
    clerk.clock.today = date(2026, 3, 21)
    assert collections(date(2026, 3, 21)) == 1


def test_direct_debit_items_are_not_dunned_while_they_will_be_collected(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Carla Rosa", "UMR-TRANSIT-1")
    clerk.bill(account, "30.00", vat="0")
    clerk.clock.today = date(2026, 4, 30)  # long overdue, but the next collection run takes it
    assert dun(clerk)["steps"] == 0
    assert {v.kind for v in state(clerk, account).locks} == {"collection_in_transit"}


@pytest.mark.parametrize("bad", [
    dc.SetDunningLock(UUID(int=0), LockKind.INSTALMENT_PLAN, "not by hand"),
    dc.SetDunningLock(UUID(int=0), LockKind.MANUAL, "no expiry"),
    dc.SetDunningLock(UUID(int=0), LockKind.DISPUTE, " "),
])
def test_bad_locks_are_refused(clerk: Clerk, bad: dc.SetDunningLock) -> None:
    account = customer(clerk, "Ivo Grigio")
    with pytest.raises(InvalidInput):
        do(clerk, dc.SetDunningLock(account, bad.kind, bad.reason, bad.until))


def test_a_run_is_a_proposal_until_executed_and_executes_once(clerk: Clerk) -> None:
    account = customer(clerk, "Elena Oro")
    invoice = clerk.bill(account, "25.00", vat="0")["number"]
    clerk.clock.today = date(2026, 3, 18)
    proposed = dun(clerk, execute=False)
    assert proposed["by_level"] == {"1": 1}
    run_id = UUID(proposed["runs"][0])
    assert state(clerk, account).level == 0  # nothing recorded yet
    do(clerk, dc.DiscardDunningRun(run_id, "templates not approved yet"))
    with pytest.raises(Conflict):
        do(clerk, dc.ExecuteDunningRun(run_id))

    again = do(clerk, dc.ProposeDunningRun((account,)))
    clerk.pay(account, "25.00", invoice)  # paid between proposal and execution
    executed = do(clerk, dc.ExecuteDunningRun(UUID(again["run_id"])))
    assert (executed["steps"], executed["skipped"]) == (0, 1)
    assert state(clerk, account).steps == []


def test_reversing_a_run_compensates_its_fees_and_interest_and_restores_the_level(clerk: Clerk) -> None:
    account = customer(clerk, "Juha Korhonen")
    do(clerk, dc.AssignDunningProcedure(account, "FI-POWER"))
    clerk.bill(account, "200.00", vat="0")  # due 11 March
    clerk.clock.today = date(2026, 3, 25)
    run = UUID(dun(clerk)["runs"][0])
    step = state(clerk, account).steps[-1]
    # 200.00 × (ECB 2.15 in force on 1 Jan 2026 + 7) % × 14 / 365 = 0.7019… → 0.70
    assert (step.level, step.fee, step.interest) == (1, Decimal("5.00"), Decimal("0.70"))
    assert clerk.owes(account) == Decimal("205.70")

    result = do(clerk, dc.ReverseDunningRun(run, "wrong letter template"))
    assert (result["status"], result["reversed"]) == ("reversed", 1)
    assert postings_of(clerk, account, "DunningStepReversed") == [
        ("fees", 500, 0), ("interest-income", 70, 0), ("receivables", 0, 570)]
    assert clerk.owes(account) == Decimal("200.00")
    assert gl(clerk, account, "fees") == 0 and gl(clerk, account, "interest-income") == 0
    after = state(clerk, account)
    assert after.level == 0 and after.steps[-1].reversed and after.fees == after.interest == 0
    assert after.interest_accrued == Decimal("0.70")  # not charged any more, so accruing again
    with pytest.raises(Conflict):
        do(clerk, dc.ReverseDunningRun(run, "twice"))

    clerk.clock.advance(1)
    assert dun(clerk)["by_level"] == {"1": 1}  # the level can be reached again


def test_only_the_latest_unpaid_step_can_be_reversed(clerk: Clerk) -> None:
    account = customer(clerk, "Outi Laine")
    do(clerk, dc.AssignDunningProcedure(account, "FI-POWER"))
    clerk.bill(account, "100.00", vat="0")
    clerk.clock.today = date(2026, 3, 25)
    dun(clerk)
    clerk.clock.today = date(2026, 4, 8)
    dun(clerk)
    first, second = state(clerk, account).steps
    with pytest.raises(Conflict, match="latest"):
        do(clerk, dc.ReverseDunningStep(account, first.step_id, "not the latest"))
    clerk.pay(account, "5.00", f"DUN-{second.step_id[:12].upper()}-FEE")
    with pytest.raises(Conflict, match="paid"):
        do(clerk, dc.ReverseDunningStep(account, second.step_id, "its fee is paid"))
    assert account_of(clerk, account).dunning_level == 2
