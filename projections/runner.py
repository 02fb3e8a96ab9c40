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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application

from projections.books import CompanyBooks
from projections.dating import needed_keys
from projections.ledger_view import TOPICS, changes_for
from projections.sql import LedgerViewSQL, StaleView

log = logging.getLogger(__name__)

#: Notifications read and applied per transaction: large enough to amortise the commit, small enough to
#: keep a transaction short and its memory bounded.
BATCH_SIZE = 2000
#: Attempts after losing the race to another worker before giving up for this call.
MAX_STALE_RETRIES = 50


@dataclass(frozen=True, slots=True)
class CatchUpReport:
    events: int
    position: int | None


class CatchUp:
    """Brings one view up to date with one application's notification log."""

    def __init__(self, app: Application[Any], view: LedgerViewSQL, name: str = "ledger") -> None:
        self.app = app
        self.view = view
        self.tracking_name = f"{app.name}:{name}"
        self._lock = threading.Lock()  # one catch-up at a time per process; other processes: StaleView

    def position(self) -> int | None:
        return self.view.position(self.tracking_name)

    def books(self) -> CompanyBooks:
        """Whose books entries are in, from the application's companies (one default one if it has none)."""
        return CompanyBooks.of(getattr(self.app, "companies", None))

    def catch_up(self, progress: Callable[[int, int | None], None] | None = None) -> CatchUpReport:
        """Apply every event recorded so far; return how many were applied and the new position."""
        applied = 0
        with self._lock:
            stale = 0
            while True:
                expected = self.view.position(self.tracking_name)
                notifications = self.app.recorder.select_notifications(
                    start=(expected or 0) + 1, limit=BATCH_SIZE, topics=TOPICS)
                if not notifications:
                    return CatchUpReport(applied, expected)
                events = [(self.app.mapper.to_domain_event(n), n.id) for n in notifications]
                touched = sorted({str(e.originator_id) for e, _ in events})
                dating = self.view.move_dating(needed_keys(e for e, _ in events))
                changes = changes_for(events, self.view.currencies(touched), dating,
                                      self.view.account_companies(touched), self.books())
                try:
                    self.view.apply(changes, self.tracking_name, expected, notifications[-1].id)
                except StaleView:
                    stale += 1
                    if stale > MAX_STALE_RETRIES:
                        raise
                    continue
                applied += len(events)
                if progress is not None:
                    progress(applied, notifications[-1].id)

    def rebuild(self, progress: Callable[[int, int | None], None] | None = None) -> CatchUpReport:
        """Drop the view's rows and position, then replay every event from the start of the log."""
        with self._lock:
            self.view.drop_rows(self.tracking_name)
        return self.catch_up(progress)

    def run_forever(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Keep the view current until ``stop`` is set (for writes made by other processes)."""
        while not stop.is_set():
            try:
                self.catch_up()
            except Exception:  # keep serving reads; the next poll retries
                log.exception("projection catch-up failed")
            stop.wait(poll_seconds)
