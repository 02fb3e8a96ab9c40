"""Idempotency for the POST routes that are not one command (:mod:`ledger.access.answers`).

``answered(svc, route, key, digest, actor, response, work)`` returns the answer first recorded for ``key``
on ``route`` (``Idempotent-Replayed: true``), or runs ``work`` and records its answer; the key reused for
another request on the route is a 409 naming the header. A request that wrote nothing (a simulation, a
file already imported) is not recorded: its repeat is answered afresh, as it would be anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, BinaryIO

from fastapi import Response
from fastapi.encoders import jsonable_encoder

from api.bootstrap import Services
from ledger.access.answers import RememberAnswer
from ledger.core.actor import Actor
from ledger.core.errors import Conflict
from ledger.core.idempotency import IdempotencyRecord, fingerprint, record_id

#: How much of an upload is hashed at a time (it is spooled on disk; never read whole into memory).
HASH_CHUNK_BYTES = 1 << 20


def file_digest(file: BinaryIO, *parts: str) -> str:
    """SHA-256 of an uploaded file's content and ``parts`` (its name, its options); the file is rewound."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    file.seek(0)
    while chunk := file.read(HASH_CHUNK_BYTES):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def answered(svc: Services, route: str, key: str, digest: str, actor: Actor, response: Response,
             work: Callable[[], tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """The answer (body) to the request; sets its status code and the ``Idempotent-Replayed`` header."""
    # The route is part of the key: the same key on two routes is two requests. Hashed, so that the
    # header's 200 characters and the route's fit the record's key limit.
    scoped = "http:" + hashlib.sha256(f"{route}\0{key}".encode()).hexdigest()
    probe = RememberAnswer(route, digest, {})
    existing = svc.app.find(IdempotencyRecord, record_id(RememberAnswer.__name__, scoped))
    if existing is not None:
        if existing.request_fingerprint != fingerprint(probe):
            raise Conflict(f"idempotency key {key!r} was already used for a different request to {route}",
                           "Idempotency-Key")
        return _replied(existing.result, response, replayed=True)
    before = svc.app.recorder.max_notification_id()
    status, body = work()
    if svc.app.recorder.max_notification_id() == before:
        # The request wrote nothing (a file already imported, a simulation, nothing due to settle): its
        # repeat writes nothing either and answers alike, so nothing is recorded for it. Re-uploading a
        # known file must leave the store as it was (tests/test_bank_completeness.py).
        response.status_code = status
        response.headers["Idempotent-Replayed"] = "false"
        return dict(jsonable_encoder(body))
    # Recorded as the JSON it is sent as (a Decimal would come back as a float otherwise).
    sent = jsonable_encoder(body)
    result = svc.app.execute(RememberAnswer(route, digest, {"status_code": status, "body": sent}), scoped,
                             actor=actor)
    return _replied(result, response, replayed=bool(result.get("replayed")))


def _replied(result: dict[str, Any], response: Response, *, replayed: bool) -> dict[str, Any]:
    response.status_code = int(result["status_code"])
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    body: dict[str, Any] = result["body"]
    return body
