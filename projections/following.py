"""Read models that follow the notification log, each under its own tracking name, with one loop.

Every read model (the ledger view, :mod:`projections.runner`; the audit trail, :mod:`projections.trail`;
the catalog, :mod:`projections.catalog_sql`; the dunning history, :mod:`projections.dunning_history`)
reads the notifications of its topics after its own position and applies a batch in one transaction that
also moves its position. Two processes catching up at once are told apart by that position
(``StaleView``: the other one applied the batch first), and the loser reads again from where the winner
stopped. :class:`Follower` is that loop, once; its subclasses say how a batch is applied.

The ledger view is caught up by every command the API runs; the others when they are asked, and all of
them by ``saldo projections run`` (:mod:`projections.worker`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections.sql import StaleView

#: Lost races with another process catching up the same read model before giving up.
MAX_STALE_RETRIES = 50

#: ``progress(applied so far, store position)`` after each batch.
Progress = Callable[[int, int | None], None]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one batch, back on after it.

    A batch of 2000 events makes a few hundred thousand objects (decoded events, rows) that all live until
    its transaction commits and hold no reference cycles: every collection the allocations trigger meanwhile
    walks them again and frees nothing. In the benchmark's catch-up that was 15-25 % of the time (measured
    with ``gc.callbacks``, bench/ledger.py). Reference counting still frees everything as usual; a cycle made
    during the batch waits for the first collection after it. Another thread that paused it too finds it
    already off and leaves it as it is (https://docs.python.org/3/library/gc.html#gc.disable).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Follower:
    """Catches one read model up with the notifications of ``topics``, ``batch`` at a time."""

    def __init__(self, app: Application[Any], name: str, topics: Sequence[str], batch: int) -> None:
        self.app = app
        self.tracking_name = f"{app.name}:{name}"
        self.topics = topics
        self.batch = batch
        self._lock = threading.Lock()  # one catch-up at a time per process; other processes: StaleView
        #: A lower bound of the log this model has applied: every notification with an id up to it had been
        #: applied (or was of another topic) when this process last caught up. See :meth:`follow_through`.
        self._seen_through = 0

    def position(self) -> int | None:  # pragma: no cover - every read model says where it is
        raise NotImplementedError

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:  # pragma: no cover
        """Apply one batch and move the position from ``expected`` to its last id, in one transaction."""
        raise NotImplementedError

    def drop(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def follow(self, progress: Progress | None = None,
               stop: threading.Event | None = None) -> tuple[int, int | None]:
        """Apply every notification of the topics recorded so far, or stop after the batch during which
        ``stop`` was set; return how many were read and the position reached."""
        read, stale = 0, 0
        with self._lock:
            # Every id up to the log's head is committed: the recorders number notifications under a table
            # lock held to the commit (eventsourcing's PostgreSQL recorder; SQLite has one writer), so
            # ids are in commit order and none below the head can still appear.
            head = self.app.recorder.max_notification_id() or 0
            while True:
                expected = self.position()
                try:
                    with collector_paused():
                        notifications = self.app.recorder.select_notifications(
                            start=(expected or 0) + 1, limit=self.batch, topics=self.topics)
                        if not notifications:
                            self._seen_through = max(self._seen_through, head)
                            return read, expected
                        self.apply(notifications, expected)
                except StaleView:
                    stale += 1
                    if stale > MAX_STALE_RETRIES:
                        raise
                    continue
                read += len(notifications)
                if progress is not None:
                    progress(read, notifications[-1].id)
                if stop is not None and stop.is_set():  # a worker told to stop ends after this batch
                    return read, notifications[-1].id

    def follow_through(self, notification_id: int) -> None:
        """Make sure the notifications up to ``notification_id`` are applied: the read-your-writes wait of
        a request after its own command.

        Nothing is read if this process has already seen that far, by its own catch-up or another
        request's. Without this, 16 requests of one process each read the position and the log again
        behind one lock after every payment, one after the other (issue 12 item 3, bench/http_load.py).
        """
        if self._seen_through >= notification_id:
            return
        with self._lock:
            if self._seen_through >= notification_id:  # another request caught up while this one waited
                return
        self.follow()

    def drop_and_follow(self, progress: Progress | None = None) -> tuple[int, int | None]:
        """Drop the model's rows and position, then replay every event from the start of the log."""
        with self._lock:
            self.drop()
            self._seen_through = 0
        return self.follow(progress)


class TopicFollower(Follower):
    """A read model caught up when asked: its catch-up and rebuild say how many notifications they read."""

    def catch_up(self) -> int:
        """Apply every notification of the topics recorded so far; how many were read."""
        return self.follow()[0]

    def rebuild(self) -> int:
        return self.drop_and_follow()[0]
