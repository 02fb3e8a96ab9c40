"""Account reads as of a business date and as known at a moment (issue 10, "as-of, both times"), on both
stores: the auditor's question, receipts dated before what they paid, collections rejected before their
date, dunning steps, locks and plans on the dates they held, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.collections import commands as d
from ledger.dunning import LockKind
from ledger.dunning import commands as dc
from ledger.payments import commands as pmt
from tests.auth import api_client
from tests.clerk import Clerk
from tests.dunning_flow.helpers import customer, dd_customer, do, dun

READS = ("balance", "open-items", "statement", "dunning", "instalment-plans")


@pytest.fixture
def http(clerk: Clerk) -> Iterator[TestClient]:
    with api_client(clerk.services, "auditor") as client:
        yield client


def read(http: TestClient, account: UUID, what: str, as_of: date | None = None,
         known_at: datetime | None = None) -> Any:
    params = [f"as_of={as_of.isoformat()}"] if as_of else []
    params += [f"known_at={quote(known_at.isoformat())}"] if known_at else []
    response = http.get(f"/accounts/{account}/{what}" + ("?" + "&".join(params) if params else ""))
    assert response.status_code == 200, response.text
    return response.json()


def now() -> datetime:
    return datetime.now(UTC)


def test_the_auditors_question_31_december_as_known_on_15_january(clerk: Clerk, http: TestClient) -> None:
    clerk.clock.today = date(2026, 12, 1)
    account = customer(clerk, "Giulia Bianchi", terms_days=20)
    invoice = clerk.bill(account, "100.00", vat="0")["number"]  # due 21 December
    clerk.clock.today = date(2027, 1, 15)
    on_15_january = now()
    # The bank statement of 30 December arrives late and is booked on 16 January.
    clerk.clock.today = date(2027, 1, 16)
    do(clerk, pmt.RecordPayment(account, Decimal("100.00"), date(2026, 12, 30)))

    as_known_then = read(http, account, "balance", date(2026, 12, 31), on_15_january)
    assert (as_known_then["balance"], as_known_then["overdue"], as_known_then["as_of"]) == (
        "100.00", "100.00", "2026-12-31")
    assert [i["document_number"] for i in read(http, account, "open-items", date(2026, 12, 31),
                                                 on_15_january)] == [invoice]
    as_known_now = read(http, account, "balance", date(2026, 12, 31))
    assert (as_known_now["balance"], as_known_now["overdue"]) == ("0.00", "0.00")
    assert read(http, account, "open-items", date(2026, 12, 31)) == []
    day_before = read(http, account, "balance", date(2026, 12, 29))
    assert (day_before["balance"], day_before["overdue"]) == ("100.00", "100.00")
    statement = read(http, account, "statement", date(2026, 12, 31))
    assert [(s["booking_date"], s["amount"], s["running_balance"]) for s in statement] == [
        ("2026-12-01", "100.00", "100.00"), ("2026-12-30", "-100.00", "0.00")]
    assert len(read(http, account, "statement", date(2026, 12, 31), on_15_january)) == 1
    dunning = read(http, account, "dunning", date(2026, 12, 31), on_15_january)
    assert (dunning["as_of"], dunning["overdue"], dunning["overdue_items"]) == ("2026-12-31", "100.00", 1)
    assert read(http, account, "dunning", date(2026, 12, 31))["overdue"] == "0.00"


def test_a_receipt_dated_before_the_invoice_it_paid_is_credit_until_the_invoice(
        clerk: Clerk, http: TestClient) -> None:
    account = customer(clerk, "Pere Soler")
    clerk.clock.today = date(2026, 3, 10)
    clerk.bill(account, "50.00", vat="0")
    # Money that came in on 5 March, imported after the invoice of 10 March and matched to it.
    do(clerk, pmt.RecordPayment(account, Decimal("50.00"), date(2026, 3, 5)))
    on_7 = read(http, account, "balance", date(2026, 3, 7))
    assert (on_7["balance"], on_7["open_items_total"], on_7["credit"]) == ("-50.00", "0.00", "50.00")
    assert read(http, account, "statement", date(2026, 3, 7))[-1]["running_balance"] == "-50.00"
    assert read(http, account, "open-items", date(2026, 3, 7)) == []
    on_10 = read(http, account, "balance", date(2026, 3, 10))
    assert (on_10["balance"], on_10["credit"]) == ("0.00", "0.00")
    assert read(http, account, "statement", date(2026, 3, 10))[-1]["running_balance"] == "0.00"
    assert read(http, account, "balance") == on_10  # and that is the live answer today


def test_a_reversal_dated_before_its_payment_counts_from_the_payment(clerk: Clerk, http: TestClient) -> None:
    account = customer(clerk, "Olga Ferri")
    clerk.bill(account, "100.00", vat="0")  # 1 March
    clerk.clock.today = date(2026, 3, 10)
    payment = clerk.pay(account, "100.00")["payment_id"]
    do(clerk, pmt.ReversePayment(account, payment, "booked on the wrong account", date(2026, 3, 5)))
    for day in (date(2026, 3, 4), date(2026, 3, 7), date(2026, 3, 10)):
        owed = "100.00"  # never 200.00: the reversal does not reopen what was not yet paid
        assert read(http, account, "balance", day)["balance"] == owed, day
        assert read(http, account, "statement", day)[-1]["running_balance"] == owed, day
        assert [i["open_amount"] for i in read(http, account, "open-items", day)] == [owed], day
        assert read(http, account, "dunning", day)["as_of"] == day.isoformat()


def test_a_collection_rejected_before_its_date_is_neither_as_of_the_days_between(
        clerk: Clerk, http: TestClient) -> None:
    account = dd_customer(clerk, "Anna Verdi", "UMR-ASOF-1")
    clerk.bill(account, "80.00", vat="0")  # 1 March, due 11 March
    clerk.clock.today = date(2026, 3, 6)
    candidates = (account,)
    run = do(clerk, d.ProposeCollectionRun(date(2026, 3, 11), date(2026, 3, 11), candidates))
    do(clerk, d.ExecuteCollectionRun(UUID(run["run_id"])))
    e2e = next(iter(clerk.services.app.repository.get(account).collections))
    do(clerk, d.ReturnCollection(account, e2e, "AC04", date(2026, 3, 8)))  # a pain.002 reject, early
    on_7 = read(http, account, "dunning", date(2026, 3, 7))
    assert (on_7["overdue"], on_7["level"]) == ("0.00", 0)
    assert [i["open_amount"] for i in read(http, account, "open-items", date(2026, 3, 7))] == ["80.00"]
    assert read(http, account, "balance", date(2026, 3, 9))["balance"] == "80.00"
    # From the collection date on, the reject counts: the invoice is open again, with the return fee.
    on_12 = read(http, account, "open-items", date(2026, 3, 12))
    assert [(i["kind"], i["open_amount"]) for i in on_12] == [("fee", "3.50"), ("invoice", "80.00")]
    assert read(http, account, "statement", date(2026, 3, 9))[-1]["running_balance"] == "80.00"
    assert read(http, account, "statement", date(2026, 3, 11))[-1]["running_balance"] == "83.50"
    assert read(http, account, "balance", date(2026, 3, 11))["balance"] == "83.50"


def test_dunning_steps_locks_and_plans_as_they_stood_on_each_day(clerk: Clerk, http: TestClient) -> None:
    account = customer(clerk, "Marco Neri", terms_days=10)
    invoice = clerk.bill(account, "200.00", vat="0")["number"]  # 1 March, due 11 March
    clerk.clock.today = date(2026, 3, 18)
    assert dun(clerk)["steps"] == 1  # the reminder, on the 18th
    clerk.clock.today = date(2026, 3, 20)
    lock = do(clerk, dc.SetDunningLock(account, LockKind.DISPUTE, "meter disputed", None, None))
    clerk.clock.today = date(2026, 3, 25)
    do(clerk, dc.ReleaseDunningLock(account, lock["lock_id"], "meter checked"))
    clerk.clock.today = date(2026, 4, 1)
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 2, date(2026, 4, 15)))
    clerk.clock.today = date(2026, 4, 5)
    do(clerk, dc.CancelInstalmentPlan(account, "customer asked", plan["plan_id"]))

    def dunning(day: date) -> Any:
        return read(http, account, "dunning", day)

    assert (dunning(date(2026, 3, 17))["level"], dunning(date(2026, 3, 17))["steps"]) == (0, [])
    reminded = dunning(date(2026, 3, 18))
    assert (reminded["level"], reminded["last_step_on"]) == (1, "2026-03-18")
    assert [x["kind"] for x in dunning(date(2026, 3, 19))["locks"]] == []
    assert [x["kind"] for x in dunning(date(2026, 3, 22))["locks"]] == ["dispute"]
    assert [x["kind"] for x in dunning(date(2026, 3, 26))["locks"]] == []
    assert read(http, account, "instalment-plans", date(2026, 3, 31)) == []
    live_then = read(http, account, "instalment-plans", date(2026, 4, 2))
    assert [(p["number"], p["status"], p["ended_on"]) for p in live_then] == [(plan["number"], "live", None)]
    assert dunning(date(2026, 4, 2))["plan"]["number"] == plan["number"]
    assert [i["kind"] for i in read(http, account, "open-items", date(2026, 4, 2))] == ["instalment"] * 2
    ended = read(http, account, "instalment-plans", date(2026, 4, 5))
    assert [(p["status"], p["ended_on"]) for p in ended] == [("cancelled", "2026-04-05")]
    assert ended == read(http, account, "instalment-plans")
    assert dunning(date(2026, 4, 5)) == read(http, account, "dunning")


def _aged(http: TestClient, query: str) -> Any:
    response = http.get(f"/reports/aged-receivables?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_aged_receivables_by_days_past_due_reconcile_to_the_open_items(clerk: Clerk,
                                                                     http: TestClient) -> None:
    day = date(2026, 9, 30)
    clerk.clock.today = day - timedelta(days=120)
    first, second = customer(clerk, "Primo"), customer(clerk, "Secondo")
    for days_past_due, net in ((0, "1.00"), (1, "2.00"), (30, "4.00"), (31, "8.00"), (60, "16.00"),
                               (61, "32.00"), (90, "64.00"), (91, "128.00")):
        clerk.bill(first, net, vat="0", due=day - timedelta(days=days_past_due))
    clerk.bill(second, "10.00", vat="0", due=day + timedelta(days=5))
    clerk.clock.today = day
    clerk.pay(second, "15.00")  # 5.00 left as credit on account
    before_payment = now()
    clerk.pay(first, "1.00")  # clears the oldest item's first euro
    report = _aged(http, f"as_of={day.isoformat()}")
    rows = {r["account_id"]: r for r in report["accounts"]}
    buckets = ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90", "total", "credit")
    assert [rows[str(first)][b] for b in buckets] == ["1.00", "6.00", "24.00", "96.00", "127.00", "254.00",
                                                      "0.00"]
    assert [rows[str(second)][b] for b in buckets] == ["0.00"] * 6 + ["5.00"]
    for account in (first, second):
        open_items = read(http, account, "open-items", day)
        assert Decimal(rows[str(account)]["total"]) == sum(Decimal(i["open_amount"]) for i in open_items)
    (eur,) = report["totals"]
    assert (eur["currency"], eur["accounts"], eur["total"], eur["credit"]) == ("EUR", 2, "254.00", "5.00")
    assert (report["company"], report["as_of"], report["next_after"]) == ("Saldo Demo Energia", "2026-09-30",
                                                                         None)
    earlier = _aged(http, f"as_of={day.isoformat()}&known_at={quote(before_payment.isoformat())}&"
                          f"account={first}")
    assert [r["account_id"] for r in earlier["accounts"]] == [str(first)]
    assert (earlier["accounts"][0]["days_over_90"], earlier["totals"][0]["total"]) == ("128.00", "255.00")
    a_month_before = _aged(http, f"as_of={(day - timedelta(days=30)).isoformat()}&account={first}")
    assert a_month_before["accounts"][0]["not_due"] == "7.00"  # due on or after that day: 1 + 2 + 4


def test_aged_receivables_pages_by_account_and_totals_every_account(clerk: Clerk, http: TestClient) -> None:
    accounts = sorted(str(customer(clerk, f"Cliente {n}")) for n in range(3))
    for account in accounts:
        clerk.bill(UUID(account), "10.00", vat="0")
    first = _aged(http, "limit=2")
    assert [r["account_id"] for r in first["accounts"]] == accounts[:2]
    assert first["next_after"] == accounts[1] and first["totals"][0]["total"] == "30.00"
    rest = _aged(http, f"limit=2&after={first['next_after']}")
    assert [r["account_id"] for r in rest["accounts"]] == accounts[2:] and rest["next_after"] is None


def test_as_of_today_and_known_now_is_the_live_read(clerk: Clerk, http: TestClient) -> None:
    account = customer(clerk, "Sara Blu")
    clerk.bill(account, "70.00")
    clerk.clock.advance(40)
    clerk.pay(account, "20.00")
    for what in READS:
        live = read(http, account, what)
        assert read(http, account, what, clerk.clock.today, now()) == live
        assert read(http, account, what, clerk.clock.today) == live
        assert read(http, account, what, known_at=now()) == live


@pytest.mark.parametrize("query, field", [
    ("known_at=2999-01-01T00:00:00Z", "query.known_at"),
    ("known_at=2026-03-01T10:00:00", "query.known_at"),
    ("known_at=yesterday", "query.known_at"),
    ("as_of=2026-02-30", "query.as_of"),
    ("as_of=31/12/2026", "query.as_of"),
])
def test_a_bad_or_future_point_in_time_is_refused_naming_the_parameter(
        clerk: Clerk, http: TestClient, query: str, field: str) -> None:
    account = customer(clerk, "Luca Gialli")
    for path in [f"/accounts/{account}/{what}" for what in READS] + ["/reports/aged-receivables"]:
        response = http.get(f"{path}?{query}")
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_account_not_yet_recorded_then_or_never_is_not_found(clerk: Clerk, http: TestClient) -> None:
    before = now()
    account = customer(clerk, "Nuovo Cliente")
    for what in READS:
        response = http.get(f"/accounts/{account}/{what}?known_at={quote(before.isoformat())}")
        assert response.status_code == 404, response.text
        assert response.json()["errors"] == [{"field": "account_id", "reason": response.json()["detail"]}]
        assert "not yet recorded" in response.json()["detail"]
        unknown = http.get(f"/accounts/{UUID(int=7)}/{what}?as_of=2026-03-01")
        assert unknown.status_code == 404 and "does not exist" in unknown.json()["detail"]
    assert http.get(f"/reports/aged-receivables?account={UUID(int=7)}").status_code == 404
