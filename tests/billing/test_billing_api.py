"""The billing cycle over HTTP on both stores: tariffs, readings, self-readings, a run and its status,
a simulation, and a contract's invoices with their lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from tests.auth import api_client, bearer, new_key
from tests.billing.helpers import BillingClerk, pod

TARIFF = {
    "schema": 1,
    "code": "HOME",
    "version_id": "2026-01",
    "valid_from": "2025-01-01",
    "valid_to": None,
    "currency": "EUR",
    "vat_rate": "10",
    "unit": "kWh",
    "components": [
        {"kind": "standing", "name": "standing", "price_per_day": "0.10"},
        {"kind": "flat", "name": "energy", "price_per_unit": "0.20"},
    ],
}


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def _post(http: TestClient, path: str, body: object, key: str, status: int = 201,  # type: ignore[type-arg]
          role: str = "finance") -> dict:
    response = http.post(path, json=body, headers={"Idempotency-Key": key, **bearer(role)})
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def test_tariffs_readings_run_and_invoices(http: TestClient, biller: BillingClerk) -> None:
    assert _post(http, "/tariffs", {"version": TARIFF}, "t1", role="admin")["new"] is True
    assert http.get("/tariffs/HOME").json()["versions"][0]["components"][1]["price_per_unit"] == "0.20"
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "HOME")
    readings = _post(
        http,
        "/readings",
        {
            "readings": [
                {"supply_point": sp, "read_on": "2025-12-31", "index": "1000"},
                {"supply_point": sp, "read_on": "2026-02-28", "index": "1300"},
                {"supply_point": sp, "read_on": "2026-02-28", "index": "1400"},
            ]
        },
        "r1",
    )
    assert [("reading_id" in r, r.get("field")) for r in readings["results"]] == [
        (True, None),
        (True, None),
        (False, "read_on"),
    ]  # the third contradicts the second: refused alone
    simulated = http.post(
        "/billing/simulations", json={"period_start": "2026-01-01", "period_end": "2026-02-28"},
        headers=new_key()
    )
    assert simulated.status_code == 200
    sim = simulated.json()
    assert (sim["invoices"], sim["gross"]) == (1, "72.49")  # 5.90 + 300 x 0.20 = 65.90 + 10 % 6.59
    assert sim["drafts"][0]["lines"][1]["quantity"] == "300.000"
    started = _post(
        http, "/billing/runs", {"period_start": "2026-01-01", "period_end": "2026-02-28"}, "run1", 202
    )
    status = http.get(started["status_url"]).json()  # the test client runs the background task first
    assert (status["status"], status["invoices"], status["gross"], status["errors"]) == (
        "finished",
        1,
        "72.49",
        0,
    )
    again = _post(
        http, "/billing/runs", {"period_start": "2026-01-01", "period_end": "2026-02-28"}, "run1", 202
    )
    assert again["run_id"] == started["run_id"] and again["status"] == "finished"
    (invoice,) = http.get(f"/contracts/{contract}/invoices").json()
    assert invoice["gross"] == "72.49" and invoice["period"] == ["2026-01-01", "2026-02-28"]
    assert [li["amount"] for li in invoice["lines"]] == ["5.90", "60.00"]
    assert invoice["lines"][1]["sources"][-1] == "tariff:HOME/2026-01"


def test_self_reading_from_the_portal(http: TestClient, biller: BillingClerk) -> None:
    _post(http, "/tariffs", {"version": TARIFF}, "t1", role="admin")
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "HOME")
    biller.read(sp, date(2026, 1, 31), "1310")
    refused = http.post(
        f"/contracts/{contract}/self-readings",
        json={"read_on": "2026-02-20", "index": "1200"},
        headers={"Idempotency-Key": "s1"},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [
        {"field": "index", "reason": "self-reading 1200 is below the last actual reading 1310 of 2026-01-31"}
    ]
    ok = _post(http, f"/contracts/{contract}/self-readings", {"read_on": "2026-02-20", "index": "1400"}, "s2")
    assert ok["accepted"] is True


def test_files_and_load_curves_over_http(http: TestClient, biller: BillingClerk) -> None:
    bad = b"supply_point,read_on,index\nIT001E77700001,2026-01-31,12\nIT001E77700001,31/01/2026,13\n"
    response = http.post("/readings/files", files={"file": ("letture.csv", bad, "text/csv")},
                         headers=new_key())
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "line 3, column read_on", "reason": "'31/01/2026' is not an ISO date (2026-02-28)"}
    ]
    good = http.post(
        "/readings/files",
        files={"file": ("letture.csv", bad.splitlines(True)[0] + bad.splitlines(True)[1], "text/csv")},
        headers=new_key(),
    )
    assert good.status_code == 201 and good.json()["recorded"] == 1
    points = [{"start": f"2026-03-29T0{h}:00:00+01:00", "value": "1.5"} for h in range(2)]
    points.append({"start": "2026-03-29T03:00:00+02:00", "value": "1.5"})  # 02:00 does not exist that night
    curve = _post(http, "/load-curves", {"supply_point": "IT001E77700001", "points": points}, "c1")
    assert curve["results"][0]["changed"] == 3  # three consecutive hours in UTC, resolution inferred
    spot = _post(
        http,
        "/spot-prices",
        {"index": "IT-PUN", "start": "2026-03-01T00:00:00+01:00", "prices": ["101.5", None, "99"]},
        "p1",
    )
    assert spot["changed"] == 2
