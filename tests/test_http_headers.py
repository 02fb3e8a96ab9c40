"""Every answer carries the security headers, whatever its status; CORS is off unless origins are listed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import ConfigurationError, Services, build
from api.docs import ASSETS_URL
from api.hardening import CORS_ORIGINS_SETTING
from tests.auth import api_client, app

PORTAL = "https://portal.example.it"


def _client(tmp_path: Path) -> Iterator[TestClient]:
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        with api_client(svc, "finance") as client:
            yield client
    finally:
        svc.close()


@pytest.fixture
def http(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv(CORS_ORIGINS_SETTING, raising=False)
    with api_client(services, "finance") as client:
        yield client


@pytest.fixture
def portal_cors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv(CORS_ORIGINS_SETTING, f"{PORTAL}, http://localhost:5173")
    yield from _client(tmp_path)


def _assert_secure(response: Any) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_every_kind_of_answer_carries_the_security_headers(http: TestClient, services: Services,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {
        "ok": http.get("/health"),
        "unauthorized": http.get(f"/accounts/{uuid.uuid4()}/balance", headers={"Authorization": ""}),
        "created": http.post("/partners", json={"name": "Mario Rossi"}, headers={"Idempotency-Key": "p"}),
        "invalid": http.post("/partners", json={"name": ""}, headers={"Idempotency-Key": "q"}),
        "not found": http.get(f"/accounts/{uuid.uuid4()}/balance"),
        "no such path": http.get("/no/such/path"),
        "wrong method": http.delete("/health"),
        "docs": http.get("/docs"),
        "asset": http.get(f"{ASSETS_URL}/swagger-ui.css"),
        "xml": http.get(f"/worklist/{uuid.uuid4()}/refund.pain001.xml"),
    }
    monkeypatch.setattr(services.view, "account", lambda *_: 1 / 0)
    monkeypatch.setattr(services.view, "balance_row", lambda *_: 1 / 0)  # the balance reads in one statement
    answers["incident"] = http.get(f"/accounts/{uuid.uuid4()}/balance")
    assert {name: r.status_code for name, r in answers.items()} == {
        "ok": 200, "unauthorized": 401, "created": 201, "invalid": 422, "not found": 404,
        "no such path": 404, "wrong method": 405, "docs": 200, "asset": 200, "xml": 404, "incident": 500}
    for response in answers.values():
        _assert_secure(response)
    for name in ("ok", "created", "invalid", "not found", "incident", "docs"):  # never kept by a cache
        assert answers[name].headers["cache-control"] == "no-store", name
    assert answers["asset"].headers["cache-control"].startswith("public, max-age=")
    assert answers["ok"].headers["content-security-policy"].startswith("default-src 'none'")


def test_without_listed_origins_no_cors_header_is_sent(http: TestClient) -> None:
    simple = http.get("/health", headers={"Origin": PORTAL})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
    preflight = http.options("/partners", headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    _assert_secure(preflight)


def test_a_listed_origin_may_call_and_another_may_not(portal_cors: TestClient) -> None:
    preflight = portal_cors.options("/partners", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Idempotency-Key, Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers
    _assert_secure(preflight)
    simple = portal_cors.get("/health", headers={"Origin": PORTAL})
    assert simple.headers["access-control-allow-origin"] == PORTAL
    assert "idempotent-replayed" in simple.headers["access-control-expose-headers"].lower()
    other = portal_cors.options("/partners", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in portal_cors.get(
        "/health", headers={"Origin": "https://evil.example"}).headers
    delete = portal_cors.options("/partners", headers={"Origin": PORTAL,
                                                       "Access-Control-Request-Method": "DELETE"})
    assert delete.status_code == 400


@pytest.mark.parametrize("setting", ["*", "portal.example.it", "https://portal.example.it/app", "ftp://x"])
def test_a_setting_that_is_not_a_list_of_origins_is_refused_naming_it(
        setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CORS_ORIGINS_SETTING, setting)
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        with pytest.raises(ConfigurationError, match=CORS_ORIGINS_SETTING):
            app(svc)
    finally:
        svc.close()
