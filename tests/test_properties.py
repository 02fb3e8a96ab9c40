"""Properties of the ledger on both stores, for random histories of bills, payments, credit notes,
reversals and clearing resets.

- every event that moves money carries postings whose debits equal credits;
- per account: projected balance == sum of open items == receivables postings (sub-ledger vs GL), and
  credit on account == the customer-credit postings, and both equal the aggregate's own state;
- replaying the same commands with the same idempotency keys adds nothing;
- rebuilding the view from position 0 gives identical rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.core.errors import DomainError
from ledger.core.money import ZERO, check_balanced
from ledger.payments import commands as pmt
from tests.clerk import Clerk, energy_line, key

cents = st.integers(min_value=1, max_value=50_000).map(lambda n: Decimal(n) / 100)


@dataclass(frozen=True)
class Bill:
    nets: tuple[Decimal, ...]
    vat: str


@dataclass(frozen=True)
class Pay:
    amount: Decimal
    name_invoice: int | None


@dataclass(frozen=True)
class Credit:
    invoice: int
    net: Decimal | None  # None: credit the whole invoice


@dataclass(frozen=True)
class Reverse:
    payment: int


@dataclass(frozen=True)
class Reset:
    payment: int


@dataclass(frozen=True)
class Wait:
    days: int


operations = st.one_of(
    st.builds(Bill, st.lists(cents, min_size=1, max_size=3).map(tuple), st.sampled_from(["0", "10", "22"])),
    st.builds(Pay, cents, st.none() | st.integers(0, 3)),
    st.builds(Credit, st.integers(0, 3), st.none() | cents),
    st.builds(Reverse, st.integers(0, 3)),
    st.builds(Reset, st.integers(0, 3)),
    st.builds(Wait, st.integers(1, 40)),
)

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _command(op: Any, account: Any, invoices: list[str], payments: list[str],
             clerk: Clerk) -> object | None:
    today = clerk.clock.today
    if isinstance(op, Bill):
        return ac.IssueInvoice(account, tuple(energy_line(str(n), op.vat) for n in op.nets), today)
    if isinstance(op, Pay):
        named = (invoices[op.name_invoice],) if op.name_invoice is not None and op.name_invoice < len(
            invoices) else ()
        return pmt.RecordPayment(account, op.amount, today, invoice_numbers=named)
    if isinstance(op, Credit) and op.invoice < len(invoices):
        lines = () if op.net is None else (energy_line(str(op.net), "0"),)
        return ac.IssueCreditNote(invoices[op.invoice], "correction", lines, today)
    if isinstance(op, Reverse) and op.payment < len(payments):
        return pmt.ReversePayment(account, payments[op.payment], "recalled", today)
    if isinstance(op, Reset) and op.payment < len(payments):
        return pmt.ResetClearing(account, payments[op.payment], "wrong item", today)
    if isinstance(op, Wait):
        clerk.clock.advance(op.days)
    return None


def _play(clerk: Clerk, ops: list[Any]) -> tuple[Any, list[tuple[str, object]]]:
    account = clerk.customer()
    invoices: list[str] = []
    payments: list[str] = []
    done: list[tuple[str, object]] = []
    for op in ops:
        command = _command(op, account, invoices, payments, clerk)
        if command is None:
            continue
        k = key("prop")
        position = clerk.services.app.recorder.max_notification_id()
        try:
            result = clerk.run(command, k)
        except DomainError:
            # A refusal (credit more than invoiced, reverse twice, ...) must leave the store untouched.
            assert clerk.services.app.recorder.max_notification_id() == position
            continue
        done.append((k, command))
        if "number" in result and isinstance(command, ac.IssueInvoice):
            invoices.append(result["number"])
        if "payment_id" in result and isinstance(command, pmt.RecordPayment):
            payments.append(result["payment_id"])
    return account, done


def _gl(clerk: Clerk, account: Any, gl_account: str) -> int:
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 1_000_000)
               if r[7] == str(account) and r[8] == gl_account)


@SETTINGS
@given(ops=st.lists(operations, min_size=3, max_size=20))
def test_random_histories_keep_the_books_straight(clerk: Clerk, ops: list[Any]) -> None:
    account_id, done = _play(clerk, ops)
    svc = clerk.services

    # Every money event in the store balances.
    for notification in svc.app.recorder.select_notifications(start=1, limit=1_000_000):
        event = svc.app.mapper.to_domain_event(notification)
        postings = getattr(event, "postings", None)
        if postings is not None:
            check_balanced(postings)

    # Sub-ledger, general ledger, aggregate and projection agree, to the cent.
    row = clerk.balance(account_id)
    open_items = sum(r[4] for r in svc.view.open_items(str(account_id)))
    account = svc.app.repository.get(account_id)
    assert isinstance(account, ContractAccount)
    assert row[4] == open_items == _gl(clerk, account_id, "receivables") == int(account.open_total * 100)
    assert row[5] == -_gl(clerk, account_id, "customer-credit") == int(account.credit * 100)
    assert account.credit >= ZERO and all(i.open_amount >= 0 for i in account.items.values())

    # The same commands with the same keys add nothing.
    position = svc.app.recorder.max_notification_id()
    for k, command in done:
        assert svc.app.execute(command, k)["replayed"] is True
    assert svc.app.recorder.max_notification_id() == position

    # Rebuilding from zero reproduces the view exactly.
    live = svc.view.dump()
    svc.projections.rebuild()
    assert svc.view.dump() == live
