"""Deterministic identifiers.

Ids of things a command creates are derived (UUID v5) from the command's idempotency record, and ids of
documents from their business numbers. So a re-run after a crash recreates the *same* ids, and the event
store's unique (originator_id, version) key turns a duplicate into an integrity error instead of a second
invoice. See https://eventsourcing.readthedocs.io/en/stable/topics/domain.html (custom aggregate ids).
"""

from __future__ import annotations

from uuid import UUID, uuid5

#: Namespace of all Saldo name-based ids. Never change it: every stored id depends on it.
SALDO_NAMESPACE = UUID("5a1d0000-6c65-4467-8572-73616c646f00")


def name_id(kind: str, *parts: str) -> UUID:
    """The id of the ``kind`` thing named by ``parts``.

    >>> name_id("invoice", "INV-2026-000001") == name_id("invoice", "INV-2026-000001")
    True
    >>> name_id("invoice", "a:b") != name_id("invoice", "a", "b")
    True
    """
    return uuid5(SALDO_NAMESPACE, "\x1f".join((kind, *parts)))


def child_id(parent: UUID, role: str) -> UUID:
    """An id derived from another one, e.g. the partner created under an idempotency record."""
    return uuid5(parent, role)
