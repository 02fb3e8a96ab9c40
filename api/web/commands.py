"""What every command page shares: the CSRF check, the confirmation's fields, running the command.

A command page is a POST route of a :func:`command_router` (its every request's CSRF token is checked
before the handler runs) taking :data:`KeyField` and :data:`ConfirmedField`. Unconfirmed, it answers
:func:`api.web.render.confirm` (what will happen); confirmed, it runs the API's own command with
:func:`execute` under the form's ``Idempotency-Key`` and answers :func:`api.web.render.after_post`. A
domain error (a refusal, a conflict) is answered as a page by the API's own problem handlers
(:func:`api.web.install_workplace`). Sketch::

    @router.post("/ui/things/{thing_id}/closure")
    def close(request: Request, thing_id: UUID, svc: ServicesDep, key: KeyField = "",
              confirmed: ConfirmedField = "") -> Response:
        if not confirmed:
            return confirm(request, title="Close the thing", action=request.url.path, summary=[...],
                           fields={}, back=f"/ui/things/{thing_id}")
        execute(request, svc, CloseThing(thing_id), key)
        return after_post(request, f"/ui/things/{thing_id}", "The thing is closed.")
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from api.bootstrap import Services
from api.deps import run_command
from api.web.render import CONFIRMED_FIELD, KEY_FIELD, MAX_KEY_LENGTH, actor_of
from api.web.session import CSRF_FIELD, csrf_valid

#: Longest CSRF token a form may send (it is a base64 SHA-256).
MAX_CSRF_LENGTH = 100


class PageError(Exception):
    """A page's own refusal (a form that did not carry its token), answered as an error page."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


async def checked_csrf(request: Request) -> None:
    """Every POST of a command page carries this session's CSRF token, else 403 and nothing runs."""
    form = await request.form()  # kept on the request: the handler's Form fields read the same form
    sent = form.get(CSRF_FIELD)
    if not csrf_valid(request, sent if isinstance(sent, str) else None):
        raise PageError(403, "Not done", "The form did not carry this session's token (it came from another "
                                         "page or site, or the session changed): open the page again.")


def command_router() -> APIRouter:
    """A router of command pages: not in the OpenAPI document, each POST's CSRF token checked."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(checked_csrf)])


KeyField = Annotated[str, Form(alias=KEY_FIELD, max_length=MAX_KEY_LENGTH)]
ConfirmedField = Annotated[str, Form(alias=CONFIRMED_FIELD, max_length=3)]
CsrfField = Annotated[str, Form(alias=CSRF_FIELD, max_length=MAX_CSRF_LENGTH)]


def execute(request: Request, svc: Services, command: object, key: str) -> dict[str, Any]:
    """Run ``command`` as the API runs it (:func:`api.deps.run_command`), on behalf of the person logged in,
    under the confirmation's ``Idempotency-Key``; a key missing from the form is refused."""
    actor = actor_of(request)
    if actor is None:  # only a route the gate does not guard could get here
        raise RuntimeError(f"{request.url.path} was reached without passing the authentication gate")
    if not key.strip():
        raise PageError(422, "Not done", "The confirmation carried no Idempotency-Key: open the page again.")
    return run_command(svc, command, key.strip(), Response(), actor)
