"""Which of a contract account's records its snapshot may leave out (issue 12): settled for good.

Only a question of cost: an archived record is fetched back, with the whole history, the moment anything
asks for it (:mod:`ledger.core.archive`), so a rule that archives too much makes some commands slower, never
wrong. The rule keeps live what the everyday commands touch: open items, and cleared ones that a payment
still live, a plan, a dunning episode, a lock or a direct debit names (a reversal, a return, a plan's
cancellation would reopen them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.accounts.clearing import DEFAULT_KIND_ORDER, ItemKind, OpenItem, clearing_order
from ledger.accounts.payments_received import ReceivedPayment
from ledger.collections.mandate import CollectionOutcome, CollectionRecord
from ledger.core.archive import ArchivedMap, live_values, named, with_ids
from ledger.core.errors import InvalidInput
from ledger.dunning.account_part import StepRecord

__all__ = ["ARCHIVE_NAMES", "COMPACT_RECORDS", "among", "by_number", "in_order", "item_by_number",
           "live_values", "named", "settled_for_good", "with_ids"]

#: Items are looked up by document number too (a payer names the invoices): see ledger.core.archive.named.
ARCHIVE_NAMES = {"items": "document_number"}


class OpenItemRows:
    """An open item as one row of a snapshot (:class:`ledger.core.archive.RowCodec`): its fields in order,
    money as its exact text (``str(Decimal)`` reads back with the same exponent), dates in ISO form."""

    #: Where the fields the hot paths read are in a row.
    NUMBER, KIND, OPEN, DUE, SEQ = 1, 2, 4, 5, 8

    def to_row(self, i: OpenItem) -> list[Any]:
        return [i.item_id, i.document_number, i.kind.value, str(i.amount), str(i.open_amount),
                i.due_date.isoformat(), i.posted_on.isoformat(), i.payment_reference, i.seq]

    def from_row(self, r: list[Any]) -> OpenItem:
        return OpenItem(r[0], r[1], ItemKind(r[2]), Decimal(r[3]), Decimal(r[4]), date.fromisoformat(r[5]),
                        date.fromisoformat(r[6]), r[7], r[8])


class CollectionRecordRows:
    """One entry of a mandate's history as a row: its date in ISO form and its outcome's value."""

    def to_row(self, r: CollectionRecord) -> list[Any]:
        return [r.collection_date.isoformat(), r.outcome.value]

    def from_row(self, row: list[Any]) -> CollectionRecord:
        return CollectionRecord(date.fromisoformat(row[0]), CollectionOutcome(row[1]))


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


class StepRecordRows:
    """A dunning step as a row of its fields in order: money as its exact text, dates in ISO form, the
    item ids as lists (a quarter of its stored form by topic, and no decoder hook)."""

    def to_row(self, s: StepRecord) -> list[Any]:
        return [s.step_id, s.run_id, s.procedure, s.level, s.level_name, s.template, s.rule,
                s.stepped_on.isoformat(), list(s.item_ids), str(s.overdue_total), s.fee_item_id,
                s.interest_item_id, str(s.fee), str(s.interest), _iso(s.payment_deadline), s.previous_level,
                _iso(s.previous_step_on), _iso(s.previous_interest_until), list(s.previous_dunned),
                s.reversed, s.procedure_version]

    def from_row(self, r: list[Any]) -> StepRecord:
        return StepRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], date.fromisoformat(r[7]), tuple(r[8]),
                          Decimal(r[9]), r[10], r[11], Decimal(r[12]), Decimal(r[13]), _day(r[14]), r[15],
                          _day(r[16]), _day(r[17]), tuple(r[18]), r[19], r[20])


#: The account's open items are kept in its snapshot as rows, read only when used (issue 12): a ten-year
#: account owing 125 bills decoded 125 tagged records on every command, for a payment that settles one.
#: Its mandate's history (one entry per direct debit ever presented, 56 kB at 225 months as records) is
#: kept as rows too, a tenth of the bytes, decoded only when a direct-debit command reads it.
#: Its dunning steps (1 kB each as records, one every few months of a late payer's life) as rows too,
#: decoded one by one when read.
COMPACT_RECORDS: dict[str, Any] = {"items": OpenItemRows(), "mandate_history": CollectionRecordRows(),
                                   "dunning_steps": StepRecordRows()}
_RANK = {kind.value: n for n, kind in enumerate(DEFAULT_KIND_ORDER)}


def in_order(items: Mapping[str, OpenItem]) -> Iterator[OpenItem]:
    """The live open items in :func:`~ledger.accounts.clearing.clearing_order`, each read only when the
    caller gets to it: a payment that settles the oldest bill decodes that one from the snapshot's rows.

    The order is the same: ISO dates sort as the dates do, the kind's rank and ``seq`` as there, and ties
    keep the map's order (``sorted`` is stable there; here the position breaks them)."""
    if not isinstance(items, ArchivedMap) or items.rows is None:
        yield from clearing_order(live_values(items))
        return
    r, last = OpenItemRows, len(_RANK)
    keyed = sorted((row[r.DUE], _RANK.get(row[r.KIND], last), row[r.SEQ], n, row[0])
                   for n, row in enumerate(items.live_rows()) if Decimal(row[r.OPEN]) > 0)
    for *_, item_id in keyed:
        yield items[item_id]


