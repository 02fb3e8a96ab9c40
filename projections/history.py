"""A contract account as it stood on a business date, as known at a moment, replayed from its events.

What the dunning state and the instalment plans need (steps, locks, the live plan, the mandate) lives on
the account aggregate, not in the view, so their as-of answers replay the account's own events:

- **known at**: only the events whose recording timestamp is at or before ``known_at``;
- **as of**: of those, only the events dated on or before ``as_of`` (:func:`~projections.moves.business_date`;
  events without a business date, such as a mandate being registered, always count). An event that
  follows from one left out is left out with it: the return or settlement of a collection dated later,
  the reversal of a later payment, the release of a later lock, a clearing of an item opened later.

The items and the credit are then set to what the view's as-of queries give (the same moves of
:mod:`projections.moves`, dated by :mod:`projections.dating`), so the dunning state's overdue amounts
are the open items' as of that date. Replaying a subset of events skips the library's version check
(``mutate``): the events are applied with ``apply`` and the version set by hand, as ``mutate`` does
(https://eventsourcing.readthedocs.io/en/stable/topics/domain.html#event-sourced-aggregates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import OpenItem
from ledger.application import Saldo
from ledger.dunning.account_part import Dunning
from ledger.dunning.account_plans import InstalmentPlans
from projections.as_of import PointInTime
from projections.dating import DatedMove, MoveDating, effective_date
from projections.moves import account_moves

#: Fields naming something an event creates (on the events in CREATING) or refers to (on every other).
REFERENCE_FIELDS = (("payment_id", "payment"), ("end_to_end_id", "collection"), ("step_id", "step"),
                    ("lock_id", "lock"), ("plan_id", "plan"))
CREATING = (ContractAccount.PaymentReceived, Dunning.DunningStepRecorded, Dunning.DunningLockSet,
            InstalmentPlans.InstalmentPlanCreated)

Key = tuple[str, str]


def _references(event: Any) -> tuple[set[Key], set[Key]]:
    """(what ``event`` brings into being, what it needs to exist already)."""
    moves = account_moves(event) if hasattr(event, "postings") else []
    defines = {("item", m.item_id) for m in moves if m.opened is not None}
    uses = {("item", m.item_id) for m in moves if m.item_id and m.opened is None}
    uses |= {("item", i) for i in getattr(event, "item_ids", ())}
    corrected = getattr(event, "corrects_item_id", None)
    if isinstance(corrected, str):
        uses.add(("item", corrected))
    lock = getattr(event, "lock", None)
    if lock is not None and lock.item_id is not None:
        uses.add(("item", lock.item_id))
    collection = getattr(event, "collection", None)
    if collection is not None:
        defines.add(("collection", collection.end_to_end_id))
    for name, kind in REFERENCE_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str):
            (defines if isinstance(event, CREATING) else uses).add((kind, value))
    return defines, uses


def _fits(account: ContractAccount, event: Any) -> bool:
    """Whether the event's item changes apply to the account as replayed (none goes below 0 or above)."""
    if not hasattr(event, "postings"):
        return True
    deltas: dict[str, int] = {}
    for move in account_moves(event):
        if move.opened is not None:
            if move.item_id in account.items:
                return False
        elif move.item_id:
            deltas[move.item_id] = deltas.get(move.item_id, 0) + move.open_cents
    for item_id, delta in deltas.items():
        item = account.items.get(item_id)
        if item is None or not 0 <= int(item.open_amount * 100) + delta <= int(item.amount * 100):
            return False
    return True


def _set_items_as_of(account: ContractAccount, moves: Sequence[DatedMove], at: PointInTime) -> None:
    """The account's items and credit: its dated moves up to ``as_of`` added up (as the view's queries)."""
    items: dict[str, OpenItem] = {}
    credit = Decimal("0.00")
    for move in moves:
        if move.day > at.as_of:
            continue
        if move.opened is not None:
            items[move.item_id] = move.opened
        elif move.item_id:
            delta = Decimal(move.open_cents).scaleb(-2)
            item = items.get(move.item_id)  # dated no earlier than its opening (projections.dating)
            if item is None:  # pragma: no cover - an item is opened before it moves
                credit -= delta
            else:
                items[move.item_id] = replace(item, open_amount=item.open_amount + delta)
        credit += Decimal(move.credit_cents).scaleb(-2)
    account.items = items
    account.credit = credit


def _dated(events: Sequence[Any]) -> tuple[list[tuple[Any, date | None]], list[DatedMove]]:
    """Each event with the business date it counts from, and all their dated moves (projections.dating)."""
    dating = MoveDating()
    dated = []
    moves: list[DatedMove] = []
    for event in events:
        dated.append((event, effective_date(event, dating.since)))
        moves += dating.rows(event)
    return dated, moves


def account_as_of(app: Saldo, account_id: UUID, at: PointInTime) -> ContractAccount | None:
    """The account on ``at.as_of`` as known at ``at.known_at``; None if it was not yet known then."""
    stored: list[Any] = list(app.events.get(account_id))
    known, moves = _dated([e for e in stored if e.timestamp <= at.known_at])
    if not known or not isinstance(known[0][0], ContractAccount.Opened):
        return None
    account = known[0][0].mutate(None)
    if not isinstance(account, ContractAccount):  # pragma: no cover - Opened creates an account
        return None
    left_out: set[Key] = set()
    for event, day in known[1:]:
        defines, uses = _references(event)
        if (day is not None and day > at.as_of) or uses & left_out or not _fits(account, event):
            left_out |= defines
            continue
        event.apply(account)
        account.version = event.originator_version
        account.modified_on = event.timestamp
    _set_items_as_of(account, moves, at)
    return account
