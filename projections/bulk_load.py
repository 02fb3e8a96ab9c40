"""Loading many aggregates in one query: the store adapter behind :class:`ledger.application.AggregateLoader`.

A billing run or a statement import touches thousands of accounts; reading each one's events with its own
query would make the round trips, not the work, the cost. Events come back ordered by (originator, version),
the order :meth:`eventsourcing.domain.CanMutateAggregate.mutate` needs to rebuild each aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row

#: Ids per query: SQLite's default limit on bound parameters is 32766; PostgreSQL takes an array.
IDS_PER_QUERY = 2000


class BulkLoader:
    def __init__(self, app: Application[Any]) -> None:
        self.app = app
        self.recorder: Any = app.recorder

    def __call__(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        loaded: dict[UUID, Aggregate] = {}
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = list(ids[start:start + IDS_PER_QUERY])
            aggregate: Any = None
            current: UUID | None = None
            for stored in self._select(chunk):
                event = self.app.mapper.to_domain_event(stored)
                if event.originator_id != current:
                    if aggregate is not None and current is not None:
                        loaded[current] = aggregate
                    aggregate, current = None, event.originator_id
                aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
            if aggregate is not None and current is not None:
                loaded[current] = aggregate
        return loaded

    def _select(self, ids: list[UUID]) -> list[StoredEvent]:
        if not ids:
            return []
        table = self.recorder.events_table_name
        if hasattr(self.recorder.datastore, "schema"):  # PostgreSQL
            sql = (f'SELECT originator_id, originator_version, topic, state FROM '  # noqa: S608
                   f'"{self.recorder.datastore.schema}".{table} WHERE originator_id = ANY(%s) '
                   "ORDER BY originator_id, originator_version")
            with self.recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
                c.execute(sql, (ids,))
                return [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in c.fetchall()]
        marks = ",".join("?" * len(ids))
        sql = (f"SELECT originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
               f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version")
        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(sql, [i.hex for i in ids])  # the SQLite recorder stores uuid.hex
            return [StoredEvent(UUID(r[0]) if isinstance(r[0], str) else r[0], r[1], r[2], r[3])
                    for r in curs.fetchall()]
