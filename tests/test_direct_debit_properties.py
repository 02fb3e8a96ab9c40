"""For random sequences of bills, collection runs, settlements, returns and payments, on both stores:
nothing is collected twice, and balances, open items, in-transit money and postings agree to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.collections import commands as d
from ledger.core.errors import DomainError
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from ledger.payments import commands as pmt
from tests.clerk import Clerk, key

REASONS = ("AM04", "MS02", "AC04", "MD01", "MD06", "AM05")


@dataclass(frozen=True)
class Bill:
    net: Decimal


@dataclass(frozen=True)
class Run:
    pass


@dataclass(frozen=True)
class Settle:
    pass


@dataclass(frozen=True)
class Return:
    which: int
    reason: str


@dataclass(frozen=True)
class Pay:
    amount: Decimal


@dataclass(frozen=True)
class Wait:
    days: int


cents = st.integers(min_value=100, max_value=20_000).map(lambda n: Decimal(n) / 100)
#: One billing cycle: a bill falls due, a run collects, then any of settlement, a return, a payment.
cycle = st.tuples(
    st.builds(Bill, cents),
    st.builds(Wait, st.integers(6, 20)),
    st.just(Run()),
    st.lists(
        st.one_of(
            st.just(Settle()),
            st.builds(Return, st.integers(0, 5), st.sampled_from(REASONS)),
            st.builds(Pay, cents),
            st.builds(Wait, st.integers(1, 10)),
        ),
        max_size=4,
    ),
).map(lambda t: [t[0], t[1], t[2], *t[3]])
operations = st.lists(cycle, min_size=1, max_size=4).map(lambda cycles: [op for c in cycles for op in c])


def _customer(clerk: Clerk) -> UUID:
    partner = clerk.run(
        pc.RegisterPartner(
            "Prop Erty", PartnerKind.PERSON, address=PostalAddress("Via Po 1", "10121", "Torino", "IT")
        )
    )
    account = UUID(
        clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "p",
                                         payment_terms_days=5))["account_id"]
    )
    clerk.run(
        d.RegisterMandate(
            account, f"UMR-{account.hex[:12]}", date(2026, 1, 1), "Prop", "IT60X0542811101000000123456"
        )
    )
    return account


def _gl(clerk: Clerk, account: UUID, name: str) -> int:
    return sum(
        r[9] - r[10]
        for r in clerk.services.view.journal(0, 1_000_000)
        if r[7] == str(account) and r[8] == name
    )


def _apply(clerk: Clerk, account: UUID, op: Any, collected: list[str]) -> None:
    today = clerk.clock.today
    if isinstance(op, Bill):
        clerk.run(
            ac.IssueInvoice(
                account, (ac.LineInput("x", "energy", Decimal(1), "kWh", op.net, Decimal(0)),), today
            )
        )
    elif isinstance(op, Run):
        proposal = dd.propose_run(clerk.services, today, today, key("run"))
        dd.execute_run(clerk.services, UUID(proposal["run_id"]))
        state = clerk.services.app.repository.get(account)
        collected[:] = list(state.collections)
    elif isinstance(op, Settle):
        dd.settle_due(clerk.services, today)
    elif isinstance(op, Return) and collected:
        e2e = collected[op.which % len(collected)]
        clerk.run(d.ReturnCollection(account, e2e, op.reason, today), f"return:{e2e}:{op.reason}")
    elif isinstance(op, Pay):
        clerk.run(pmt.RecordPayment(account, op.amount, today))
    elif isinstance(op, Wait):
        clerk.clock.advance(op.days)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_nothing_is_collected_twice_and_the_books_agree(clerk: Clerk, ops: list[Any]) -> None:
    account = _customer(clerk)
    collected: list[str] = []
    for op in ops:
        position = clerk.services.app.recorder.max_notification_id()
        try:
            _apply(clerk, account, op, collected)
        except DomainError:  # e.g. returning a collection twice: refused, and nothing written
            assert clerk.services.app.recorder.max_notification_id() == position
    clerk.services.projections.catch_up()
    state = clerk.services.app.repository.get(account)
    assert isinstance(state, ContractAccount)
    in_transit = [col for col in state.collections.values() if col.status == "pending"]
    returned = any(col.status == "returned" for col in state.collections.values())
    event(f"collections: {min(len(state.collections), 3)}, returned: {returned}")
    items = [a.item_id for col in in_transit for a in col.allocations]
    assert len(items) == len(set(items)), "an item is in two live collections"
    for col in in_transit:
        for a in col.allocations:
            assert state.items[a.item_id].open_amount + a.amount <= state.items[a.item_id].amount
    row = clerk.balance(account)
    open_cents = sum(r[4] for r in clerk.services.view.open_items(str(account)))
    assert row[4] == open_cents == _gl(clerk, account, "receivables") == int(state.open_total * 100)
    assert _gl(clerk, account, "dd-clearing") == sum(int(col.amount * 100) for col in in_transit)
    assert row[5] == -_gl(clerk, account, "customer-credit") == int(state.credit * 100)
