"""Unexpected errors: a 500 problem document with an opaque incident id; the traceback goes to the log.

A client is never shown a traceback, an exception's text or SQL: they say how Saldo is built and what its
store holds, and help nobody who cannot read the server's log. The incident id is what the client quotes
and what the log line starts with (``incident <id>: GET /path``, with the traceback).

Why an ASGI middleware and not ``app.exception_handler(Exception)``: Starlette hands that handler to its
ServerErrorMiddleware, the outermost layer, which answers from outside every user middleware (so the
answer would lack the security headers) and re-raises the exception after answering
(https://www.starlette.io/exceptions/#errors-and-handled-exceptions). This middleware sits inside the
headers' middleware and answers the 500 itself.
"""

from __future__ import annotations

import logging
import uuid

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import MEDIA_TYPE

logger = logging.getLogger("saldo.incidents")


def incident_problem(incident: str, instance: str) -> JSONResponse:
    body = {"type": "/problems/internal-error", "title": "Internal error", "status": 500,
            "detail": f"an unexpected error; the operators can look it up as incident {incident}",
            "instance": instance, "incident": incident}
    return JSONResponse(body, status_code=500, media_type=MEDIA_TYPE)


class IncidentMiddleware:
    """Turn any exception a request raises into :func:`incident_problem`, logging it with its traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            incident = str(uuid.uuid4())
            logger.exception("incident %s: %s %s", incident, scope.get("method"), scope.get("path"))
            if started:  # half an answer is out: only the server can end it (by closing the connection)
                raise
            await incident_problem(incident, scope.get("path", ""))(scope, receive, send)
