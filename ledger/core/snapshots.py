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

The snapshots the application takes are *pruned* (issue 12): an aggregate that names records settled for
good (``settled_for_good()``, e.g. a contract account's cleared items and old payments) has them left out;
the state keeps their ids under :data:`ARCHIVE`, and the restored aggregate holds an
:class:`~ledger.core.archive.ArchivedMap` that fetches them back, by replaying the aggregate's events up
to the snapshot, the moment anything asks for one. :meth:`StampedSnapshot.take` still takes everything.

A pruned snapshot also keeps what the aggregate names in ``compact_records`` as rows of plain JSON values
(:mod:`ledger.core.rows`): an account's open items (read back as an :class:`ArchivedMap` whose rows become
items when read: a payment of the oldest bill decodes that one), its mandate's history and its dunning
steps (read back as a :class:`~ledger.core.rows.RowTuple`, each entry decoded when read, and written into
the next snapshot as the rows they were read from). A row is written only if it reads back as its very
record; otherwise the map or tuple is written as before.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import logging
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent, project_aggregate
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.utils import resolve_topic

from ledger.core.archive import NAME, ArchivedMap, IdFilter, RowCodec, RowTuple
from ledger.core.saving import CollectingApplication

_log = logging.getLogger(__name__)

#: The key of the code digest in a snapshot's state (not an attribute name an aggregate can have).
STAMP = "_code_"
#: The key of the archived records' ids in a pruned snapshot's state: ``{map name: joined ids}``.
ARCHIVE = "_archive_"

#: The key of what a snapshot keeps as rows (``compact_records``: see :class:`~ledger.core.archive.RowCodec`):
#: ``{name: "map"}`` for a map (read back as an :class:`ArchivedMap`, each row when used), ``"tuple"`` for
#: a tuple (read back as a :class:`~ledger.core.archive.RowTuple`, decoded whole when first read).
COMPACT = "_rows_"

#: Gives an aggregate's events up to a version (the application's event store), to fetch archives back.
History = Callable[[UUID, int], Iterable[Any]]


def code_stamp(cls: type) -> str:
    """A digest of the modules that define ``cls`` and the classes it is made of, and of the modules
    those import functions and records from (clearing rules, money): Saldo's own modules only."""
    # And this module's, which reads and writes the archive of a pruned snapshot (ledger.core.archive).
    return _stamp(tuple(sorted({*_modules_of(cls), __name__})))


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
        """Everything the aggregate holds, archived records fetched back."""
        for value in vars(aggregate).values():
            if isinstance(value, ArchivedMap):
                value.materialise()
        snapshot = super().take(aggregate)
        for name, value in snapshot.state.items():
            if isinstance(value, RowTuple):
                snapshot.state[name] = value.records()
        snapshot.state[STAMP] = code_stamp(type(aggregate))
        return snapshot

    @classmethod
    def take_pruned(cls, aggregate: Any) -> Any:
        """The aggregate less the records it has settled for good (see the module's docstring)."""
        settled_for_good = getattr(aggregate, "settled_for_good", None)
        snapshot = super().take(aggregate)
        snapshot.state[STAMP] = code_stamp(type(aggregate))
        if settled_for_good is not None:
            _prune(aggregate, snapshot, settled_for_good)
        _compact(aggregate, snapshot.state)
        return snapshot

    def mutate(self, _: None) -> Any:
        state = {k: v for k, v in self.state.items() if k not in (STAMP, ARCHIVE, COMPACT)}
        archive: dict[str, Any] = self.state.get(ARCHIVE) or {}
        compact: dict[str, str] = self.state.get(COMPACT) or {}
        codecs = getattr(resolve_topic(self.topic), "compact_records", {}) if compact else {}
        history = _HISTORIES.get(id(self))
        fetch = _fetcher(history, self.originator_id, self.originator_version) if history else None
        for name, kind in compact.items():
            if kind == "tuple":
                state[name] = RowTuple(state[name], codecs[name])
        for name in dict.fromkeys((*archive, *(n for n, k in compact.items() if k == "map"))):
            codec = codecs[name] if name in compact else None
            records = {row[0]: row for row in state[name]} if codec is not None else state[name]
            ids = archive.get(name)
            state[name] = ArchivedMap(records, IdFilter.from_state(ids) if ids is not None else None,
                                      _field(fetch, name) if fetch and ids is not None else None, codec)
        return Snapshot.mutate(dataclasses.replace(self, state=state), None)


