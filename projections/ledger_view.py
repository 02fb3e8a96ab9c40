"""The ledger read model: balances per contract account, open items, and the journal.

:func:`changes_for` turns a batch of domain events into row changes (a pure function, no SQL), and a
store-specific view (:mod:`projections.sql`) writes them together with the tracking record in one
transaction. Keeping the translation pure makes the projection testable without a database, and lets
the same code serve SQLite and PostgreSQL.

Money in the view is integer cents: exact in both databases, and summable in SQL without floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from ledger.account import ContractAccount
from ledger.clearing import Allocation, OpenItem
from ledger.money import Posting, Side
from ledger.receipts import SuspenseItem

#: Events this projection reads. Filtering by topic in the store skips documents, partners and contracts.
TOPICS: tuple[str, ...] = tuple(
    get_topic(cls)
    for cls in (
        ContractAccount.Opened,
        ContractAccount.InvoicePosted,
        ContractAccount.CreditNotePosted,
        ContractAccount.PaymentReceived,
        ContractAccount.PaymentReversed,
        ContractAccount.ClearingReset,
        ContractAccount.CreditApplied,
        SuspenseItem.Parked,
        SuspenseItem.Allocated,
        SuspenseItem.Refunded,
    )
)


def cents(amount: Decimal) -> int:
    """Exact integer cents of a cent-quantised Decimal."""
    return int(amount * 100)


@dataclass(frozen=True, slots=True)
class JournalLine:
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

    def is_empty(self) -> bool:
        return not (
            self.new_accounts
            or self.new_items
            or self.item_deltas
            or self.journal
            or self.new_suspense
            or self.suspense_status
        )


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


def _clear(changes: Changes, account_id: str, allocations: Sequence[Allocation], sign: int) -> None:
    for a in allocations:
        changes.item_deltas[a.item_id] += sign * cents(a.amount)
        changes.account_open_deltas[account_id] += sign * cents(a.amount)


def _booking_date(event: Any) -> date:
    for name in (
        "posted_on",
        "received_on",
        "reversed_on",
        "reset_on",
        "applied_on",
        "refunded_on",
        "allocated_on",
    ):
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value
    item = getattr(event, "item", None)
    if isinstance(item, OpenItem):
        return item.posted_on
    receipt = getattr(event, "receipt", None)
    if receipt is not None:
        return receipt.received_on  # type: ignore[no-any-return]
    raise TypeError(f"{type(event).__name__} has no booking date")


def _journal(
    changes: Changes,
    account_id: str,
    notification_id: int,
    event: Any,
    postings: Iterable[Posting],
    currency: str | None = None,
) -> None:
    currency = currency or changes.currencies.get(account_id, "") or "EUR"
    for line_no, p in enumerate(postings, start=1):
        debit = cents(p.amount) if p.side is Side.DEBIT else 0
        credit = cents(p.amount) if p.side is Side.CREDIT else 0
        changes.journal.append(
            JournalLine(
                notification_id,
                line_no,
                _booking_date(event).isoformat(),
                event.timestamp.isoformat(),
                type(event).__name__,
                p.document,
                account_id,
                p.account,
                debit,
                credit,
                currency,
            )
        )


def _suspense(changes: Changes, event: Any, notification_id: int) -> None:
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
        changes.suspense_status[item_id] = (
            "allocated" if isinstance(event, SuspenseItem.Allocated) else "refunded"
        )
    postings = getattr(event, "postings", ())
    if postings:
        currency = event.receipt.currency if isinstance(event, SuspenseItem.Parked) else event.currency
        _journal(changes, "", notification_id, event, postings, currency)


def changes_for(
    events: Iterable[tuple[DomainEventProtocol[Any], int]], currency_of: dict[str, str]
) -> Changes:
    """Translate ``(event, notification_id)`` pairs into view changes, in store order.

    ``currency_of`` maps account ids to currencies already in the view (for journal lines).
    """
    changes = Changes(currencies=dict(currency_of))
    for event, notification_id in events:
        if isinstance(event, SuspenseItem.Parked | SuspenseItem.Allocated | SuspenseItem.Refunded):
            _suspense(changes, event, notification_id)
            continue
        account_id = str(event.originator_id)
        if isinstance(event, ContractAccount.Opened):
            changes.currencies[account_id] = event.currency
            changes.new_accounts.append(
                (account_id, str(event.partner_id), event.name, event.currency, notification_id)
            )
            continue
        if isinstance(event, ContractAccount.InvoicePosted):
            changes.new_items.append(_item_row(account_id, event.item))
            changes.account_open_deltas[account_id] += cents(event.item.amount)
        elif isinstance(event, ContractAccount.CreditNotePosted):
            _clear(changes, account_id, event.allocations, -1)
            changes.account_credit_deltas[account_id] += cents(event.to_credit)
        elif isinstance(event, ContractAccount.PaymentReceived):
            _clear(changes, account_id, (*event.allocations, *event.written_off), -1)
            changes.account_credit_deltas[account_id] += cents(event.to_credit)
            if event.payer_iban:
                changes.payer_ibans.add((event.payer_iban, account_id))
        elif isinstance(event, ContractAccount.PaymentReversed):
            _clear(changes, account_id, event.reopened, +1)
            changes.account_credit_deltas[account_id] -= cents(event.credit_back)
            if event.shortfall_item is not None:
                changes.new_items.append(_item_row(account_id, event.shortfall_item))
                changes.account_open_deltas[account_id] += cents(event.shortfall_item.amount)
        elif isinstance(event, ContractAccount.ClearingReset):
            _clear(changes, account_id, event.reopened, +1)
            changes.account_credit_deltas[account_id] += cents(event.credit_added)
        elif isinstance(event, ContractAccount.CreditApplied):
            _clear(changes, account_id, event.allocations, -1)
            changes.account_credit_deltas[account_id] -= sum(cents(a.amount) for a in event.allocations)
        else:
            continue
        _journal(changes, account_id, notification_id, event, event.postings)
    return changes
