"""The issue's story on both stores, with balances and postings checked at each step:

collect → return MD01 → direct debit stopped → dunning → instalment plan → instalment missed → plan
cancelled, its unpaid principal back on the originals → dunning resumes at their level.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from api.bootstrap import build
from api.routes.dunning import dunning_state
from ledger.accounts.terms import PaymentMethod
from ledger.collections import commands as d
from ledger.collections.run import CollectionRun
from ledger.dunning import commands as dc
from tests.clerk import Clerk
from tests.dunning_flow.helpers import account_of, cents_of, dd_customer, do, dun, gl, postings_of, state


def _collect(clerk: Clerk, key: str) -> tuple[UUID, str]:
    """A collection run over the view's candidates, proposed and executed; (run id, end-to-end id)."""
    today = clerk.clock.today
    candidates = tuple(UUID(a) for a in clerk.services.view.dd_candidates(today.isoformat()))
    proposal = do(clerk, d.ProposeCollectionRun(today, today, candidates), key)
    run_id = UUID(proposal["run_id"])
    executed = do(clerk, d.ExecuteCollectionRun(run_id))
    assert executed["collections"] == 1
    run: CollectionRun = clerk.services.app.get(CollectionRun, run_id, "run", "run_id")
    return run_id, run.booked[0].end_to_end_id


