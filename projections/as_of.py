"""As-of queries: an account's open items, credit and statement on a business date, as known at a time.

Two times (issue 10, "as-of, both times"):

- **as of** a business date (valid time): only what happened on or before that day counts, each move on
  the business date of its event (the day the journal books it: an invoice's posting date, a payment's
  receipt date, a collection's collection date, a return's return date), except that an event undoing an
  earlier one counts no earlier than it (a reject dated before its collection counts from the collection
  date: :func:`projections.moves.effective_date`);
- **known at** a moment (record time): only events recorded by then count, by their recording timestamp.

Both read the view's moves (:mod:`projections.moves`, one row per change of an item or of the credit,
dated by :mod:`projections.dating`), so they cost one scan of one account's moves, not a replay. Dated
that way, each item's moves add up, as of any date and as known at any moment, to an open amount the
item really had, and the balance of any date is what the journal's receivables and customer-credit lines
say on that date (a receipt dated before the invoice it was matched to is credit on account until the
invoice's date). So the balance, the overdue amount and the aged report are plain sums over the moves.

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

    @property
    def params(self) -> tuple[str, str]:
        return self.as_of.isoformat(), self.recorded_key


@dataclass(frozen=True, slots=True)
class BalanceAsOf:
    open_cents: int
    credit_cents: int
    overdue_cents: int
    next_due: str | None


def age_bounds(as_of: date) -> tuple[str, ...]:
    """The earliest due date of each bucket before "over 90 days": as_of, as_of − 30, − 60, − 90 days."""
    return (as_of.isoformat(), *((as_of - timedelta(days=d)).isoformat() for d in AGE_BUCKET_DAYS))


@dataclass(frozen=True, slots=True)
class AgedAccount:
    """An account's open items by age (cents: not due, 1–30, 31–60, 61–90, > 90 days) and its credit."""

    account_id: str
    name: str
    currency: str
    buckets: tuple[int, int, int, int, int]
    credit_cents: int


def fold_aged(rows: Sequence[tuple[Any, ...]]) -> list[AgedAccount]:
    """:meth:`AsOfQueries.aged_receivables` rows, without the accounts that have nothing open or credit."""
    aged = []
    for account_id, name, currency, *cents in rows:
        b = [int(c) for c in cents]
        if any(b):
            aged.append(AgedAccount(account_id, name, currency, (b[0], b[1], b[2], b[3], b[4]), b[5]))
    return aged


#: The moves of one account that count as of a business date, as known at a moment.
_COUNTING = "FROM {moves} WHERE account_id = ? AND booking_date <= ? AND recorded_at <= ?"


class AsOfQueries:
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:  # pragma: no cover
        raise NotImplementedError

    def known(self, account_id: str, at: PointInTime) -> bool:
        """Whether the account had been opened by ``known_at`` (its opening has no business date)."""
        return bool(self._read("SELECT 1 FROM {moves} WHERE account_id = ? AND booking_date = ''"
                               " AND recorded_at <= ?", (account_id, at.recorded_key)))

    def balance_as_of(self, account_id: str, at: PointInTime) -> BalanceAsOf | None:
        """Open items, credit, overdue (due before ``as_of``) and the next due date; None: not yet known."""
        day, recorded = at.params
        rows = self._read(
            "SELECT COUNT(*), COALESCE(SUM(open_cents), 0), COALESCE(SUM(credit_cents), 0),"  # noqa: S608
            " COALESCE(SUM(CASE WHEN item_id <> '' AND due_date < ? THEN open_cents ELSE 0 END), 0),"
            " (SELECT MIN(due_date) FROM (SELECT item_id, MIN(due_date) AS due_date"
            f"   {_COUNTING} AND item_id <> '' AND due_date >= ?"
            "   GROUP BY item_id HAVING SUM(open_cents) > 0) AS upcoming)"
            f" {_COUNTING}",
            (day, account_id, day, recorded, day, account_id, day, recorded))
        count, open_cents, credit, overdue, next_due = rows[0]
        if not count:
            return None
        return BalanceAsOf(int(open_cents), int(credit), int(overdue), next_due)

    def open_items_as_of(self, account_id: str, at: PointInTime) -> list[tuple[Any, ...]]:
        """:meth:`LedgerQueries.open_items` as of ``at``: the items with something open then."""
        return self._read(
            "SELECT i.item_id, i.document_number, i.kind, i.amount_cents, p.open_cents, i.due_date,"  # noqa: S608
            " i.posted_on, i.payment_reference FROM (SELECT item_id, SUM(open_cents) AS open_cents"
            f" {_COUNTING} AND item_id <> '' GROUP BY item_id HAVING SUM(open_cents) > 0) p"
            " JOIN {items} i ON i.item_id = p.item_id ORDER BY i.due_date, i.seq",
            (account_id, *at.params))

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
            # An event counts from the date of its first move (projections.dating): later than the
            # journal's when it undoes something dated later.
            "   AND NOT EXISTS (SELECT 1 FROM {moves} m WHERE m.position = j.notification_id"
            "    AND m.seq = 1 AND m.booking_date > ?)"
            "  GROUP BY notification_id) AS movements ORDER BY notification_id",
            (account_id, *at.params, at.as_of.isoformat()),
        )

    def aged_receivables(self, at: PointInTime, account_id: str | None = None, company: str | None = None,
                         default: str = "default") -> list[tuple[Any, ...]]:
        """(account_id, name, currency, not due, 1–30, 31–60, 61–90, > 90 days, credit) in cents, per
        account in account-id order: the open amounts by the days their items are past due on ``as_of``;
        only ``company``'s accounts if given (an account the view recorded none for is ``default``'s).
        """
        b = age_bounds(at.as_of)
        only = " AND m.account_id = ?" if account_id is not None else ""
        if company is not None:
            only += (" AND COALESCE((SELECT c.company FROM {account_companies} c"
                     " WHERE c.account_id = m.account_id), ?) = ?")

        def bucket(condition: str) -> str:
            return f" SUM(CASE WHEN m.item_id <> '' AND {condition} THEN m.open_cents ELSE 0 END),"

        return self._read(
            "SELECT m.account_id, a.name, a.currency,"  # noqa: S608 - constants
            + bucket("m.due_date >= ?") + bucket("m.due_date < ? AND m.due_date >= ?")
            + bucket("m.due_date < ? AND m.due_date >= ?") + bucket("m.due_date < ? AND m.due_date >= ?")
            + bucket("m.due_date < ?") +
            " SUM(m.credit_cents) FROM {moves} m JOIN {accounts} a ON a.account_id = m.account_id"
            f" WHERE m.booking_date <= ? AND m.recorded_at <= ?{only}"
            " GROUP BY m.account_id, a.name, a.currency ORDER BY m.account_id",
            (b[0], b[0], b[1], b[1], b[2], b[2], b[3], b[3], *at.params,
             *((account_id,) if account_id is not None else ()),
             *((default, company) if company is not None else ())))
