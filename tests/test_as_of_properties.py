"""For random histories over several days, on both stores: asked afterwards for a business date and a
recording moment, every account read answers what the live read answered at that moment.

After each step (bills, payments, reversals, credit notes, direct-debit collections, settlements and
returns, dunning runs, instalment plans, days passing; some receipts dated days before they are booked)
the test captures the live balance, open items,
statement, dunning state and instalment plans of two accounts (one paying by direct debit), with the
business date and the moment. At the end it asks each again with ``?as_of=<that day>&known_at=<that
moment>`` and wants the same answer; the aged receivables report asked then must be the one asked at that
moment, and its buckets must add up to the open items. Asked as known now, every day's balance must be
the journal's (the statement's running balance) and the open items' total.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from api.dunning_run import run_dunning
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.core.errors import DomainError
from ledger.dunning import commands as dc
from ledger.payments import commands as pmt
from tests.auth import api_client
from tests.clerk import Clerk, energy_line, key
from tests.dunning_flow.helpers import customer, dd_customer

READS = ("balance", "open-items", "statement", "dunning", "instalment-plans")


@dataclass(frozen=True)
class Bill:
    who: int
    net: Decimal


@dataclass(frozen=True)
class Pay:
    who: int
    amount: Decimal
    days_back: int = 0  # a receipt dated before the day it is booked (a late bank statement)


@dataclass(frozen=True)
class Reverse:
    who: int
    which: int


@dataclass(frozen=True)
class Credit:
    which: int


@dataclass(frozen=True)
class Collect:
    pass


@dataclass(frozen=True)
class Settle:
    pass


@dataclass(frozen=True)
class Return:
    which: int
    reason: str


@dataclass(frozen=True)
class Dun:
    pass


@dataclass(frozen=True)
class Plan:
    pass


@dataclass(frozen=True)
class Wait:
    days: int


amounts = st.integers(min_value=100, max_value=30_000).map(lambda n: Decimal(n) / 100)
who = st.integers(0, 1)
step = st.one_of(
    st.builds(Bill, who, amounts), st.builds(Pay, who, amounts, st.integers(0, 45)),
    st.builds(Reverse, who, st.integers(0, 5)),
    st.builds(Credit, st.integers(0, 5)), st.just(Collect()), st.just(Settle()),
    st.builds(Return, st.integers(0, 5), st.sampled_from(("AM04", "MS02", "AC04", "MD06"))),
    st.just(Dun()), st.just(Plan()), st.builds(Wait, st.integers(1, 40)),
)
#: One billing cycle: both accounts are billed, days pass, then anything (a payment and a collection first).
cycle = st.tuples(amounts, amounts, st.integers(5, 40), st.lists(step, min_size=1, max_size=5)).map(
    lambda t: [Bill(0, t[0]), Bill(1, t[1]), Wait(t[2]), Pay(0, t[0] / 2), Collect(), *t[3]])
histories = st.lists(cycle, min_size=1, max_size=3).map(lambda cycles: [op for c in cycles for op in c])


@dataclass
class World:
    clerk: Clerk
    accounts: tuple[UUID, UUID]  # bank transfer, direct debit
    payments: tuple[list[str], list[str]]
    invoices: list[str]
    collections: list[tuple[UUID, str]]


def _apply(w: World, op: Any) -> None:
    clerk, today = w.clerk, w.clerk.clock.today
    if isinstance(op, Bill):
        result = clerk.run(ac.IssueInvoice(w.accounts[op.who], (energy_line(str(op.net)),), today))
        w.invoices.append(result["number"])
    elif isinstance(op, Pay):
        received_on = today - timedelta(days=op.days_back)
        result = clerk.run(pmt.RecordPayment(w.accounts[op.who], op.amount, received_on))
        w.payments[op.who].append(result["payment_id"])
    elif isinstance(op, Reverse) and w.payments[op.who]:
        payment = w.payments[op.who][op.which % len(w.payments[op.who])]
        clerk.run(pmt.ReversePayment(w.accounts[op.who], payment, "bank recall"), f"reverse:{payment}")
    elif isinstance(op, Credit) and w.invoices:
        number = w.invoices[op.which % len(w.invoices)]
        clerk.run(ac.IssueCreditNote(number, "reading corrected", issue_date=today), f"credit:{number}")
    elif isinstance(op, Collect):
        run = dd.propose_run(clerk.services, today, today, key("run"))
        dd.execute_run(clerk.services, UUID(run["run_id"]))
        state = clerk.services.app.repository.get(w.accounts[1])
        w.collections[:] = [(w.accounts[1], e2e) for e2e in state.collections]
    elif isinstance(op, Settle):
        dd.settle_due(clerk.services, today)
    elif isinstance(op, Return) and w.collections:
        account, e2e = w.collections[op.which % len(w.collections)]
        clerk.run(d.ReturnCollection(account, e2e, op.reason, today), f"return:{e2e}:{op.reason}")
    elif isinstance(op, Dun):
        run_dunning(clerk.services, today, execute=True)
    elif isinstance(op, Plan):
        open_invoices = tuple(r[1] for r in clerk.services.view.open_items(str(w.accounts[0]))
                              if r[2] == "invoice")
        clerk.run(dc.CreateInstalmentPlan(w.accounts[0], open_invoices, 2, today + timedelta(days=10)))
    elif isinstance(op, Wait):
        clerk.clock.advance(op.days)


def _reads(http: TestClient, accounts: tuple[UUID, ...], query: str = "") -> dict[str, Any]:
    answers = {}
    for account in accounts:
        for read in READS:
            response = http.get(f"/accounts/{account}/{read}{query}")
            assert response.status_code == 200, response.text
            answers[f"{account}/{read}"] = response.json()
    return answers


def _query(day: date, moment: datetime) -> str:
    return f"?as_of={day.isoformat()}&known_at={quote(moment.isoformat())}"


def _aged(http: TestClient, day: date, moment: datetime) -> Any:
    response = http.get(f"/reports/aged-receivables{_query(day, moment)}")
    assert response.status_code == 200, response.text
    return response.json()


def _reconciles(report: Any, live: dict[str, Any], accounts: tuple[UUID, ...]) -> None:
    rows = {r["account_id"]: r for r in report["accounts"]}
    for account in accounts:
        open_total = sum(Decimal(i["open_amount"]) for i in live[f"{account}/open-items"])
        row = rows.get(str(account))
        assert (Decimal(row["total"]) if row else Decimal(0)) == open_total
        if row:
            buckets = ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
            assert sum(Decimal(row[b]) for b in buckets) == Decimal(row["total"])
            assert Decimal(row["credit"]) == Decimal(live[f"{account}/balance"]["credit"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=histories)
def test_as_of_and_known_at_answer_what_the_live_reads_answered_then(clerk: Clerk, ops: list[Any]) -> None:
    http = api_client(clerk.services, "auditor")
    tag = key("asof")
    accounts = (customer(clerk, f"Bonifico {tag}"), dd_customer(clerk, f"Addebito {tag}", f"UMR-{tag}"))
    w = World(clerk, accounts, ([], []), [], [])
    captured: list[tuple[date, datetime, dict[str, Any], Any]] = []
    written: set[str] = set()
    for op in ops:
        position = clerk.services.app.recorder.max_notification_id()
        with suppress(DomainError):  # refused (nothing to collect, no open invoice to plan): nothing written
            _apply(w, op)
        if clerk.services.app.recorder.max_notification_id() != position:
            written.add(type(op).__name__)
        clerk.services.projections.catch_up()
        day, moment = clerk.clock.today, datetime.now(UTC)
        live = _reads(http, accounts)
        report = _aged(http, day, moment)
        _reconciles(report, live, accounts)
        captured.append((day, moment, live, report))
    for name in sorted(written):
        event(name)
    for day, moment, live, report in captured:
        assert _reads(http, accounts, _query(day, moment)) == live
        assert _aged(http, day, moment) == report
    day, _, live, _ = captured[-1]
    assert _reads(http, accounts, f"?as_of={day.isoformat()}") == live  # known_at: now
    for day, *_ in captured:  # as known now, every earlier day agrees with the journal of that day
        _agrees_with_the_journal(http, accounts, day)


def _agrees_with_the_journal(http: TestClient, accounts: tuple[UUID, ...], day: date) -> None:
    for account in accounts:
        answers = _reads(http, (account,), f"?as_of={day.isoformat()}")
        balance, items = answers[f"{account}/balance"], answers[f"{account}/open-items"]
        statement = answers[f"{account}/statement"]
        assert Decimal(balance["balance"]) == Decimal(statement[-1]["running_balance"] if statement else 0)
        assert Decimal(balance["open_items_total"]) == sum(Decimal(i["open_amount"]) for i in items)
        assert all(0 < Decimal(i["open_amount"]) <= Decimal(i["amount"]) for i in items)
        assert Decimal(answers[f"{account}/dunning"]["overdue"]) == Decimal(balance["overdue"])
