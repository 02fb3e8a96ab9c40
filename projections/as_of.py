"""As-of queries: an account's open items, credit and statement on a business date, as known at a time.

Two times (issue 10, "as-of, both times"):

- **as of** a business date (valid time): only what happened on or before that day counts, each move on
  the business date of its event (the day the journal books it: an invoice's posting date, a payment's
  receipt date, a collection's collection date, a return's return date), except that an event undoing an
  earlier one counts no earlier than it (a reject dated before its collection counts from the collection
  date: :func:`projections.moves.effective_date`);
- **known at** a moment (record time): only events recorded by then count, by their recording timestamp.

Both read the view's moves (:mod:`projections.moves`, one row per change of an item or of the credit),
so they cost a scan of one account's moves, not a replay. An item is on the account as of a date when the
event that opened it is; a clearing move dated on or before that day for an item opened later (a receipt
dated before the invoice it was matched to) counts as credit on account that day, so the balance as of a
date is always what the journal's receivables and customer-credit lines say on that date.

With no event recorded after ``known_at`` and none dated after ``as_of``, the answers are the live
view's (the property test ``tests/test_as_of_properties.py`` checks it after every step of random
histories).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

#: Upper day bounds of the aged-receivables buckets after "not due": 1–30, 31–60, 61–90, then > 90 days.
AGE_BUCKET_DAYS = (30, 60, 90)
#: Bucket numbers of the aged report: 0 not due, 1..3 the bounded ones, 4 over 90 days, 5 credit.
CREDIT_BUCKET = 5


@dataclass(frozen=True, slots=True)
class PointInTime:
    """A business date and a recording moment (timezone-aware)."""

    as_of: date
    known_at: datetime

    @property
    def recorded_key(self) -> str:
        """``known_at`` as the view stores recording times (the events' UTC timestamps, ISO 8601).

        ISO strings of UTC times sort like the times, with or without microseconds ("…:05+00:00" sorts
        before "…:05.000001+00:00"), so the view compares them as text on both stores.
        """
        return self.known_at.astimezone(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class ItemAsOf:
    item_id: str
    document_number: str
    kind: str
    amount_cents: int
    open_cents: int
    due_date: str
    posted_on: str
    payment_reference: str | None
    seq: int


@dataclass(frozen=True, slots=True)
class AccountAsOf:
    """The items on an account at a point in time (open or not, in due order) and its credit on account."""

    items: tuple[ItemAsOf, ...]
    credit_cents: int

    @property
    def open_cents(self) -> int:
        return sum(i.open_cents for i in self.items)

    def open_items(self) -> list[ItemAsOf]:
        return [i for i in self.items if i.open_cents > 0]

    def due_summary(self, day: str) -> tuple[int, str | None]:
        """Overdue cents (due before ``day``) and the next due date on or after it, as the live view's."""
        open_items = self.open_items()
        upcoming = [i.due_date for i in open_items if i.due_date >= day]
        return sum(i.open_cents for i in open_items if i.due_date < day), min(upcoming, default=None)


def fold_account(rows: Sequence[tuple[Any, ...]]) -> AccountAsOf | None:
    """Per-item sums of moves (:meth:`AsOfQueries.account_as_of`'s rows) as items and credit.

    None when there is no row: the account was not yet known.
    """
    if not rows:
        return None
    items: list[ItemAsOf] = []
    credit = 0
    for item_id, opens, open_cents, credit_cents, *attributes in rows:
        credit += int(credit_cents)
        if not item_id:
            continue
        if not opens:  # cleared on or before the day of an item opened after it: credit that day
            credit -= int(open_cents)
            continue
        number, kind, amount, due, posted, reference, seq = attributes
        items.append(ItemAsOf(item_id, number, kind, int(amount), int(open_cents), due, posted, reference,
                              int(seq)))
    items.sort(key=lambda i: (i.due_date, i.seq))
    return AccountAsOf(tuple(items), credit)


def age_bounds(as_of: date) -> tuple[str, ...]:
    """The earliest due date of each bucket before "over 90 days": as_of, as_of − 30, − 60, − 90 days."""
    return (as_of.isoformat(), *((as_of - timedelta(days=d)).isoformat() for d in AGE_BUCKET_DAYS))


_PER_ITEM = ("SELECT account_id, item_id, MAX(opens) AS opens, SUM(open_cents) AS open_cents,"
             " SUM(credit_cents) AS credit_cents FROM {moves}"
             " WHERE booking_date <= ? AND recorded_at <= ?")


class AsOfQueries:
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:  # pragma: no cover
        raise NotImplementedError

    def account_as_of(self, account_id: str, at: PointInTime) -> AccountAsOf | None:
        """The account's items and credit as of ``at`` (None: not yet known then)."""
        rows = self._read(
            "SELECT p.item_id, p.opens, p.open_cents, p.credit_cents, i.document_number, i.kind,"  # noqa: S608
            " i.amount_cents, i.due_date, i.posted_on, i.payment_reference, i.seq"
            f" FROM ({_PER_ITEM} AND account_id = ? GROUP BY account_id, item_id) p"
            " LEFT JOIN {items} i ON i.item_id = p.item_id",
            (at.as_of.isoformat(), at.recorded_key, account_id),
        )
        return fold_account(rows)

    def statement_as_of(self, account_id: str, at: PointInTime) -> list[tuple[Any, ...]]:
        """The statement (``LedgerQueries.statement``): lines booked by ``as_of``, known at ``known_at``."""
        return self._read(
            "SELECT notification_id, booking_date, event_type, document, amount,"
            " SUM(amount) OVER (ORDER BY notification_id) FROM ("
            "  SELECT notification_id, MIN(booking_date) AS booking_date, MIN(event_type) AS event_type,"
            "   MIN(document) AS document, SUM(debit_cents - credit_cents) AS amount"
            "  FROM {journal} j WHERE contract_account_id = ?"
            "   AND gl_account IN ('receivables', 'customer-credit')"
            "   AND booking_date <= ? AND recorded_at <= ?"
            # An event that undoes a later-dated one counts from that date (projections.moves).
            "   AND NOT EXISTS (SELECT 1 FROM {moves} m WHERE m.position = j.notification_id"
            "    AND m.booking_date > ?)"
            "  GROUP BY notification_id) AS movements ORDER BY notification_id",
            (account_id, at.as_of.isoformat(), at.recorded_key, at.as_of.isoformat()),
        )

    def aged_receivables(self, at: PointInTime, account_id: str | None = None) -> list[tuple[Any, ...]]:
        """(account_id, name, currency, bucket, cents) of every account with something open or credit.

        Buckets: 0 not due, 1 1–30 days past due, 2 31–60, 3 61–90, 4 over 90, 5 credit on account. Only
        open items (open amount above zero) are aged, so the buckets add up to the open items' total.
        """
        only = " AND account_id = ?" if account_id is not None else ""
        params: tuple[Any, ...] = (*age_bounds(at.as_of), at.as_of.isoformat(), at.recorded_key)
        return self._read(
            "SELECT p.account_id, a.name, a.currency, CASE WHEN p.opens = 0 THEN 5"  # noqa: S608
            " WHEN i.due_date >= ? THEN 0 WHEN i.due_date >= ? THEN 1 WHEN i.due_date >= ? THEN 2"
            " WHEN i.due_date >= ? THEN 3 ELSE 4 END AS bucket,"
            " SUM(CASE WHEN p.opens = 0 THEN p.credit_cents - p.open_cents ELSE p.open_cents END)"
            f" FROM ({_PER_ITEM}{only} GROUP BY account_id, item_id) p"
            " JOIN {accounts} a ON a.account_id = p.account_id"
            " LEFT JOIN {items} i ON i.item_id = p.item_id"
            " WHERE p.opens = 0 OR p.open_cents > 0"
            " GROUP BY p.account_id, a.name, a.currency, bucket ORDER BY p.account_id, bucket",
            (*params, account_id) if account_id is not None else params,
        )


@dataclass(frozen=True, slots=True)
class AgedAccount:
    """An account's open items by age (cents: not due, 1–30, 31–60, 61–90, > 90 days) and its credit."""

    account_id: str
    name: str
    currency: str
    buckets: tuple[int, int, int, int, int]
    credit_cents: int

    @property
    def total_cents(self) -> int:
        return sum(self.buckets)


def fold_aged(rows: Sequence[tuple[Any, ...]]) -> list[AgedAccount]:
    """:meth:`AsOfQueries.aged_receivables` rows as one record per account with anything open or credit."""
    accounts: list[AgedAccount] = []
    current: tuple[str, str, str] | None = None
    sums = [0] * (CREDIT_BUCKET + 1)

    def close() -> None:
        if current is not None and any(sums):
            b = sums
            accounts.append(AgedAccount(*current, (b[0], b[1], b[2], b[3], b[4]), b[CREDIT_BUCKET]))

    for account_id, name, currency, bucket, cents in rows:
        if current is None or current[0] != account_id:
            close()
            current, sums = (account_id, name, currency), [0] * (CREDIT_BUCKET + 1)
        sums[int(bucket)] += int(cents)
    close()
    return accounts
