"""Commands of API keys. Immutable value records, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ledger.core.actor import Role


@dataclass(frozen=True, slots=True)
class CreateApiKey:
    """Register a key under ``name`` with its ``role``; ``key_hash`` is the SHA-256 (hex) of the key.

    A portal key names the business partner whose accounts it may read (``partner_id``). A name whose key
    was revoked may be given a new key (rotation); a name with a live key may not.
    """

    name: str
    role: Role
    key_hash: str
    partner_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class RevokeApiKey:
    name: str
    reason: str
