"""The bookkeeping of a payment on the contract account: receipt, reversal (storno) and clearing reset.

Aggregate-level tests of :mod:`ledger.accounts.payments_received` (no store): every entry balances, every
line of the customer's sub-ledger (receivables, customer credit, payment differences) names the account and
the document it books, the bank line is a general-ledger line of no account, and a difference written off
within the tolerance comes back when the payment is reversed or its clearing is reset.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import Allocation
from ledger.accounts.terms import PaymentMethod
from ledger.core import chart
from ledger.core.errors import Conflict
from ledger.core.money import Posting, Side, check_balanced

DAY = date(2026, 3, 2)
BANK = chart.bank("IT60X0542811101000000123456")
TOLERANCE = Decimal("0.50")


def account_with(*grosses: str) -> tuple[ContractAccount, list[str]]:
    account = ContractAccount(uuid4(), uuid4(), "Anna home", "EUR", 14, PaymentMethod.BANK_TRANSFER)
    item_ids = []
    for n, gross in enumerate(grosses, start=1):
        document = uuid4()
        amount = Decimal(gross)
        revenue = (Posting.credit("revenue:energy", amount),)
        account.post_invoice(document, f"INV-2026-{n:06d}", amount, revenue, DAY, date(2026, 3, 16 + n), None)
        item_ids.append(document.hex)
    account.collect_events()
    return account, item_ids


def postings_of_last_event(account: ContractAccount) -> tuple[Posting, ...]:
    (event,) = account.collect_events()
    postings: tuple[Posting, ...] = event.postings  # type: ignore[attr-defined]
    check_balanced(postings)
    return postings


def lines(postings: tuple[Posting, ...]) -> dict[tuple[str, Side], Decimal]:
    return {(p.account, p.side): p.amount for p in postings}


def assert_sub_ledger_lines_name_the_account(account: ContractAccount, postings: tuple[Posting, ...],
                                             document: str) -> None:
    for p in postings:
        assert p.document == document, p
        expected = None if p.account == BANK else account.key
        assert p.contract_account_id == expected, p


def pay(account: ContractAccount, amount: str, payment_id: str = "p1") -> tuple[Posting, ...]:
    account.receive_payment(payment_id, Decimal(amount), "EUR", DAY, BANK, tolerance=TOLERANCE)
    return postings_of_last_event(account)


def test_a_receipt_books_bank_against_receivables_and_the_excess_as_credit_of_the_account() -> None:
    account, _ = account_with("80.00")
    postings = pay(account, "100.00")
    assert lines(postings) == {(BANK, Side.DEBIT): Decimal("100.00"),
                               (chart.RECEIVABLES, Side.CREDIT): Decimal("80.00"),
                               (chart.CUSTOMER_CREDIT, Side.CREDIT): Decimal("20.00")}
    assert_sub_ledger_lines_name_the_account(account, postings, "PAY-p1")


def test_a_short_payment_within_the_tolerance_writes_the_rest_off_on_the_account() -> None:
    account, (item,) = account_with("80.00")
    postings = pay(account, "79.60")
    assert lines(postings) == {(BANK, Side.DEBIT): Decimal("79.60"),
                               (chart.PAYMENT_DIFFERENCES, Side.DEBIT): Decimal("0.40"),
                               (chart.RECEIVABLES, Side.CREDIT): Decimal("80.00")}
    assert_sub_ledger_lines_name_the_account(account, postings, "PAY-p1")
    assert account.payments["p1"].written_off == (Allocation(item, Decimal("0.40")),)
    assert account.balance == 0


def test_a_payment_of_exactly_what_is_open_writes_nothing_off() -> None:
    account, _ = account_with("80.00")
    postings = pay(account, "80.00")
    assert account.payments["p1"].written_off == ()
    assert {p.account for p in postings} == {BANK, chart.RECEIVABLES}


def test_reversing_a_payment_with_a_write_off_reopens_the_item_in_full() -> None:
    account, (item,) = account_with("80.00")
    pay(account, "79.60")
    account.reverse_payment("p1", DAY, "bank recall")
    postings = postings_of_last_event(account)
    assert lines(postings) == {(chart.RECEIVABLES, Side.DEBIT): Decimal("80.00"),
                               (BANK, Side.CREDIT): Decimal("79.60"),
                               (chart.PAYMENT_DIFFERENCES, Side.CREDIT): Decimal("0.40")}
    assert_sub_ledger_lines_name_the_account(account, postings, "REV-p1")
    assert account.items[item].open_amount == Decimal("80.00") and account.balance == Decimal("80.00")


def test_reversing_a_payment_that_left_credit_takes_the_credit_back() -> None:
    account, _ = account_with("80.00")
    pay(account, "100.00")
    account.reverse_payment("p1", DAY, "booked on the wrong account")
    postings = postings_of_last_event(account)
    assert lines(postings) == {(chart.RECEIVABLES, Side.DEBIT): Decimal("80.00"),
                               (chart.CUSTOMER_CREDIT, Side.DEBIT): Decimal("20.00"),
                               (BANK, Side.CREDIT): Decimal("100.00")}
    assert_sub_ledger_lines_name_the_account(account, postings, "REV-p1")
    assert (account.credit, account.balance) == (0, Decimal("80.00"))


def test_a_reversed_payment_is_remembered_clearing_nothing_and_cannot_be_reversed_again() -> None:
    account, _ = account_with("80.00")
    pay(account, "100.00")
    account.reverse_payment("p1", DAY, "bank recall")
    account.collect_events()
    remembered = account.payments["p1"]
    assert (remembered.payment_id, remembered.amount, remembered.source_account) == ("p1", Decimal("100.00"),
                                                                                       BANK)
    assert (remembered.allocations, remembered.to_credit, remembered.written_off) == ((), 0, ())
    assert remembered.reversed
    with pytest.raises(Conflict, match="already reversed"):
        account.reverse_payment("p1", DAY, "twice")
    with pytest.raises(Conflict, match="already reversed"):
        account.reset_clearing("p1", DAY, "after the reversal")


def test_resetting_a_clearing_with_a_write_off_reopens_the_item_in_full_and_keeps_the_money() -> None:
    account, (item,) = account_with("80.00")
    pay(account, "79.60")
    account.reset_clearing("p1", DAY, "wrong invoice")
    postings = postings_of_last_event(account)
    assert lines(postings) == {(chart.RECEIVABLES, Side.DEBIT): Decimal("80.00"),
                               (chart.CUSTOMER_CREDIT, Side.CREDIT): Decimal("79.60"),
                               (chart.PAYMENT_DIFFERENCES, Side.CREDIT): Decimal("0.40")}
    assert_sub_ledger_lines_name_the_account(account, postings, "RST-p1")
    assert account.items[item].open_amount == Decimal("80.00")
    assert (account.credit, account.balance) == (Decimal("79.60"), Decimal("0.40"))


def test_a_reset_payment_is_all_credit_and_its_reversal_takes_all_of_it_back() -> None:
    account, _ = account_with("80.00")
    pay(account, "100.00")
    account.reset_clearing("p1", DAY, "wrong invoice")
    postings = postings_of_last_event(account)
    assert_sub_ledger_lines_name_the_account(account, postings, "RST-p1")
    remembered = account.payments["p1"]
    assert (remembered.payment_id, remembered.allocations) == ("p1", ())
    assert remembered.to_credit == Decimal("100.00")
    account.reverse_payment("p1", DAY, "bank recall")
    postings = postings_of_last_event(account)
    assert lines(postings) == {(chart.CUSTOMER_CREDIT, Side.DEBIT): Decimal("100.00"),
                               (BANK, Side.CREDIT): Decimal("100.00")}
    assert (account.credit, account.balance) == (0, Decimal("80.00"))


def test_a_clearing_is_reset_once() -> None:
    account, _ = account_with("80.00")
    pay(account, "80.00")
    account.reset_clearing("p1", DAY, "wrong invoice")
    account.collect_events()
    with pytest.raises(Conflict, match="no clearing to reset"):
        account.reset_clearing("p1", DAY, "again")
