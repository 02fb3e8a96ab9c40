"""API keys for machine clients: made here, shown once, stored as their SHA-256 by :mod:`ledger.access`.

A key reads ``saldo_<key id hex>_<secret>``: the id names the :class:`~ledger.access.keys.ApiKey` to load,
the secret is 256 random bits (so a plain SHA-256 is as good as a slow hash: there is nothing to guess).
Over HTTP the secret is derived from the server's secret and the request's ``Idempotency-Key``, so a
replayed ``POST /keys`` answers with the same key instead of a conflict.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Any
from uuid import UUID

from api.auth.tokens import AuthFailure, Principal
from ledger.access import commands as kc
from ledger.access.keys import ApiKey
from ledger.application import Saldo
from ledger.core.actor import Actor, Role

PREFIX = "saldo_"
_KEY = re.compile(r"saldo_([0-9a-f]{32})_([A-Za-z0-9_-]{43})")


def looks_like_key(credential: str) -> bool:
    return credential.startswith(PREFIX)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def make_key(name: str, seed: bytes | None = None) -> str:
    """A new key for ``name``: random, or derived from ``seed`` (32 bytes) where a replay must repeat it."""
    raw = seed if seed is not None else secrets.token_bytes(32)
    secret = base64.urlsafe_b64encode(raw[:32]).decode("ascii").rstrip("=")
    return f"{PREFIX}{ApiKey.id_for(name).hex}_{secret}"


def derived_seed(server_secret: bytes, idempotency_key: str, name: str) -> bytes:
    return hmac.new(server_secret, f"saldo-api-key\x1f{idempotency_key}\x1f{name}".encode(),
                    hashlib.sha256).digest()


def create_key(app: Saldo, name: str, role: Role, partner_id: UUID | None, idempotency_key: str,
               actor: Actor | None = None, seed: bytes | None = None) -> dict[str, Any]:
    """Register a key for ``name`` on behalf of ``actor`` (default: who the application is acting as); the
    result holds the key itself, which is never stored."""
    key = make_key(name, seed)
    result = app.execute(kc.CreateApiKey(name, role, key_hash(key), partner_id), idempotency_key, actor=actor)
    return dict(result, api_key=key)


def verify_key(app: Saldo, key: str) -> Principal:
    """The principal of a live key; an unknown, malformed or revoked key is refused alike."""
    found = _KEY.fullmatch(key)
    record = app.find(ApiKey, UUID(found.group(1))) if found else None
    if record is None or not record.matches(key_hash(key)):
        raise AuthFailure("the API key is unknown or revoked")
    return Principal(record.name, record.role, record.partner_id, via="key")
