"""The workplace: Saldo's pages for finance and auditors, served by the API's own process (issue 14).

Server-rendered with Jinja2 (:mod:`api.web.render`), no build step and no script framework. Every page is
a route of the application like the API's, with its roles in :mod:`api.access` (a ``page`` rule), so the
authentication gate guards it: a page accepts the session cookie (:mod:`api.web.session`) as well as the
API's headers, and a refusal is a page too (:func:`refused_page`): no session → the login page, a role
that may not → an HTML 403. A page reads through the same functions the API's routes answer with and a
command runs the same command the API runs; the pages add no business logic.

Routers: :mod:`api.web.login` (log in and out, home), :mod:`api.web.staff` (search, the account page
and its documents), :mod:`api.web.worklist` (the clarification worklist and its commands),
:mod:`api.web.audit` (the audit trail, the hash chain), :mod:`api.web.statements` (statement upload and its
report), :mod:`api.web.runs` (billing, collection and dunning runs),
:mod:`api.web.reports` (the reports with their charts, and the CSV/XLSX downloads), :mod:`api.web.portal`
(the customer portal's account page). A new page: a route in a router here (a command
page in a :func:`api.web.commands.command_router`), listed in :data:`ROUTERS`, with its ``page(...)``
rule in :mod:`api.access`, and a link in :data:`api.web.render.NAV` if it is one of the bar's.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Scope

from api.web import audit, login, portal, reports, runs, staff, statements, worklist
from api.web.commands import PageError
from api.web.render import STATIC_URL, error_page
from api.web.session import end_session, flash, session_credential

ROUTERS = (login.router, staff.router, worklist.pages, worklist.router, audit.router, statements.router,
           statements.commands, runs.router, runs.commands, reports.router, portal.router, portal.commands)
#: What a refused page's status is called on its page.
TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict",
          413: "Too large", 422: "Not accepted", 429: "Too many attempts", 503: "Unavailable"}


def install_workplace(app: FastAPI) -> Callable[[Response, Scope], Response]:
    """Add the pages and their style sheet to ``app``, answer their errors as pages; return what the gate
    answers a refused page with (``Gate(pages=...)``). Call it after the problem handlers are installed."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=str(Path(__file__).parent / "static")), name="workplace")
    for kind, handler in list(app.exception_handlers.items()):
        app.exception_handlers[kind] = _as_page(handler)

    @app.exception_handler(PageError)
    def page_error(request: Request, exc: PageError) -> Response:
        return error_page(request, exc.status, exc.title, exc.detail)

    return refused_page


def is_page(request: Request) -> bool:
    """Whether ``request`` went to a route of the workplace."""
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    return endpoint is not None and getattr(endpoint, "__module__", "").startswith("api.web.")


def refused_page(refusal: Response, scope: Scope) -> Response:
    """A problem document (the gate's, or an error handler's) answered as a page: 401 → the login page,
    coming back here after; anything else → an error page saying what the problem document said."""
    request = Request(scope)
    if refusal.status_code == 401:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # Back to the page after the login; a refused command (a POST) cannot be opened again: to home.
        back = path != "/" and request.method == "GET"
        target = f"/login?next={quote(path, safe='/')}" if back else "/login"
        response = RedirectResponse(target, status_code=303)
        if session_credential(request) is not None:  # it no longer holds: say why, and forget it
            flash(request, response, f"Your session has ended ({_detail(refusal)}): log in again.")
            end_session(request, response)
        return response
    status = refusal.status_code
    page = error_page(request, status, TITLES.get(status, "Error"), _detail(refusal))
    if "retry-after" in refusal.headers:
        page.headers["Retry-After"] = refusal.headers["retry-after"]
    return page


def _detail(refusal: Response) -> str:
    try:
        body = json.loads(bytes(refusal.body))
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and not isinstance(detail, str):
        detail = "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in errors if isinstance(e, dict))
    return str(detail or "")


def _as_page(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler``, answering as a page when the request was for one."""
    async def handling(request: Request, exc: Exception) -> Response:
        answer = handler(request, exc)
        if inspect.isawaitable(answer):
            answer = await answer
        if is_page(request) and isinstance(answer, Response):
            return refused_page(answer, request.scope)
        assert isinstance(answer, Response)
        return answer
    return handling
