"""What every answer of the HTTP API carries, whatever the route: security headers, CORS (off unless
configured), a size limit on the request body, and no internals in an error (:mod:`api.incidents`).

Headers (OWASP's HTTP headers cheat sheet, https://cheatsheetseries.owasp.org/cheatsheets/
HTTP_Headers_Cheat_Sheet.html): ``nosniff`` so a browser never runs an answer as another type than it
says; no framing (``X-Frame-Options`` and CSP ``frame-ancestors``) against click-jacking; no referrer, as
URLs carry account ids; a CSP that lets an API answer load nothing (the documentation pages set their
own, :mod:`api.docs`); ``Cache-Control: no-store`` so no browser or proxy keeps a copy of account data. A
route that sets one of them itself keeps its own.

CORS: a browser page of another origin (a portal front end) may call the API only if that origin is
listed in ``SALDO_CORS_ORIGINS`` (comma-separated, e.g. ``https://portal.example.it``); unset, no CORS
header is sent and browsers refuse such calls.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.body_limits import install_body_limits
from api.bootstrap import ConfigurationError
from api.docs import install_docs
from api.incidents import IncidentMiddleware

#: The setting that lists the origins allowed to call the API from a browser.
CORS_ORIGINS_SETTING = "SALDO_CORS_ORIGINS"
#: What an answer that sets nothing itself may load and who may frame it: nothing and nobody.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", API_POLICY),
    ("Cache-Control", "no-store"),
)
#: What a listed origin may send and read: the API's methods, its request headers and the headers it adds.
CORS_METHODS = ("GET", "POST")
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
CORS_EXPOSED_HEADERS = ("Idempotent-Replayed", "X-Next-Cursor")


class SecurityHeadersMiddleware:
    """Add :data:`SECURITY_HEADERS` to every answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def cors_origins(value: str | None = None) -> tuple[str, ...]:
    """The origins of :data:`CORS_ORIGINS_SETTING` (default: the environment's); none when unset.

    >>> cors_origins(" https://portal.example.it , http://localhost:5173 ")
    ('https://portal.example.it', 'http://localhost:5173')
    >>> cors_origins("*")
    Traceback (most recent call last):
    ...
    api.bootstrap.ConfigurationError: SALDO_CORS_ORIGINS: '*' is not an origin (scheme://host[:port])
    """
    text = os.environ.get(CORS_ORIGINS_SETTING, "") if value is None else value
    origins = tuple(o.strip() for o in text.split(",") if o.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ConfigurationError(f"{CORS_ORIGINS_SETTING}: {origin!r} is not an origin "
                                     "(scheme://host[:port])")
    return origins


def harden(app: FastAPI) -> None:
    """Serve the documentation locally and install the middleware every request passes (the last added
    is the outermost: headers, then CORS, then incidents, then body limits)."""
    install_docs(app)
    install_body_limits(app)
    app.add_middleware(IncidentMiddleware)
    origins = cors_origins()
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=list(CORS_METHODS),
                           allow_headers=list(CORS_REQUEST_HEADERS),
                           expose_headers=list(CORS_EXPOSED_HEADERS), allow_credentials=False)
    app.add_middleware(SecurityHeadersMiddleware)
