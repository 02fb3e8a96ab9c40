"""SQLite application recorder that writes the hash chain (:mod:`projections.chain`) with the events.

The library's recorder inserts a transaction's events one by one in a plain ``BEGIN`` (deferred)
transaction; the first ``INSERT`` takes the database's single write lock, and in WAL mode a writer always
works on the newest committed state (https://www.sqlite.org/isolation.html, https://www.sqlite.org/wal.html).
So the chain's head read *after* the events' inserts is the head no other writer can extend before this
transaction commits, and the rowids (the notification ids) of this transaction follow it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from projections.chain_sql import CHAIN_TABLE, ChainTable


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder, plus one link per event in ``saldo_event_chain``."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        self.chain = ChainTable(events_table_name, CHAIN_TABLE, self._originator)
        super().__init__(datastore, events_table_name)

    def _originator(self, stored: Any) -> UUID | str:
        try:
            return self.convert_originator_id(stored)
        except (ValueError, TypeError, AttributeError):  # not a UUID's hex: hashed as the text it is
            return str(stored)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), self.chain.create_statement()]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events and ids:
            self.chain.append(c, stored_events, ids)
        return ids

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        # One read transaction: in WAL mode its first read fixes the snapshot every later read sees.
        with self.datastore.transaction(commit=False) as curs:
            yield curs

    @contextmanager
    def locked(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as curs:
            # A write first, so the transaction holds the write lock before it reads anything (a deferred
            # transaction that read first could not write after another writer committed).
            curs.execute(f"DELETE FROM {self.chain.chain_table} WHERE position IS NULL")  # noqa: S608
            yield curs
