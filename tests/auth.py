"""Authenticated test clients: one obvious way for a test to call the API as a role.

``api_client(services, "finance")`` is a ``TestClient`` whose every request carries a finance token;
``bearer("admin")`` is the header for one request as another role (``headers={**bearer("admin"), ...}``).
Every app here is made with :data:`TEST_AUTH`, a fixed secret, so a token made by :func:`token` is valid
for any test's app.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth.config import AuthConfig
from api.auth.tokens import issue_token
from api.bootstrap import Services
from api.http import create_app
from ledger.core.actor import Role

TEST_AUTH = AuthConfig(secret=b"saldo-tests-secret-" + b"0123456789abcdef" * 2)


def token(role: Role | str, *, partner: UUID | str | None = None, subject: str | None = None) -> str:
    """A valid token of ``role`` (a portal token names its business partner)."""
    role = Role(role)
    return issue_token(TEST_AUTH, role, subject or f"test-{role.value}",
                       partner_id=UUID(str(partner)) if partner is not None else None)


def bearer(role: Role | str, *, partner: UUID | str | None = None, subject: str | None = None
           ) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, partner=partner, subject=subject)}"}


def app(services: Services, **options: Any) -> FastAPI:
    return create_app(services, auth=TEST_AUTH, **options)


def api_client(services: Services, role: Role | str | None = Role.FINANCE, *,
               partner: UUID | str | None = None, **options: Any) -> TestClient:
    """A client of ``services``' API sending a ``role`` token with every request (``None``: no token)."""
    headers = bearer(role, partner=partner) if role is not None else {}
    return TestClient(app(services, **options), headers=headers)


def new_key() -> dict[str, str]:
    """A fresh ``Idempotency-Key`` header, for a request that must not replay an earlier one."""
    return {"Idempotency-Key": f"t-{uuid4().hex}"}
