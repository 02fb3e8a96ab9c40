"""Loading many aggregates in one query: the store adapter behind :class:`ledger.application.AggregateLoader`.

A billing run or a statement import touches thousands of accounts; reading each one's events with its own
query would make the round trips, not the work, the cost. Each aggregate starts from its latest snapshot, if
it has one (issue 12); the events after it come back ordered by (originator, version), the order
:meth:`eventsourcing.domain.CanMutateAggregate.mutate` needs to rebuild each aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row

from ledger.core.snapshots import CurrentSnapshots, is_current, with_history

#: Ids per query: SQLite's default limit on bound parameters is 32766; PostgreSQL takes an array.
IDS_PER_QUERY = 2000


class BulkLoader:
    def __init__(self, app: Application[Any]) -> None:
        self.app = app
        self.recorder: Any = app.recorder
        self.snapshot_recorder: Any = app.snapshots.recorder if app.snapshots is not None else None
        self.events_read = 0  #: events read by the last call (not counting snapshots): what loading cost

    def __call__(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        loaded: dict[UUID, Aggregate] = {}
        self.events_read = 0
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = list(ids[start:start + IDS_PER_QUERY])
            # The latest snapshot of each, then only the events after it: a long-lived account costs what a
            # new one does (issue 12). A snapshot exists only once its events are committed, and events are
            # never changed, so reading them in a later statement than the snapshot sees at least as much.
            aggregates: dict[UUID, Any] = {}
            for stored in self._select_snapshots(chunk):
                snapshot: Any = self.app.snapshots.mapper.to_domain_event(stored)  # type: ignore[union-attr]
                if is_current(snapshot):  # else taken by other code: replayed from the first event
                    history = self.app.snapshots.history if isinstance(self.app.snapshots,
                                                                       CurrentSnapshots) else None
                    if history is not None:  # so that its archived records can be fetched back
                        snapshot = with_history(snapshot, history)
                    aggregates[snapshot.originator_id] = snapshot.mutate(None)
            after = {i: aggregates[i].version if i in aggregates else 0 for i in chunk}
            for stored in self._select(after):
                self.events_read += 1
                event: Any = self.app.mapper.to_domain_event(stored)
                aggregates[event.originator_id] = event.mutate(aggregates.get(event.originator_id))
            loaded.update((i, a) for i, a in aggregates.items() if a is not None)
        return loaded

    def _select_snapshots(self, ids: list[UUID]) -> list[StoredEvent]:
        """The latest snapshot of each of ``ids`` that has one."""
        recorder = self.snapshot_recorder
        if recorder is None or not ids:
            return []
        table = recorder.events_table_name
        if hasattr(recorder.datastore, "schema"):  # PostgreSQL
            # One index probe per id (LIMIT 1 on the primary key, backwards), never older snapshots' state.
            sql = ("SELECT s.originator_id, s.originator_version, s.topic, s.state "  # noqa: S608
                   "FROM unnest(%s::uuid[]) AS w(id) CROSS JOIN LATERAL ("
                   f'SELECT * FROM "{recorder.datastore.schema}".{table} '
                   "WHERE originator_id = w.id ORDER BY originator_version DESC LIMIT 1) AS s")
            with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
                c.execute(sql, (ids,))
                return [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in c.fetchall()]
        # SQLite: one indexed lookup per id (in-process, so no round trips to save); a GROUP BY with the
        # state as a bare column, or a row-value IN, read every older snapshot's state too (75 ms a load).
        sql = (f"SELECT originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
               "WHERE originator_id = ? ORDER BY originator_version DESC LIMIT 1")
        found: list[StoredEvent] = []
        with recorder.datastore.transaction(commit=False) as curs:
            for aggregate_id in ids:
                curs.execute(sql, [aggregate_id.hex])
                found.extend(_sqlite_row(r) for r in curs.fetchall())
        return found

    def _select(self, after: dict[UUID, int]) -> list[StoredEvent]:
        """The events of each aggregate after the given version, by (originator, version)."""
        if not after:
            return []
        table = self.recorder.events_table_name
        if hasattr(self.recorder.datastore, "schema"):  # PostgreSQL
            sql = (f'SELECT e.originator_id, e.originator_version, e.topic, e.state FROM '  # noqa: S608
                   f'unnest(%s::uuid[], %s::bigint[]) AS w(id, after) JOIN '
                   f'"{self.recorder.datastore.schema}".{table} e '
                   "ON e.originator_id = w.id AND e.originator_version > w.after "
                   "ORDER BY e.originator_id, e.originator_version")
            with self.recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
                c.execute(sql, (list(after), list(after.values())))
                return [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in c.fetchall()]
        rows = ",".join("(?, ?)" * 1 for _ in after)
        sql = (f"WITH w(id, after) AS (VALUES {rows}) "  # noqa: S608
               f"SELECT e.originator_id, e.originator_version, e.topic, e.state FROM w JOIN {table} e "
               "ON e.originator_id = w.id AND e.originator_version > w.after "
               "ORDER BY e.originator_id, e.originator_version")
        params: list[Any] = []
        for aggregate_id, version in after.items():
            params += [aggregate_id.hex, version]  # the SQLite recorder stores uuid.hex
        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(sql, params)
            return [_sqlite_row(r) for r in curs.fetchall()]


def _sqlite_row(r: Any) -> StoredEvent:
    return StoredEvent(UUID(r[0]) if isinstance(r[0], str) else r[0], r[1], r[2], r[3])
