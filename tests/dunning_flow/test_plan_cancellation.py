"""Cancelling an instalment plan puts what is unpaid of its principal back on the original items, closes the
instalments and reverses the plan's interest not earned, with balanced postings; on both stores, with the
clerk's clock (a missed instalment cancels the plan in the daily run)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.core import chart
from ledger.dunning import commands as dc
from tests.clerk import Clerk
from tests.dunning_flow.helpers import account_of, cents_of, customer, do, dun, gl, postings_of, state


def _two_invoices_on_a_plan(clerk: Clerk) -> tuple[UUID, str, str, dict[str, object]]:
    """A (100.00, due 11 March) and B (200.00, due 20 March), named B first, in 3 from 1 April at 3.65 %:
    300 × 3.65 % × 31/365 = 0.93; 200 × 3.65 % × 30/365 = 0.60; 100 × 3.65 % × 31/365 = 0.31."""
    account = customer(clerk, "Nino Faro")
    a = clerk.bill(account, "100.00", vat="0", due=date(2026, 3, 11))["number"]
    b = clerk.bill(account, "200.00", vat="0", due=date(2026, 3, 20))["number"]
    plan = do(clerk, dc.CreateInstalmentPlan(account, (b, a), 3, date(2026, 4, 1),
                                             interest_rate=Decimal("3.65")))
    assert [i["amount"] for i in plan["instalments"]] == ["100.93", "100.60", "100.31"]
    return account, a, b, plan


def test_a_clerk_s_cancellation_restores_the_unpaid_principal_on_the_originals_oldest_paid_first(
        clerk: Clerk) -> None:
    """Paid: instalment 1 in full (100.93) and 50.00 of instalment 2. The first instalment's interest (0.93)
    is earned; the rest of what was paid, 150.00, is principal and pays A (the oldest) in full and 50.00 of
    B. B is open again for 150.00; the instalments' 150.91 still open close; 0.60 + 0.31 = 0.91 of interest
    not earned is reversed."""
    account, _, b, plan = _two_invoices_on_a_plan(clerk)
    first, second, _ = (i["document"] for i in plan["instalments"])
    clerk.clock.today = date(2026, 4, 1)
    clerk.pay(account, "100.93", first)
    clerk.clock.today = date(2026, 4, 20)
    clerk.pay(account, "50.00", second)
    assert clerk.owes(account) == Decimal("150.91")

    clerk.clock.today = date(2026, 4, 25)
    result = do(clerk, dc.CancelInstalmentPlan(account, "customer asked", plan["plan_id"]))
    assert (result["status"], result["restored"], result["interest_reversed"]) == (
        "cancelled", {b: "150.00"}, "0.91")
    assert cents_of(clerk, account) == {b: 15000}
    assert clerk.owes(account) == Decimal("150.00")
    assert postings_of(clerk, account, "InstalmentPlanCancelled") == [
        (chart.INTEREST_INCOME, 91, 0), (chart.RECEIVABLES, 0, 91), (chart.RECEIVABLES, 0, 15000),
        (chart.RECEIVABLES, 15000, 0)]
    # The ledger agrees with the open items: 300 + 1.84 interest - 150.93 paid - 0.91 reversed.
    assert gl(clerk, account, chart.RECEIVABLES) == 15000
    assert gl(clerk, account, chart.INTEREST_INCOME) == -93
    live = account_of(clerk, account)
    assert live.plan is None and live.balance == Decimal("150.00")
    assert {i.document_number: i.open_amount for i in live.open_items()} == {b: Decimal("150.00")}
    ended = live.past_plans[-1]
    assert (ended.status, ended.interest_reversed) == ("cancelled", Decimal("0.91"))
    assert {live.items[r.item_id].document_number: r.amount for r in ended.restored} == {b: Decimal("150.00")}
    assert not any(live.items[i].is_open for i in ended.item_ids)


def test_nothing_paid_restores_every_original_and_reverses_all_the_plan_s_interest(clerk: Clerk) -> None:
    account, a, b, _ = _two_invoices_on_a_plan(clerk)
    clerk.clock.today = date(2026, 3, 25)
    do(clerk, dc.CancelInstalmentPlan(account, "customer withdrew"))
    assert cents_of(clerk, account) == {a: 10000, b: 20000}
    assert gl(clerk, account, chart.INTEREST_INCOME) == 0
    assert gl(clerk, account, chart.RECEIVABLES) == 30000


def test_a_missed_instalment_cancels_the_plan_and_the_original_is_dunned_again_from_its_level(
        clerk: Clerk) -> None:
    """80.00 due 11 March: reminder on 18 March (level 1). A plan on 20 March, 2 × 40.00 from 1 April, 5 days'
    grace. On 7 April (the clock moved past 1 + 5 April) the daily run cancels the plan: the invoice is open
    again for 80.00 and its dunning resumes at the level it had, so the same run sends the formal notice
    (level 2: 14 days after due and 10 after the reminder have passed), with interest on the invoice from
    its due date (nothing of the plan's principal was paid): 27 days × 80 × 5.65 % / 365 = 0.33."""
    account = customer(clerk, "Pina Cariddi")
    invoice = clerk.bill(account, "80.00", vat="0")["number"]
    clerk.clock.today = date(2026, 3, 18)
    assert dun(clerk)["by_level"] == {"1": 1}
    clerk.clock.today = date(2026, 3, 20)
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 4, 1), grace_days=5))
    assert state(clerk, account).level == 0  # the plan replaced the dunned invoice
    clerk.clock.today = date(2026, 4, 6)
    assert dun(clerk)["plans_cancelled"] == 0  # still within the grace
    clerk.clock.today = date(2026, 4, 7)
    result = dun(clerk)
    assert (result["plans_cancelled"], result["by_level"], result["skipped"]) == (1, {"2": 1}, 0)
    after = state(clerk, account)
    assert after.level == 2 and after.steps[-1].items == [invoice]
    assert (after.steps[-1].fee, after.steps[-1].interest) == (Decimal("5.00"), Decimal("0.33"))
    ended = account_of(clerk, account).past_plans[-1]
    assert (ended.status, ended.missed) == ("cancelled", (1,))
    open_now = cents_of(clerk, account)
    assert open_now[invoice] == 8000
    assert not any(i["document"] in open_now for i in plan["instalments"])
    assert clerk.owes(account) == Decimal("85.33")


