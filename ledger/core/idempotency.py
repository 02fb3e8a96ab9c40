"""Idempotency records: the same command with the same key gives the original result and no new events.

A record is an aggregate whose id is derived from (command name, key) and which is saved in the same
transaction as the command's events. Two concurrent requests with one key cannot both commit: the second
hits the store's unique key and, on retry, finds the record and returns its result. See
https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/ for the HTTP side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

from ledger.core.ids import name_id
from ledger.core.money import Allocation
from ledger.core.transcoding import canonical_json

#: Longest idempotency key accepted (the IETF draft suggests UUIDs; we allow any printable token).
MAX_KEY_LENGTH = 200


def record_id(command_name: str, key: str) -> UUID:
    return name_id("idempotency", command_name, key)


def fingerprint(command: Any) -> str:
    """SHA-256 of the command's canonical encoding: tells a replay from a key reused for another request.

    A command may narrow what counts with ``idempotency_payload()`` (see ``ImportReceipt``).
    """
    payload = command.idempotency_payload() if hasattr(command, "idempotency_payload") else command
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Written:
    """What one command wrote, as its record keeps it for the audit trail."""

    events: list[list[Any]]  #: ``[aggregate id, version, topic]`` of each new event, in order
    documents: list[str]  #: the documents (or payment ids) their postings book
    allocated_items: list[str]  #: the open items their allocations clear or reopen


def written_by(aggregates: Sequence[Aggregate], claimed: dict[UUID, int]) -> Written:
    """What one command wrote, from the pending events of the aggregates it changed.

    The unit of work of a batch holds each aggregate once, so its pending events are those of every
    command of the batch so far; ``claimed`` (aggregate id → last version an earlier command wrote) tells
    this command's apart, and is updated.
    """
    events: list[list[Any]] = []
    documents: set[str] = set()
    items: set[str] = set()
    for aggregate in aggregates:
        if isinstance(aggregate, IdempotencyRecord):
            continue
        since = claimed.get(aggregate.id, 0)
        pending = aggregate.pending_events
        # From the end back to the first event after ``since`` (pending events are in version order): a
        # number range that every command of a batch draws from holds the whole batch's events, and
        # walking them all for every command made a batch's cost grow with its size squared.
        start = len(pending)
        while start and pending[start - 1].originator_version > since:
            start -= 1
        for e in pending[start:]:
            events.append([str(aggregate.id), e.originator_version, get_topic(type(e))])
            documents.update(p.document for p in getattr(e, "postings", ()) if p.document)
            for value in vars(e).values():  # allocations, written_off, reopened, ...
                if isinstance(value, tuple):
                    items.update(a.item_id for a in value if isinstance(a, Allocation))
            claimed[aggregate.id] = e.originator_version
    return Written(events, sorted(documents), sorted(items))


class IdempotencyRecord(Aggregate):
    @event("Recorded")
    def __init__(self, id: UUID, command_name: str, key: str, request_fingerprint: str,
                 result: dict[str, Any], actor: dict[str, str | None] | None = None,
                 changed: list[list[Any]] | None = None, documents: list[str] | None = None,
                 allocated_items: list[str] | None = None) -> None:
        """``actor`` is :meth:`ledger.core.actor.Actor.as_dict`; ``changed``, ``documents`` and
        ``allocated_items`` are what :func:`written_by` says the command wrote (None in records stored
        before issue 10, which still load)."""
        self.command_name = command_name
        self.key = key
        self.request_fingerprint = request_fingerprint
        self.result = result
        self.actor = actor
        self.changed = changed or []
        self.documents = documents or []
        self.allocated_items = allocated_items or []
