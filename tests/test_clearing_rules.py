"""Clearing (pareggio / conciliació / kohdistus) as pure functions: which open items a sum settles.

Unit tests of :mod:`ledger.accounts.clearing` beside its doctests: the order items are cleared in (oldest
due first; on the same day fees, interest, principal; then as posted; a kind finance left out of its order
last), what a payer who names a bill gets, and the bounds an allocation must stay within.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.accounts.clearing import (
    Allocation,
    ItemKind,
    OpenItem,
    allocate,
    apply_allocations,
    clearing_order,
    total,
)
from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO

DUE = date(2026, 2, 28)


def item(item_id: str, open_amount: str, kind: ItemKind = ItemKind.INVOICE, due: date = DUE, seq: int = 1,
         amount: str | None = None) -> OpenItem:
    return OpenItem(item_id, f"DOC-{item_id}", kind, Decimal(amount or open_amount), Decimal(open_amount),
                    due, date(2026, 2, 1), None, seq)


def test_on_the_same_due_date_fees_and_interest_are_cleared_before_the_principal() -> None:
    items = [item("bill", "50.00", seq=1), item("interest", "1.20", ItemKind.INTEREST, seq=3),
             item("fee", "5.00", ItemKind.FEE, seq=2)]
    assert [i.item_id for i in clearing_order(items)] == ["fee", "interest", "bill"]
    allocations, _ = allocate(Decimal("6.00"), items)
    assert allocations == (Allocation("fee", Decimal("5.00")), Allocation("interest", Decimal("1.00")))


def test_an_older_bill_comes_before_a_newer_fee() -> None:
    items = [item("fee", "5.00", ItemKind.FEE, due=date(2026, 3, 31)), item("bill", "50.00")]
    assert [i.item_id for i in clearing_order(items)] == ["bill", "fee"]


def test_finance_may_order_the_kinds_otherwise_and_a_kind_it_leaves_out_comes_last() -> None:
    items = [item("instalment", "10.00", ItemKind.INSTALMENT, seq=1),
             item("fee", "5.00", ItemKind.FEE, seq=2), item("bill", "50.00", seq=3)]
    principal_first = (ItemKind.INVOICE, ItemKind.FEE)
    assert [i.item_id for i in clearing_order(items, principal_first)] == ["bill", "fee", "instalment"]
    allocations, excess = allocate(Decimal("52.00"), items, kind_order=principal_first)
    assert allocations == (Allocation("bill", Decimal("50.00")), Allocation("fee", Decimal("2.00")))
    assert excess == ZERO


def test_a_paid_item_named_by_the_payer_gets_nothing_and_the_money_stays_on_account() -> None:
    paid = item("paid", "0.00", amount="40.00")
    allocations, excess = allocate(Decimal("40.00"), [paid, item("other", "40.00", seq=2)], named=["paid"])
    assert (allocations, excess) == ((), Decimal("40.00"))


def test_naming_an_item_that_is_not_on_the_account_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="open item nowhere is not on this account") as refused:
        allocate(Decimal("10.00"), [item("bill", "50.00")], named=["nowhere"])
    assert refused.value.field == "items"


def test_the_excess_is_money_in_cents_even_when_nothing_is_left() -> None:
    _, excess = allocate(Decimal("80"), [item("bill", "80", amount="80")])
    assert str(excess) == "0.00"
    assert str(total(())) == "0.00" and total(()) == ZERO


def test_an_allocation_may_not_take_more_than_is_open_nor_reopen_more_than_the_bill() -> None:
    items = {"bill": item("bill", "30.00", amount="50.00")}
    apply_allocations(items, [Allocation("bill", Decimal("30.00"))], -1)
    assert items["bill"].open_amount == 0
    with pytest.raises(InvalidInput, match=r"allocation of 0\.01 does not fit open item DOC-bill"):
        apply_allocations(items, [Allocation("bill", Decimal("0.01"))], -1)
    apply_allocations(items, [Allocation("bill", Decimal("50.00"))], +1)
    assert items["bill"].open_amount == Decimal("50.00")
    with pytest.raises(InvalidInput, match=r"allocation of 0\.01 does not fit open item DOC-bill"):
        apply_allocations(items, [Allocation("bill", Decimal("0.01"))], +1)
    assert items["bill"].open_amount == Decimal("50.00")
