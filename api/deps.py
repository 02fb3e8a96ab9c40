"""What every endpoint shares: the services, the ``Idempotency-Key`` header, the actor, amounts, running a
command.

Endpoints declare ``svc: ServicesDep``, ``key: IdempotencyKey`` and ``actor: ActorDep`` (who asks, as the
gate in :mod:`api.auth.gate` found it); a domain error raised by a command or a lookup here becomes an
RFC 9457 problem document in :mod:`api.problems`.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request, Response

from api.auth.gate import ACTOR_STATE
from api.bootstrap import Services
from api.stores import Stores
from ledger.core.actor import MAX_REASON_LENGTH, Actor
from ledger.core.errors import InvalidInput, NotFound
from ledger.core.numbers import ascii_decimal

#: Where the event log stood when a command returned (sent where reads go to a replica), and the request
#: header a client sends it back in to read its own writes (:meth:`Services.for_reads`).
POSITION_HEADER, READ_AFTER_HEADER = "Saldo-Position", "Saldo-Read-After"


async def _json_body(request: Request) -> Any:
    """The request's JSON body where the event store is partitioned (it may name the company or account
    that decides the store), else None. FastAPI has already read and kept the body of a route that takes one;
    nothing else (an upload streamed to disk) is read here."""
    if getattr(request.app.state, "stores", None) is None or request.method in ("GET", "HEAD"):
        return None
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return None
    try:
        body = await request.json()
    except ValueError:  # the route's own validation answers it
        return None
    return body if isinstance(body, dict) else None


def services(request: Request, body: Annotated[Any, Depends(_json_body)]) -> Services:
    """The services of the store this request is for (:meth:`api.stores.Stores.serving`, where the event
    store is partitioned), reading through the read-only URL if the request only reads (``GET``:
    :meth:`Services.for_reads`)."""
    svc: Services = request.app.state.services
    stores: Stores | None = getattr(request.app.state, "stores", None)
    if stores is not None:
        svc = stores.serving(request.path_params, request.query_params, body or {})
    if request.method not in ("GET", "HEAD"):
        return svc
    after = request.headers.get(READ_AFTER_HEADER, "")
    return svc.for_reads(int(after) if after.isascii() and after.isdigit() and len(after) < 19 else None)


ServicesDep = Annotated[Services, Depends(services)]


def http_actor(request: Request) -> Actor:
    """Who asks: the actor the authentication gate left in the request's state."""
    actor = getattr(request.state, ACTOR_STATE, None)
    if not isinstance(actor, Actor):  # only a route the gate does not guard could get here
        raise RuntimeError(f"{request.url.path} was reached without passing the authentication gate")
    return actor


ActorDep = Annotated[Actor, Depends(http_actor)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                       description="any unique token; the same key replays the result")]


def parse_decimal(text: str, field: str) -> Decimal:
    """A decimal from a request's text in ASCII digits; anything else (``"١٠"`` too, see
    :mod:`ledger.core.numbers`) is refused as invalid input naming ``field``."""
    try:
        return ascii_decimal(text)
    except ArithmeticError:
        raise InvalidInput(f"{text!r} is not a decimal number", field) from None


def money(cents: int) -> Decimal:
    """Cents as the view stores them, as an amount with two decimals.

    >>> money(12250), money(-5)
    (Decimal('122.50'), Decimal('-0.05'))
    """
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def run_command(svc: Services, command: object, key: str, response: Response, actor: Actor) -> dict[str, Any]:
    """Execute ``command`` under the idempotency ``key`` on behalf of ``actor`` (recorded with it); say in a
    header whether the result is a replay. A command that carries a ``reason`` (a reversal, a lock, a
    write-off) records it with its actor too, so the audit trail says why as well as who."""
    reason = getattr(command, "reason", None)
    if isinstance(reason, str) and reason.strip() and actor.reason is None:
        actor = dataclasses.replace(actor, reason=reason.strip()[:MAX_REASON_LENGTH])
    result = svc.app.execute(command, key, actor=actor)
    response.headers["Idempotent-Replayed"] = "true" if result.pop("replayed") else "false"
    # Read your writes: the view is brought up to date, at least to this command's events, before the
    # command returns. A replay wrote nothing: its original's events may still wait for a catch-up.
    written = svc.app.written_through()
    if written is None:
        svc.projections.catch_up()
    else:
        svc.projections.follow_through(written)
    if svc.read_view is not None:  # reads go to a replica: say where the log is, for Saldo-Read-After
        position = written if written is not None else svc.app.recorder.max_notification_id()
        response.headers[POSITION_HEADER] = str(position or 0)
    return result


def account_row(svc: Services, account_id: UUID) -> tuple[Any, ...]:
    """The account's row in the view; a missing account is a 404 naming ``account_id``."""
    row = svc.view.account(str(account_id))
    if row is None:
        raise NotFound(f"contract account {account_id} does not exist", "account_id")
    return row
