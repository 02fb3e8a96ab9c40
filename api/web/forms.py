"""What the run and portal pages' forms share: the CSRF check, the form key, a refusal as a form message.

A form the page drew carries this session's CSRF token and an ``Idempotency-Key`` made when it was drawn
(:func:`form_key`), so sending it twice (a double click, a reload) is one command.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form
from starlette.requests import Request
from starlette.responses import Response

from api.web.render import CONFIRMED_FIELD, KEY_FIELD, MAX_KEY_LENGTH, error_page
from api.web.session import CSRF_FIELD, csrf_valid

#: The form fields every command form of these pages carries.
CsrfField = Annotated[str, Form(alias=CSRF_FIELD, max_length=200)]
KeyField = Annotated[str, Form(alias=KEY_FIELD, max_length=MAX_KEY_LENGTH)]
ConfirmedField = Annotated[str, Form(alias=CONFIRMED_FIELD, max_length=8)]


class FormError(ValueError):
    """A form field the command refused: which field, and why (shown next to the field)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def form_key() -> str:
    """A fresh Idempotency-Key for a form about to be drawn."""
    return f"web-{uuid.uuid4().hex}"


def forged(request: Request, sent: str) -> Response | None:
    """The 403 page for a form that did not carry this session's CSRF token, else None."""
    if csrf_valid(request, sent):
        return None
    return error_page(request, 403, "Not sent", "The form did not carry this session's token (it came from "
                                                "another page or site, or the session changed): open the "
                                                "page again and send it from there.")


def key_or_new(sent: str) -> str:
    """The form's key, or (a hand-made request without one) a fresh one: never a shared empty key."""
    return sent.strip() or form_key()
