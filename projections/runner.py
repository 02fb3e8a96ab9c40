"""Catching projections up with the store by pulling its notification log in batches.

eventsourcing 9.5 has no subscription on SQLite, and its runner applies one event per transaction
(≈1.4k events/s). This runner pulls ``BATCH_SIZE`` notifications at a time, translates them with the pure
:func:`~projections.ledger_view.changes_for`, and writes rows and tracking in one transaction, on either
store. The API calls :meth:`CatchUp.catch_up` after every command, so the portal reads its own writes
without the library's 100 ms polling wait; ``saldo serve`` also polls in the background for writes made by
other processes (imports, billing runs).

Ordering: notification ids are the store's commit order (PostgreSQL inserts take an EXCLUSIVE table lock,
so ids commit in sequence: https://eventsourcing.readthedocs.io/en/stable/topics/persistence.html), hence
"everything after my position" never skips an event that commits later with a smaller id.

The loop (read after the position, apply, compare-and-set the position, read again after losing a race) is
:class:`projections.following.Follower`'s, shared with the other read models; this module says how a batch
of the ledger view is applied.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections.books import CompanyBooks
from projections.dating import needed_keys
from projections.following import MAX_STALE_RETRIES, Follower, Progress
from projections.ledger_view import TOPICS, changes_for
from projections.sql import LedgerViewSQL

log = logging.getLogger(__name__)

#: Notifications read and applied per transaction: large enough to amortise the commit, small enough to
#: keep a transaction short and its memory bounded.
BATCH_SIZE = 2000

__all__ = ["BATCH_SIZE", "MAX_STALE_RETRIES", "CatchUp", "CatchUpReport"]


@dataclass(frozen=True, slots=True)
class CatchUpReport:
    events: int
    position: int | None


class CatchUp(Follower):
    """Brings one view up to date with one application's notification log."""

    def __init__(self, app: Application[Any], view: LedgerViewSQL, name: str = "ledger") -> None:
        super().__init__(app, name, TOPICS, BATCH_SIZE)
        self.view = view

    def position(self) -> int | None:
        return self.view.position(self.tracking_name)

    def books(self) -> CompanyBooks:
        """Whose books entries are in, from the application's companies (one default one if it has none)."""
        return CompanyBooks.of(getattr(self.app, "companies", None))

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:
        events = [(self.app.mapper.to_domain_event(n), n.id) for n in notifications]
        touched = sorted({str(e.originator_id) for e, _ in events})
        dating = self.view.move_dating(needed_keys(e for e, _ in events))
        changes = changes_for(events, self.view.currencies(touched), dating,
                              self.view.account_companies(touched), self.books())
        self.view.apply(changes, self.tracking_name, expected, notifications[-1].id)

    def drop(self) -> None:
        self.view.drop_rows(self.tracking_name)

    def catch_up(self, progress: Progress | None = None,
                 stop: threading.Event | None = None) -> CatchUpReport:
        """Apply every event recorded so far (or up to the batch during which ``stop`` was set); return
        how many were applied and the new position."""
        return CatchUpReport(*self.follow(progress, stop))

    def rebuild(self, progress: Progress | None = None) -> CatchUpReport:
        """Drop the view's rows and position, then replay every event from the start of the log."""
        return CatchUpReport(*self.drop_and_follow(progress))

    def run_forever(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Keep the view current until ``stop`` is set (for writes made by other processes)."""
        while not stop.is_set():
            try:
                self.catch_up(stop=stop)
            except Exception:  # keep serving reads; the next poll retries
                log.exception("projection catch-up failed")
            stop.wait(poll_seconds)
