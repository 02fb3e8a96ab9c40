"""One structured log line (:mod:`api.logs`) and one latency observation (:mod:`api.metrics`) per HTTP
request, whatever answered it (a route, the gate's 401/403/429, a problem, an incident).

The outermost middleware, so the duration is the whole request's and the status the one sent. The request
id is the one the gate echoes (``X-Request-ID``: the client's, if a sane bounded token, else a new one:
:mod:`api.auth.gate`); the route is the template the router matched (``<unmatched>`` for any other path,
so a scan of random paths adds no metric series); the actor is the subject and role the gate
authenticated, never a credential.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.gate import ACTOR_STATE, REQUEST_ID_HEADER, ROUTE_STATE
from api.logs import fields
from api.metrics import Metrics
from ledger.core.actor import Actor

log = logging.getLogger("saldo.http")

#: The route of a request no route matched.
UNMATCHED = "<unmatched>"
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode("latin-1")


class RequestLogMiddleware:
    """Log each request as JSON and observe its latency by route template, method and status class."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent: dict[str, Any] = {"status": 500, "request_id": None}

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                sent["request_id"] = next((v.decode("latin-1") for k, v in message.get("headers", [])
                                           if k.lower() == _REQUEST_ID), None)
            await send(message)

        try:
            await self.app(scope, receive, watching)
        finally:
            self._record(scope, sent["status"], sent["request_id"], time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, request_id: str | None, seconds: float) -> None:
        state = scope.get("state") or {}
        route = getattr(scope.get("route") or state.get(ROUTE_STATE), "path", None) or UNMATCHED
        actor = state.get(ACTOR_STATE)
        who = ({"subject": actor.subject, "role": None if actor.role is None else actor.role.value}
               if isinstance(actor, Actor) else None)
        client = scope["client"][0] if scope.get("client") else None
        method = scope.get("method", "")
        if self.metrics is not None:
            self.metrics.observe_request(route, method, status, seconds)
        log.log(logging.ERROR if status >= 500 else logging.INFO, "%s %s %s", method, route, status,
                **fields(request_id=request_id, method=method, route=route, path=scope.get("path"),
                         status=status, duration_ms=round(seconds * 1000, 3), actor=who, client=client))