def test_collect_return_md01_dunning_plan_missed_cancelled_dunning_resumes(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Mario Rossi", "UMR-STORY-1")
    bill = clerk.bill(account, "100.00", vat="0")  # issued 1 March, due 11 March
    invoice = bill["number"]
    assert bill["due_date"] == "2026-03-11"

    # Collect: the item goes into transit; nothing is overdue, nothing to dun.
    clerk.clock.today = date(2026, 3, 11)
    _, e2e = _collect(clerk, "collect-1")
    assert clerk.owes(account) == 0
    assert gl(clerk, account, "dd-clearing") == 10000 and gl(clerk, account, "receivables") == 0
    assert dun(clerk)["steps"] == 0

    # Return MD01 before settlement: the item reopens with its due date; DD stops, no fee for MD01.
    clerk.clock.today = date(2026, 3, 13)
    result = do(clerk, d.ReturnCollection(account, e2e, "MD01", clerk.clock.today))
    assert (result["action"], result["fee"]) == ("stop-mandate-new-needed", "0.00")
    assert postings_of(clerk, account, "CollectionReturned") == [("dd-clearing", 0, 10000),
                                                                 ("receivables", 10000, 0)]
    assert account_of(clerk, account).payment_method is PaymentMethod.BANK_TRANSFER
    candidates = tuple(UUID(a) for a in clerk.services.view.dd_candidates("2026-03-31"))
    retry = do(clerk, d.ProposeCollectionRun(date(2026, 3, 31), date(2026, 3, 31), candidates))
    assert retry["collections"] == 0  # direct debit stopped: nothing is collected again
    assert clerk.owes(account) == Decimal("100.00") and gl(clerk, account, "dd-clearing") == 0

    # Dunning (Italy, low-voltage power): nothing before due + 7 days; the state says when.
    assert dun(clerk)["steps"] == 0
    before = state(clerk, account)
    assert before.level == 0 and before.next_step is not None
    assert (before.next_step.level, before.next_step.earliest_date) == (1, date(2026, 3, 18))
    assert before.overdue == Decimal("100.00") and before.locks == []

    clerk.clock.today = date(2026, 3, 18)
    first = dun(clerk)
    assert first["by_level"] == {"1": 1}
    reminder = state(clerk, account)
    assert (reminder.level, reminder.level_name, reminder.last_step_on) == (1, "sollecito", date(2026, 3, 18))
    assert reminder.steps[-1].items == [invoice] and reminder.steps[-1].rule.startswith("IT-company-policy")
    assert postings_of(clerk, account, "DunningStepRecorded") == []  # a reminder moves no money
    assert clerk.owes(account) == Decimal("100.00")

    # The formal notice waits its 10 days after the reminder, however often the run looks.
    assert reminder.next_step is not None and reminder.next_step.earliest_date == date(2026, 3, 28)
    clerk.clock.today = date(2026, 3, 27)
    assert dun(clerk)["steps"] == 0
    clerk.clock.today = date(2026, 3, 28)
    assert dun(clerk)["by_level"] == {"2": 1}
    notice = state(clerk, account)
    step = notice.steps[-1]
    assert (notice.level, step.name) == (2, "costituzione in mora")
    assert step.rule == "IT-ARERA-258/2015 TIMOE art. 3"
    # Fee 5.00; interest on 100.00 for 12–28 March (17 days) at ECB 2.15 + 3.5 = 5.65 %:
    # 100 × 5.65 % × 17 / 365 = 0.2631… → 0.26. Both due on the notice's deadline (+15 days).
    assert (step.fee, step.interest, step.payment_deadline) == (Decimal("5.00"), Decimal("0.26"),
                                                                date(2026, 4, 12))
    assert postings_of(clerk, account, "DunningStepRecorded") == [
        ("fees", 0, 500), ("interest-income", 0, 26), ("receivables", 26, 0), ("receivables", 500, 0)]
    assert clerk.owes(account) == Decimal("105.26")
    assert (notice.fees, notice.interest) == (Decimal("5.00"), Decimal("0.26"))
    assert notice.next_step is not None and notice.next_step.earliest_date == date(2026, 4, 22)  # + 25 days
    fee_doc, interest_doc = f"DUN-{step.step_id[:12].upper()}-FEE", f"DUN-{step.step_id[:12].upper()}-INT"
    assert cents_of(clerk, account) == {invoice: 10000, fee_doc: 500, interest_doc: 26}

    # The customer asks for an instalment plan: invoice, fee and interest become three instalments.
    clerk.clock.today = date(2026, 4, 1)
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice, fee_doc, interest_doc), 3, date(2026, 4, 15)))
    rates = [(i["document"], i["due_date"], i["amount"]) for i in plan["instalments"]]
    assert rates == [("PLAN-2026-000001-001", "2026-04-15", "35.10"),
                     ("PLAN-2026-000001-002", "2026-05-15", "35.08"),
                     ("PLAN-2026-000001-003", "2026-06-15", "35.08")]
    assert all(i["payment_reference"].startswith("RF") for i in plan["instalments"])
    assert postings_of(clerk, account, "InstalmentPlanCreated") == [("receivables", 0, 10526),
                                                                    ("receivables", 10526, 0)]
    assert cents_of(clerk, account) == {doc: int(Decimal(amount) * 100) for doc, _, amount in rates}
    assert clerk.owes(account) == Decimal("105.26") and gl(clerk, account, "receivables") == 10526
    planned = state(clerk, account)
    assert planned.level == 0  # the plan replaced what was dunned: that episode is over
    assert planned.plan is not None and planned.plan.status == "live"
    assert {lock.kind for lock in planned.locks} == {"instalment_plan"}

    # The first instalment is late but within its grace: no dunning, no cancellation.
    clerk.clock.today = date(2026, 4, 20)
    assert dun(clerk) | {"runs": [], "by_level": {}} == {"runs": [], "by_level": {}, "steps": 0,
                                                         "plans_cancelled": 0, "plans_completed": 0,
                                                         "skipped": 0, "locked": 0, "problems": 0}
    clerk.pay(account, "35.10", "PLAN-2026-000001-001")
    assert clerk.owes(account) == Decimal("70.16")

    # The second is missed past its 10 days' grace: the run cancels the plan. What is unpaid of its
    # principal goes back on the originals, the oldest first paid by the 35.10 received: the invoice is
    # open again for 64.90, the fee and the interest in full; the instalments close (no plan interest to
    # reverse). Dunning resumes where it was (level 2, the formal notice of 28 March, with its 25 days long
    # past), so the same run sends the suspension request for the restored items (70.16 ≥ 50.00).
    # Its interest on the invoice runs from 15 April (the plan's first instalment, paid, covered the days
    # before): 16 April – 26 May, 41 days × 64.90 × 5.65 % / 365 = 0.411889… → 0.41.
    clerk.clock.today = date(2026, 5, 26)
    resumed = dun(clerk)
    assert (resumed["plans_cancelled"], resumed["by_level"], resumed["skipped"]) == (1, {"3": 1}, 0)
    assert postings_of(clerk, account, "InstalmentPlanCancelled") == [
        ("receivables", 0, 7016), ("receivables", 26, 0), ("receivables", 500, 0), ("receivables", 6490, 0)]
    after = state(clerk, account)
    assert after.plan is None and after.level == 3 and after.locks == []
    suspension = after.steps[-1]
    assert suspension.items == [invoice, fee_doc, interest_doc]
    assert (suspension.rule, suspension.fee, suspension.interest) == (
        "IT-ARERA-258/2015 TIMOE art. 4", Decimal("0.00"), Decimal("0.41"))
    cancelled = account_of(clerk, account).past_plans[-1]
    assert (cancelled.status, cancelled.missed, cancelled.ended_on) == ("cancelled", (2,), date(2026, 5, 26))
    open_now = cents_of(clerk, account)
    assert {doc: open_now[doc] for doc in (invoice, fee_doc, interest_doc)} == {
        invoice: 6490, fee_doc: 500, interest_doc: 26}
    assert not any(doc in open_now for doc, _, _ in rates)
    assert clerk.owes(account) == Decimal("70.57")

    clerk.clock.today = date(2026, 6, 5)
    assert dun(clerk)["steps"] == 0  # the last level is reached
    assert gl(clerk, account, "fees") == -500 and gl(clerk, account, "interest-income") == -(26 + 41)
    assert gl(clerk, account, "receivables") == 7057 == clerk.balance(account)[4]
    assert gl(clerk, account, "dd-clearing") == 0

    # Replay: another application on the same store, folding the events afresh, sees the same state;
    # the view rebuilt from position 0 is the same, row for row.
    fresh = build(clerk.services.database_url, clock=clerk.clock)
    try:
        assert dunning_state(fresh, account) == state(clerk, account)
    finally:
        fresh.close()
    live = clerk.services.view.dump()
    clerk.services.projections.rebuild()
    assert clerk.services.view.dump() == live
