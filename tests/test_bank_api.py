"""Finance over HTTP: upload a statement, read the worklist with suggestions, allocate from it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from importers.bank.synth import SynthEntry, write_camt053
from tests.auth import api_client, new_key
from tests.clerk import Clerk


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def test_upload_then_clear_the_worklist(http: TestClient, clerk: Clerk, tmp_path: Path) -> None:
    account = clerk.customer("Giulia Bianchi")
    bill = clerk.bill(account, "80.00", vat="0")
    path = tmp_path / "today.xml"
    write_camt053(
        path,
        [
            SynthEntry(
                Decimal("80.00"),
                debtor_name="Giulia Bianchi",
                unstructured=("bolletta",),
                account_servicer_reference="X1",
            )
        ],
        booking_date=date(2026, 3, 5),
    )
    upload = http.post(
        "/bank/statements", files={"file": ("today.xml", path.read_bytes(), "application/xml")},
        headers=new_key()
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["to_suspense"] == 1
    again = http.post("/bank/statements", files={"file": ("today.xml", path.read_bytes(), "application/xml")},
                      headers=new_key())
    assert again.status_code == 200 and again.json()["file_already_imported"] is True

    (item,) = http.get("/worklist").json()
    best = item["candidates"][0]
    assert best["invoice"] == bill["number"]
    assert "same amount" in best["reasons"] and any("payer name" in r for r in best["reasons"])

    done = http.post(
        f"/worklist/{item['suspense_id']}/allocation",
        headers={"Idempotency-Key": "w1"},
        json={"account_id": best["account_id"], "invoice_numbers": [best["invoice"]]},
    )
    assert done.status_code == 201, done.text
    assert http.get("/worklist").json() == []
    assert http.get(f"/accounts/{account}/balance").json()["balance"] == "0.00"


def test_a_broken_file_is_a_problem_naming_the_place(http: TestClient, services: Services) -> None:
    position = services.app.recorder.max_notification_id()
    body = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkTo'
    response = http.post("/bank/statements", files={"file": ("bad.xml", body, "application/xml")},
                         headers=new_key())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "bad.xml" in response.json()["detail"]
    assert services.app.recorder.max_notification_id() == position