def test_the_late_interest_of_restored_originals_skips_what_the_plan_s_earned_interest_covered(
        clerk: Clerk) -> None:
    """1,000.00 due 11 March on a plan from 11 March (2 × 500.00, 1 April and 1 May, 6 % a year): instalment 1
    (500.00 + 1,000 × 6 % × 21/365 = 3.45) is paid, instalment 2 (500.00 + 500 × 6 % × 30/365 = 2.47) is
    not. On 20 May the clerk cancels: 500.00 is open again on the invoice, and its late interest runs from
    1 April (the plan's earned interest covered the days before), not from 11 March:
    on 30 May, 59 days × 500 × 5.65 % / 365 = 4.566… → 4.57 (from 11 March it would be 80 days: 6.19)."""
    account = customer(clerk, "Totò Scilla")
    invoice = clerk.bill(account, "1000.00", vat="0", due=date(2026, 3, 11))["number"]
    clerk.clock.today = date(2026, 3, 11)
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 4, 1),
                                             interest_rate=Decimal("6")))
    assert [i["interest"] for i in plan["instalments"]] == ["3.45", "2.47"]
    clerk.pay(account, "503.45", plan["instalments"][0]["document"])
    clerk.clock.today = date(2026, 5, 20)
    do(clerk, dc.CancelInstalmentPlan(account, "customer stopped paying"))
    assert cents_of(clerk, account) == {invoice: 50000}
    assert gl(clerk, account, chart.INTEREST_INCOME) == -345
    clerk.clock.today = date(2026, 5, 30)
    assert state(clerk, account).interest_accrued == Decimal("4.57")