def _prune(aggregate: Any, snapshot: Any, settled_for_good: Callable[[], dict[str, set[str]]]) -> None:
    """Leave the records ``settled_for_good`` names out of ``snapshot``, their ids in its filters."""
    settled: dict[str, set[str]] = settled_for_good()
    filters = _filters(aggregate, settled)
    if filters is None:  # a filter is full: rebuilt larger from every archived id, once fetched back
        for name in settled:
            records = vars(aggregate)[name]
            if isinstance(records, ArchivedMap):
                records.materialise()
        settled = settled_for_good()
        filters = _filters(aggregate, settled)
    archive: dict[str, Any] = {}
    for name, ids in settled.items():
        snapshot.state[name] = {k: v for k, v in _live(vars(aggregate)[name]) if k not in ids}
        if filters is not None and filters[name] is not None:
            archive[name] = filters[name].to_state()  # type: ignore[union-attr]
    if archive:
        snapshot.state[ARCHIVE] = archive


def _compact(aggregate: Any, state: dict[str, Any]) -> None:
    """Write the maps the aggregate keeps rows of (``compact_records``) as rows, if each row reads back
    as its very record (else the map is written as before: never a different value)."""
    kinds: dict[str, str] = {}
    for name, codec in getattr(aggregate, "compact_records", {}).items():
        records = state.get(name)
        rows = None
        if isinstance(records, dict):
            rows, kind = _rows(codec, _live(records), keyed=True), "map"
        elif type(records) is tuple:
            rows, kind = _rows(codec, list(enumerate(records)), keyed=False), "tuple"
        elif isinstance(records, RowTuple):  # unchanged since the snapshot it was read from
            rows, kind = records.rows, "tuple"
        if rows is not None:
            state[name] = rows
            kinds[name] = kind
    if kinds:
        state[COMPACT] = kinds


def _rows(codec: RowCodec[Any], records: list[tuple[Any, Any]], *, keyed: bool) -> list[list[Any]] | None:
    rows = []
    for key, record in records:
        row = codec.to_row(record)
        if (keyed and row[0] != key) or codec.from_row(row) != record:
            return None
        rows.append(row)
    return rows


#: The history each snapshot read from the store may fetch archives from, by the snapshot's id() while it
#: lives: beside the snapshot rather than on it, so that a snapshot read is still the record it was (the
#: mapper stores every attribute it has).
_HISTORIES: dict[int, History] = {}


def _live(records: Any) -> list[tuple[Any, Any]]:
    return records.live_items() if isinstance(records, ArchivedMap) else list(records.items())


def _filters(aggregate: Any, settled: dict[str, set[str]]) -> dict[str, IdFilter | None] | None:
    """Per map, the filter of its archived ids with ``settled`` added (``None``: nothing archived); or
    ``None`` if one would be over capacity while its archived ids are not at hand."""
    filters: dict[str, IdFilter | None] = {}
    for name, ids in settled.items():
        records = vars(aggregate)[name]
        before = records.archive if isinstance(records, ArchivedMap) else None
        # The ids, and the names the aggregate looks its records up by (``archive_names``: a map's records'
        # attribute), so that a lookup by a name no archived record has needs no fetch either.
        attribute = getattr(aggregate, "archive_names", {}).get(name)
        adding = [key for k, v in _live(records) if k in ids
                  for key in (k, *((NAME + getattr(v, attribute),) if attribute else ()))]
        if before is None and not adding:
            filters[name] = None
            continue
        after = (before or IdFilter.sized_for(len(adding))).adding(adding)
        if after is None:
            if before is not None:
                return None
            after = IdFilter.sized_for(len(adding)).adding(adding)
        filters[name] = after
    return filters


def with_history(snapshot: Any, history: History) -> Any:
    """``snapshot``, able to fetch its archived records back from ``history`` once restored."""
    if isinstance(snapshot, StampedSnapshot) and id(snapshot) not in _HISTORIES:
        _HISTORIES[id(snapshot)] = history
        weakref.finalize(snapshot, _HISTORIES.pop, id(snapshot), None)
    return snapshot


