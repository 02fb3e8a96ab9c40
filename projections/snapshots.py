"""Superseded snapshots removed: the store adapter behind ``Saldo.snapshot_pruner``.

A snapshot is derived data (the aggregate's state at a version, in its own table outside the journal):
any one of them, or none, gives the same aggregate. Only the latest is read to load an aggregate, so the
older ones are deleted when a newer one is written; otherwise a contract account, snapshotted every
:data:`ledger.application.ACCOUNT_SNAPSHOT_INTERVAL` events, would keep one copy of its whole state per
interval, for ever (200 copies at 10,000 events). A reader that picked an older snapshot before it was
deleted has already read it, and the events after it are never deleted.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application


class SnapshotPruner:
    def __init__(self, app: Application[Any]) -> None:
        self.recorder: Any = app.snapshots.recorder if app.snapshots is not None else None

    def __call__(self, aggregate_id: UUID, version: int) -> None:
        """Delete the snapshots of ``aggregate_id`` older than ``version``."""
        recorder = self.recorder
        if recorder is None:
            return
        table = recorder.events_table_name
        if hasattr(recorder.datastore, "schema"):  # PostgreSQL
            sql = (f'DELETE FROM "{recorder.datastore.schema}".{table} '  # noqa: S608
                   "WHERE originator_id = %s AND originator_version < %s")
            with recorder.datastore.transaction(commit=True) as curs:
                curs.execute(sql, (aggregate_id, version))
            return
        sql = f"DELETE FROM {table} WHERE originator_id = ? AND originator_version < ?"  # noqa: S608
        with recorder.datastore.transaction(commit=True) as curs:
            curs.execute(sql, (aggregate_id.hex, version))  # the SQLite recorder stores uuid.hex
