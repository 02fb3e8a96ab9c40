"""API keys for machine clients, on both stores: the admin makes one (shown once, stored as its hash), the
accounting system uses it, a revoked one is refused; and the same from the command line."""

from __future__ import annotations

import socket
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import key_hash
from api.bootstrap import Services, build
from api.cli import main
from api.cli.actor import login
from api.http import create_app
from ledger.access import commands as kc
from ledger.access.keys import ApiKey
from ledger.core.actor import Role
from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.core.idempotency import IdempotencyRecord
from tests.auth import api_client
from tests.clerk import Clerk

ACCOUNTING_KEY = {"name": "accounting-system", "role": "accounting"}


def _create(http: TestClient, body: dict[str, object], key: str = "k1") -> dict[str, str]:
    made = http.post("/keys", json=body, headers={"Idempotency-Key": key})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_an_api_key_is_made_by_the_admin_used_by_its_client_and_revoked(services: Services) -> None:
    with api_client(services, "admin") as admin, api_client(services, None) as client:
        made = _create(admin, ACCOUNTING_KEY)
        key = made["api_key"]
        assert key.startswith("saldo_") and made["role"] == "accounting"
        assert client.get("/journal", headers={"X-API-Key": key}).status_code == 200
        assert client.get("/journal", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        denied = client.get("/worklist", headers={"X-API-Key": key})
        assert denied.status_code == 403
        assert "accounting key may not use GET /worklist" in denied.json()["detail"]
        replay = admin.post("/keys", json=ACCOUNTING_KEY, headers={"Idempotency-Key": "k1"})
        assert replay.json() == made and replay.headers["Idempotent-Replayed"] == "true"  # the same key
        again = admin.post("/keys", json=ACCOUNTING_KEY, headers={"Idempotency-Key": "k2"})
        assert again.status_code == 409 and "revoke it" in again.json()["detail"]
        revoked = admin.post("/keys/accounting-system/revocation", json={"reason": "left on a laptop"},
                             headers={"Idempotency-Key": "r1"})
        assert revoked.status_code == 201, revoked.text
        refused = client.get("/journal", headers={"X-API-Key": key})
        assert refused.status_code == 401 and "unknown or revoked" in refused.json()["detail"]
        rotated = _create(admin, ACCOUNTING_KEY, "k3")["api_key"]  # the name gets a new key
        assert client.get("/journal", headers={"X-API-Key": rotated}).status_code == 200
        assert client.get("/journal", headers={"X-API-Key": key}).status_code == 401
        assert client.get("/journal", headers={"X-API-Key": key[:-1] + "A"}).status_code == 401


def test_the_key_is_stored_only_as_its_hash_and_its_making_is_recorded_with_the_admin(
        services: Services) -> None:
    with api_client(services, "admin") as admin:
        key = _create(admin, ACCOUNTING_KEY)["api_key"]
    stored = services.app.recorder.select_notifications(start=1, limit=1000)
    assert stored and not any(key.encode() in n.state for n in stored)
    assert services.app.repository.get(ApiKey.id_for("accounting-system")).key_hash == key_hash(key)
    records = [services.app.repository.get(n.originator_id) for n in stored
               if n.topic.endswith("IdempotencyRecord.Recorded")]
    (made,) = [r for r in records if isinstance(r, IdempotencyRecord) and r.command_name == "CreateApiKey"]
    assert (made.actor["subject"], made.actor["role"], made.actor["channel"]) == (
        "test-admin", "admin", "http")


def test_only_the_admin_manages_keys_and_a_portal_key_names_its_partner(services: Services,
                                                                        clerk: Clerk) -> None:
    mine, theirs = clerk.customer("Anna"), clerk.customer("Otto")
    partner = clerk.balance(mine)[1]
    with api_client(services, "finance") as finance, api_client(services, "admin") as admin, \
            api_client(services, None) as client:
        assert finance.post("/keys", json=ACCOUNTING_KEY, headers={"Idempotency-Key": "f"}).status_code == 403
        lacking = admin.post("/keys", json={"name": "portal-backend", "role": "portal"},
                             headers={"Idempotency-Key": "p0"})
        assert lacking.status_code == 422 and lacking.json()["errors"][0]["field"] == "partner_id"
        body = {"name": "portal-backend", "role": "portal", "partner_id": partner}
        key = _create(admin, body, "p1")["api_key"]
        assert client.get(f"/accounts/{mine}/balance", headers={"X-API-Key": key}).status_code == 200
        assert client.get(f"/accounts/{theirs}/balance", headers={"X-API-Key": key}).status_code == 404


def test_the_domain_rules_of_keys(clerk: Clerk) -> None:
    app = clerk.services.app
    digest = "ab" * 32
    with pytest.raises(InvalidInput, match="key name"):
        app.execute(kc.CreateApiKey("../etc", Role.ACCOUNTING, digest), "bad-name")
    with pytest.raises(InvalidInput, match="SHA-256"):
        app.execute(kc.CreateApiKey("erp", Role.ACCOUNTING, "secret-in-clear"), "bad-hash")
    with pytest.raises(InvalidInput, match="only a portal key"):
        app.execute(kc.CreateApiKey("erp", Role.ACCOUNTING, digest, UUID(int=1)), "bad-partner")
    with pytest.raises(NotFound, match="business partner"):
        app.execute(kc.CreateApiKey("erp", Role.PORTAL, digest, UUID(int=1)), "no-partner")
    with pytest.raises(NotFound, match="API key"):
        app.execute(kc.RevokeApiKey("erp", "why"), "revoke-nothing")
    app.execute(kc.CreateApiKey("erp", Role.ACCOUNTING, digest), "make")
    app.execute(kc.RevokeApiKey("erp", "rotated"), "revoke")
    with pytest.raises(Conflict, match="already revoked"):
        app.execute(kc.RevokeApiKey("erp", "again"), "revoke-again")
    app.execute(kc.CreateApiKey("erp2", Role.ACCOUNTING, digest), "make2")
    with pytest.raises(InvalidInput, match="say why"):
        app.execute(kc.RevokeApiKey("erp2", " "), "revoke2")
    key = app.repository.get(ApiKey.id_for("erp"))
    assert not key.live and key.revocation_reason == "rotated" and not key.matches(digest)


def test_keys_and_tokens_from_the_command_line(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", store_url, "--as-role", "admin", "keys", "create", "erp",
                 "--role", "accounting"]) == 0
    key = capsys.readouterr().out.strip()
    assert main(["--database-url", store_url, "tokens", "issue", "--role", "auditor", "--subject", "ada",
                 "--expires", "30m"]) == 0
    token = capsys.readouterr().out.strip()
    svc = build(store_url)
    try:
        with TestClient(create_app(svc)) as http:  # the default configuration, as `saldo serve` has it
            assert http.get("/journal", headers={"X-API-Key": key}).status_code == 200
            assert http.get("/worklist", headers={"Authorization": f"Bearer {token}"}).status_code == 200
            assert main(["--database-url", store_url, "keys", "revoke", "erp", "--reason", "test over"]) == 0
            assert http.get("/journal", headers={"X-API-Key": key}).status_code == 401
        records = [svc.app.repository.get(n.originator_id)
                   for n in svc.app.recorder.select_notifications(start=1, limit=100)
                   if n.topic.endswith("IdempotencyRecord.Recorded")]
        actors = {r.command_name: r.actor for r in records}
        assert actors["CreateApiKey"] == {"subject": login(), "role": "admin", "channel": "cli",
                                          "request_id": None, "reason": None, "host": socket.gethostname()}
        assert actors["RevokeApiKey"]["role"] is None and actors["RevokeApiKey"]["channel"] == "cli"
    finally:
        svc.close()
    assert main(["--database-url", store_url, "keys", "revoke", "erp", "--reason", "twice"]) == 1
    assert "already revoked" in capsys.readouterr().err


def test_a_portal_token_from_the_command_line_names_the_accounts_partner(
        store_url: str, clerk: Clerk, capsys: pytest.CaptureFixture[str]) -> None:
    account = clerk.customer("Anna")
    partner = clerk.balance(account)[1]
    assert main(["--database-url", store_url, "tokens", "issue", "--role", "portal", "--subject", "anna",
                 "--account", str(account)]) == 0
    token = capsys.readouterr().out.strip()
    with TestClient(create_app(clerk.services)) as http:
        answer = http.get(f"/accounts/{account}/balance", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json()["partner_id"] == partner
    for wrong in (["--role", "finance", "--account", str(account)], ["--role", "portal"]):
        assert main(["--database-url", store_url, "tokens", "issue", "--subject", "x", *wrong]) == 2
    with pytest.raises(SystemExit):
        main(["--database-url", store_url, "tokens", "issue", "--role", "finance", "--subject", "x",
              "--expires", "forever"])
    assert "give a duration" in capsys.readouterr().err
    assert main(["--database-url", store_url, "tokens", "issue", "--role", "finance", "--subject", "x",
                 "--expires", "40d"]) == 2

