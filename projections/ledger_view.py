"""The ledger read model: balances per contract account, open items, and the journal.

:func:`changes_for` turns a batch of domain events into row changes (a pure function, no SQL), and a
store-specific view (:mod:`projections.sql`) writes them together with the tracking record in one
transaction. Keeping the translation pure makes the projection testable without a database, and lets
the same code serve SQLite and PostgreSQL.

Money in the view is integer cents: exact in both databases, and summable in SQL without floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from eventsourcing.domain import DomainEvent, DomainEventProtocol
from eventsourcing.utils import get_topic

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import OpenItem
from ledger.collections.account_part import DirectDebit
from ledger.collections.review import ReturnReview
from ledger.core.money import Posting, Side
from ledger.core.topics import stored_topics
from ledger.parties.identifiers import known_iban
from ledger.payments.receipts import ALLOCATED, AWAITING_APPROVAL, OPEN, REFUNDED, SuspenseItem
from projections.books import CompanyBooks
from projections.dating import MoveDating
from projections.moves import account_moves, business_date, cents


def _account_event_classes() -> list[type]:
    """Every event class of the contract account, its direct-debit and dunning parts included."""
    found: dict[str, type] = {}
    for cls in ContractAccount.__mro__:
        for name, value in vars(cls).items():
            if (
                isinstance(value, type)
                and issubclass(value, DomainEvent)
                and name not in ("Event", "Created")
                and value.__module__.startswith("ledger.")
            ):
                found.setdefault(get_topic(value), value)
    return [found[t] for t in sorted(found)]


#: Events this projection reads, under every topic they were ever stored with (a class that moved keeps its
#: old topic in older events, see :mod:`ledger.core.topics`). Filtering by topic in the store skips
#: documents, partners and contracts.
#: The events of a receipt in suspense, and the status each leaves it in (the worklist lists ``open`` ones).
SUSPENSE_STATUS: dict[type, str] = {
    SuspenseItem.Allocated: ALLOCATED, SuspenseItem.Refunded: REFUNDED,
    SuspenseItem.RefundRequested: AWAITING_APPROVAL, SuspenseItem.RefundApproved: REFUNDED,
    SuspenseItem.RefundRejected: OPEN,
}
SUSPENSE_EVENTS = (SuspenseItem.Parked, *SUSPENSE_STATUS)

TOPICS: tuple[str, ...] = tuple(
    topic
    for cls in (*_account_event_classes(), *SUSPENSE_EVENTS,
                ReturnReview.Opened, ReturnReview.Applied, ReturnReview.Dismissed)
    for topic in stored_topics(get_topic(cls))
)


class JournalLine(NamedTuple):
    """One journal row without its cursor (a tuple: tens of thousands are made per batch of the catch-up,
    and a tuple is made at a fifth of the cost of a frozen dataclass)."""

    notification_id: int
    line_no: int
    booking_date: str
    recorded_at: str
    event_type: str
    document: str
    contract_account_id: str
    gl_account: str
    debit_cents: int
    credit_cents: int
    currency: str


@dataclass
class Changes:
    """Everything one batch of events changes in the view, ready for ``executemany``."""

    new_accounts: list[tuple[Any, ...]] = field(default_factory=list)
    new_items: list[tuple[Any, ...]] = field(default_factory=list)
    item_deltas: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    account_open_deltas: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    account_credit_deltas: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    journal: list[JournalLine] = field(default_factory=list)
    currencies: dict[str, str] = field(default_factory=dict)
    payer_ibans: set[tuple[str, str]] = field(default_factory=set)
    new_suspense: list[tuple[Any, ...]] = field(default_factory=list)
    suspense_status: dict[str, str] = field(default_factory=dict)
    mandates: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    new_collections: list[tuple[Any, ...]] = field(default_factory=list)
    collection_status: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    mandate_status: dict[str, str] = field(default_factory=dict)
    new_reviews: list[tuple[Any, ...]] = field(default_factory=list)
    review_status: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (position, seq, account, item ("" for credit), business date, recorded at, due date, open, credit)
    moves: list[tuple[Any, ...]] = field(default_factory=list)
    #: The dates the moves count from (what the view had, given, and this batch's changes to it).
    dating: MoveDating = field(default_factory=MoveDating)
    #: Whose books each account and each entry (by notification id) is in (:mod:`projections.books`).
    companies: dict[str, str] = field(default_factory=dict)
    new_account_companies: list[tuple[str, str]] = field(default_factory=list)
    entry_companies: dict[int, str] = field(default_factory=dict)

    def since_rows(self) -> list[tuple[str, str, str]]:
        """(key, date, due date or "") of what this batch dated, for the view's ``saldo_since``."""
        rows = []
        for k in sorted(self.dating.changed):
            due = self.dating.due.get(k.removeprefix("item:")) if k.startswith("item:") else None
            rows.append((k, self.dating.since[k].isoformat(), due.isoformat() if due else ""))
        return rows


