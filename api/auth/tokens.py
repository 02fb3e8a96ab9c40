"""Bearer tokens: JWTs Saldo signs itself (HS256) and those of an external identity provider (JWKS).

A token names its ``sub`` (who), its ``role`` (what it may do, :class:`~ledger.core.actor.Role`) and, for
the portal, the business partner whose accounts it reads (``partner``). Every way a token can be wrong is
an :class:`AuthFailure` whose message says what is missing or wrong; that message is the ``detail`` of the
401 problem document. Time is checked against the injected clock, not pyjwt's, with a small leeway for
clocks that differ between the provider and Saldo.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from api.auth.config import LOCAL_AUDIENCE, LOCAL_ISSUER, AuthConfig
from api.bootstrap import ConfigurationError
from ledger.core.actor import MAX_SUBJECT_LENGTH, Role

#: Longest token read (a provider's access token with many claims is a few kB).
MAX_TOKEN_LENGTH = 8192
#: Longest lifetime of a token Saldo signs: long-lived machine access is an API key, revocable.
MAX_TOKEN_LIFETIME = timedelta(days=31)
DEFAULT_TOKEN_LIFETIME = timedelta(hours=8)
#: Clock difference tolerated between the token's issuer and Saldo (``exp``, ``nbf``).
LEEWAY = timedelta(seconds=30)
#: How long the keys fetched from ``SALDO_JWKS_URL`` are kept before they are fetched again.
JWKS_CACHE_SECONDS = 300

ROLES = ", ".join(r.value for r in Role)
_ROLE_NAMES = frozenset(r.value for r in Role)


class AuthFailure(Exception):
    """The request's credentials are missing or wrong: a 401 whose detail is the message.

    ``unavailable`` marks a failure that is Saldo's, not the client's (the provider's keys could not be
    fetched): a 503.
    """

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True)
class Principal:
    """Who a verified credential says is asking."""

    subject: str
    role: Role
    partner_id: UUID | None = None
    via: str = "token"  # "token" or "key"


def check_claims(role: Role, subject: str, partner_id: UUID | None) -> None:
    """A portal credential names its business partner, no other does; a subject is 1-200 characters."""
    if not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
        raise ValueError(f"a subject is 1-{MAX_SUBJECT_LENGTH} characters")
    if role is Role.PORTAL and partner_id is None:
        raise ValueError("a portal token names the business partner whose accounts it reads")
    if role is not Role.PORTAL and partner_id is not None:
        raise ValueError(f"only a portal token names a business partner, not a {role.value} token")


def issue_token(config: AuthConfig, role: Role, subject: str, *, partner_id: UUID | None = None,
                lifetime: timedelta = DEFAULT_TOKEN_LIFETIME, now: datetime | None = None) -> str:
    """A token Saldo signs itself (HS256 with the configured secret); ``saldo tokens issue`` prints one."""
    check_claims(role, subject, partner_id)
    if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
        raise ValueError(f"a token lives more than 0 seconds and at most {MAX_TOKEN_LIFETIME.days} days")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    claims: dict[str, Any] = {"iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE, "sub": subject, "role": role.value,
                              "iat": issued, "nbf": issued, "exp": issued + lifetime,
                              "jti": uuid.uuid4().hex}
    if partner_id is not None:
        claims["partner"] = str(partner_id)
    return jwt.encode(claims, config.secret, algorithm="HS256")


class TokenVerifier:
    """Verifies bearer tokens against the configuration; the clock gives "now" (timezone-aware)."""

    def __init__(self, config: AuthConfig, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.clock = clock
        self._jwk_set: jwt.PyJWKSet | None = None
        self._jwk_client: jwt.PyJWKClient | None = None
        if config.jwks_file is not None:
            try:
                self._jwk_set = jwt.PyJWKSet.from_json(config.jwks_file.read_text(encoding="utf-8"))
            except (OSError, ValueError, jwt.PyJWTError) as e:
                raise ConfigurationError(f"SALDO_JWKS_FILE {config.jwks_file}: {e}") from e
        elif config.jwks_url is not None:
            self._jwk_client = jwt.PyJWKClient(config.jwks_url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS,
                                               timeout=10)

    def verify(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthFailure(f"the bearer token is longer than {MAX_TOKEN_LENGTH} characters")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthFailure("the bearer token is neither a JWT nor an API key") from None
        algorithm = header.get("alg")
        config = self.config
        key, issuer, audience = self._key(token, algorithm, header.get("kid"))
        try:
            claims = jwt.decode(token, key, algorithms=[str(algorithm)], audience=audience, issuer=issuer,
                                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                         "require": ["exp"]})
        except jwt.InvalidSignatureError:
            raise AuthFailure("the token's signature does not verify") from None
        except jwt.InvalidAudienceError:
            raise AuthFailure(f"the token's audience (aud) is not {audience!r}") from None
        except jwt.InvalidIssuerError:
            raise AuthFailure(f"the token's issuer (iss) is not {issuer!r}") from None
        except jwt.MissingRequiredClaimError as e:
            raise AuthFailure(f"the token has no {e.claim!r} claim") from None
        except jwt.PyJWTError as e:
            raise AuthFailure(f"the token is not valid: {e}") from None
        self._check_time(claims)
        if algorithm == "HS256":  # Saldo's own token: Saldo's own claim names
            return _principal(claims, "sub", "role", "partner")
        return _principal(claims, config.subject_claim, config.role_claim, config.partner_claim)

    def _key(self, token: str, algorithm: object, kid: object) -> tuple[Any, str, str]:
        config = self.config
        if algorithm == "HS256":
            if not config.local_tokens:
                raise AuthFailure("tokens signed by Saldo itself (HS256) are switched off; use the identity "
                                  "provider's")
            return config.secret, LOCAL_ISSUER, LOCAL_AUDIENCE
        accepted = (["HS256"] if config.local_tokens else []) + (list(config.algorithms) if config.external
                                                                 else [])
        if not config.external or algorithm not in config.algorithms:
            raise AuthFailure(f"tokens signed with {algorithm!r} are not accepted (accepted: "
                              f"{', '.join(accepted)})")
        if config.issuer is None or config.audience is None:  # pragma: no cover - AuthConfig checks it
            raise ConfigurationError("an identity provider needs an issuer and an audience")
        return self._provider_key(token, kid), config.issuer, config.audience

    def _provider_key(self, token: str, kid: object) -> Any:
        if self._jwk_client is not None:
            try:
                return self._jwk_client.get_signing_key_from_jwt(token)
            except jwt.PyJWKClientConnectionError:
                raise AuthFailure("the identity provider's keys (SALDO_JWKS_URL) could not be fetched",
                                  unavailable=True) from None
            except jwt.PyJWTError:
                raise AuthFailure(f"the identity provider has no key {kid!r} (the token's kid)") from None
        keys = self._jwk_set.keys if self._jwk_set is not None else []
        found = [k for k in keys if k.key_id == kid] if kid is not None else keys
        if len(found) != 1:
            raise AuthFailure(f"the identity provider has no key {kid!r} (the token's kid)" if kid is not None
                              else "the token names no key (kid) and the provider has several")
        return found[0]

    def _check_time(self, claims: dict[str, Any]) -> None:
        now = self.clock().timestamp()
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, int | float) or (nbf is not None and not isinstance(nbf, int | float)):
            raise AuthFailure("the token's exp and nbf must be numbers (seconds since 1970)")
        if exp < now - LEEWAY.total_seconds():
            raise AuthFailure(f"the token expired at {_iso(exp)}")
        if nbf is not None and nbf > now + LEEWAY.total_seconds():
            raise AuthFailure(f"the token is not valid before {_iso(nbf)}")


def _principal(claims: dict[str, Any], subject_claim: str, role_claim: str, partner_claim: str) -> Principal:
    subject = claims.get(subject_claim)
    if not isinstance(subject, str) or not subject.strip():
        raise AuthFailure(f"the token names no subject (claim {subject_claim!r})")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise AuthFailure(f"the token's subject is longer than {MAX_SUBJECT_LENGTH} characters")
    role = _role(claims, role_claim)
    partner = claims.get(partner_claim)
    partner_id = None
    if role is Role.PORTAL:
        try:
            partner_id = UUID(str(partner)) if partner is not None else None
        except ValueError:
            raise AuthFailure(f"the token's partner ({partner_claim!r}) is not a business partner "
                              "id") from None
        if partner_id is None:
            raise AuthFailure(f"a portal token names its business partner (claim {partner_claim!r})")
    return Principal(subject, role, partner_id)


def _role(claims: dict[str, Any], claim: str) -> Role:
    """The one Saldo role the token's role claim (a dotted path; a string or a list) names."""
    value: Any = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    roles = sorted({Role(n) for n in names if isinstance(n, str) and n in _ROLE_NAMES})
    if not roles:
        shown = json.dumps(value)[:100] if value is not None else "nothing"
        raise AuthFailure(f"the token's {claim!r} claim names no Saldo role ({ROLES}); it holds {shown}")
    if len(roles) > 1:
        raise AuthFailure(f"the token's {claim!r} claim names several Saldo roles "
                          f"({', '.join(r.value for r in roles)}); a token acts in one")
    return roles[0]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
