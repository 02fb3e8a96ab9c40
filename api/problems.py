"""Errors as RFC 9457 problem details (``application/problem+json``), naming the field and the reason.

https://www.rfc-editor.org/rfc/rfc9457
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from importers.bank.errors import BankFileError
from importers.readings import ReadingsFileError
from ledger.core.errors import Conflict, Contended, DomainError, NotFound, NotPermitted

MEDIA_TYPE = "application/problem+json"

_STATUS = {NotFound: 404, Conflict: 409, NotPermitted: 403, Contended: 503}
_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 422: "Invalid input", 429: "Too many requests",
           503: "Service unavailable"}


def problem(status: int, code: str, detail: str, instance: str,
            errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{code}", "title": _TITLES.get(status, "Error"),
                            "status": status, "detail": detail, "instance": instance}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 422)
        errors = [{"field": exc.field, "reason": str(exc)}] if exc.field else None
        answer = problem(status, exc.code, str(exc), request.url.path, errors)
        if isinstance(exc, Contended):  # RFC 9110 §10.2.3: when the same request may be sent again
            answer.headers["Retry-After"] = str(exc.retry_after_s)
        return answer

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in err["loc"] if p != "body"), "reason": err["msg"]}
                  for err in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem(422, "invalid-input", detail, request.url.path, errors)

    @app.exception_handler(BankFileError)
    def bad_file(request: Request, exc: BankFileError) -> JSONResponse:
        return problem(422, "bad-file", str(exc), request.url.path,
                       [{"field": "file", "reason": str(exc)}])

    @app.exception_handler(ReadingsFileError)
    def bad_readings(request: Request, exc: ReadingsFileError) -> JSONResponse:
        return problem(
            422,
            "bad-file",
            str(exc),
            request.url.path,
            [
                {"field": where + (f", column {col}" if col else ""), "reason": why}
                for where, col, why in exc.problems
            ],
        )

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, "http-error", str(exc.detail), request.url.path)