def _fetcher(history: History, originator_id: UUID, version: int) -> Callable[[], Any]:
    """The aggregate replayed from its first event to ``version``, once, when first asked for."""

    @functools.cache
    def replayed() -> Any:
        aggregate = None
        for event in history(originator_id, version):
            aggregate = event.mutate(aggregate)
        return aggregate

    return replayed


def _field(fetch: Callable[[], Any], name: str) -> Callable[[], Any]:
    return lambda: dict(vars(fetch())[name])


def is_current(snapshot: object) -> bool:
    """Whether the snapshot may be restored by today's code (an unstamped one: as before stamps)."""
    if not isinstance(snapshot, StampedSnapshot):
        return True
    return bool(snapshot.state.get(STAMP) == code_stamp(resolve_topic(snapshot.topic)))


class CurrentSnapshots(EventStore[UUID]):
    """The snapshot store, giving only snapshots today's code may restore (see the module's docstring),
    each able to fetch its archived records back from the events (``history``, set by the application)."""

    history: History | None = None

    def get(self, originator_id: UUID, *, gt: int | None = None, lte: int | None = None,
            desc: bool = False, limit: int | None = None) -> Iterator[Any]:
        # The latest snapshot is the only one kept (superseded ones are deleted), so passing over a stale
        # one leaves none and the aggregate replays from its first event, as it did before snapshots.
        found = super().get(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        history = self.history
        return (with_history(s, history) if history else s for s in found if is_current(s))


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
        store = CurrentSnapshots(mapper=self.mapper, recorder=recorder)
        # The full replay, never from a snapshot: what an archived record is fetched back from.
        store.history = lambda aggregate_id, version: self.events.get(aggregate_id, lte=version)
        return store

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """The snapshots a save makes due, taken together: one bulk load, one insert, one prune.

        The library takes each with its own load, insert and prune, four round trips: a billing run whose
        batch takes 800 accounts past the interval spent half its time there (bench/portfolio.py, issue
        12). An aggregate loaded at another version than the one due (a writer got in between), or a batch
        the store refuses (another process took one of these snapshots), is taken one by one as before.
        """
        due: dict[UUID, int] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate)) if aggregate is not None else None
            if interval is not None and event.originator_version % interval == 0:
                due[event.originator_id] = event.originator_version
        loader = getattr(self, "bulk_loader", None)
        if len(due) < 2 or loader is None or self.snapshots is None or self.snapshotting_projectors:
            for aggregate_id, version in due.items():
                self.take_snapshot(aggregate_id, version)
            return
        one_by_one = dict(due)
        try:
            loaded = loader(list(due))
            snapshots = [StampedSnapshot.take_pruned(loaded[i]) for i, v in due.items()
                         if i in loaded and loaded[i].version == v]
            self.snapshots.put(snapshots)
            for snapshot in snapshots:
                one_by_one.pop(snapshot.originator_id)
            self._prune([(s.originator_id, s.originator_version) for s in snapshots])
        except IntegrityError:  # one of them was taken by another process: each on its own, as before
            pass
        except Exception:  # a bug to fix, not a reason to fail a command already committed
            _log.exception("snapshots of %d aggregates failed", len(due))
            return
        for aggregate_id, version in one_by_one.items():
            self.take_snapshot(aggregate_id, version)

    def _prune(self, taken: list[tuple[UUID, int]]) -> None:
        pruner = self.snapshot_pruner
        many = getattr(pruner, "many", None)
        if many is not None:
            many(taken)
        elif pruner is not None:
            for aggregate_id, version in taken:
                pruner(aggregate_id, version)

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
            self.snapshots.put([StampedSnapshot.take_pruned(aggregate)])
            if self.snapshot_pruner is not None:
                self.snapshot_pruner(aggregate_id, aggregate.version)
        except IntegrityError:  # another process took this very snapshot: it holds the same state
            return
        except Exception:  # a bug to fix, not a reason to fail a command already committed
            _log.exception("snapshot of %s at version %s failed", aggregate_id, version)
