"""The hash chain's table on SQLite and PostgreSQL: appended with the events, read back to verify.

The application recorders (:mod:`projections.sqlite_recorder`, :mod:`projections.pg_recorder`) call
:meth:`ChainTable.append` inside the transaction that inserts the events, after the insert has taken the
store's write lock and been given its notification ids: one more read (the chain's head) and one more
insert (every new link in one statement) per transaction, whatever its size. Because writers are
serialised at that point, no two transactions can both extend the same head: the chain cannot fork.

Old stores. A store written before the chain existed has events and an empty chain table. The first
transaction that appends to it links every older event first (in that same transaction, under the same
lock), so the chain always starts at the first event; ``saldo audit backfill`` does the same ahead of time
(a planned step of the upgrade, so that the first write after it is not the slow one). Only an *empty*
chain is ever backfilled: an event inserted past the head of a chain that exists is never linked by a
later write, verification reports it. (An emptied chain table is backfilled again: against that, as
against a chain recomputed by whoever can write the database, the auditor holds checkpoints.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent

from projections.chain import GENESIS, ChainedEvent, ChainReport, Checkpoint, link, links, verify

#: Events read (and links written) per statement while backfilling or verifying: bounds the memory.
MAX_CHAIN_PAGE = 5000
#: The chain table, next to the events table (in the same schema on PostgreSQL).
CHAIN_TABLE = "saldo_event_chain"


_UNREAD = object()


class BrokenChain(PersistenceError):
    """The chain cannot be extended: its head is not before the new events (the store was tampered with)."""


class ChainTable:
    """The chain's SQL on SQLite (``?`` placeholders, ``rowid`` positions); :class:`PostgresChainTable`
    changes what differs. Every method runs on a cursor whose transaction the caller owns."""

    placeholder = "?"
    position = "rowid"
    integer = "INTEGER"  # INTEGER PRIMARY KEY is SQLite's rowid itself: no second index
    binary = "BLOB"

    def __init__(self, events_table: str, chain_table: str,
                 originator: Callable[[Any], UUID | str]) -> None:
        self.events_table = events_table
        self.chain_table = chain_table
        self.originator = originator  # the stored originator id as the application knows it

    def create_statement(self) -> str:
        return (f"CREATE TABLE IF NOT EXISTS {self.chain_table} "
                f"(position {self.integer} PRIMARY KEY, link {self.binary} NOT NULL)")

    def _q(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def head(self, curs: Any) -> tuple[int, bytes] | None:
        curs.execute(f"SELECT position, link FROM {self.chain_table} ORDER BY position DESC LIMIT 1")  # noqa: S608
        row = curs.fetchone()
        return None if row is None else (int(row["position"]), bytes(row["link"]))

    def append(self, curs: Any, stored_events: Sequence[StoredEvent], ids: Sequence[int],
               head: object = _UNREAD) -> None:
        """Link the events just inserted under notification ``ids`` (the same order), after the head:
        ``(position, link)`` or None for an empty chain, read here unless the caller read it in the same
        transaction after the lock."""
        new = sorted(zip(ids, stored_events, strict=True), key=lambda pair: pair[0])
        first = new[0][0]
        if head is _UNREAD:
            head = self.head(curs)
        if not isinstance(head, tuple):
            previous = self.backfill(curs, before=first)
        elif head[0] >= first:
            raise BrokenChain(f"the chain's head is at position {head[0]}, the new events start at {first}: "
                              "events were removed from the store's end; `saldo audit verify` says where")
        else:
            previous = head[1]
        rows = []
        for position, e in new:
            previous = link(previous, e.topic, e.originator_id, e.originator_version, e.state)
            rows.append((position, previous))
        self._insert(curs, rows)

    def backfill(self, curs: Any, before: int | None = None) -> bytes:
        """Link every event before position ``before`` (all if None) from the genesis; the last link."""
        previous = GENESIS
        for page in self._pages(curs, 0, before):
            rows = links(previous, page)
            self._insert(curs, rows)
            previous = rows[-1][1]
        return previous

    def events(self, curs: Any) -> Iterator[ChainedEvent]:
        """Every stored event in position order, read page by page."""
        for page in self._pages(curs, 0, None):
            yield from page

    def stored_links(self, curs: Any) -> Iterator[tuple[int, bytes]]:
        """Every stored link in position order, read page by page."""
        after = 0
        while True:
            curs.execute(self._q(f"SELECT position, link FROM {self.chain_table} WHERE position > ? "  # noqa: S608
                                 "ORDER BY position LIMIT ?"), (after, MAX_CHAIN_PAGE))
            rows = [(int(r["position"]), bytes(r["link"])) for r in curs.fetchall()]
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    def _pages(self, curs: Any, after: int, before: int | None) -> Iterator[list[ChainedEvent]]:
        bound = "" if before is None else f" AND {self.position} < ?"
        statement = self._q(
            f"SELECT {self.position} AS position, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {self.events_table} WHERE {self.position} > ?{bound} ORDER BY {self.position} LIMIT ?")
        while True:
            bounds = (after,) if before is None else (after, before)
            curs.execute(statement, (*bounds, MAX_CHAIN_PAGE))
            page = [ChainedEvent(int(r["position"]), r["topic"], self.originator(r["originator_id"]),
                                 int(r["originator_version"]), _stored_bytes(r["state"]))
                    for r in curs.fetchall()]
            if not page:
                return
            yield page
            after = page[-1].position

    def _insert(self, curs: Any, rows: list[tuple[int, bytes]]) -> None:
        curs.executemany(f"INSERT INTO {self.chain_table} (position, link) VALUES (?, ?)", rows)  # noqa: S608


class PostgresChainTable(ChainTable):
    placeholder = "%s"
    position = "notification_id"
    integer = "BIGINT"
    binary = "BYTEA"

    def _insert(self, curs: Any, rows: list[tuple[int, bytes]]) -> None:
        # One statement for the whole transaction's links (executemany would send one per row); binary
        # arrays (%b) dump without hex-escaping the links.
        curs.execute(f"INSERT INTO {self.chain_table} (position, link) "  # noqa: S608
                     "SELECT * FROM unnest(%b::bigint[], %b::bytea[])",
                     ([p for p, _ in rows], [link for _, link in rows]))


class ChainedRecorder(Protocol):
    """What an application recorder with a chain offers the audit commands."""

    chain: ChainTable

    def snapshot(self) -> AbstractContextManager[Any]:
        """A cursor in a read transaction that sees one consistent state of events and chain."""
        ...

    def locked(self) -> AbstractContextManager[Any]:
        """A cursor in a write transaction that holds the lock event writers take."""
        ...


def chained(recorder: object) -> ChainedRecorder:
    """The recorder as a chained one; a store wired without the chain is a configuration error."""
    if not isinstance(getattr(recorder, "chain", None), ChainTable):
        raise TypeError(f"{type(recorder).__name__} keeps no hash chain (see api/bootstrap.py)")
    return recorder  # type: ignore[return-value]


def verify_chain(recorder: ChainedRecorder, checkpoints: Sequence[Checkpoint] = ()) -> ChainReport:
    """Recompute the whole chain from the stored events and compare it with the stored links."""
    with recorder.snapshot() as curs:
        # Both streams page through the one cursor: each page is fetched whole before the other reads.
        return verify(recorder.chain.events(curs), recorder.chain.stored_links(curs), checkpoints)


def backfill_chain(recorder: ChainedRecorder) -> int:
    """Link every event of a store whose chain is empty; the number linked (0 if it was already linked)."""
    with recorder.locked() as curs:
        if recorder.chain.head(curs) is not None:
            return 0
        recorder.chain.backfill(curs)
        head = recorder.chain.head(curs)
        curs.execute(f"SELECT COUNT(*) AS n FROM {recorder.chain.chain_table}")  # noqa: S608
        return 0 if head is None else int(curs.fetchone()["n"])


def chain_head(recorder: ChainedRecorder) -> tuple[int, bytes] | None:
    """The last position linked and its link."""
    with recorder.snapshot() as curs:
        return recorder.chain.head(curs)


def take_checkpoint(recorder: ChainedRecorder, now: datetime) -> tuple[ChainReport, Checkpoint | None]:
    """Verify the chain, then the checkpoint of its head as of ``now`` (None if broken or empty)."""
    report = verify_chain(recorder)
    if not report.intact or report.head is None:
        return report, None
    return report, Checkpoint(report.head[0], report.head[1], now)


def _stored_bytes(state: object) -> bytes:
    """A row's state as the bytes it holds. SQLite does not enforce a column's type: a hand-made update
    can leave TEXT where a BLOB was, and that must read as a change (its UTF-8 bytes), not stop the check.
    """
    if isinstance(state, str):
        return state.encode("utf-8", "surrogateescape")
    if isinstance(state, bytes | bytearray | memoryview):
        return bytes(state)
    return repr(state).encode("utf-8")  # a number or NULL written over the state: a change all the same
