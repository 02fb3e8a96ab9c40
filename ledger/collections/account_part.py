"""Direct debit on a contract account (addebito diretto SEPA / domiciliació / suoramaksu).

A mixin of :class:`ledger.accounts.account.ContractAccount`: the mandate, the collections in transit and their
returns live on the account because they clear and reopen its open items, atomically.

Money moves (architecture.md §3):
- a collection is booked when its pain.008 is sent: Dr dd-clearing / Cr receivables (items leave the
  open list, so no item can be in two live collections, nor be dunned while in transit);
- settlement on the collection date: Dr bank / Cr dd-clearing;
- a return or reject reopens the items with their original due dates: Dr receivables / Cr dd-clearing
  (before settlement) or Cr bank (after), plus the return fee as a new item: Dr receivables / Cr fees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.accounts.clearing import Allocation, ItemKind, OpenItem, allocate, apply_allocations, total
from ledger.accounts.terms import PaymentMethod
from ledger.collections import (
    CollectionOutcome,
    CollectionRecord,
    Mandate,
    MandateStatus,
    ReturnAction,
    ReturnDecision,
    is_usable,
    record_collection,
    sequence_type,
)
from ledger.core import chart
from ledger.core.archive import RowTuple, appended, live_values, replaced, with_ids
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.money import ZERO, Posting, entry

#: Actions after which the account stops paying by direct debit.
STOPPING = (ReturnAction.STOP_DD_SWITCH_TO_TRANSFER, ReturnAction.STOP_MANDATE_NEW_NEEDED)


@dataclass(frozen=True, slots=True)
class LiveCollection:
    end_to_end_id: str
    run_id: str
    collection_date: date
    sequence_type: str
    allocations: tuple[Allocation, ...]
    amount: Decimal
    status: str = "pending"  # pending → settled → (returned) | returned


class DirectDebit(Aggregate):
    """The direct-debit part of :class:`ledger.accounts.account.ContractAccount`, which subclasses it.

    An aggregate class so that eventsourcing registers its events; it is never created on its own.
    """

    items: dict[str, OpenItem]
    item_seq: int
    payment_method: Any
    mandate: Mandate | None
    collections: dict[str, LiveCollection]
    dd_attempts: dict[str, int]
    dd_blocked: frozenset[str]
    mandate_history: tuple[CollectionRecord, ...] | RowTuple[CollectionRecord]  # rows, read from a snapshot

    @property
    def key(self) -> str:  # pragma: no cover - ContractAccount defines it
        raise NotImplementedError

    class MandateSet(Aggregate.Event):
        mandate: Mandate
        reason: str

    class PaymentMethodChanged(Aggregate.Event):
        payment_method: PaymentMethod

    class CollectionBooked(Aggregate.Event):
        collection: LiveCollection
        mandate_reference: str
        postings: tuple[Posting, ...]

    class CollectionSettled(Aggregate.Event):
        end_to_end_id: str
        settled_on: date
        bank_account: str
        postings: tuple[Posting, ...]

    class CollectionReturned(Aggregate.Event):
        end_to_end_id: str
        reason_code: str
        returned_on: date
        action: str
        reopened: tuple[Allocation, ...]
        fee_item: OpenItem | None
        stops_direct_debit: bool
        notes: tuple[str, ...]
        postings: tuple[Posting, ...]

    # -- mandate ------------------------------------------------------------------------------------------

    def set_mandate(self, mandate: Mandate, reason: str) -> None:
        """Register, amend or revoke the mandate (built with the ``ledger.collections`` helpers)."""
        self._mandate_set(mandate, reason)

    @event(MandateSet)
    def _mandate_set(self, mandate: Mandate, reason: str) -> None:

        self.mandate = mandate
        self.payment_method = (PaymentMethod.DIRECT_DEBIT if mandate.status is MandateStatus.ACTIVE
                               else PaymentMethod.BANK_TRANSFER)

    def change_payment_method(self, method: PaymentMethod, on: date) -> bool:
        """Pay by ``method`` from now on; whether it changed. Direct debit needs a mandate usable ``on``."""
        if method is self.payment_method:
            return False
        if method is PaymentMethod.DIRECT_DEBIT and (self.mandate is None or not is_usable(self.mandate, on)):
            raise InvalidInput("direct debit needs an active mandate on the account: register one first "
                               "(POST /accounts/{account_id}/mandate)", "payment_method")
        self._payment_method_changed(method)
        return True

    @event(PaymentMethodChanged)
    def _payment_method_changed(self, payment_method: PaymentMethod) -> None:
        self.payment_method = payment_method

    def collectable_items(self, due_by: date) -> list[OpenItem]:
        """Open items a collection run may present: due by ``due_by``, not blocked after a return."""

        if self.payment_method is not PaymentMethod.DIRECT_DEBIT or self.mandate is None:
            return []
        if not is_usable(self.mandate, due_by):
            return []
        held = self.dd_blocked | self.held_from_collection(due_by)
        return [i for i in live_values(self.items)  # open ones only: archived ones are cleared
                if i.is_open and i.due_date <= due_by and i.item_id not in held]

    def held_from_collection(self, day: date) -> frozenset[str]:
        """Items another part of the account holds back from collection (dunning overrides this)."""
        return frozenset()

    def next_sequence_type(self) -> str:
        return sequence_type(self.mandate_history)

    # -- collections --------------------------------------------------------------------------------------

    def book_collection(self, end_to_end_id: str, run_id: str, collection_date: date,
                        item_ids: tuple[str, ...]) -> LiveCollection:
        if self.mandate is None or self.mandate.status is not MandateStatus.ACTIVE:
            raise Conflict("the account has no active mandate", "mandate")
        if end_to_end_id in self.collections:
            raise Conflict(f"collection {end_to_end_id} is already booked", "end_to_end_id")
        amount = sum((self.items[i].open_amount for i in item_ids), ZERO)
        # The named items are live (they are open): a walk over every item would fetch the archived ones back.
        allocations, _ = allocate(amount, list(with_ids(self.items, item_ids)), item_ids)
        if not allocations:
            raise InvalidInput("nothing open to collect", "items")
        collection = LiveCollection(end_to_end_id, run_id, collection_date, self.next_sequence_type(),
                                    allocations, total(allocations))
        postings = entry(Posting.debit(chart.DD_CLEARING, collection.amount, self.key, end_to_end_id),
                         Posting.credit(chart.RECEIVABLES, collection.amount, self.key, end_to_end_id))
        self._collection_booked(collection, self.mandate.reference, postings)
        return collection

    @event(CollectionBooked)
    def _collection_booked(self, collection: LiveCollection, mandate_reference: str,
                           postings: tuple[Posting, ...]) -> None:
        apply_allocations(self.items, collection.allocations, -1)
        self.collections[collection.end_to_end_id] = collection
        for a in collection.allocations:
            self.dd_attempts[a.item_id] = self.dd_attempts.get(a.item_id, 0) + 1
        record = CollectionRecord(collection.collection_date, CollectionOutcome.PENDING)
        self.mandate_history = appended(self.mandate_history, record)  # rows from a snapshot stay rows
        if self.mandate is not None:
            self.mandate = record_collection(self.mandate, collection.collection_date,
                                             CollectionOutcome.PENDING)

    def settle_collection(self, end_to_end_id: str, settled_on: date, bank_account: str, today: date) -> None:
        """The bank credited the collection on ``settled_on``: a day that has come, not before its date.

        Settling books a bank receipt, so a later day would book money that has not arrived (issue 10).
        """
        collection = self._collection(end_to_end_id)
        if collection.status != "pending":
            raise Conflict(f"collection {end_to_end_id} is {collection.status}", "end_to_end_id")
        if settled_on > today:
            raise InvalidInput(f"settlement on {settled_on} is after today ({today}): the bank cannot have "
                               "credited it yet", "settled_on")
        if settled_on < collection.collection_date:
            raise InvalidInput(f"settlement on {settled_on} is before the collection date "
                               f"{collection.collection_date} of {end_to_end_id}", "settled_on")
        postings = entry(Posting.debit(chart.bank(bank_account), collection.amount, None, end_to_end_id),
                         Posting.credit(chart.DD_CLEARING, collection.amount, self.key, end_to_end_id))
        self._collection_settled(end_to_end_id, settled_on, bank_account, postings)

    @event(CollectionSettled)
    def _collection_settled(self, end_to_end_id: str, settled_on: date, bank_account: str,
                            postings: tuple[Posting, ...]) -> None:
        collection = self.collections[end_to_end_id]
        self.collections[end_to_end_id] = replace(collection, status="settled")
        self.mandate_history = self._outcome(collection.collection_date, CollectionOutcome.SETTLED)
        if self.mandate is not None:
            self.mandate = record_collection(self.mandate, collection.collection_date,
                                             CollectionOutcome.SETTLED)

    def return_collection(self, end_to_end_id: str, returned_on: date, decision: ReturnDecision,
                          bank_account: str) -> None:
        """Reverse the clearing, reopen the items (original due dates), add the fee, apply the policy."""
        collection = self._collection(end_to_end_id)
        if collection.status == "returned":
            raise Conflict(f"collection {end_to_end_id} was already returned", "end_to_end_id")
        source = chart.DD_CLEARING if collection.status == "pending" else chart.bank(bank_account)
        fee = decision.return_fee + decision.bank_charge
        fee_item = None
        if fee > 0:
            fee_item = OpenItem(f"fee-{end_to_end_id}", f"FEE-{end_to_end_id}", ItemKind.FEE, fee, fee,
                                returned_on, returned_on, None, self.item_seq + 1)
        document = f"RET-{end_to_end_id}"
        postings = entry(
            Posting.debit(chart.RECEIVABLES, collection.amount + fee, self.key, document),
            Posting.credit(source, collection.amount, self.key if source == chart.DD_CLEARING else None,
                           document),
            Posting.credit(chart.FEES, fee, self.key, document),
        )
        self._collection_returned(end_to_end_id, decision.reason_code, returned_on, decision.action.value,
                                  collection.allocations, fee_item, decision.action in STOPPING,
                                  decision.notes, postings)

    @event(CollectionReturned)
    def _collection_returned(self, end_to_end_id: str, reason_code: str, returned_on: date, action: str,
                             reopened: tuple[Allocation, ...], fee_item: OpenItem | None,
                             stops_direct_debit: bool, notes: tuple[str, ...],
                             postings: tuple[Posting, ...]) -> None:

        collection = self.collections[end_to_end_id]
        apply_allocations(self.items, reopened, +1)
        self.collections[end_to_end_id] = replace(collection, status="returned")
        if fee_item is not None:
            self.items[fee_item.item_id] = fee_item
            self.item_seq = fee_item.seq
        outcome = (CollectionOutcome.REJECTED if collection.status == "pending"
                   else CollectionOutcome.RETURNED)
        self.mandate_history = self._outcome(collection.collection_date, outcome)
        if action != ReturnAction.RETRY.value:  # the item is left to dunning, not re-collected
            self.dd_blocked = self.dd_blocked | {a.item_id for a in reopened}
        if stops_direct_debit and self.mandate is not None:
            self.mandate = replace(self.mandate, status=MandateStatus.REVOKED)
            self.payment_method = PaymentMethod.BANK_TRANSFER

    def _collection(self, end_to_end_id: str) -> LiveCollection:
        collection = self.collections.get(end_to_end_id)
        if collection is None:
            raise InvalidInput(f"collection {end_to_end_id} is not on this account", "end_to_end_id")
        return collection

    def _outcome(self, collection_date: date,
                 outcome: CollectionOutcome) -> tuple[CollectionRecord, ...] | RowTuple[CollectionRecord]:
        """The history with the latest open record of that date (pending or settled) given its outcome."""
        history = self.mandate_history  # from the end: of a history read from a snapshot, only what is read
        still_open = (CollectionOutcome.PENDING, CollectionOutcome.SETTLED)
        for i in range(len(history) - 1, -1, -1):
            record = history[i]
            if record.collection_date == collection_date and record.outcome in still_open:
                return replaced(history, i, CollectionRecord(collection_date, outcome))
        return history
