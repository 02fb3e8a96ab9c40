"""Authentication settings, from the environment (the same path as :mod:`api.bootstrap`'s settings).

With no configuration at all, Saldo signs its own tokens (HS256) with a secret generated once into the
``var/`` folder next to the SQLite store (``saldo-jwt.secret``, readable by its owner only) — so ``make run``
works out of the box and the secret is never in the code. Several servers sharing one PostgreSQL database
should be given the same ``SALDO_JWT_SECRET``.

An external identity provider (Keycloak, Entra ID) is configured by its JWKS (``SALDO_JWKS_URL`` or
``SALDO_JWKS_FILE``) and the ``iss``/``aud`` its tokens must carry (``SALDO_JWT_ISSUER``,
``SALDO_JWT_AUDIENCE``); its tokens are accepted when signed with one of ``SALDO_JWT_ALGORITHMS``
(default ``RS256,ES256``, asymmetric only). Where its role is (``SALDO_JWT_ROLE_CLAIM``, default ``role``;
a dotted path such as ``realm_access.roles`` for Keycloak, ``roles`` for Entra ID) and its portal partner
(``SALDO_JWT_PARTNER_CLAIM``, default ``partner``) can be named. ``SALDO_LOCAL_TOKENS=off`` refuses the
tokens Saldo signs itself once the provider is in place.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from api.bootstrap import ConfigurationError
from importers.files import create_once

#: The issuer and audience of the tokens Saldo signs itself (``saldo tokens issue``).
LOCAL_ISSUER = "saldo"
LOCAL_AUDIENCE = "saldo-api"
#: Shortest accepted HS256 secret: RFC 7518 §3.2 asks for a key at least as long as the hash (256 bits).
MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "saldo-jwt.secret"  # noqa: S105 - a file name, not a secret
#: Algorithms an external provider may sign with: asymmetric only, so its public keys can never be used
#: as an HMAC secret (the "algorithm confusion" attack, RFC 8725 §2.1).
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                        "EdDSA"})


@dataclass(frozen=True)
class AuthConfig:
    """What it takes to verify a request's credentials. ``secret`` also derives API keys over HTTP."""

    secret: bytes
    local_tokens: bool = True
    jwks_url: str | None = None
    jwks_file: Path | None = None
    issuer: str | None = None
    audience: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    role_claim: str = "role"
    partner_claim: str = "partner"
    subject_claim: str = "sub"

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"SALDO_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if self.jwks_url and self.jwks_file:
            raise ConfigurationError("set SALDO_JWKS_URL or SALDO_JWKS_FILE, not both")
        if self.external and not (self.issuer and self.audience):
            raise ConfigurationError("an identity provider's JWKS needs SALDO_JWT_ISSUER and "
                                     "SALDO_JWT_AUDIENCE")
        wrong = sorted(set(self.algorithms) - ASYMMETRIC)
        if wrong or not self.algorithms:
            raise ConfigurationError(f"SALDO_JWT_ALGORITHMS takes asymmetric algorithms "
                                     f"({', '.join(sorted(ASYMMETRIC))}), got {', '.join(wrong) or 'none'}")

    @property
    def external(self) -> bool:
        return bool(self.jwks_url or self.jwks_file)


def secret_path(database_url: str) -> Path:
    """Where the generated secret lives: beside the SQLite file, else in ``var/``.

    >>> secret_path("sqlite:////srv/saldo/var/saldo.sqlite")
    PosixPath('/srv/saldo/var/saldo-jwt.secret')
    >>> secret_path("postgresql://db/ledger")
    PosixPath('var/saldo-jwt.secret')
    """
    parsed = urlparse(database_url)
    path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
    if parsed.scheme == "sqlite" and path and path != ":memory:":
        return Path(path).parent / SECRET_FILE_NAME
    return Path("var") / SECRET_FILE_NAME


def generated_secret(path: Path) -> bytes:
    """The secret in ``path``, made once, readable by its owner only, and never replaced: two processes
    starting at once agree on one secret (:func:`importers.files.create_once`)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        create_once(path, base64.urlsafe_b64encode(secrets.token_bytes(48)) + b"\n", mode=0o600)
    secret = path.read_text(encoding="ascii").strip().encode("ascii")
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes")
    return secret


def auth_config(database_url: str, env: dict[str, str] | None = None) -> AuthConfig:
    """The settings from ``env`` (default: the process environment) for the store at ``database_url``."""
    env = dict(os.environ) if env is None else env
    if env.get("SALDO_JWT_SECRET"):
        secret = env["SALDO_JWT_SECRET"].encode("utf-8")
    else:
        secret = generated_secret(Path(env.get("SALDO_JWT_SECRET_FILE") or secret_path(database_url)))
    local = env.get("SALDO_LOCAL_TOKENS", "on").lower()
    if local not in ("on", "off"):
        raise ConfigurationError(f"SALDO_LOCAL_TOKENS must be on or off, got {local!r}")
    algorithms = tuple(a.strip() for a in env.get("SALDO_JWT_ALGORITHMS", "RS256,ES256").split(",")
                       if a.strip())
    return AuthConfig(
        secret=secret, local_tokens=local == "on", jwks_url=env.get("SALDO_JWKS_URL") or None,
        jwks_file=Path(env["SALDO_JWKS_FILE"]) if env.get("SALDO_JWKS_FILE") else None,
        issuer=env.get("SALDO_JWT_ISSUER") or None, audience=env.get("SALDO_JWT_AUDIENCE") or None,
        algorithms=algorithms, role_claim=env.get("SALDO_JWT_ROLE_CLAIM", "role"),
        partner_claim=env.get("SALDO_JWT_PARTNER_CLAIM", "partner"),
        subject_claim=env.get("SALDO_JWT_SUBJECT_CLAIM", "sub"))
