"""Operations (issue 14 item 4): a JSON log line per request, with request id, route and actor; Prometheus
metrics (latency, projection lag, runs, imports) for those allowed to read them; ``/health`` that says
whether the stores answer, with the view's lag, and 503 when they do not.

Log lines are read as the records pytest captures, formatted by the server's own formatter and parsed as
JSON; metrics are parsed with prometheus-client's own parser.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.bootstrap import Services
from api.logs import JsonFormatter, log_config
from api.operations import followed_run
from api.routes import ops
from importers.bank.synth import SynthEntry, write_camt053
from ledger.payments import commands as pmt
from tests.auth import api_client, bearer, new_key, token
from tests.clerk import Clerk


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_every_request_is_one_json_line_with_its_id_route_and_actor(
        services: Services, clerk: Clerk, caplog: pytest.LogCaptureFixture) -> None:
    account = clerk.customer("Luce Verdi")
    caplog.set_level(logging.INFO, logger="saldo.http")
    sent = token("finance", subject="clerk-7")
    http = TestClient(api_client(services, None).app, headers={"Authorization": f"Bearer {sent}"})
    answer = http.get(f"/accounts/{account}/balance", headers={"X-Request-ID": "req-ops-1"})
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == "req-ops-1"
    missing = http.get("/accounts/00000000-0000-4000-8000-000000000000/balance")
    anonymous = TestClient(http.app).get(f"/accounts/{account}/balance")
    (read, absent, refused) = _lines(caplog, "saldo.http")
    assert read["request_id"] == "req-ops-1" and read["method"] == "GET"
    assert read["route"] == "/accounts/{account_id}/balance"
    assert read["path"] == f"/accounts/{account}/balance"
    assert read["status"] == 200 and read["level"] == "info" and read["duration_ms"] >= 0
    assert read["actor"] == {"subject": "clerk-7", "role": "finance"} and read["client"] == "testclient"
    assert absent["status"] == 404 and absent["request_id"] == missing.headers["X-Request-ID"]
    assert len(absent["request_id"]) == 32  # none sent: the gate made one, and the answer carries it
    assert refused["status"] == 401 and refused["actor"] is None and anonymous.status_code == 401
    assert refused["route"] == "/accounts/{account_id}/balance"  # refused by the gate, named all the same
    assert all(sent not in json.dumps(line) for line in (read, absent, refused))  # never the token


def test_an_unknown_path_is_logged_under_one_route_name(services: Services,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="saldo.http")
    api_client(services).get("/no/such/path/12345")
    (line,) = _lines(caplog, "saldo.http")
    assert (line["route"], line["path"], line["status"]) == ("<unmatched>", "/no/such/path/12345", 404)


def test_the_server_configuration_writes_json_and_turns_uvicorns_access_log_off() -> None:
    from api.cli.serve import json_logs

    settings = json_logs("info")
    assert settings["access_log"] is False
    config = log_config("warning")
    assert config["disable_existing_loggers"] is False  # our loggers stay enabled
    assert {"saldo", "uvicorn.error"} <= set(config["loggers"])
    assert all(logger["level"] == "WARNING" for logger in config["loggers"].values())
    record = logging.LogRecord("saldo.http", logging.ERROR, __file__, 1, "GET %s", ("/x",), None)
    record.saldo_fields = {"status": 500, "request_id": "r1"}
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["level"]) == ("GET /x", "error")
    assert (line["status"], line["request_id"]) == (500, "r1")


def test_metrics_are_for_the_admin_and_the_auditor_only(services: Services) -> None:
    http = api_client(services, None)
    assert http.get("/metrics").status_code == 401
    for role, status in (("finance", 403), ("accounting", 403), ("auditor", 200),
                         ("admin", 200)):
        assert http.get("/metrics", headers=bearer(role)).status_code == status, role
    portal = bearer("portal", partner="00000000-0000-4000-8000-000000000001")
    assert http.get("/metrics", headers=portal).status_code == 403


def test_request_latency_by_route_template_method_and_status_class_per_app(services: Services,
                                                                           clerk: Clerk) -> None:
    account = clerk.customer()
    first, second = api_client(services, "auditor"), api_client(services, "auditor")
    for _ in range(3):
        first.get(f"/accounts/{account}/balance")
    first.get("/accounts/00000000-0000-4000-8000-000000000000/balance")
    second.get(f"/accounts/{account}/balance")
    route = ("route", "/accounts/{account_id}/balance")
    mine, theirs = _samples(first.get("/metrics").text), _samples(second.get("/metrics").text)
    count = "saldo_http_request_duration_seconds_count"
    assert mine[(count, (("method", "GET"), route, ("status_class", "2xx")))] == 3
    assert mine[(count, (("method", "GET"), route, ("status_class", "4xx")))] == 1
    assert theirs[(count, (("method", "GET"), route, ("status_class", "2xx")))] == 1  # its own registry


def test_projection_lag_in_events_and_seconds_per_read_model(services: Services, clerk: Clerk) -> None:
    account = clerk.customer()
    services.app.execute(pmt.RecordPayment(account, Decimal("5.00"), date(2026, 3, 1)), "lagging")
    http = api_client(services, "admin")
    behind = _samples(http.get("/metrics").text)
    view = (("projection", "ledger-view"), ("store", "0"))
    assert behind[("saldo_projection_lag_events", view)] >= 1
    assert behind[("saldo_projection_lag_seconds", view)] >= 0
    health = api_client(services, None).get("/health").json()
    assert health["projection_lag_events"] >= 1
    services.projections.catch_up()
    caught_up = _samples(http.get("/metrics").text)
    assert caught_up[("saldo_projection_lag_events", view)] == 0
    assert caught_up[("saldo_projection_lag_seconds", view)] == 0
    assert {labels for name, labels in caught_up if name == "saldo_projection_lag_events"} == {
        (("projection", m), ("store", "0")) for m in ("ledger-view", "audit-trail", "catalog",
                                                     "dunning-history")}


def test_a_run_in_progress_is_published_and_logged_at_start_and_end(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="saldo.operations")
    http = api_client(services, "admin")
    with followed_run(services.app, "billing", "run-1", 10) as done:
        done(3, 12)
        during = _samples(http.get("/metrics").text)
    after = _samples(http.get("/metrics").text)
    run = (("kind", "billing"), ("run_id", "run-1"))
    assert during[("saldo_run_items_done", run)] == 3 and during[("saldo_run_items_total", run)] == 12
    assert during[("saldo_runs_in_progress", (("kind", "billing"),))] == 1
    assert after[("saldo_runs_in_progress", (("kind", "billing"),))] == 0
    assert ("saldo_run_items_done", run) not in after
    started, ended = _lines(caplog, "saldo.operations")
    assert (started["event"], started["run_kind"], started["run_id"], started["total"]) == (
        "run_started", "billing", "run-1", 10)
    assert (ended["event"], ended["outcome"]) == ("run_ended", "finished")
    assert (ended["done"], ended["total"]) == (3, 12)


def test_a_failed_run_is_logged_as_failed_and_no_longer_in_progress(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="saldo.operations")
    with pytest.raises(RuntimeError), followed_run(services.app, "dunning", "run-2", 4) as done:
        done(1, None)
        raise RuntimeError("store gone")
    ended = _lines(caplog, "saldo.operations")[-1]
    assert (ended["outcome"], ended["level"], ended["done"]) == ("failed", "error", 1)
    metrics = _samples(api_client(services, "admin").get("/metrics").text)
    assert metrics[("saldo_runs_in_progress", (("kind", "dunning"),))] == 0


def test_statement_imports_are_counted_by_outcome_and_logged(services: Services, clerk: Clerk, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="saldo.operations")
    account = clerk.customer("Giulia Bianchi")
    bill = clerk.bill(account, "80.00", vat="0")
    path = tmp_path / "today.xml"
    paid = SynthEntry(Decimal("80.00"), debtor_name="Giulia Bianchi",
                      unstructured=(f"fattura {bill['number']}",), account_servicer_reference="A1")
    unknown = SynthEntry(Decimal("13.00"), debtor_name="Nobody", unstructured=("?",),
                         account_servicer_reference="A2")
    write_camt053(path, [paid, unknown], booking_date=date(2026, 3, 5))
    http = api_client(services, "finance")
    file = {"file": ("today.xml", path.read_bytes(), "application/xml")}
    upload = http.post("/bank/statements", files=file, headers=new_key())
    assert upload.status_code == 201, upload.text
    report = upload.json()
    again = http.post("/bank/statements", files=file, headers=new_key())
    assert again.json()["file_already_imported"] is True
    metrics = _samples(http.get("/metrics", headers=bearer("auditor")).text)
    assert metrics[("saldo_statements_imported_total", ())] == 1  # the same file again is not a new one
    assert metrics[("saldo_statement_entries_total", (("outcome", "booked"),))] == report["booked"] == 1
    worklist = (("outcome", "to_worklist"),)
    assert metrics[("saldo_statement_entries_total", worklist)] == report["to_suspense"] == 1
    assert metrics[("saldo_statement_entries_total", (("outcome", "refused"),))] == 0
    line = _lines(caplog, "saldo.operations")[0]
    assert (line["event"], line["file_name"], line["entries"], line["booked"]) == (
        "statement_imported", "today.xml", 2, 1)


def test_health_keeps_its_fields_and_adds_reachability_and_lag(services: Services) -> None:
    answer = api_client(services, None).get("/health")
    body = answer.json()
    assert answer.status_code == 200
    assert {"status", "store", "events_position", "projection_position"} <= set(body)
    assert body["status"] == "ok" and body["store_reachable"] is True
    assert body["projection_lag_events"] == 0 and body["projection_lag_seconds"] == 0


def test_health_is_503_when_the_store_fails_and_says_nothing_of_why(
        services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> int:
        raise ConnectionError("could not connect to server at 10.1.2.3 as saldo_owner")

    monkeypatch.setattr(services.app.recorder, "max_notification_id", broken)
    answer = api_client(services, None).get("/health")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable" and answer.json()["store_reachable"] is False
    assert "10.1.2.3" not in answer.text and "saldo_owner" not in answer.text
    assert any("10.1.2.3" in r.getMessage() for r in caplog.records if r.name == "saldo.health")


def test_health_is_503_when_the_store_does_not_answer_in_time(services: Services,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    release, left = threading.Event(), threading.Event()

    def hanging() -> int:
        try:
            release.wait()  # a store that never answers, until the test lets it go
        finally:
            left.set()
        # The abandoned check must touch nothing after this: the fixture closes the store (a closed SQLite
        # connection used from that thread crashed the process).
        raise ConnectionError("the store never answered")

    monkeypatch.setattr(services.app.recorder, "max_notification_id", hanging)
    monkeypatch.setattr(ops, "HEALTH_TIMEOUT_S", 0.05)
    try:
        answer = api_client(services, None).get("/health")
    finally:
        release.set()
        left.wait(5)
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"


def test_readings_imported_from_files_are_counted(services: Services,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="saldo.operations")
    http = api_client(services, "finance")
    readings = ("supply_point,read_on,index,digits\n"
                "IT001E12345678,2026-01-31,10,6\nIT001E12345678,2026-02-28,25,6\n")
    upload = http.post("/readings/files", files={"file": ("letture.csv", readings.encode(), "text/csv")},
                       headers=new_key())
    assert upload.status_code == 201, upload.text
    recorded = upload.json()["recorded"]
    metrics = _samples(http.get("/metrics", headers=bearer("admin")).text)
    assert metrics[("saldo_readings_imported_total", ())] == recorded == 2
    (line,) = _lines(caplog, "saldo.operations")
    assert (line["event"], line["file_name"], line["recorded"]) == ("readings_imported", "letture.csv", 2)


def test_saldo_serve_gives_uvicorn_the_json_logging_and_no_access_log(store_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from api.cli import main

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    assert main(["--database-url", store_url, "serve", "--projections", "separate", "--log-level",
                 "warning"]) == 0
    (kw,) = started
    assert kw["access_log"] is False and kw["log_config"] == log_config("warning")
