"""Every POST takes an ``Idempotency-Key``, as the README promises (issue 11 item 6: five did not).

The OpenAPI document is walked: every POST operation requires the header. The routes that are not one
command (uploads, a run's execution, settlement, a simulation) replay their first answer for the same key
(``Idempotent-Replayed: true``) and refuse the key reused for a different request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from api.bootstrap import Services
from importers.bank.synth import SynthEntry, write_camt053
from tests.auth import api_client, app


def test_every_post_in_the_openapi_document_requires_an_idempotency_key(services: Services) -> None:
    spec = app(services).openapi()
    missing = []
    for path, item in spec["paths"].items():
        operation = item.get("post")
        if operation is None:
            continue
        headers = {p["name"]: p.get("required", False) for p in operation.get("parameters", [])
                   if p["in"] == "header"}
        if headers.get("Idempotency-Key") is not True:
            missing.append(path)
    assert missing == []


def test_a_statement_upload_replays_its_answer_for_the_same_key(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "today.xml"
    write_camt053(path, [SynthEntry(Decimal("80.00"), debtor_name="Giulia Bianchi",
                                    account_servicer_reference="X1")], booking_date=date(2026, 3, 5))
    files = {"file": ("today.xml", path.read_bytes(), "application/xml")}
    with api_client(services, "finance") as http:
        without = http.post("/bank/statements", files=files)
        assert without.status_code == 422 and "Idempotency-Key" in without.text
        first = http.post("/bank/statements", files=files, headers={"Idempotency-Key": "u1"})
        assert first.status_code == 201 and first.headers["Idempotent-Replayed"] == "false"
        replay = http.post("/bank/statements", files=files, headers={"Idempotency-Key": "u1"})
        assert (replay.status_code, replay.json(), replay.headers["Idempotent-Replayed"]) == (
            201, first.json(), "true")
        # Another key for the same file: the file's content still says it was imported (200).
        again = http.post("/bank/statements", files=files, headers={"Idempotency-Key": "u2"})
        assert again.status_code == 200 and again.json()["file_already_imported"] is True
        other = http.post("/bank/statements", files={"file": ("other.xml", b"<x/>", "application/xml")},
                          headers={"Idempotency-Key": "u1"})
        assert other.status_code == 409


def test_requests_that_write_nothing_are_answered_afresh_and_alike(services: Services) -> None:
    with api_client(services, "finance") as http:
        day = {"on": "2026-03-01"}
        first = http.post("/collections/settlement", json=day, headers={"Idempotency-Key": "s1"})
        assert first.status_code == 201, first.text
        again = http.post("/collections/settlement", json=day, headers={"Idempotency-Key": "s1"})
        assert (again.status_code, again.json()) == (201, first.json())
        # A request that writes nothing (a simulation) is answered afresh, alike; it records nothing.
        body = {"period_start": "2026-01-01", "period_end": "2026-01-31"}
        position = services.app.recorder.max_notification_id()
        simulated = http.post("/billing/simulations", json=body, headers={"Idempotency-Key": "s1"})
        assert simulated.status_code == 200, simulated.text
        repeat = http.post("/billing/simulations", json=body, headers={"Idempotency-Key": "s1"})
        assert repeat.json() == simulated.json()
        assert services.app.recorder.max_notification_id() == position
