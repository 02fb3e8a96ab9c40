"""Clearing (pareggio / conciliació / kohdistus): which open items a sum of money settles.

Pure functions over immutable records, so the policy can be read, tested and changed in one place.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO
from ledger.core.money import Allocation as Allocation  # clearing's word; defined in core for the store


class ItemKind(enum.Enum):
    """What an open item is for. Its position in :data:`DEFAULT_KIND_ORDER` is its clearing priority."""

    FEE = "fee"
    INTEREST = "interest"
    INVOICE = "invoice"
    INSTALMENT = "instalment"  # one rate of an instalment plan (rateizzazione)
    REVERSAL = "reversal"  # a reversed payment whose credit had already been used up
    DEPOSIT = "deposit"  # a security deposit billed as its own item (ledger.accounts.deposits)


#: Charges, then interest, then principal: the order Italian (art. 1194 c.c.) and most European civil
#: codes impose when the debtor does not say what they pay. Finance may configure another order.
DEFAULT_KIND_ORDER: tuple[ItemKind, ...] = (ItemKind.FEE, ItemKind.INTEREST, ItemKind.INVOICE,
                                            ItemKind.INSTALMENT, ItemKind.REVERSAL, ItemKind.DEPOSIT)


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A receivable on a contract account (partita aperta). ``seq`` orders items posted the same day."""

    item_id: str
    document_number: str
    kind: ItemKind
    amount: Decimal
    open_amount: Decimal
    due_date: date
    posted_on: date
    payment_reference: str | None
    seq: int

    @property
    def is_open(self) -> bool:
        return self.open_amount > 0


def clearing_order(items: Sequence[OpenItem],
                   kind_order: Sequence[ItemKind] = DEFAULT_KIND_ORDER) -> list[OpenItem]:
    """Open items oldest due first; same due date: fees, interest, principal; then posting order."""
    rank = {kind: i for i, kind in enumerate(kind_order)}
    return sorted((i for i in items if i.is_open),
                  key=lambda i: (i.due_date, rank.get(i.kind, len(rank)), i.seq))


def allocate(amount: Decimal, items: Sequence[OpenItem], named: Sequence[str] = (),
             kind_order: Sequence[ItemKind] = DEFAULT_KIND_ORDER, *,
             in_order: Iterable[OpenItem] | None = None) -> tuple[tuple[Allocation, ...], Decimal]:
    """Split ``amount`` over open items; return the allocations and the excess (credit on account).

    Named items are settled in the order given and the excess stays on account: the payer said what they
    pay, so we do not spend their money on other bills. An item named twice counts once, where it was
    first named. With no names, the oldest due items come first (``in_order``: the open items already in
    :func:`clearing_order`, taken one by one only as far as the money goes).

    >>> from datetime import date
    >>> d = Decimal
    >>> a = OpenItem("a", "INV-1", ItemKind.INVOICE, d("50.00"), d("50.00"), date(2026, 1, 31),
    ...              date(2026, 1, 1), None, 1)
    >>> b = OpenItem("b", "INV-2", ItemKind.INVOICE, d("80.00"), d("80.00"), date(2026, 2, 28),
    ...              date(2026, 2, 1), None, 2)
    >>> allocate(d("70.00"), [b, a])
    ((Allocation(item_id='a', amount=Decimal('50.00')), Allocation(item_id='b', amount=Decimal('20.00'))), Decimal('0.00'))
    >>> allocate(d("90.00"), [a, b], named=["b"])
    ((Allocation(item_id='b', amount=Decimal('80.00')),), Decimal('10.00'))
    >>> allocate(d("90.00"), [a, b], named=["b", "b"])
    ((Allocation(item_id='b', amount=Decimal('80.00')),), Decimal('10.00'))
    """
    targets: Iterable[OpenItem]
    if named:
        by_id = {item.item_id: item for item in items}
        targets = []
        for item_id in dict.fromkeys(named):
            item = by_id.get(item_id)
            if item is None:
                raise InvalidInput(f"open item {item_id} is not on this account", "items")
            targets.append(item)
    elif in_order is not None:
        targets = in_order
    else:
        targets = clearing_order(items, kind_order)
    remaining = amount
    allocations: list[Allocation] = []
    for item in targets:
        if remaining <= 0:
            break
        share = min(remaining, item.open_amount)
        if share > 0:
            allocations.append(Allocation(item.item_id, share))
            remaining -= share
    return tuple(allocations), remaining if remaining > 0 else ZERO


def apply_allocations(items: dict[str, OpenItem], allocations: Sequence[Allocation], sign: int) -> None:
    """Reduce (sign=-1) or reopen (sign=+1) the open amounts of ``items`` in place."""
    for a in allocations:
        item = items[a.item_id]
        open_amount = item.open_amount + sign * a.amount
        if open_amount < 0 or open_amount > item.amount:
            raise InvalidInput(f"allocation of {a.amount} does not fit open item {item.document_number}")
        items[a.item_id] = replace(item, open_amount=open_amount)


def total(allocations: Sequence[Allocation]) -> Decimal:
    return sum((a.amount for a in allocations), ZERO)
