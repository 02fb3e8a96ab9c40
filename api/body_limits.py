"""How large a request body may be, checked before and while it is read.

A JSON body may have :data:`MAX_JSON_BODY_BYTES`; a route that takes a file declares its own, larger
limit with :func:`upload_limit` (it is in the OpenAPI document as ``x-max-body-bytes``). A body over its
limit is a 413 problem document naming the limit: at once when ``Content-Length`` says so, before a byte
is read; else (a chunked body) as soon as the bytes received pass it, so the server never holds more.
A page of the workplace that takes a file (:mod:`api.web`, not in the document) declares its limit the
same way, on its route; :func:`page_limits` reads it from there.
An uploaded file is spooled by Starlette to a temporary file on disk once it passes 1 MiB
(``MultiPartParser.spool_max_size``), and the upload routes hand the importers that file, not its bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.gate import api_routes
from api.problems import MEDIA_TYPE
from importers.bank._source import DEFAULT_MAX_BYTES as MAX_RETURNS_FILE_BYTES
from importers.bank.service import MAX_FILE_BYTES as MAX_STATEMENT_FILE_BYTES
from importers.meter_csv import MAX_FILE_BYTES as MAX_READINGS_FILE_BYTES

#: The largest JSON body: MAX_JSON_ITEMS readings with short notes fit (larger sets go as a file).
MAX_JSON_BODY_BYTES = 2 * 1024 * 1024
#: What a multipart upload adds to its file: boundaries, part headers, the form's other fields.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
#: A bank statement upload (or a ZIP of statements): the statement importer's own file limit.
MAX_STATEMENT_UPLOAD_BYTES = MAX_STATEMENT_FILE_BYTES + MULTIPART_OVERHEAD_BYTES
#: A pain.002 or camt.054 upload of direct-debit returns: the bank readers' file limit.
MAX_RETURNS_UPLOAD_BYTES = MAX_RETURNS_FILE_BYTES + MULTIPART_OVERHEAD_BYTES
#: A readings or load-curve CSV upload: the readings importer's file limit.
MAX_READINGS_UPLOAD_BYTES = MAX_READINGS_FILE_BYTES + MULTIPART_OVERHEAD_BYTES

#: The OpenAPI extensions an upload route carries: its limit in bytes, and the limit's name here.
BYTES_EXTENSION = "x-max-body-bytes"
NAME_EXTENSION = "x-max-body-limit"


@dataclass(frozen=True, slots=True)
class BodyLimit:
    name: str
    max_bytes: int


JSON_BODY = BodyLimit("MAX_JSON_BODY_BYTES", MAX_JSON_BODY_BYTES)


def upload_limit(name: str, max_bytes: int) -> dict[str, Any]:
    """The ``openapi_extra`` of a route whose body may be larger than a JSON body."""
    return {BYTES_EXTENSION: max_bytes, NAME_EXTENSION: name}


class BodyTooLarge(HTTPException):
    """Raised while a body is read; an HTTPException so that FastAPI's body parsing lets it through."""

    def __init__(self, limit: BodyLimit) -> None:
        super().__init__(413, f"the request body is larger than {limit.max_bytes} bytes, the limit "
                              f"{limit.name} of this route")
        self.limit = limit


def too_large(limit: BodyLimit, instance: str) -> JSONResponse:
    """The 413 problem document (RFC 9110 §15.5.14 calls it Content Too Large)."""
    body = {"type": "/problems/body-too-large", "title": "Content too large", "status": 413,
            "detail": str(BodyTooLarge(limit).detail), "instance": instance,
            "errors": [{"field": "body", "reason": f"at most {limit.max_bytes} bytes ({limit.name})"}]}
    return JSONResponse(body, status_code=413, media_type=MEDIA_TYPE)


def declared_limits(document: dict[str, Any]) -> list[tuple[str, re.Pattern[str], BodyLimit]]:
    """(method, path pattern, limit) of every operation of the OpenAPI document that declares a limit.

    Read from the document rather than the routes: it is what clients are told, and FastAPI's routes
    nest included routers in classes of its own."""
    return [(method.upper(), compile_path(path)[0],
             BodyLimit(operation[NAME_EXTENSION], operation[BYTES_EXTENSION]))
            for path, item in document.get("paths", {}).items() for method, operation in item.items()
            if BYTES_EXTENSION in operation]


def page_limits(routes: Iterable[BaseRoute]) -> list[tuple[str, re.Pattern[str], BodyLimit]]:
    """(method, path pattern, limit) of the routes the OpenAPI document leaves out (the workplace's upload
    pages, :mod:`api.web`) that declare a limit the same way, with :func:`upload_limit`."""
    return [(method, route.path_regex, BodyLimit(extra[NAME_EXTENSION], extra[BYTES_EXTENSION]))
            for route in api_routes(routes) if not route.include_in_schema
            for extra in [route.openapi_extra or {}] if BYTES_EXTENSION in extra
            for method in sorted(route.methods or ())]


class BodyLimitMiddleware:
    """Refuse a body over its route's :class:`BodyLimit` (see the module docstring)."""

    def __init__(self, app: ASGIApp, openapi: Callable[[], dict[str, Any]],
                 pages: Callable[[], list[tuple[str, re.Pattern[str], BodyLimit]]] = list) -> None:
        self.app = app
        self.openapi = openapi
        self.pages = pages
        self._declared: list[tuple[str, re.Pattern[str], BodyLimit]] | None = None

    def limit(self, scope: Scope) -> BodyLimit:
        if self._declared is None:  # every route is included by the first request
            self._declared = declared_limits(self.openapi()) + self.pages()
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        return next((limit for method, pattern, limit in self._declared
                     if method == scope["method"] and pattern.match(path)), JSON_BODY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit.max_bytes:
            await too_large(limit, scope["path"])(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def install_body_limits(app: FastAPI) -> None:
    async def body_too_large(request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, BodyTooLarge):  # registered for BodyTooLarge only
            raise exc
        return too_large(exc.limit, request.url.path)

    app.add_exception_handler(BodyTooLarge, body_too_large)
    app.add_middleware(BodyLimitMiddleware, openapi=lambda: app.openapi(),  # whatever app.openapi is then
                       pages=lambda: page_limits(app.routes))