def among(items: Mapping[str, OpenItem], ids: Iterable[str]) -> list[OpenItem]:
    """The items with ``ids`` that are on the account, each once: live, or fetched back if archived."""
    return [item for i in dict.fromkeys(ids) if (item := items.get(i)) is not None]


def item_by_number(items: Mapping[str, OpenItem], number: str, account: object) -> OpenItem:
    """The item numbered ``number`` (:class:`InvalidInput` naming ``invoice_numbers`` if none is)."""
    for item in by_number(items, number):
        if item.document_number == number:
            return item
    raise InvalidInput(f"invoice {number} is not on account {account}", "invoice_numbers")


def by_number(items: Mapping[str, OpenItem], number: str) -> Iterable[OpenItem]:
    """The items the one numbered ``number`` may be among (:func:`~ledger.core.archive.named`), read from
    the snapshot's rows without decoding the others when no archived item may have the number."""
    if isinstance(items, ArchivedMap) and items.rows is not None and not items.may_have_archived_name(number):
        return [items[row[0]] for row in items.live_rows() if row[OpenItemRows.NUMBER] == number]
    return named(items, number)


def _named_elsewhere(account: Any, finished: set[str]) -> set[str]:
    """Item ids the account's other parts name: dunned, locked, in a plan, held from direct debit, or in a
    collection still pending (``finished``: the collections that are not)."""
    named: set[str] = set(getattr(account, "dunned_items", ()))
    named.update(h.lock.item_id for h in getattr(account, "locks", ()) if h.lock.item_id is not None)
    plan = getattr(account, "plan", None)
    if plan is not None:
        named.update(plan.item_ids)
        named.update(a.item_id for a in plan.originals)
    named.update(getattr(account, "dd_blocked", ()))
    for collection in live_values(getattr(account, "collections", {})):
        if collection.end_to_end_id not in finished:
            named.update(a.item_id for a in getattr(collection, "allocations", ()))
    return named


def _refs(payment: ReceivedPayment) -> Iterable[str]:
    return (a.item_id for a in (*payment.allocations, *payment.written_off))


def settled_for_good(account: Any) -> dict[str, set[str]]:
    """The ids, per map, of the live records the next snapshot may leave out: cleared ``items``, the
    ``payments`` and finished ``collections`` that name only those, and their ``dd_attempts``.

    A settled collection can still come back (a refund request, weeks later): it is then fetched back,
    with the items it reopens, as a reversal of an old payment is (issue 12: a direct-debit customer's
    snapshot held every collection of its life, and every item they named, 110 + 34 kB at 225 months).
    """
    items: Mapping[str, OpenItem] = account.items
    payments: Mapping[str, ReceivedPayment] = account.payments
    collections: Mapping[str, Any] = vars(account).get("collections", {})
    finished = {k for k, c in _live_items(collections) if c.status != "pending"}
    named = _named_elsewhere(account, finished)
    cleared = {i.item_id for i in live_values(items) if i.open_amount == 0 and i.item_id not in named}
    # An id a payment names that is not among the live items is an archived one (items are never removed).
    live_ids = {i.item_id for i in live_values(items)}

    def gone(item_id: str) -> bool:
        return item_id in cleared or item_id not in live_ids

    def done(payment: ReceivedPayment) -> bool:
        return all(gone(r) for r in _refs(payment))

    for payment in live_values(payments):
        if not done(payment):
            cleared.difference_update(_refs(payment))
    settled = {"items": cleared, "payments": {p.payment_id for p in live_values(payments) if done(p)}}
    if isinstance(vars(account).get("collections"), dict):
        settled["collections"] = {k for k, c in _live_items(collections)
                                  if k in finished and all(gone(a.item_id) for a in c.allocations)}
    attempts = vars(account).get("dd_attempts")
    if isinstance(attempts, dict):
        settled["dd_attempts"] = {k for k, _ in _live_items(attempts) if gone(k)}
    return settled


def _live_items(records: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return records.live_items() if isinstance(records, ArchivedMap) else list(records.items())
