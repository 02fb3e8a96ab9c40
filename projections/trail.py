"""The audit trail: who ran which command on an account or a document, and what it wrote.

Every command's :class:`~ledger.core.idempotency.IdempotencyRecord` is saved in the command's transaction
with its actor and what it wrote (:func:`~ledger.core.idempotency.written_by`). This read model indexes
each record under what it touched — the aggregates it changed (``aggregate:<id>``), the documents its
postings book (``document:<number>``) and the open items it cleared or reopened (``item:<id>``) — so
``trail(account)`` or ``trail(document)`` is one indexed query. It follows the store's notification log
like the ledger view, with its own tracking name, and is caught up when it is asked (it has nothing to
do with what the portal reads, so commands do not wait for it). Records written before issue 10 name
nothing they touched, so the trail begins with the first command recorded after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg.sql import SQL

from ledger.accounts.invoice import document_id
from ledger.core.idempotency import IdempotencyRecord
from ledger.core.topics import stored_topics
from projections.following import TopicFollower
from projections.sql import LedgerViewSQL, PostgresLedgerView, SQLiteLedgerView

#: The event of a record (made by ``@event("Recorded")``, so invisible to the type checker).
RECORDED: type = IdempotencyRecord.Recorded  # type: ignore[attr-defined]
#: The only events the trail reads.
TRAIL_TOPICS: tuple[str, ...] = tuple(stored_topics(get_topic(RECORDED)))
#: Records read and indexed per transaction.
TRAIL_BATCH = 2000
#: Most entries one query returns (the API pages with ``after``).
MAX_TRAIL_ENTRIES = 1000

_COLUMNS = ("position, command, idempotency_key, recorded_at, subject, role, channel, request_id, reason,"
            " host, events")
_CREATE = ("CREATE TABLE IF NOT EXISTS {schema}saldo_audit_trail ("
           " touched TEXT NOT NULL, position BIGINT NOT NULL, command TEXT NOT NULL,"
           " idempotency_key TEXT NOT NULL, recorded_at TEXT NOT NULL, subject TEXT, role TEXT, channel TEXT,"
           " request_id TEXT, reason TEXT, host TEXT, events TEXT NOT NULL, PRIMARY KEY (touched, position))")
_TYPES = ("text", "bigint") + ("text",) * 10


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """One command as the trail lists it."""

    position: int  #: the store position of its record: the order commands were committed in
    command: str
    idempotency_key: str
    recorded_at: str  #: ISO 8601, when the record was written
    actor: dict[str, str | None] | None  #: None for records written before actors were recorded
    events: list[tuple[str, int, str]]  #: (aggregate id, version, topic) of each event it wrote


def account_subjects(account_id: UUID) -> list[str]:
    return [f"aggregate:{account_id}"]


def document_subjects(number: str) -> list[str]:
    """A document is touched by commands that change it, book lines on it, or clear its open item."""
    aggregate = document_id(number)
    return [f"aggregate:{aggregate}", f"document:{number}", f"item:{aggregate.hex}"]


def trail_rows(events: Iterable[tuple[DomainEventProtocol[Any], int]]) -> list[tuple[Any, ...]]:
    """The rows indexing each record event under everything it touched (a pure function)."""
    rows: list[tuple[Any, ...]] = []
    for event, position in events:
        if not isinstance(event, RECORDED):
            continue
        e: Any = event
        changed = list(getattr(e, "changed", None) or ())
        touched = ({f"aggregate:{c[0]}" for c in changed}
                   | {f"document:{d}" for d in getattr(e, "documents", None) or ()}
                   | {f"item:{i}" for i in getattr(e, "allocated_items", None) or ()})
        actor = getattr(e, "actor", None) or {}
        row = (position, e.command_name, e.key, e.timestamp.isoformat(), actor.get("subject"),
               actor.get("role"), actor.get("channel"), actor.get("request_id"), actor.get("reason"),
               actor.get("host"), json.dumps(changed, separators=(",", ":")))
        rows.extend((subject, *row) for subject in sorted(touched))
    return rows


class AuditTrailSQL(LedgerViewSQL):
    """The trail's table, on the ledger view's transactions and tracking table (same database)."""

    def apply_trail(self, rows: Sequence[tuple[Any, ...]], tracking_name: str, expected: int | None,
                    position: int) -> None:
        with self._write() as curs:
            self._advance_tracking(curs, tracking_name, expected, position)
            if rows:
                self._insert(curs, f"{self.prefix}saldo_audit_trail", _TYPES, rows)

    def drop_trail(self, tracking_name: str) -> None:
        with self._write() as curs:
            curs.execute(f"DELETE FROM {self.prefix}saldo_audit_trail")  # noqa: S608 - constant name
            curs.execute(self._q("DELETE FROM {tracking} WHERE application_name = ?"), (tracking_name,))

    def trail(self, subjects: Sequence[str], after: int, limit: int) -> list[TrailEntry]:
        """The commands that touched any of ``subjects`` after store position ``after``, in store order."""
        marks = ", ".join("?" * len(subjects))
        rows = self._read(
            f"SELECT DISTINCT {_COLUMNS} FROM {self.prefix}saldo_audit_trail "  # noqa: S608 - only '?' marks
            f"WHERE touched IN ({marks}) AND position > ? ORDER BY position LIMIT ?",
            (*subjects, after, min(limit, MAX_TRAIL_ENTRIES)))
        return [TrailEntry(int(r[0]), r[1], r[2], r[3],
                           None if r[6] is None else dict(zip(
                               ("subject", "role", "channel", "request_id", "reason", "host"), r[4:10],
                               strict=True)),
                           [(str(a), int(v), str(t)) for a, v, t in json.loads(r[10])]) for r in rows]


class SQLiteAuditTrail(SQLiteLedgerView, AuditTrailSQL):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), _CREATE.format(schema="")]


class PostgresAuditTrail(PostgresLedgerView, AuditTrailSQL):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql_create_statements.append(SQL(_CREATE.format(schema=self.prefix)))  # type: ignore[arg-type]


class TrailCatchUp(TopicFollower):
    """Brings the trail up to date with the application's notification log (records only)."""

    def __init__(self, app: Application[Any], trail: AuditTrailSQL, name: str = "audit-trail") -> None:
        super().__init__(app, name, TRAIL_TOPICS, TRAIL_BATCH)
        self.trail = trail

    def position(self) -> int | None:
        return self.trail.position(self.tracking_name)

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:
        rows = trail_rows((self.app.mapper.to_domain_event(n), n.id) for n in notifications)
        self.trail.apply_trail(rows, self.tracking_name, expected, notifications[-1].id)

    def drop(self) -> None:
        self.trail.drop_trail(self.tracking_name)

    def entries(self, subjects: Sequence[str], after: int = 0, limit: int = MAX_TRAIL_ENTRIES
                ) -> list[TrailEntry]:
        self.catch_up()
        return self.trail.trail(subjects, after, limit)
