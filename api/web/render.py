"""Rendering a workplace page: the templates, the context every page gets, confirmations, redirects.

:func:`page` renders a template inside ``base.html`` (the navigation, the person logged in, the flash
message) with the page's own Content-Security-Policy: this origin's style sheet and script only, forms
posting to this origin only. A command is one click and a confirmation: the click posts to the command's
route, which answers :func:`confirm` (what will happen, and a form carrying the CSRF token and a fresh
``Idempotency-Key`` made here, so a double click or a reload replays instead of repeating); confirming
posts it again with ``confirmed`` set, and the route answers :func:`after_post`, a redirect (303) to the
page to see the result on, with a flash message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api import i18n
from api.auth.gate import ACTOR_STATE
from api.languages import accepted_language
from api.web.session import CSRF_FIELD, clear_flash, csrf_token, flash, flashed
from ledger.core.actor import Actor, Role

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATIC_URL = "/static/workplace"
#: What a page may load and where its forms may post: this origin only, no inline script, no framing.
PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: The form field a command's confirmation carries its ``Idempotency-Key`` in, and the one that says
#: the person confirmed.
KEY_FIELD, CONFIRMED_FIELD = "idempotency_key", "confirmed"
#: Longest Idempotency-Key a form may send (the API's bound).
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role]


STAFF = frozenset({Role.FINANCE, Role.AUDITOR})
#: The navigation bar: each entry shown to the roles that may open it (the gate decides regardless).
NAV: list[NavItem] = [
    NavItem("Home", "/", STAFF),
    NavItem("Search", "/ui/search", STAFF),
    NavItem("Worklist", "/ui/worklist", STAFF),
    NavItem("Audit trail", "/ui/audit/trail", STAFF),
    NavItem("Hash chain", "/ui/audit/chain", STAFF),
    NavItem("Statements", "/ui/statements", STAFF),
    NavItem("Runs", "/ui/runs", STAFF),
    NavItem("Reports", "/ui/reports", STAFF | {Role.ACCOUNTING}),
]


@dataclass(frozen=True)
class Formats:
    """Money, numbers and dates as the person's language writes them (``Accept-Language``)."""

    language: str

    def money(self, amount: Decimal | None, currency: str = "EUR") -> str:
        if amount is None:
            return ""
        if not isinstance(amount, Decimal):  # never a float: a page shows what the ledger holds
            raise TypeError(f"money must be a Decimal, got {type(amount).__name__}")
        return i18n.money(amount, currency, self.language)

    def day(self, value: date | None) -> str:
        return "" if value is None else value.isoformat()


def actor_of(request: Request) -> Actor | None:
    actor = getattr(request.state, ACTOR_STATE, None)
    return actor if isinstance(actor, Actor) else None


def formats(request: Request) -> Formats:
    return Formats(accepted_language(request.headers.get("accept-language")))


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered for this request, with what every page shows."""
    actor = actor_of(request)
    message = flashed(request)
    nav = [n for n in NAV if actor is not None and actor.role in n.roles]
    response = TEMPLATES.TemplateResponse(request, template, {
        "actor": actor, "nav": nav, "csrf": csrf_token(request), "csrf_field": CSRF_FIELD,
        "flash": message, "f": formats(request), "static": STATIC_URL, **context}, status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    if message is not None:
        clear_flash(response)
    return response


def confirm(request: Request, *, title: str, action: str, summary: list[str], fields: dict[str, str],
            back: str, button: str = "Confirm") -> HTMLResponse:
    """The confirmation step of a command: what it will do, and the form that does it."""
    return page(request, "confirm.html", title=title, action=action, summary=summary, fields=fields,
                back=back, button=button, key_field=KEY_FIELD, key=f"web-{uuid.uuid4().hex}",
                confirmed_field=CONFIRMED_FIELD)


def after_post(request: Request, location: str, message: str) -> Response:
    """Redirect-after-post: the browser opens ``location`` (a GET), which shows ``message`` once."""
    response = RedirectResponse(location, status_code=303)
    flash(request, response, message)
    return response


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return page(request, "error.html", status=status, title=title, detail=detail)
