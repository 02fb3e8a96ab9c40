"""Domain errors: what went wrong, in the business's words, naming the field at fault.

The API turns these into RFC 9457 problem documents; batch runs collect them as data.
"""

from __future__ import annotations


class DomainError(ValueError):
    """Base class. ``field`` is the input path at fault (``lines[2].unit_price``), ``code`` a stable slug."""

    code = "invalid-input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidInput(DomainError):
    """The command itself is wrong: fix it and send it again."""


class NotFound(DomainError):
    """A referenced partner, account, contract, invoice or payment does not exist."""

    code = "not-found"


class Conflict(DomainError):
    """The command contradicts recorded history (already reversed, key reused with another body, ...)."""

    code = "conflict"


class Contended(DomainError):
    """Other writers kept changing the same records for as long as a command may wait: nothing was written,
    and the same command (with the same idempotency key) may be sent again after ``retry_after_s``."""

    code = "contended"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotPermitted(DomainError):
    """The actor may not do this, whatever the input: a four-eyes rule, a role the command needs."""

    code = "not-permitted"
