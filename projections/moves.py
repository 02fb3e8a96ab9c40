"""What one account event does to the account's open items and credit, as a list of moves.

This is the one place that knows how each event opens, clears and reopens items and adds or takes credit:
the live view (:mod:`projections.ledger_view`) adds the moves up into its counters, stores them as rows
for the as-of queries (:mod:`projections.as_of`), and the as-of replay of an account
(:mod:`projections.history`) adds them up by business date. So "as of today, as known now" and the live
view cannot drift apart.

The business date each move counts from is :mod:`projections.dating`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import Allocation, OpenItem
from ledger.collections.account_part import DirectDebit

#: The fields that say on which business day an event that moves money happened, looked for in this order
#: (the journal books its postings on that day).
DATE_FIELDS = ("posted_on", "received_on", "reversed_on", "reset_on", "applied_on", "refunded_on",
               "allocated_on", "settled_on", "returned_on")
#: The same for events that move no money (locks, procedures, the end of a plan).
OTHER_DATE_FIELDS = ("set_on", "released_on", "assigned_on", "cancelled_on", "completed_on")


def cents(amount: Decimal) -> int:
    """Exact integer cents of a cent-quantised Decimal."""
    return int(amount * 100)


@dataclass(frozen=True, slots=True)
class Move:
    """A change of one open item (``item_id``) or of the credit on account (``item_id == ""``).

    ``opened`` is the item a move opens (its ``open_cents`` is then the item's amount).
    """

    item_id: str
    open_cents: int = 0
    credit_cents: int = 0
    opened: OpenItem | None = None


def business_date(event: Any) -> date | None:
    """The business day ``event`` happened on; None for events without one (an account opened, a mandate)."""
    for name in DATE_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value
    item = getattr(event, "item", None)
    if isinstance(item, OpenItem):
        return item.posted_on
    collection = getattr(event, "collection", None)
    if collection is not None:
        return collection.collection_date  # type: ignore[no-any-return]
    receipt = getattr(event, "receipt", None)
    if receipt is not None:
        return receipt.received_on  # type: ignore[no-any-return]
    for name in OTHER_DATE_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value
    return None


def _opening(item: OpenItem | None) -> list[Move]:
    return [] if item is None else [Move(item.item_id, cents(item.amount), opened=item)]


def _clearing(allocations: Sequence[Allocation], sign: int) -> list[Move]:
    return [Move(a.item_id, sign * cents(a.amount)) for a in allocations]


def _credit(amount: Decimal) -> list[Move]:
    return [Move("", credit_cents=cents(amount))] if amount else []


def account_moves(event: Any) -> list[Move]:
    """The moves of one contract-account event (none for events that move no item and no credit)."""
    a = ContractAccount
    if isinstance(event, a.InvoicePosted):
        return _opening(event.item)
    if isinstance(event, a.CreditNotePosted):
        return [*_clearing(event.allocations, -1), *_credit(event.to_credit)]
    if isinstance(event, a.PaymentReceived):
        return [*_clearing((*event.allocations, *event.written_off), -1), *_credit(event.to_credit)]
    if isinstance(event, a.PaymentReversed):
        return [*_clearing(event.reopened, +1), *_credit(-event.credit_back), *_opening(event.shortfall_item)]
    if isinstance(event, a.ClearingReset):
        return [*_clearing(event.reopened, +1), *_credit(event.credit_added)]
    if isinstance(event, a.CreditApplied):
        spent = sum((x.amount for x in event.allocations), Decimal(0))
        return [*_clearing(event.allocations, -1), *_credit(-spent)]
    if isinstance(event, DirectDebit.CollectionBooked):
        return _clearing(event.collection.allocations, -1)
    if isinstance(event, DirectDebit.CollectionReturned):
        return [*_clearing(event.reopened, +1), *_opening(event.fee_item)]
    if isinstance(event, DirectDebit.MandateSet | DirectDebit.CollectionSettled):
        return []
    # Any other account event that follows the item-change protocol (dunning steps, instalment plans):
    # ``opened_items`` (new open items), ``cleared`` and ``reopened`` (allocations), ``to_credit`` (credit
    # on account added: a deposit's rest kept for the customer) and ``credit_taken`` (credit paid out: a
    # refund of credit on account), all optional.
    return [*(m for item in getattr(event, "opened_items", ()) for m in _opening(item)),
            *_clearing(getattr(event, "cleared", ()), -1), *_clearing(getattr(event, "reopened", ()), +1),
            *_credit(getattr(event, "to_credit", Decimal(0)) - getattr(event, "credit_taken", Decimal(0)))]
