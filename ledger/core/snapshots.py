"""Snapshots that know which code wrote them, so that a snapshot never outlives the aggregate's code.

A snapshot is the aggregate's attributes at a version (``vars(aggregate)``), derived data kept outside the
journal. Replaying events runs today's code; restoring a snapshot does not: an attribute a later release
sets in an event handler, or a changed way of applying an event, would be missing from a snapshot taken
before it. Rather than trusting every change to remember an upcaster
(https://eventsourcing.readthedocs.io/en/stable/topics/domain.html#versioning), a :class:`StampedSnapshot`
carries a digest of the source of the aggregate's classes and of what they use; the snapshot store
(:class:`CurrentSnapshots`) and the bulk loader pass over a snapshot whose digest is not today's, and the
aggregate replays from its events until the next snapshot is taken. Snapshots written before stamps
existed (the library's :class:`~eventsourcing.domain.Snapshot`) are read as they always were.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.utils import resolve_topic

from ledger.core.saving import CollectingApplication

_log = logging.getLogger(__name__)

#: The key of the code digest in a snapshot's state (not an attribute name an aggregate can have).
STAMP = "_code_"


def code_stamp(cls: type) -> str:
    """A digest of the modules that define ``cls`` and the classes it is made of, and of the modules
    those import functions and records from (clearing rules, money): Saldo's own modules only."""
    return _stamp(_modules_of(cls))


def _is_ours(name: object) -> bool:
    return isinstance(name, str) and name.split(".")[0] == "ledger"


@functools.cache
def _modules_of(cls: type) -> tuple[str, ...]:
    defining = {c.__module__ for c in cls.__mro__ if _is_ours(c.__module__)}
    used = set(defining)
    for name in defining:
        for value in vars(sys.modules[name]).values():
            module = getattr(value, "__module__", None) if not inspect.ismodule(value) else value.__name__
            if _is_ours(module):
                used.add(str(module))
    return tuple(sorted(used))


@functools.cache
def _stamp(modules: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in modules:
        try:
            text = inspect.getsource(sys.modules[name])
        except (OSError, TypeError):  # no source shipped: at least the module's name
            text = name
        digest.update(name.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class StampedSnapshot(Snapshot):
    """The library's snapshot, with the digest of the code that took it in its state (:data:`STAMP`)."""

    @classmethod
    def take(cls, aggregate: Any) -> Any:
        snapshot = super().take(aggregate)
        snapshot.state[STAMP] = code_stamp(type(aggregate))
        return snapshot

    def mutate(self, _: None) -> Any:
        state = {k: v for k, v in self.state.items() if k != STAMP}
        return Snapshot.mutate(dataclasses.replace(self, state=state), None)


def is_current(snapshot: object) -> bool:
    """Whether the snapshot may be restored by today's code (an unstamped one: as before stamps)."""
    if not isinstance(snapshot, StampedSnapshot):
        return True
    return bool(snapshot.state.get(STAMP) == code_stamp(resolve_topic(snapshot.topic)))


class CurrentSnapshots(EventStore[UUID]):
    """The snapshot store, giving only snapshots today's code may restore (see the module's docstring)."""

    def get(self, originator_id: UUID, *, gt: int | None = None, lte: int | None = None,
            desc: bool = False, limit: int | None = None) -> Iterator[Any]:
        # The latest snapshot is the only one kept (superseded ones are deleted), so passing over a stale
        # one leaves none and the aggregate replays from its first event, as it did before snapshots.
        found = super().get(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return (s for s in found if is_current(s))


class SnapshottingApplication(CollectingApplication):
    """The library's application, taking :class:`StampedSnapshot` and reading only current ones."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        #: Deletes an aggregate's snapshots older than a version (projections.snapshots, set by the
        #: bootstrap): only the latest is ever read, and an account's would otherwise pile up, one copy of
        #: its whole state per interval.
        self.snapshot_pruner: Callable[[UUID, int], None] | None = None

    def construct_snapshot_store(self) -> EventStore[UUID]:
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        return CurrentSnapshots(mapper=self.mapper, recorder=recorder)

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = project_aggregate) -> None:
        """Snapshot an aggregate, after the transaction that wrote its events (the library's order).

        A snapshot is derived data, kept in its own table outside the journal (the notification log the
        projections and the hash chain read): failing to take one must not turn a command that is already
        committed into an error, so the failure is logged and the aggregate replays from an earlier
        snapshot, or its first event, until the next one is taken.
        """
        if self.snapshots is None:  # pragma: no cover - snapshotting_intervals always makes the store
            return
        try:
            aggregate = self.repository.get(aggregate_id, version=version, projector_func=projector_func)
            self.snapshots.put([StampedSnapshot.take(aggregate)])
            if self.snapshot_pruner is not None:
                self.snapshot_pruner(aggregate_id, aggregate.version)
        except IntegrityError:  # another process took this very snapshot: it holds the same state
            return
        except Exception:  # a bug to fix, not a reason to fail a command already committed
            _log.exception("snapshot of %s at version %s failed", aggregate_id, version)
