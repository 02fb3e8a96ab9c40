"""Logging in and out of the workplace, and its home page.

There is no password store: a person logs in with what Saldo already issues, a token (``saldo tokens
issue``, or the identity provider's) or an API key, pasted into the login form. It is checked exactly as
the API checks a bearer credential (:meth:`api.auth.gate.Gatekeeper.authenticate`), a wrong one counts
against the client's address like a wrong bearer token does, and the credential becomes the session
cookie (:mod:`api.web.session`).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from api.auth.gate import Gatekeeper
from api.auth.tokens import MAX_TOKEN_LENGTH, AuthFailure, Principal
from api.web.render import after_post, error_page, page
from api.web.session import (
    CSRF_FIELD,
    MAX_SESSION_CREDENTIAL_BYTES,
    csrf_valid,
    end_session,
    keep_login_token,
    login_token,
    login_valid,
    session_credential,
    start_session,
)
from ledger.core.actor import Role

router = APIRouter(include_in_schema=False)

#: Longest page path a login may return to; only a path of this origin (no ``//host``, no scheme).
MAX_NEXT_LENGTH = 300
_LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%?=&:+-]*")


def landing(principal: Principal) -> str:
    """The page a person sees after logging in: the staff's home; the portal's own page (api.web.portal)."""
    if principal.role is Role.PORTAL and principal.partner_id is not None:
        return f"/portal/partners/{principal.partner_id}"
    return "/"


def safe_next(path: str | None) -> str | None:
    """``path`` if it is a page of this origin, else None (a login never sends anyone elsewhere).

    >>> safe_next("/ui/worklist?limit=5"), safe_next("//evil.example/"), safe_next("https://x/")
    ('/ui/worklist?limit=5', None, None)
    """
    if path and len(path) <= MAX_NEXT_LENGTH and _LOCAL_PATH.fullmatch(path):
        return path
    return None


@router.get("/login")
def login_form(request: Request, next: Annotated[str | None, Query(max_length=MAX_NEXT_LENGTH)] = None
               ) -> Response:
    return _login_page(request, safe_next(next), None, 200)


def _login_page(request: Request, next_path: str | None, error: str | None, status: int) -> Response:
    token = login_token(request)
    response = page(request, "login.html", status=status, title="Log in", next=next_path or "", error=error,
                    max_token_length=MAX_TOKEN_LENGTH, login_token=token)
    keep_login_token(request, response, token)
    return response


@router.post("/login")
def log_in(request: Request, credential: Annotated[str, Form(max_length=MAX_TOKEN_LENGTH)] = "",
           csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
           next: Annotated[str, Form(max_length=MAX_NEXT_LENGTH)] = "") -> Response:
    next_path = safe_next(next)
    if not login_valid(request, csrf):
        return _login_page(request, next_path, "The login form had expired; it is renewed now: paste the "
                                               "token again.", 403)
    keeper: Gatekeeper = request.app.state.gatekeeper
    client = request.client.host if request.client else "unknown"
    wait = keeper.limiter.retry_after(client)
    if wait is not None:
        refused = error_page(request, 429, "Too many failed logins",
                             f"too many failed authentications from {client}; try again in {wait} s")
        refused.headers["Retry-After"] = str(wait)
        return refused
    credential = credential.strip()
    if not credential:
        return _login_page(request, next_path, "Paste a token (saldo tokens issue) or an API key.", 422)
    if len(credential.encode()) > MAX_SESSION_CREDENTIAL_BYTES:
        return _login_page(request, next_path, f"This token is longer than {MAX_SESSION_CREDENTIAL_BYTES} "
                                               "bytes, more than a browser keeps in a cookie: ask for one "
                                               "with fewer claims, or use an API key.", 422)
    try:
        principal = keeper.authenticate({"authorization": f"Bearer {credential}"})
    except AuthFailure as e:
        if not e.unavailable:
            keeper.limiter.failed(client)
        return _login_page(request, next_path, f"Not logged in: {e}", 503 if e.unavailable else 401)
    response = RedirectResponse(next_path or landing(principal), status_code=303)
    start_session(request, response, credential)
    return response


@router.post("/logout")
def log_out(request: Request, csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "") -> Response:
    if session_credential(request) is not None and not csrf_valid(request, csrf):
        return error_page(request, 403, "Not logged out", "The form did not carry this session's token "
                                                          "(it came from another page or site).")
    response = after_post(request, "/login", "Logged out.")
    end_session(request, response)
    return response


@router.get("/")
def home(request: Request) -> Response:
    return page(request, "home.html", title="Workplace")
