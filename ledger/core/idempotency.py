"""Idempotency records: the same command with the same key gives the original result and no new events.

A record is an aggregate whose id is derived from (command name, key) and which is saved in the same
transaction as the command's events. Two concurrent requests with one key cannot both commit: the second
hits the store's unique key and, on retry, finds the record and returns its result. See
https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/ for the HTTP side.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.ids import name_id
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


class IdempotencyRecord(Aggregate):
    @event("Recorded")
    def __init__(self, id: UUID, command_name: str, key: str, request_fingerprint: str,
                 result: dict[str, Any], actor: dict[str, str | None] | None = None) -> None:
        """``actor`` is :meth:`ledger.core.actor.Actor.as_dict` (None in records stored before actors)."""
        self.command_name = command_name
        self.key = key
        self.request_fingerprint = request_fingerprint
        self.result = result
        self.actor = actor
