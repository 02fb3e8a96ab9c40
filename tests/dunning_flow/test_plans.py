"""Instalment plans on both stores: interest, references, completion, misses decided in time, eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from ledger.accounts.references import rf
from ledger.collections import commands as d
from ledger.collections.run import CollectionRun
from ledger.core.errors import Conflict, InvalidInput
from ledger.dunning import commands as dc
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk
from tests.dunning_flow.helpers import (
    account_of,
    cents_of,
    customer,
    dd_customer,
    do,
    dun,
    gl,
    postings_of,
    state,
)


def test_a_plan_with_interest_books_it_and_each_instalment_has_its_own_reference(clerk: Clerk) -> None:
    account = customer(clerk, "Chiara Azzurri")
    invoice = clerk.bill(account, "300.00", vat="0")["number"]
    # 300.00 in 3 from 1 April, 3.65 % a year on the declining balance, counted from today (1 March):
    # 300 × 3.65 % × 31/365 = 0.93; 200 × 3.65 % × 30/365 = 0.60; 100 × 3.65 % × 31/365 = 0.31.
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 3, date(2026, 4, 1),
                                             interest_rate=Decimal("3.65")))
    assert [(i["principal"], i["interest"], i["amount"]) for i in plan["instalments"]] == [
        ("100.00", "0.93", "100.93"), ("100.00", "0.60", "100.60"), ("100.00", "0.31", "100.31")]
    assert plan["interest"] == "1.84"
    assert all(rf.is_valid(i["payment_reference"]) for i in plan["instalments"])
    assert len({i["payment_reference"] for i in plan["instalments"]}) == 3
    assert postings_of(clerk, account, "InstalmentPlanCreated") == [
        ("interest-income", 0, 184), ("receivables", 0, 30000), ("receivables", 184, 0),
        ("receivables", 30000, 0)]
    assert clerk.owes(account) == Decimal("301.84") and gl(clerk, account, "receivables") == 30184
    assert cents_of(clerk, account) == {i["document"]: int(Decimal(i["amount"]) * 100)
                                        for i in plan["instalments"]}
    with pytest.raises(Conflict, match="still live"):
        first = plan["instalments"][0]["document"]
        do(clerk, dc.CreateInstalmentPlan(account, (first,), 2, date(2026, 4, 1)))


def test_paying_every_instalment_completes_the_plan(clerk: Clerk) -> None:
    account = customer(clerk, "Davide Marrone")
    invoice = clerk.bill(account, "90.00", vat="0")["number"]
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 3, 15), interval_days=15))
    assert [i["due_date"] for i in plan["instalments"]] == ["2026-03-15", "2026-03-30"]
    clerk.clock.today = date(2026, 3, 14)
    clerk.pay(account, "90.00")  # both at once, oldest due first
    clerk.clock.today = date(2026, 3, 20)
    result = dun(clerk)  # an instalment account is reviewed even with nothing overdue
    assert (result["plans_completed"], result["steps"]) == (1, 0)
    ended = account_of(clerk, account).past_plans[-1]
    assert (ended.status, ended.end_reason) == ("completed", "paid")
    assert state(clerk, account).plan is None


def test_a_payment_after_the_grace_does_not_save_the_plan(clerk: Clerk) -> None:
    account = customer(clerk, "Elisa Corallo")
    invoice = clerk.bill(account, "60.00", vat="0")["number"]
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 4, 1), grace_days=5))
    first = plan["instalments"][0]["document"]
    clerk.clock.today = date(2026, 4, 10)  # 9 days late, past the 5 days' grace, before any run looked
    clerk.pay(account, "30.00", first)
    result = do(clerk, dc.ReviewInstalmentPlan(account))
    assert (result["action"], result["missed"], result["status"]) == ("cancel", [1], "cancelled")


def test_an_instalment_collected_in_time_is_paid_unless_the_collection_comes_back(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Franco Perla", "UMR-PLAN-1")
    invoice = clerk.bill(account, "40.00", vat="0")["number"]
    do(clerk, d.RevokeMandate(account, "wants to pay in instalments by direct debit later"))
    do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 4, 1), grace_days=3))
    do(clerk, d.RegisterMandate(account, "UMR-PLAN-2", date(2026, 3, 1), "Franco Perla",
                                "IT60X0542811101000000123456"))
    clerk.clock.today = date(2026, 4, 1)
    candidates = tuple(UUID(a) for a in clerk.services.view.dd_candidates("2026-04-01"))
    run = do(clerk, d.ProposeCollectionRun(date(2026, 4, 1), date(2026, 4, 1), candidates))
    assert run["amount"] == "20.00"  # direct debit addresses the instalment
    do(clerk, d.ExecuteCollectionRun(UUID(run["run_id"])))
    clerk.clock.today = date(2026, 4, 6)
    assert do(clerk, dc.ReviewInstalmentPlan(account))["action"] is None  # collected on its due date
    collections: CollectionRun = clerk.services.app.get(CollectionRun, UUID(run["run_id"]), "run", "run_id")
    booked = collections.booked[0]
    do(clerk, d.ReturnCollection(account, booked.end_to_end_id, "AM04", date(2026, 4, 7)))
    result = do(clerk, dc.ReviewInstalmentPlan(account))
    assert (result["action"], result["missed"]) == ("cancel", [1])


def test_a_plan_cancelled_by_hand_gives_its_original_back_to_dunning(clerk: Clerk) -> None:
    account = customer(clerk, "Gina Ambra")
    invoice = clerk.bill(account, "50.00", vat="0")["number"]
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 3, 20)))
    clerk.clock.today = date(2026, 3, 25)
    assert dun(clerk)["steps"] == 0  # within the plan: locked
    do(clerk, dc.CancelInstalmentPlan(account, "customer withdrew", plan["plan_id"]))
    with pytest.raises(Conflict):
        do(clerk, dc.CancelInstalmentPlan(account, "again"))
    assert cents_of(clerk, account) == {invoice: 5000}  # the instalments are closed, the invoice open
    clerk.clock.today = date(2026, 3, 27)
    assert dun(clerk)["by_level"] == {"1": 1}
    assert state(clerk, account).steps[-1].items == [invoice]


@pytest.mark.parametrize(("command", "field"), [
    (lambda inv: dc.CreateInstalmentPlan(UUID(int=0), (inv,), 3, date(2026, 2, 1)), "first_due"),
    (lambda inv: dc.CreateInstalmentPlan(UUID(int=0), ("NOPE",), 3, date(2026, 4, 1)), "invoice_numbers"),
    (lambda inv: dc.CreateInstalmentPlan(UUID(int=0), (inv,), 0, date(2026, 4, 1)), "n"),
    (lambda inv: dc.CreateInstalmentPlan(UUID(int=0), (inv,), 2, date(2026, 4, 1),
                                         custom_amounts=(Decimal("1.00"), Decimal("2.00"))),
     "custom_amounts"),
    (lambda inv: dc.CreateInstalmentPlan(UUID(int=0), (inv, inv), 2, date(2026, 4, 1)), "invoice_numbers"),
])
def test_bad_plans_are_refused_and_write_nothing(clerk: Clerk, command, field) -> None:  # type: ignore[no-untyped-def]
    account = customer(clerk, "Hugo Bronzo")
    invoice = clerk.bill(account, "10.00", vat="0")["number"]
    cmd = command(invoice)
    position = clerk.services.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as info:
        do(clerk, dc.CreateInstalmentPlan(account, *[getattr(cmd, f) for f in (
            "invoice_numbers", "instalments", "first_due", "interval_months", "interval_days",
            "interest_rate", "custom_amounts", "grace_days")]))
    assert info.value.field == field
    assert clerk.services.app.recorder.max_notification_id() == position


def test_italian_instalment_eligibility_against_the_last_12_months(clerk: Clerk) -> None:
    account = customer(clerk, "Irene Smeraldo")
    for month in (3, 5, 7):
        clerk.clock.today = date(2025, month, 1)
        clerk.bill(account, "100.00", vat="0")
    clerk.clock.today = date(2025, 9, 1)
    big = clerk.bill(account, "150.00", vat="0")["number"]
    app = clerk.services.app
    domestic = app.dunning.instalment_eligibility(account, big)
    assert (domestic["average_12_months"], domestic["bills_in_average"], domestic["domestic"],
            domestic["eligible"]) == (Decimal("100.00"), 3, True, True)
    # a non-domestic customer needs 250 %
    assert app.dunning.instalment_eligibility(account, big, domestic=False)["eligible"] is False
    company = customer(clerk, "Luce Srl", kind=PartnerKind.ORGANISATION)
    alone = clerk.bill(company, "60.00", vat="0")["number"]
    verdict = app.dunning.instalment_eligibility(company, alone)
    assert (verdict["domestic"], verdict["bills_in_average"], verdict["eligible"]) == (False, 0, True)
