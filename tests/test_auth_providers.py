"""An external identity provider (Keycloak, Entra ID): RS256/ES256 tokens checked against its JWKS (a file
or a URL) and its configured issuer and audience; and the settings Saldo reads from the environment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from api.auth.config import SECRET_FILE_NAME, AuthConfig, auth_config
from api.bootstrap import ConfigurationError, Services
from api.http import create_app
from tests.auth import TEST_AUTH, bearer

ISSUER = "https://login.example.org/realms/utility"
AUDIENCE = "saldo"


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec": ec.generate_private_key(ec.SECP256R1())}


def jwks(keys: dict[str, Any]) -> dict[str, Any]:
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys["rsa"].public_key()))
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(keys["ec"].public_key()))
    return {"keys": [{**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                     {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"}]}


def provider_token(keys: dict[str, Any], kind: str = "rsa", kid: str | None = None, **changes: Any) -> str:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "f3b1c2d4", "preferred_username": "anna",
              "realm_access": {"roles": ["offline_access", "finance", "uma_authorization"]},
              "iat": now, "exp": now + timedelta(minutes=5), **changes}
    algorithm = "RS256" if kind == "rsa" else "ES256"
    return jwt.encode(claims, keys[kind], algorithm=algorithm, headers={"kid": kid or f"{kind}-1"})


@pytest.fixture
def jwks_url(keys: dict[str, Any]) -> Iterator[str]:
    """The provider's keys served on the loopback address, for the length of one test."""
    body = json.dumps(jwks(keys)).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/utility/protocol/openid-connect/certs"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["file", "url"])
def provider(request: pytest.FixtureRequest, keys: dict[str, Any], tmp_path: Path) -> AuthConfig:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(keys)), encoding="utf-8")
    source = ({"jwks_file": path} if request.param == "file"
              else {"jwks_url": request.getfixturevalue("jwks_url")})
    return AuthConfig(secret=TEST_AUTH.secret, issuer=ISSUER, audience=AUDIENCE,
                      role_claim="realm_access.roles", **source)  # type: ignore[arg-type]


def test_tokens_of_the_identity_provider_are_checked_against_its_keys(
        services: Services, provider: AuthConfig, keys: dict[str, Any]) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with TestClient(create_app(services, auth=provider)) as http:
        for kind in ("rsa", "ec"):
            token = provider_token(keys, kind)
            answer = http.get("/worklist", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
        refused = {
            "wrong audience": (provider_token(keys, aud="account"), "audience (aud) is not 'saldo'"),
            "wrong issuer": (provider_token(keys, iss="https://evil.example"), "issuer (iss) is not"),
            "unknown key": (provider_token(keys, kid="rotated-away"), "has no key 'rotated-away'"),
            "another key, same kid": (provider_token({"rsa": stranger}), "signature does not verify"),
            "no Saldo role": (provider_token(keys, realm_access={"roles": ["offline_access"]}),
                              "no Saldo role"),
        }
        for what, (token, why) in refused.items():
            answer = http.get("/worklist", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, what
            assert why in answer.json()["detail"], (what, answer.json()["detail"])
        # Saldo's own tokens still work next to the provider's (SALDO_LOCAL_TOKENS=on by default).
        assert http.get("/worklist", headers=bearer("auditor")).status_code == 200


def test_an_hmac_token_signed_with_the_providers_public_key_is_refused(
        services: Services, provider: AuthConfig, keys: dict[str, Any]) -> None:
    """The algorithm-confusion attack (RFC 8725 §2.1): HS256 is only ever checked with Saldo's own secret."""
    public = keys["rsa"].public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signed = part({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}) + "." + part(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "realm_access": {"roles": ["admin"]}, "exp": 2**40})
    mac = hmac.new(public, signed.encode(), hashlib.sha256).digest()  # pyjwt itself refuses to make this
    forged = signed + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with TestClient(create_app(services, auth=provider)) as http:
        answer = http.get("/worklist", headers={"Authorization": f"Bearer {forged}"})
        assert answer.status_code == 401 and "signature does not verify" in answer.json()["detail"]


def test_a_provider_that_cannot_be_reached_is_a_503_not_a_401(services: Services,
                                                              keys: dict[str, Any]) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]  # a port nothing listens on once the server is closed
    config = AuthConfig(secret=TEST_AUTH.secret, issuer=ISSUER, audience=AUDIENCE,
                        jwks_url=f"http://127.0.0.1:{port}/certs", role_claim="realm_access.roles")
    with TestClient(create_app(services, auth=config)) as http:
        answer = http.get("/worklist", headers={"Authorization": f"Bearer {provider_token(keys)}"})
        assert answer.status_code == 503 and "could not be fetched" in answer.json()["detail"]


def test_with_no_configuration_a_secret_is_generated_once_next_to_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/var/saldo.sqlite"
    first = auth_config(url, env={})
    path = tmp_path / "var" / SECRET_FILE_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first.secret) >= 32 and first.secret.decode() == path.read_text().strip()
    assert auth_config(url, env={}).secret == first.secret  # kept, not made again
    assert list((tmp_path / "var").iterdir()) == [path]  # no temporary file left behind
    assert auth_config(url, env={"SALDO_JWT_SECRET": "s" * 40}).secret == b"s" * 40


@pytest.mark.parametrize(("env", "why"), [
    ({"SALDO_JWT_SECRET": "short"}, "at least 32 bytes"),
    ({"SALDO_JWKS_URL": "https://idp/keys"}, "needs SALDO_JWT_ISSUER and SALDO_JWT_AUDIENCE"),
    ({"SALDO_JWKS_URL": "https://idp/keys", "SALDO_JWKS_FILE": "k.json", "SALDO_JWT_ISSUER": "i",
      "SALDO_JWT_AUDIENCE": "a"}, "not both"),
    ({"SALDO_JWT_ALGORITHMS": "RS256,HS256"}, "asymmetric algorithms"),
    ({"SALDO_LOCAL_TOKENS": "maybe"}, "on or off"),
])
def test_wrong_settings_are_refused_naming_them(tmp_path: Path, env: dict[str, str], why: str) -> None:
    with pytest.raises(ConfigurationError, match=why):
        auth_config(f"sqlite:///{tmp_path}/saldo.sqlite", env=env)


def test_the_providers_settings_come_from_the_environment(tmp_path: Path) -> None:
    config = auth_config(f"sqlite:///{tmp_path}/saldo.sqlite", env={
        "SALDO_JWKS_URL": "https://login.example.org/certs", "SALDO_JWT_ISSUER": ISSUER,
        "SALDO_JWT_AUDIENCE": AUDIENCE, "SALDO_JWT_ALGORITHMS": "ES256", "SALDO_JWT_ROLE_CLAIM": "roles",
        "SALDO_LOCAL_TOKENS": "off"})
    assert (config.jwks_url, config.issuer, config.audience, config.algorithms, config.role_claim,
            config.local_tokens) == ("https://login.example.org/certs", ISSUER, AUDIENCE, ("ES256",), "roles",
                                     False)
