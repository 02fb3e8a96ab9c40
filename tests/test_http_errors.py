"""An unexpected error is a 500 problem document with an opaque incident id: never a traceback, an
exception's text or SQL in the body. The traceback goes to the log, under the same incident id."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from tests.auth import api_client

#: What must never reach a client: a traceback, a source path, SQL, a driver's or Python's error names.
LEAKS = re.compile(r"Traceback|File \"|\.py\b|SELECT|FROM |WHERE|saldo_accounts|no_such_column|"
                   r"OperationalError|UndefinedColumn|psycopg|sqlite|RuntimeError|secret", re.IGNORECASE)


@pytest.fixture(autouse=True)
def incidents_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    """import-linter's CLI, run in-process by tests/test_architecture.py, configures logging with
    ``dictConfig`` and so disables every logger that exists by then (``disable_existing_loggers``), ours
    included; a server's logging configuration does not."""
    monkeypatch.setattr(logging.getLogger("saldo.incidents"), "disabled", False)


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services, "finance") as client:
        yield client


def _assert_opaque_500(response: Any, caplog: pytest.LogCaptureFixture) -> str:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "incident"}
    assert (body["type"], body["status"]) == ("/problems/internal-error", 500)
    assert LEAKS.search(response.text) is None, response.text
    incident = body["incident"]
    assert uuid.UUID(incident) and incident in body["detail"]
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and logged[0].exc_info is not None and logged[0].levelno == logging.ERROR
    return str(incident)


def test_a_real_sql_error_is_an_opaque_500_and_the_traceback_is_logged(
        http: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken_account(account_id: str, *args: Any) -> Any:  # a query the store refuses, on either store
        sql = "SELECT no_such_column FROM {accounts} WHERE account_id = ?"
        return services.view._read(sql, (account_id,))

    monkeypatch.setattr(services.view, "account", broken_account)
    monkeypatch.setattr(services.view, "balance_row", broken_account)  # the balance's one-statement read
    with caplog.at_level(logging.ERROR):
        response = http.get(f"/accounts/{uuid.uuid4()}/balance")
    _assert_opaque_500(response, caplog)
    logged = "\n".join(caplog.text.splitlines())
    assert "no_such_column" in logged and "Traceback" in logged  # for whoever investigates the incident


def test_a_bug_in_a_command_is_an_opaque_500_and_each_incident_has_its_own_id(
        http: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def bug(*args: object, **kwargs: object) -> Any:
        raise RuntimeError("secret internal state: password=hunter2")

    monkeypatch.setattr(services.app, "execute", bug)
    with caplog.at_level(logging.ERROR):
        first = http.post("/partners", json={"name": "Mario Rossi"}, headers={"Idempotency-Key": "p1"})
        second = http.post("/partners", json={"name": "Mario Rossi"}, headers={"Idempotency-Key": "p2"})
    assert "hunter2" not in first.text
    assert _assert_opaque_500(first, caplog) != _assert_opaque_500(second, caplog)


def test_what_a_client_gets_wrong_is_still_a_4xx_naming_the_field(http: TestClient) -> None:
    response = http.post("/partners", json={"name": ""}, headers={"Idempotency-Key": "p"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["name"]
    missing = http.get(f"/accounts/{uuid.uuid4()}/balance")
    assert missing.status_code == 404 and LEAKS.search(missing.text) is None
    malformed = http.post("/partners", content=b"{not json", headers={"Idempotency-Key": "p",
                                                                     "Content-Type": "application/json"})
    assert malformed.status_code == 422 and LEAKS.search(malformed.text) is None