def _item_row(account_id: str, item: OpenItem) -> tuple[Any, ...]:
    return (
        item.item_id,
        account_id,
        item.document_number,
        item.kind.value,
        cents(item.amount),
        cents(item.open_amount),
        item.due_date.isoformat(),
        item.posted_on.isoformat(),
        item.payment_reference,
        item.seq,
    )


def _booking_date(event: Any) -> date:
    day = business_date(event)
    if day is None:
        raise TypeError(f"{type(event).__name__} has no booking date")
    return day


def _apply_moves(changes: Changes, account_id: str, notification_id: int, event: Any) -> None:
    """Add the event's moves to the view's counters, and keep them, dated, for the as-of queries."""
    moves = account_moves(event)
    for move in moves:
        if move.opened is not None:
            changes.new_items.append(_item_row(account_id, move.opened))
        elif move.item_id:
            changes.item_deltas[move.item_id] += move.open_cents
        changes.account_open_deltas[account_id] += move.open_cents
        changes.account_credit_deltas[account_id] += move.credit_cents
    recorded_at = event.timestamp.isoformat()
    for seq, row in enumerate(changes.dating.rows(event, moves), start=1):
        changes.moves.append((notification_id, seq, account_id, row.item_id, row.day.isoformat(), recorded_at,
                              row.due.isoformat() if row.due else "", row.open_cents, row.credit_cents))


def _journal(
    changes: Changes,
    account_id: str,
    notification_id: int,
    event: Any,
    postings: Iterable[Posting],
    currency: str | None = None,
) -> None:
    currency = currency or changes.currencies.get(account_id, "") or "EUR"
    postings = tuple(postings)
    if not postings:
        return
    # The same for every line of the event: found once.
    booked, recorded = _booking_date(event).isoformat(), event.timestamp.isoformat()
    kind = type(event).__name__
    lines = changes.journal
    for line_no, p in enumerate(postings, start=1):
        amount = cents(p.amount)
        lines.append(JournalLine(notification_id, line_no, booked, recorded, kind, p.document, account_id,
                                 p.account, amount if p.side is Side.DEBIT else 0,
                                 amount if p.side is Side.CREDIT else 0, currency))


def _suspense(changes: Changes, event: Any, notification_id: int, books: CompanyBooks) -> None:
    item_id = str(event.originator_id)
    if isinstance(event, SuspenseItem.Parked):
        r = event.receipt
        changes.new_suspense.append(
            (
                item_id,
                cents(r.amount),
                r.currency,
                r.received_on.isoformat(),
                r.payer_name,
                r.payer_iban,
                r.structured_reference,
                " | ".join(r.remittance),
                event.reason,
                event.bank_account,
                "open",
                notification_id,
            )
        )
    else:
        changes.suspense_status[item_id] = SUSPENSE_STATUS[type(event)]
    postings = getattr(event, "postings", ())
    if postings:
        currency = event.receipt.currency if isinstance(event, SuspenseItem.Parked) else event.currency
        _journal(changes, "", notification_id, event, postings, currency)
        changes.entry_companies[notification_id] = books.of_receipt(postings)


