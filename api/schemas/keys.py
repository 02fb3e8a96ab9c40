"""Bodies of the API-key endpoints (admin)."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from api.schemas import Strict
from ledger.access.keys import MAX_KEY_NAME_LENGTH, MAX_REVOCATION_REASON_LENGTH
from ledger.core.actor import Role


class ApiKeyIn(Strict):
    name: str = Field(min_length=1, max_length=MAX_KEY_NAME_LENGTH, examples=["accounting-system"])
    role: Role
    partner_id: UUID | None = Field(None, description="a portal key: the business partner it reads")


class ApiKeyOut(Strict):
    name: str
    role: Role
    key_id: UUID
    partner_id: UUID | None
    api_key: str = Field(description="send it as 'X-API-Key: <key>'; it is shown this once, never stored")


class RevocationIn(Strict):
    reason: str = Field(min_length=1, max_length=MAX_REVOCATION_REASON_LENGTH)


class RevokedOut(Strict):
    name: str
    revoked_on: str
