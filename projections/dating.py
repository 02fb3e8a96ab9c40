"""On which business date each move of an account counts, for the as-of queries.

A move counts from its event's business date (:func:`~projections.moves.business_date`, the day the
journal books the event), with two exceptions, so that no item is ever seen as of a date in a state it
never was in:

- an event that undoes an earlier one counts no earlier than what it undoes (:func:`effective_date`): a
  pain.002 reject on 8 March of a collection dated 11 March, or a reversal dated before its payment,
  would otherwise reopen items on days they were not yet cleared, and show them open twice;
- a move of an item counts no earlier than the item's previous move (in the order they were recorded).
  Until then its amount is credit on account: a receipt dated 5 March, matched to an invoice of 10 March,
  is 5 March's credit and 10 March's clearing. The balance (open items less credit) of every day stays
  what the journal says, and each item's open amount as of any day, as known at any moment, is one it
  had at some point: never below zero, never above its amount. So the queries may add moves up without
  looking at items one by one (:mod:`projections.as_of`).

:class:`MoveDating` carries what this needs from one event to the next (the dates of payments,
collections and steps, and of each item's last move, with its due date); the view keeps it in its
``saldo_since`` table between batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import OpenItem
from ledger.collections.account_part import DirectDebit
from ledger.dunning.account_part import Dunning
from projections.moves import Move, account_moves, business_date


def created_ref(event: Any) -> str | None:
    """What an account event brings into being that a later one may undo: a payment, a collection, a step."""
    if isinstance(event, ContractAccount.PaymentReceived):
        return f"payment:{event.payment_id}"
    if isinstance(event, DirectDebit.CollectionBooked):
        return f"collection:{event.collection.end_to_end_id}"
    if isinstance(event, Dunning.DunningStepRecorded):
        return f"step:{event.step_id}"
    return None


def undone_ref(event: Any) -> str | None:
    """What an account event undoes (a payment reversed or its clearing reset, a collection returned...)."""
    if isinstance(event, ContractAccount.PaymentReversed | ContractAccount.ClearingReset):
        return f"payment:{event.payment_id}"
    if isinstance(event, DirectDebit.CollectionReturned):
        return f"collection:{event.end_to_end_id}"
    if isinstance(event, Dunning.DunningStepReversed):
        return f"step:{event.step_id}"
    return None


def effective_date(event: Any, since: Mapping[str, date]) -> date | None:
    """The business date the event counts from: its own, or the day of what it undoes if later.

    ``since`` holds the business dates of what earlier events created (:func:`created_ref`).
    """
    day = business_date(event)
    undone = undone_ref(event)
    if day is not None and undone is not None and undone in since and since[undone] > day:
        return since[undone]
    return day


def needed_keys(events: Iterable[Any]) -> list[str]:
    """The keys of :attr:`MoveDating.since` a batch of events reads: what they undo, the items they move."""
    keys = set()
    for event in events:
        undone = undone_ref(event)
        if undone is not None:
            keys.add(undone)
        if hasattr(event, "postings"):
            keys.update(f"item:{m.item_id}" for m in account_moves(event) if m.item_id and m.opened is None)
    return sorted(keys)


@dataclass(frozen=True, slots=True)
class DatedMove:
    """A change of an item (``item_id``) or of the credit (``item_id == ""``), counting from ``day``.

    ``due`` is the item's due date; ``opened`` the item a move opens.
    """

    item_id: str
    day: date
    open_cents: int = 0
    credit_cents: int = 0
    due: date | None = None
    opened: OpenItem | None = None


@dataclass
class MoveDating:
    """Dates moves event after event, in the order they were recorded (see the module docstring).

    ``since`` maps ``payment:…``, ``collection:…``, ``step:…`` to the date what they name counts from,
    and ``item:<id>`` to the date of the item's last move; ``due`` maps item ids to their due dates.
    """

    since: dict[str, date] = field(default_factory=dict)
    due: dict[str, date] = field(default_factory=dict)
    #: Keys of ``since`` set or moved since this object was made (what the view saves).
    changed: set[str] = field(default_factory=set)

    def _set(self, key: str, day: date) -> None:
        self.since[key] = day
        self.changed.add(key)

    def rows(self, event: Any, moves: Sequence[Move] | None = None) -> list[DatedMove]:
        """The dated moves of one account event (none for an event without a business date); ``moves``
        are its :func:`~projections.moves.account_moves` if the caller has them already."""
        day = effective_date(event, self.since)
        if day is None:
            return []
        created = created_ref(event)
        if created is not None:
            self._set(created, day)
        rows: list[DatedMove] = []
        for move in account_moves(event) if moves is None else moves:
            key = f"item:{move.item_id}"
            if move.opened is not None:
                self.due[move.item_id] = move.opened.due_date
                self._set(key, day)
                rows.append(DatedMove(move.item_id, day, move.open_cents, 0, move.opened.due_date,
                                      move.opened))
            elif not move.item_id:
                rows.append(DatedMove("", day, 0, move.credit_cents))
            else:
                counts_from = max(day, self.since.get(key, day))
                due = self.due.get(move.item_id)
                if counts_from > day:  # credit on account until the item's previous move
                    rows.append(DatedMove("", day, 0, -move.open_cents))
                    rows.append(DatedMove(move.item_id, counts_from, move.open_cents, move.open_cents, due))
                else:
                    rows.append(DatedMove(move.item_id, day, move.open_cents, 0, due))
                self._set(key, counts_from)
        return rows