def _review(changes: Changes, event: Any, notification_id: int) -> None:
    """Returns held for a person (the direct-debit worklist), and how each was resolved."""
    review_id = str(event.originator_id)
    if isinstance(event, ReturnReview.Opened):
        r = event.reported
        changes.new_reviews.append((
            review_id, "open", event.problem.value, event.detail, r.source, r.file_name, r.where, r.level,
            r.reason_code, r.returned_on.isoformat(), r.end_to_end_id, r.mandate_id,
            None if r.amount is None else cents(r.amount), r.currency, r.original_message_id,
            r.payment_information_id, " ".join(event.candidates), None, notification_id))
    elif isinstance(event, ReturnReview.Applied):
        changes.review_status[review_id] = ("applied", f"applied to {event.end_to_end_id}: {event.note}")
    else:
        changes.review_status[review_id] = ("dismissed", event.reason)


def _direct_debit(changes: Changes, account_id: str, event: Any) -> None:
    """The mandate and collection rows of direct-debit events (their moves are :func:`_apply_moves`'s)."""
    if isinstance(event, DirectDebit.MandateSet):
        m = event.mandate
        changes.mandates[account_id] = (
            account_id,
            m.reference,
            m.status.value,
            m.debtor_iban,
            m.signed_on.isoformat(),
        )
        changes.mandate_status.pop(account_id, None)
    elif isinstance(event, DirectDebit.CollectionBooked):
        col = event.collection
        changes.new_collections.append(
            (
                col.end_to_end_id,
                account_id,
                col.run_id,
                col.collection_date.isoformat(),
                cents(col.amount),
                col.sequence_type,
                event.mandate_reference,
                "pending",
                None,
            )
        )
    elif isinstance(event, DirectDebit.CollectionSettled):
        changes.collection_status[event.end_to_end_id] = ("settled", None)
    elif isinstance(event, DirectDebit.CollectionReturned):
        changes.collection_status[event.end_to_end_id] = ("returned", event.reason_code)
        if event.stops_direct_debit:  # in event order with a MandateSet of the same batch
            row = changes.mandates.get(account_id)
            if row is not None:
                changes.mandates[account_id] = (*row[:2], "revoked", *row[3:])
            else:
                changes.mandate_status[account_id] = "revoked"


def changes_for(
    events: Iterable[tuple[DomainEventProtocol[Any], int]], currency_of: dict[str, str],
    dating: MoveDating | None = None, company_of: dict[str, str] | None = None,
    books: CompanyBooks | None = None,
) -> Changes:
    """Translate ``(event, notification_id)`` pairs into view changes, in store order.

    ``currency_of`` maps account ids to currencies already in the view (for journal lines); ``dating``
    what the view knows of the dates the batch's moves count from (:func:`projections.dating.needed_keys`);
    ``company_of`` the companies of the accounts already in the view, ``books`` the configuration's.
    """
    books = books or CompanyBooks()
    changes = Changes(currencies=dict(currency_of), dating=dating or MoveDating(),
                      companies=dict(company_of or {}))
    for event, notification_id in events:
        if isinstance(event, SUSPENSE_EVENTS):
            _suspense(changes, event, notification_id, books)
            continue
        if isinstance(event, ReturnReview.Opened | ReturnReview.Applied | ReturnReview.Dismissed):
            _review(changes, event, notification_id)
            continue
        account_id = str(event.originator_id)
        if isinstance(event, ContractAccount.Opened):
            changes.currencies[account_id] = event.currency
            changes.new_accounts.append(
                (account_id, str(event.partner_id), event.name, event.currency, notification_id)
            )
            company = books.of_account(getattr(event, "company", None))
            changes.companies[account_id] = company
            changes.new_account_companies.append((account_id, company))
            # The account is known from here on (the as-of queries' "known at"); it has no business date.
            changes.moves.append((notification_id, 0, account_id, "", "", event.timestamp.isoformat(),
                                  "", 0, 0))
            continue
        _direct_debit(changes, account_id, event)
        if isinstance(event, ContractAccount.PaymentReceived):
            iban = known_iban(event.payer_iban)  # older events kept it as typed, or kept junk
            if iban is not None:
                changes.payer_ibans.add((iban, account_id))
        if not hasattr(event, "postings"):  # locks, procedures, mandates, the end of a plan
            continue
        _apply_moves(changes, account_id, notification_id, event)
        _journal(changes, account_id, notification_id, event, getattr(event, "postings", ()))
        if getattr(event, "postings", ()):  # an account the view had before it kept companies: the default's
            changes.entry_companies[notification_id] = changes.companies.get(account_id, books.default)
    return changes
