"""Write-offs (issue 11 item 5): open items the company gives up on, booked to ``bad-debt``; reversible.

A mixin of :class:`ledger.accounts.account.ContractAccount`, like its instalment-plan part: a write-off
closes the account's items and books them off in one event, so it lives on the account. Both events follow
the ledger view's item-change protocol (``cleared``, ``reopened``, ``postings``), so the view needs no code
for them (:func:`projections.moves.account_moves`):

- a write-off closes what is open of each item (``cleared``): Dr bad-debt / Cr receivables, one pair of
  lines per item's document, so each invoice's trail shows where its debt went;
- its reversal reopens exactly those amounts (``reopened``): Dr receivables / Cr bad-debt. An item may be
  written off again after a reversal; a write-off is reversed at most once.

Decided where the issue was silent:

- **What is written off is the whole open amount of each named item** (an account's balance: every open
  item). A part of an item is not written off: a smaller debt the customer agreed to pay is a credit note
  or an instalment plan, not bad debt. Credit on account is left alone (it is the customer's money; refund
  or apply it).
- **Statute of limitations** is Italy's two-year prescription of energy bills (Legge 205/2017, art. 1
  c. 4, https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:legge:2017-12-27;205): an item is past it
  :data:`PRESCRIPTION_YEARS` years after its due date; a write-off for that reason refuses any younger item.
- **Small balance**: at most :data:`MAX_SMALL_BALANCE` in all, else it is not small.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from ledger.accounts.clearing import Allocation, OpenItem, apply_allocations, total
from ledger.core import chart
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.money import Posting, entry

#: Italy's prescription of electricity and gas bills (Legge 205/2017 art. 1 c. 4): two years.
PRESCRIPTION_YEARS = 2
#: The most a "small balance" write-off may take off one account.
MAX_SMALL_BALANCE = Decimal("10.00")
#: The most items one write-off names (a balance with more is written off in several).
MAX_WRITE_OFF_ITEMS = 500
#: The longest note kept with a write-off or its reversal.
MAX_WRITE_OFF_NOTE_LENGTH = 500


class WriteOffReason(enum.Enum):
    UNCOLLECTABLE = "uncollectable"
    DECEASED = "deceased"
    SMALL_BALANCE = "small-balance"
    STATUTE_OF_LIMITATIONS = "statute-of-limitations"


def write_off_reason(value: str) -> WriteOffReason:
    try:
        return WriteOffReason(value)
    except ValueError:
        raise InvalidInput(f"reason must be one of {', '.join(r.value for r in WriteOffReason)}, got "
                           f"{value!r}", "reason") from None


def prescribed_on(item: OpenItem) -> date:
    """The day ``item`` is past the prescription: :data:`PRESCRIPTION_YEARS` after its due date (a due
    date of 29 February falls to 28 February)."""
    due = item.due_date
    try:
        return due.replace(year=due.year + PRESCRIPTION_YEARS)
    except ValueError:
        return due.replace(year=due.year + PRESCRIPTION_YEARS, day=28)


def note_text(note: str, field: str = "note") -> str:
    text = note.strip()
    if len(text) > MAX_WRITE_OFF_NOTE_LENGTH:
        raise InvalidInput(f"a note is at most {MAX_WRITE_OFF_NOTE_LENGTH} characters", field)
    return text


@dataclass(frozen=True, slots=True)
class WriteOffState:
    write_off_id: str
    reason: str
    written_off_on: date
    allocations: tuple[Allocation, ...]
    documents: tuple[str, ...]
    reversed_on: date | None = None

    @property
    def amount(self) -> Decimal:
        return total(self.allocations)


class WriteOffs(Aggregate):
    """The write-off part of :class:`~ledger.accounts.account.ContractAccount`; never created on its own.

    Its state is an immutable class-level default replaced by the apply methods, so old accounts load as
    "nothing written off".
    """

    write_offs: tuple[WriteOffState, ...] = ()

    if TYPE_CHECKING:  # provided by ContractAccount
        items: dict[str, OpenItem]

        @property
        def key(self) -> str: ...

    class ItemsWrittenOff(Aggregate.Event):
        write_off_id: str
        reason: str
        note: str
        posted_on: date
        cleared: tuple[Allocation, ...]
        postings: tuple[Posting, ...]

    class WriteOffReversed(Aggregate.Event):
        write_off_id: str
        reversed_on: date
        note: str
        reopened: tuple[Allocation, ...]
        postings: tuple[Posting, ...]

    def write_off_state(self, write_off_id: str) -> WriteOffState:
        for state in self.write_offs:
            if state.write_off_id == write_off_id:
                return state
        raise InvalidInput(f"write-off {write_off_id} is not on account {self.key}", "write_off_id")

    def write_off_items(self, write_off_id: str, item_ids: Sequence[str], reason: WriteOffReason, note: str,
                        on: date) -> WriteOffState:
        """Close what is open of ``item_ids`` to ``bad-debt`` for ``reason``."""
        if not item_ids:
            raise InvalidInput("nothing is open to write off", "invoice_numbers")
        if len(item_ids) > MAX_WRITE_OFF_ITEMS:
            raise InvalidInput(f"a write-off names at most {MAX_WRITE_OFF_ITEMS} items", "invoice_numbers")
        if len(set(item_ids)) != len(item_ids):
            raise InvalidInput("an item is named twice", "invoice_numbers")
        if any(s.write_off_id == write_off_id for s in self.write_offs):
            raise Conflict(f"write-off {write_off_id} is already recorded", "write_off_id")
        cleared = []
        for item_id in item_ids:
            item = self.items[item_id]
            if not item.is_open:
                raise InvalidInput(f"{item.document_number} is not open", "invoice_numbers")
            if reason is WriteOffReason.STATUTE_OF_LIMITATIONS and prescribed_on(item) > on:
                raise InvalidInput(f"{item.document_number} is not prescribed before "
                                   f"{prescribed_on(item).isoformat()}", "invoice_numbers")
            cleared.append(Allocation(item_id, item.open_amount))
        if reason is WriteOffReason.SMALL_BALANCE and total(cleared) > MAX_SMALL_BALANCE:
            raise InvalidInput(f"{total(cleared)} is more than a small balance ({MAX_SMALL_BALANCE})",
                               "reason")
        postings = entry(*(line for a in cleared for line in (
            Posting.debit(chart.BAD_DEBT, a.amount, self.key, self.items[a.item_id].document_number),
            Posting.credit(chart.RECEIVABLES, a.amount, self.key, self.items[a.item_id].document_number))))
        self._record_write_off(write_off_id, reason.value, note, on, tuple(cleared), postings)
        return self.write_off_state(write_off_id)

    def reverse_write_off(self, write_off_id: str, note: str, on: date) -> WriteOffState:
        """Reopen what write-off ``write_off_id`` closed, taking it back out of ``bad-debt``."""
        state = self.write_off_state(write_off_id)
        if state.reversed_on is not None:
            raise Conflict(f"write-off {write_off_id} was reversed on {state.reversed_on.isoformat()}",
                           "write_off_id")
        if on < state.written_off_on:
            raise InvalidInput("a write-off is not reversed before it was made", "on")
        postings = entry(*(line for a, document in zip(state.allocations, state.documents, strict=True)
                           for line in (Posting.debit(chart.RECEIVABLES, a.amount, self.key, document),
                                        Posting.credit(chart.BAD_DEBT, a.amount, self.key, document))))
        self._record_reversal(write_off_id, on, note, state.allocations, postings)
        return self.write_off_state(write_off_id)

    @event(ItemsWrittenOff)
    def _record_write_off(self, write_off_id: str, reason: str, note: str, posted_on: date,
                          cleared: tuple[Allocation, ...], postings: tuple[Posting, ...]) -> None:
        apply_allocations(self.items, cleared, -1)
        documents = tuple(self.items[a.item_id].document_number for a in cleared)
        self.write_offs = (*self.write_offs,
                           WriteOffState(write_off_id, reason, posted_on, cleared, documents))

    @event(WriteOffReversed)
    def _record_reversal(self, write_off_id: str, reversed_on: date, note: str,
                         reopened: tuple[Allocation, ...], postings: tuple[Posting, ...]) -> None:
        apply_allocations(self.items, reopened, +1)
        self.write_offs = tuple(replace(s, reversed_on=reversed_on) if s.write_off_id == write_off_id else s
                                for s in self.write_offs)
