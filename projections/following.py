"""A read model that follows the notification log for a few topics only, under its own tracking name.

The audit trail (:mod:`projections.trail`) and the catalog (:mod:`projections.catalog_sql`) are caught up
when asked, not by every command: each reads the notifications of its topics after its own position and
applies a batch in one transaction that also moves its position. Two processes catching up at once are
told apart by that position (``StaleView``: the other one applied the batch first), and the loser reads
again from where the winner stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections.sql import StaleView

#: Lost races with another process catching up the same read model before giving up.
MAX_STALE_RETRIES = 50


class TopicFollower:
    """Catches one read model up with the notifications of ``topics``, ``batch`` at a time."""

    def __init__(self, app: Application[Any], name: str, topics: Sequence[str], batch: int) -> None:
        self.app = app
        self.tracking_name = f"{app.name}:{name}"
        self.topics = topics
        self.batch = batch
        self._lock = threading.Lock()

    def position(self) -> int | None:  # pragma: no cover - every read model says where it is
        raise NotImplementedError

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:  # pragma: no cover
        """Apply one batch and move the position from ``expected`` to its last id, in one transaction."""
        raise NotImplementedError

    def drop(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def catch_up(self) -> int:
        """Apply every notification of the topics recorded so far; how many were read."""
        read, stale = 0, 0
        with self._lock:
            while True:
                expected = self.position()
                notifications = self.app.recorder.select_notifications(
                    start=(expected or 0) + 1, limit=self.batch, topics=self.topics)
                if not notifications:
                    return read
                try:
                    self.apply(notifications, expected)
                except StaleView:
                    stale += 1
                    if stale > MAX_STALE_RETRIES:
                        raise
                    continue
                read += len(notifications)

    def rebuild(self) -> int:
        with self._lock:
            self.drop()
        return self.catch_up()
