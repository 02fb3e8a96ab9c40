"""Authentication over HTTP on both stores: no or wrong credentials are 401 problems saying what is wrong,
a portal token reads only its partner's accounts, and every command records who sent it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
import pytest
from fastapi.testclient import TestClient

from api.auth.config import LOCAL_AUDIENCE, LOCAL_ISSUER, AuthConfig, auth_config
from api.auth.ratelimit import FailedAuthLimiter
from api.auth.tokens import issue_token
from api.bootstrap import Services
from api.http import create_app
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.core.actor import Role
from ledger.core.idempotency import IdempotencyRecord, record_id
from tests.auth import TEST_AUTH, api_client, app, bearer, new_key
from tests.clerk import Clerk

PROBLEM = "application/problem+json"
PAYMENT = {"amount": "10.00", "received_on": "2026-03-01"}


@pytest.fixture
def anonymous(services: Services) -> Iterator[TestClient]:
    with api_client(services, None) as client:
        yield client


def record(services: Services, command: str, key: str) -> IdempotencyRecord:
    found: IdempotencyRecord = services.app.repository.get(record_id(command, key))
    return found


def test_without_credentials_account_data_is_401_and_nothing_is_written(anonymous: TestClient,
                                                                         clerk: Clerk) -> None:
    account = clerk.customer()
    position = clerk.services.app.recorder.max_notification_id()
    for path in (f"/accounts/{account}/balance", f"/accounts/{account}/open-items", "/worklist", "/journal"):
        answer = anonymous.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["content-type"] == PROBLEM
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="saldo"'
        detail = answer.json()["detail"]
        assert "no credentials" in detail and "Authorization: Bearer" in detail
    paid = anonymous.post(f"/accounts/{account}/payments", json=PAYMENT, headers={"Idempotency-Key": "p"})
    assert paid.status_code == 401 and paid.json()["instance"] == f"/accounts/{account}/payments"
    upload = anonymous.post("/bank/statements", files={"file": ("x.xml", b"<x/>" * 1000, "application/xml")},
                            headers=new_key())
    assert upload.status_code == 401  # refused before the upload is read
    assert clerk.services.app.recorder.max_notification_id() == position


def test_health_and_the_documentation_need_no_credentials(anonymous: TestClient) -> None:
    assert anonymous.get("/health").status_code == 200
    assert anonymous.get("/docs").status_code == 200
    assert "securitySchemes" in anonymous.get("/openapi.json").json()["components"]


def test_a_portal_token_sees_only_its_partners_accounts(services: Services, clerk: Clerk) -> None:
    mine, theirs = clerk.customer("Anna Mine"), clerk.customer("Otto Theirs")
    second = clerk.run(ac.OpenContractAccount(UUID(clerk.balance(mine)[1]), "Anna's garage"))["account_id"]
    with api_client(services, "portal", partner=clerk.balance(mine)[1]) as portal:
        assert portal.get(f"/accounts/{mine}/balance").json()["name"] == "Anna Mine home"
        assert portal.get(f"/accounts/{second}/balance").json()["name"] == "Anna's garage"  # every account
        other = portal.get(f"/accounts/{theirs}/balance")
        assert other.status_code == 404 and other.headers["content-type"] == PROBLEM
        assert other.json()["detail"] == f"contract account {theirs} does not exist"
        assert "Otto" not in other.text
        for path in ("/worklist", "/journal", "/direct-debit/returns/reviews"):  # lists of others' data
            assert portal.get(path).status_code == 403, path
        paid = portal.post(f"/accounts/{mine}/payments", json=PAYMENT, headers={"Idempotency-Key": "p"})
        assert paid.status_code == 403 and "portal token may not use" in paid.json()["detail"]


def _claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {"iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE, "sub": "mallory", "role": "finance",
              "iat": now, "exp": now + timedelta(hours=1)}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(**changes: Any) -> str:
    return jwt.encode(_claims(**changes), TEST_AUTH.secret, algorithm="HS256")


HOUR = timedelta(hours=1)
BAD = [
    ({"Authorization": "Bearer " + jwt.encode(_claims(), b"another-secret-" * 4, algorithm="HS256")},
     "signature does not verify"),
    ({"Authorization": "Bearer " + _signed(exp=datetime.now(UTC) - HOUR)}, "the token expired at"),
    ({"Authorization": "Bearer " + _signed(nbf=datetime.now(UTC) + HOUR)}, "not valid before"),
    ({"Authorization": "Bearer " + _signed(aud="someone-else")}, "audience (aud) is not 'saldo-api'"),
    ({"Authorization": "Bearer " + _signed(iss="https://evil.example")}, "issuer (iss) is not 'saldo'"),
    ({"Authorization": "Bearer " + _signed(exp=None)}, "has no 'exp' claim"),
    ({"Authorization": "Bearer " + _signed(role=None)}, "names no Saldo role"),
    ({"Authorization": "Bearer " + _signed(role="superuser")}, "names no Saldo role"),
    ({"Authorization": "Bearer " + _signed(role=["finance", "admin"])}, "several Saldo roles"),
    ({"Authorization": "Bearer " + _signed(sub=None)}, "names no subject"),
    ({"Authorization": "Bearer " + _signed(role="portal")}, "names its business partner"),
    ({"Authorization": "Bearer " + jwt.encode(_claims(), None, algorithm="none")}, "'none' are not accepted"),
    ({"Authorization": "Bearer not-a-token"}, "neither a JWT nor an API key"),
    ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "scheme must be Bearer"),
    ({"Authorization": "Bearer"}, "no token after 'Bearer'"),
    ({"Authorization": "Bearer x" * 5000}, "longer than 8192 characters"),
    ({"X-API-Key": "saldo_" + "0" * 32 + "_" + "A" * 43}, "unknown or revoked"),
    ({"X-API-Key": _signed()}, "does not hold a Saldo API key"),
    ({"X-API-Key": "saldo_x", "Authorization": "Bearer y"}, "not both"),
]


@pytest.mark.parametrize(("headers", "why"), BAD, ids=[why for _, why in BAD])
def test_wrong_credentials_are_401_saying_what_is_wrong(anonymous: TestClient, headers: dict[str, str],
                                                       why: str) -> None:
    answer = anonymous.get("/worklist", headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert why in answer.json()["detail"]
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="saldo", error="invalid_token"'


def test_a_token_is_checked_against_the_injected_clock(services: Services) -> None:
    issued = datetime(2026, 3, 1, 9, tzinfo=UTC)
    token = issue_token(TEST_AUTH, Role.AUDITOR, "ada", lifetime=timedelta(hours=8), now=issued)
    headers = {"Authorization": f"Bearer {token}"}
    now = [issued + timedelta(hours=7, minutes=59)]
    with TestClient(app(services, clock=lambda: now[0])) as http:
        assert http.get("/worklist", headers=headers).status_code == 200
        now[0] = issued + timedelta(hours=8, minutes=1)  # past exp and its 30 s of leeway
        late = http.get("/worklist", headers=headers)
        assert late.status_code == 401 and "expired at 2026-03-01T17:00:00+00:00" in late.json()["detail"]


def test_each_http_command_records_its_actor_and_echoes_the_request_id(services: Services,
                                                                        tmp_path: Path) -> None:
    with api_client(services, None) as http:
        sent = http.post("/partners", json={"name": "Rosa Neri"},
                         headers={**bearer("finance", subject="anna@example.org"), "Idempotency-Key": "p1",
                                  "X-Request-ID": "req-42"})
        assert sent.status_code == 201 and sent.headers["X-Request-ID"] == "req-42"
        assert record(services, "RegisterPartner", "p1").actor == {
            "subject": "anna@example.org", "role": "finance", "channel": "http", "request_id": "req-42",
            "reason": None, "host": None}
        generated = http.post("/partners", json={"name": "Ugo Neri"},
                              headers={**bearer("finance"), "Idempotency-Key": "p2"})
        request_id = generated.headers["X-Request-ID"]
        assert len(request_id) == 32
        assert record(services, "RegisterPartner", "p2").actor["request_id"] == request_id
        # A service running many commands (a statement import) records the same person for them, through
        # the import channel, tied to the HTTP request by its id.
        path = tmp_path / "s.xml"
        write_camt053(path, [SynthEntry(Decimal("5.00"), debtor_name="X", account_servicer_reference="A1")],
                      booking_date=date(2026, 3, 2))
        upload = http.post("/bank/statements",
                           files={"file": ("s.xml", path.read_bytes(), "application/xml")},
                           headers={**new_key(), **bearer("finance", subject="bruno"),
                                    "X-Request-ID": "up-1"})
        assert upload.status_code == 201, upload.text
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        actor = record(services, "RecordStatementFile", f"file:{sha}").actor
        assert (actor["subject"], actor["role"], actor["channel"], actor["request_id"]) == (
            "bruno", "finance", "import", "up-1")


@pytest.mark.parametrize("sent", ["has spaces", "x" * 129, "semi;colon"])
def test_a_request_id_that_is_not_plain_is_refused_naming_the_header(anonymous: TestClient,
                                                                     sent: str) -> None:
    answer = anonymous.get("/health", headers={"X-Request-ID": sent})
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"][0]["field"] == "X-Request-ID"
    assert answer.headers["X-Request-ID"] != sent  # the response's own id


def test_failed_authentication_is_rate_limited_per_address(services: Services) -> None:
    now = [1000.0]
    limiter = FailedAuthLimiter(max_failures=3, window_seconds=60, clock=lambda: now[0])
    good, wrong = bearer("auditor"), {"Authorization": "Bearer " + _signed(aud="x")}
    with TestClient(app(services, limiter=limiter), client=("192.0.2.7", 1)) as http, \
            TestClient(app(services, limiter=limiter), client=("192.0.2.8", 1)) as neighbour:
        for _ in range(5):  # a client that has not logged in yet is not guessing
            assert http.get("/worklist").status_code == 401
        for _ in range(3):
            assert http.get("/worklist", headers=wrong).status_code == 401
        blocked = http.get("/worklist", headers=good)  # blocked: its credentials are not even read
        assert blocked.status_code == 429 and blocked.headers["content-type"] == PROBLEM
        assert blocked.headers["Retry-After"] == "60" and "192.0.2.7" in blocked.json()["detail"]
        assert neighbour.get("/worklist", headers=good).status_code == 200  # per address
        assert http.get("/health").status_code == 200
        now[0] += 45
        assert http.get("/worklist", headers=good).headers["Retry-After"] == "15"
        now[0] += 15
        assert http.get("/worklist", headers=good).status_code == 200


def test_the_limiter_remembers_a_bounded_number_of_addresses() -> None:
    limiter = FailedAuthLimiter(max_failures=1, window_seconds=60, max_clients=100, clock=lambda: 0.0)
    for i in range(1000):
        limiter.failed(f"10.0.{i // 250}.{i % 250}")
    assert limiter.tracked() == 100
    assert limiter.retry_after("10.0.3.249") == 60  # the latest are remembered ...
    assert limiter.retry_after("10.0.0.0") is None  # ... the oldest forgotten first


def test_the_default_configuration_is_used_when_none_is_given(services: Services) -> None:
    config = auth_config(services.database_url)
    token = issue_token(config, Role.AUDITOR, "ada")
    with TestClient(create_app(services)) as http:
        assert http.get("/worklist", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert http.get("/worklist", headers=bearer("auditor")).status_code == 401  # another secret


def test_local_tokens_can_be_switched_off(services: Services) -> None:
    config = AuthConfig(secret=TEST_AUTH.secret, local_tokens=False)
    with TestClient(create_app(services, auth=config)) as http:
        answer = http.get("/worklist", headers=bearer("auditor"))
        assert answer.status_code == 401 and "switched off" in answer.json()["detail"]


def test_a_command_given_a_reason_records_it_with_its_actor(services: Services, clerk: Clerk) -> None:
    """Issue 10: the actor is recorded "with the reason where one is given" (a lock, a reversal)."""
    account = clerk.customer("Lia Rossi")
    with api_client(services, "finance") as http:
        response = http.post(f"/accounts/{account}/dunning/locks",
                             json={"kind": "dispute", "reason": "  the customer disputes the reading  "},
                             headers={"Idempotency-Key": "lock-1", "X-Request-ID": "req-lock"})
        assert response.status_code == 201, response.text
    (found,) = [r for r in (services.app.repository.get(e.originator_id)
                            for e in services.app.recorder.select_notifications(1, 100_000)
                            if e.topic.endswith("IdempotencyRecord.Recorded"))
                if r.key == "lock-1"]
    actor = found.actor
    assert (actor["subject"], actor["channel"], actor["request_id"], actor["reason"]) == (
        "test-finance", "http", "req-lock", "the customer disputes the reading")
