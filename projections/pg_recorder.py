"""PostgreSQL event recorder: a batch as four plain arrays instead of one composite array, and the chain.

eventsourcing 9.5 inserts a batch with ``unnest(%s::stored_event_type[])``: psycopg dumps each composite in
text format through regular expressions, which cost about a tenth of a billing run's time. Four arrays of
plain types (uuid, bigint, text, bytea) are dumped by psycopg's fast paths, and in binary (``%b``): in text
format every event's state is escaped as a bytea literal inside an array literal, about 20 µs per event of
a kilobyte, more than encoding the event (https://www.psycopg.org/psycopg3/docs/basic/params.html).
Everything else — the EXCLUSIVE table lock that keeps notification ids in commit order, the NOTIFY, the
RETURNING of ids — is the library's own
(https://eventsourcing.readthedocs.io/en/stable/topics/persistence.html#postgresql).

The hash chain (:mod:`projections.chain`) is extended in the same transaction, after the insert: the
EXCLUSIVE lock taken before it is held until commit and serialises every transaction that inserts events
(https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES), so the head this
transaction reads (READ COMMITTED: each statement sees what was committed before it began) is the last
link, no other writer can extend it meanwhile, and this transaction's notification ids are the next ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from projections.chain_sql import CHAIN_TABLE, PostgresChainTable


class ArrayInsertRecorder(PostgresApplicationRecorder):
    """The library's application recorder, with plain-array inserts, no pipeline mode, and the chain."""
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = f'"{self.datastore.schema}"'
        self.chain = PostgresChainTable(f'{schema}."{self.events_table_name}"', f"{schema}.{CHAIN_TABLE}",
                                        lambda stored: stored)
        self.sql_create_statements.append(SQL(self.chain.create_statement()))  # type: ignore[arg-type]
        # The chain's head comes back with the new ids, read by the insert itself (after the lock): the
        # chain then costs one more statement per transaction (its links), not two.
        head = SQL("(SELECT {column} FROM {chain} ORDER BY position DESC LIMIT 1)")
        self.insert_events_statement = SQL(
            "WITH ins AS (INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id) "
            "SELECT notification_id, {head_position} AS head_position, {head_link} AS head_link FROM ins"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name),
                 head_position=head.format(column=SQL("position"), chain=SQL(self.chain.chain_table)),
                 head_link=head.format(column=SQL("link"), chain=SQL(self.chain.chain_table)))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Insert in a plain transaction: psycopg 3.3's pipeline mode, which the library uses, hangs for
        good on a statement of more than about 4–5 MB (reproduced here with plain psycopg: 4 MB returns,
        5 MB never does). A billing run or a collection run of many accounts writes that much. The plain
        transaction costs two more round trips per batch, nothing per event; the chain two more."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            rows = curs.fetchall()
            if len(rows) != len(stored_events):
                raise ProgrammingError(f"got {len(rows)} notification ids for {len(stored_events)} events")
            ids = [row["notification_id"] for row in rows]
            position, link = rows[0]["head_position"], rows[0]["head_link"]
            self.chain.append(curs, stored_events, ids, None if position is None else (position, bytes(link)))
            return ids

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self.insert_events_statement, (
            [e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
            [e.topic for e in stored_events], [e.state for e in stored_events]))

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        with self.datastore.get_connection() as conn, conn.transaction(force_rollback=True), \
                conn.cursor() as curs:
            # One snapshot for every page read (READ COMMITTED would take a new one per statement).
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield curs

    @contextmanager
    def locked(self) -> Iterator[Any]:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)  # the lock every event writer takes first
            yield curs
