"""Which of a contract account's records its snapshot may leave out (issue 12): settled for good.

Only a question of cost: an archived record is fetched back, with the whole history, the moment anything
asks for it (:mod:`ledger.core.archive`), so a rule that archives too much makes some commands slower, never
wrong. The rule keeps live what the everyday commands touch: open items, and cleared ones that a payment
still live, a plan, a dunning episode, a lock or a direct debit names (a reversal, a return, a plan's
cancellation would reopen them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ledger.accounts.clearing import OpenItem
from ledger.accounts.payments_received import ReceivedPayment
from ledger.core.archive import live_values, named, with_ids

__all__ = ["ARCHIVE_NAMES", "live_values", "named", "settled_for_good", "with_ids"]

#: Items are looked up by document number too (a payer names the invoices): see ledger.core.archive.named.
ARCHIVE_NAMES = {"items": "document_number"}


def _named_elsewhere(account: Any) -> set[str]:
    """Item ids the account's other parts name: dunned, locked, in a plan, collected by direct debit."""
    named: set[str] = set(getattr(account, "dunned_items", ()))
    named.update(h.lock.item_id for h in getattr(account, "locks", ()) if h.lock.item_id is not None)
    plan = getattr(account, "plan", None)
    if plan is not None:
        named.update(plan.item_ids)
        named.update(a.item_id for a in plan.originals)
    named.update(getattr(account, "dd_attempts", {}))
    named.update(getattr(account, "dd_blocked", ()))
    for collection in live_values(getattr(account, "collections", {})):
        named.update(a.item_id for a in getattr(collection, "allocations", ()))
    return named


def _refs(payment: ReceivedPayment) -> Iterable[str]:
    return (a.item_id for a in (*payment.allocations, *payment.written_off))


def settled_for_good(account: Any) -> dict[str, set[str]]:
    """The ids, per map (``items``, ``payments``), of the live records the next snapshot may leave out."""
    items: Mapping[str, OpenItem] = account.items
    payments: Mapping[str, ReceivedPayment] = account.payments
    named = _named_elsewhere(account)
    cleared = {i.item_id for i in live_values(items) if i.open_amount == 0 and i.item_id not in named}
    # An id a payment names that is not among the live items is an archived one (items are never removed).
    live_ids = {i.item_id for i in live_values(items)}

    def done(payment: ReceivedPayment) -> bool:
        return all(r in cleared or r not in live_ids for r in _refs(payment))

    for payment in live_values(payments):
        if not done(payment):
            cleared.difference_update(_refs(payment))
    return {"items": cleared, "payments": {p.payment_id for p in live_values(payments) if done(p)}}
