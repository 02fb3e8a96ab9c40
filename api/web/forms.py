"""What the run and portal pages' forms share: a refusal as a message on a form field, and the key a form
is drawn with.

A form the page drew carries an ``Idempotency-Key`` made when it was drawn (:func:`form_key`), so sending
it twice (a double click, a reload) is one command; the CSRF token is checked by the command router
(:func:`api.web.commands.command_router`) before any handler runs.
"""

from __future__ import annotations

import uuid


class FormError(ValueError):
    """A form field the command refused: which field, and why (shown next to the field)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def form_key() -> str:
    """A fresh Idempotency-Key for a form about to be drawn."""
    return f"web-{uuid.uuid4().hex}"


def key_or_new(sent: str) -> str:
    """The form's key, or (a hand-made request without one) a fresh one: never a shared empty key."""
    return sent.strip() or form_key()
