"""Superseded snapshots removed: the store adapter behind ``Saldo.snapshot_pruner``.

A snapshot is derived data (the aggregate's state at a version, in its own table outside the journal):
any one of them, or none, gives the same aggregate. Only the latest is read to load an aggregate, so the
older ones are deleted when a newer one is written; otherwise a contract account, snapshotted every
:data:`ledger.application.ACCOUNT_SNAPSHOT_INTERVAL` events, would keep one copy of its whole state per
interval, for ever (200 copies at 10,000 events). A reader that picked an older snapshot before it was
deleted has already read it, and the events after it are never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application


class SnapshotPruner:
    def __init__(self, app: Application[Any]) -> None:
        self.recorder: Any = app.snapshots.recorder if app.snapshots is not None else None

    def __call__(self, aggregate_id: UUID, version: int) -> None:
        """Delete the snapshots of ``aggregate_id`` older than ``version``."""
        self.many([(aggregate_id, version)])

    def many(self, taken: Sequence[tuple[UUID, int]]) -> None:
        """Delete each aggregate's snapshots older than its version, in one statement (PostgreSQL)."""
        recorder = self.recorder
        if recorder is None or not taken:
            return
        table = recorder.events_table_name
        if hasattr(recorder.datastore, "schema"):  # PostgreSQL
            sql = (f'DELETE FROM "{recorder.datastore.schema}".{table} s '  # noqa: S608
                   "USING unnest(%s::uuid[], %s::bigint[]) AS t(id, version) "
                   "WHERE s.originator_id = t.id AND s.originator_version < t.version")
            with recorder.datastore.transaction(commit=True) as curs:
                curs.execute(sql, ([a for a, _ in taken], [v for _, v in taken]))
            return
        sql = f"DELETE FROM {table} WHERE originator_id = ? AND originator_version < ?"  # noqa: S608
        with recorder.datastore.transaction(commit=True) as curs:
            # The SQLite recorder stores uuid.hex; in-process, so one statement per id costs no round trip.
            curs.executemany(sql, [(a.hex, v) for a, v in taken])
