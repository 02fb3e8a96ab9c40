"""Properties of dunning and instalment plans on both stores, for random histories.

Random sequences of bills, payments, plan creations and cancellations, dunning runs, step reversals,
locks and waiting. Afterwards, per account:

- every money event balances, and balance == open items == receivables postings == the aggregate's own;
- the dunning state read through the repository, through the bulk loader, and by folding the account's
  events by hand are the same (replay gives the same dunning state);
- rebuilding the view from position 0 gives identical rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.dunning_run import run_dunning
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.core.errors import DomainError
from ledger.core.money import check_balanced
from ledger.dunning import LockKind
from ledger.dunning import commands as dc
from ledger.payments import commands as pmt
from projections.bulk_load import BulkLoader
from tests.clerk import Clerk, energy_line, key
from tests.dunning_flow.helpers import customer, do, gl

cents = st.integers(min_value=1, max_value=30_000).map(lambda n: Decimal(n) / 100)


@dataclass(frozen=True)
class Bill:
    net: Decimal


@dataclass(frozen=True)
class Pay:
    amount: Decimal


@dataclass(frozen=True)
class Plan:
    instalments: int
    first_in_days: int
    interest: bool


@dataclass(frozen=True)
class CancelPlan:
    pass


@dataclass(frozen=True)
class Dun:
    pass


@dataclass(frozen=True)
class ReverseLast:
    pass


@dataclass(frozen=True)
class Lock:
    days: int


@dataclass(frozen=True)
class Wait:
    days: int


bills = st.builds(Bill, cents)
waits = st.builds(Wait, st.integers(3, 30))
plans = st.builds(Plan, st.integers(1, 4), st.integers(0, 40), st.booleans())
# Weighted by repetition: histories need bills, time and runs for steps and plans to happen at all.
operations = st.one_of(bills, bills, waits, waits, waits, plans, plans, st.builds(Pay, cents),
                       st.just(CancelPlan()), st.just(Dun()), st.just(ReverseLast()), st.just(ReverseLast()),
                       st.builds(Lock, st.integers(1, 20)))

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _command(op: Any, account: Any, clerk: Clerk) -> object | None:
    today = clerk.clock.today
    loaded: ContractAccount = clerk.services.app.get(ContractAccount, account, "account", "account_id")
    if isinstance(op, Bill):
        return ac.IssueInvoice(account, (energy_line(str(op.net), "0"),), today)
    if isinstance(op, Pay):
        return pmt.RecordPayment(account, op.amount, today)
    if isinstance(op, Plan):
        numbers = tuple(i.document_number for i in loaded.open_items() if i.kind.value != "instalment")
        first_due = today + timedelta(days=op.first_in_days)
        return dc.CreateInstalmentPlan(account, numbers, op.instalments, first_due,
                                       interest_rate=Decimal("4.5") if op.interest else None)
    if isinstance(op, CancelPlan):
        return dc.CancelInstalmentPlan(account, "customer asked")
    if isinstance(op, ReverseLast):
        live = [s for s in loaded.dunning_steps if not s.reversed]
        return dc.ReverseDunningStep(account, live[-1].step_id if live else "none", "wrong")
    if isinstance(op, Lock):
        return dc.SetDunningLock(account, LockKind.MANUAL, "on hold", today + timedelta(days=op.days))
    if isinstance(op, Dun):
        run_dunning(clerk.services, today, execute=True)
    if isinstance(op, Wait):  # time passes and the daily run looks
        clerk.clock.advance(op.days)
        run_dunning(clerk.services, clerk.clock.today, execute=True)
    return None


def _summary(account: ContractAccount, today: Any) -> tuple[Any, ...]:
    state = account.dunning_state(today)
    return (state, account.dunning_steps, account.locks, account.plan, account.past_plans,
            account.dunning_level, account.last_dunning_on, account.interest_charged_until,
            account.dunned_items, sorted(account.items.items()))


@SETTINGS
@given(ops=st.lists(operations, min_size=5, max_size=20),
       procedure=st.sampled_from(["IT-POWER-LV", "FI-POWER"]))
def test_random_dunning_histories_keep_the_books_straight(clerk: Clerk, ops: list[Any],
                                                          procedure: str) -> None:
    account_id = customer(clerk, "Random Customer")
    svc = clerk.services
    do(clerk, dc.AssignDunningProcedure(account_id, procedure))  # FI charges a fee and interest at once
    for op in ops:
        command = _command(op, account_id, clerk)
        if command is None:
            continue
        position = svc.app.recorder.max_notification_id()
        try:
            do(clerk, command, key("dprop"))
        except DomainError:
            assert svc.app.recorder.max_notification_id() == position  # a refusal writes nothing
    run_dunning(svc, clerk.clock.today, execute=True)

    for notification in svc.app.recorder.select_notifications(start=1, limit=1_000_000):
        postings = getattr(svc.app.mapper.to_domain_event(notification), "postings", None)
        if postings:
            check_balanced(postings)

    row = clerk.balance(account_id)
    account: ContractAccount = svc.app.get(ContractAccount, account_id, "account", "account_id")
    open_items = sum(r[4] for r in svc.view.open_items(str(account_id)))
    assert row[4] == open_items == gl(clerk, account_id, "receivables") == int(account.open_total * 100)
    assert row[5] == -gl(clerk, account_id, "customer-credit") == int(account.credit * 100)
    assert all(i.open_amount >= 0 for i in account.items.values())
    if account.plan is not None:
        assert all(account.items[i].kind.value == "instalment" for i in account.plan.item_ids)

    # Replay: the repository, the bulk loader and a fold of the stored events agree on the dunning state.
    today = clerk.clock.today
    bulk = BulkLoader(svc.app)([account_id])[account_id]
    assert isinstance(bulk, ContractAccount)
    folded: Any = None
    for event in svc.app.events.get(account_id):
        folded = event.mutate(folded)
    assert _summary(account, today) == _summary(bulk, today) == _summary(folded, today)

    live = svc.view.dump()
    svc.projections.rebuild()
    assert svc.view.dump() == live
