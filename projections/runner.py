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
of the ledger view is applied. On PostgreSQL the same loop is pipelined: a batch is read and translated in
the caller's thread while the one before is written by a writer thread, so the client's Python and the
database's inserts run on two cores at once (the catch-up's CPU is about half each, bench/ledger.py).
What the translation reads of the view (currencies, companies, the dates moves count from) is taken from
the batch in flight where it changed it (:func:`carry_over`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections.books import CompanyBooks
from projections.dating import MoveDating, needed_keys
from projections.following import MAX_STALE_RETRIES, Follower, Progress, collector_paused
from projections.ledger_view import TOPICS, Changes, changes_for
from projections.rebuild import MAX_SWITCH_ATTEMPTS, NEXT, ViewMovedOn, index_next, next_view, switch
from projections.sql import LedgerViewSQL, StaleView

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
        self.name = name

    def position(self) -> int | None:
        return self.view.position(self.tracking_name)

    def books(self) -> CompanyBooks:
        """Whose books entries are in, from the application's companies (one default one if it has none)."""
        return CompanyBooks.of(getattr(self.app, "companies", None))

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:
        self.view.apply(self.changes(notifications), self.tracking_name, expected, notifications[-1].id)

    def changes(self, notifications: Sequence[Notification], after: Changes | None = None) -> Changes:
        """What ``notifications`` change in the view, as it is after the batch ``after`` (which may not be
        committed yet: what it changed of the little the translation reads is taken from it)."""
        events = [(self.app.mapper.to_domain_event(n), n.id) for n in notifications]
        touched = sorted({str(e.originator_id) for e, _ in events})
        keys = needed_keys(e for e, _ in events)
        dating = self.view.move_dating(keys)
        currencies, companies = self.view.currencies(touched), self.view.account_companies(touched)
        if after is not None:
            carry_over(after, touched, keys, currencies, companies, dating)
        return changes_for(events, currencies, dating, companies, self.books())

    def follow(self, progress: Progress | None = None,
               stop: threading.Event | None = None) -> tuple[int, int | None]:
        if not getattr(self.view, "pipelined", False):
            return super().follow(progress, stop)
        with self._lock, ThreadPoolExecutor(1, thread_name_prefix="ledger-view-writer") as writer:
            head = self.app.recorder.max_notification_id() or 0  # committed up to it: Follower.follow
            return self._pipelined(writer, progress, stop, head)

    def _pipelined(self, writer: ThreadPoolExecutor, progress: Progress | None,
                   stop: threading.Event | None, head: int) -> tuple[int, int | None]:
        """:meth:`Follower.follow`, translating each batch while the one before is written by ``writer``.

        The translation needs the client's CPU, the write mostly the database's: on two cores they overlap
        (bench/ledger.py). Writes stay one at a time and in order, each batch's tracking compare-and-set
        first, so the rows are those of the plain loop; a batch translated after one that lost its race
        (StaleView) is dropped, and the loop reads again from the position the winner left.
        """
        read, stale = 0, 0
        expected = self.position()
        pending: tuple[Future[None], Changes, int] | None = None  # the batch being written
        while True:
            with collector_paused():
                notifications = self.app.recorder.select_notifications(
                    start=(expected or 0) + 1, limit=self.batch, topics=self.topics)
                after = pending[1] if pending is not None else None
                changes = self.changes(notifications, after) if notifications else None
            if pending is not None:
                future, written, pending = pending[0], pending[2], None
                try:
                    future.result()
                except StaleView:
                    stale += 1
                    if stale > MAX_STALE_RETRIES:
                        raise
                    expected = self.position()  # what was translated after it is dropped
                    continue
                read += written
                if progress is not None:
                    progress(read, expected)
                if stop is not None and stop.is_set():  # a worker told to stop ends after this batch
                    return read, expected
            if changes is None:
                self._seen_through = max(self._seen_through, head)
                return read, expected
            position = notifications[-1].id
            full = len(notifications) == self.batch
            pending = (self._write(writer, changes, expected, position, full), changes, len(notifications))
            expected = position

    def _write(self, writer: ThreadPoolExecutor, changes: Changes, expected: int | None, position: int,
               full: bool) -> Future[None]:
        """A full batch is written by ``writer`` (another is likely to follow); the last one, and the one
        batch of the catch-up after a command, in this thread: no thread is started for it."""
        if full:
            return writer.submit(self.view.apply, changes, self.tracking_name, expected, position)
        done: Future[None] = Future()
        try:
            self.view.apply(changes, self.tracking_name, expected, position)
            done.set_result(None)
        except Exception as error:  # raised where a written batch's outcome is read, as from the writer
            done.set_exception(error)
        return done

    def drop(self) -> None:
        self.view.drop_rows(self.tracking_name)

    def catch_up(self, progress: Progress | None = None,
                 stop: threading.Event | None = None) -> CatchUpReport:
        """Apply every event recorded so far (or up to the batch during which ``stop`` was set); return
        how many were applied and the new position."""
        return CatchUpReport(*self.follow(progress, stop))

    def rebuild(self, progress: Progress | None = None) -> CatchUpReport:
        """Replay every event from the start of the log into new tables while this view goes on being read
        and caught up, then put them in its place in one transaction (:mod:`projections.rebuild`)."""
        builder = CatchUp(self.app, self.view, f"{self.name}{NEXT}")
        builder.view = next_view(self.view, builder.tracking_name)
        builder.batch = self.batch
        events, _ = builder.follow(progress)
        index_next(builder.view)
        for _attempt in range(MAX_SWITCH_ATTEMPTS):
            events += builder.follow()[0]  # what was recorded meanwhile
            try:
                position = switch(self.view, builder.view, self.tracking_name, builder.tracking_name)
            except (ViewMovedOn, StaleView):  # a command's catch-up moved the view on: catch up again
                continue
            log.info("rebuilt the ledger view: %s events, now at position %s", events, position)
            return CatchUpReport(events, position)
        raise ViewMovedOn(f"the view kept moving on during {MAX_SWITCH_ATTEMPTS} attempts to switch to the "
                          "rebuilt tables; nothing was replaced: rebuild again")

    def run_forever(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Keep the view current until ``stop`` is set (for writes made by other processes)."""
        while not stop.is_set():
            try:
                self.catch_up(stop=stop)
            except Exception:  # keep serving reads; the next poll retries
                log.exception("projection catch-up failed")
            stop.wait(poll_seconds)


def carry_over(after: Changes, touched: Sequence[str], keys: Sequence[str], currencies: dict[str, str],
               companies: dict[str, str], dating: MoveDating) -> None:
    """What the batch ``after`` left in the view of what the next one reads, over what was read of it.

    The next batch is translated while ``after`` is written, so a read may or may not see it: its values
    are the newest either way. The rest of what is read was committed before ``after`` began (writes go
    one at a time), and ``after`` did not change it. The dated keys are not marked changed: ``after``
    writes them itself.
    """
    for account in touched:
        if account in after.currencies:
            currencies[account] = after.currencies[account]
        if account in after.companies:
            companies[account] = after.companies[account]
    for key in keys:
        if key in after.dating.since:
            dating.since[key] = after.dating.since[key]
        item = key.removeprefix("item:")
        if key.startswith("item:") and item in after.dating.due:
            dating.due[item] = after.dating.due[item]
