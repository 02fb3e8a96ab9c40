"""Dunning procedures and packs over HTTP, on both stores: read what is in force and its versions, define
the next version with PUT, get problem documents naming the field; a run's detail lists locked accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from tests.auth import api_client
from tests.clerk import Clerk
from tests.dunning_flow.helpers import customer
from tests.dunning_flow.test_http_and_cli import get, post


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    """An admin's client: procedures and packs are configuration."""
    with api_client(services, "admin") as client:
        yield client


def put(http: TestClient, path: str, body: dict[str, Any], key: str, status: int = 200) -> Any:
    response = http.put(path, json=body, headers={"Idempotency-Key": key})
    assert response.status_code == status, response.text
    return response.json()


def _amam(reason: str = "AMAM Messina's water rules", **changes: Any) -> dict[str, Any]:
    italy = get_levels()
    return {"country": "IT", "levels": italy, "grace_days": 3, "interest_free_days": 15,
            "description": "AMAM Messina, water", "reason": reason, **changes}


def get_levels() -> list[dict[str, Any]]:
    return [
        {"level": 1, "name": "sollecito", "days_after_due": 7, "min_amount": "10.00", "fee": "0.00",
         "template": "it-reminder", "charges_interest": False, "min_days_since_previous": 0,
         "rule": "IT-company-policy reminder (no regulated minimum)"},
        {"level": 2, "name": "costituzione in mora", "days_after_due": 14, "min_amount": "10.00",
         "fee": "5.00", "template": "it-formal-notice", "charges_interest": True,
         "min_days_since_previous": 10, "days_to_pay": 15, "rule": "IT-ARERA-258/2015 TIMOE art. 3"},
    ]


def test_procedures_and_packs_are_read_and_defined_over_http(http: TestClient, clerk: Clerk) -> None:
    listed = {p["code"]: p for p in get(http, "/dunning/procedures")}
    assert listed["IT-POWER-LV"]["version"] == 0 and listed["IT-POWER-LV"]["defined_on"] is None
    assert listed["FI-POWER"]["levels"][0]["fee"] == "5.00"

    defined = put(http, "/dunning/procedures/IT-WATER-AMAM", _amam(expected_version=0), "amam-1")
    assert defined == {"version": 1, "changed": True, "code": "IT-WATER-AMAM", "country": None}
    again = http.put("/dunning/procedures/IT-WATER-AMAM", json=_amam(expected_version=0),
                     headers={"Idempotency-Key": "amam-1"})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["version"] == 1
    stale = put(http, "/dunning/procedures/IT-WATER-AMAM", _amam("later", grace_days=5, expected_version=0),
                "amam-2", 409)
    assert stale["errors"][0]["field"] == "expected_version"
    put(http, "/dunning/procedures/IT-WATER-AMAM", _amam("grace 5", grace_days=5, expected_version=1),
        "amam-3")
    history = get(http, "/dunning/procedures/IT-WATER-AMAM")
    assert [(v["version"], v["grace_days"], v["reason"]) for v in history["versions"]] == [
        (1, 3, "AMAM Messina's water rules"), (2, 5, "grace 5")]
    assert history["current"]["version"] == 2 and history["current"]["interest_free_days"] == 15

    pack = {"assignments": [{"commodity": "electricity", "procedure": "IT-POWER-LV"},
                            {"commodity": "water", "procedure": "IT-WATER-AMAM"}],
            "description": "Italy", "reason": "AMAM for water"}
    assert put(http, "/dunning/packs/IT", pack, "pack-1")["version"] == 1
    italy = get(http, "/dunning/packs/IT")
    assert [v["version"] for v in italy["versions"]] == [0, 1]
    assert {a["commodity"]: a["procedure"] for a in italy["current"]["assignments"]} == {
        "electricity": "IT-POWER-LV", "water": "IT-WATER-AMAM"}
    assert [p["country"] for p in get(http, "/dunning/packs")] == ["ES", "FI", "IT"]


@pytest.mark.parametrize(("path", "body", "status", "field"), [
    ("/dunning/procedures/IT-WATER-AMAM", {**_amam(), "levels": []}, 422, "levels"),
    ("/dunning/procedures/IT-WATER-AMAM", {**_amam(), "country": "Italy"}, 422, "country"),
    ("/dunning/procedures/IT-WATER-AMAM",
     {**_amam(), "levels": [{**get_levels()[0], "level": 2}]}, 422, "levels"),
    ("/dunning/procedures/IT-WATER-AMAM",
     {**_amam(), "levels": [{**get_levels()[0], "fee": "1.005"}]}, 422, "levels.0.fee"),
    ("/dunning/procedures/IT-WATER-AMAM", {**_amam(), "colour": "red"}, 422, "colour"),
    ("/dunning/packs/IT", {"assignments": [{"commodity": "water", "procedure": "NOPE"}], "reason": "x"},
     422, "assignments[0].procedure"),
    ("/dunning/packs/it", {"assignments": [{"commodity": "water", "procedure": "IT-GAS"}], "reason": "x"},
     422, "country"),
])
def test_a_bad_definition_is_a_problem_naming_the_field(http: TestClient, path: str, body: dict[str, Any],
                                                        status: int, field: str) -> None:
    problem = put(http, path, body, f"bad-{path}-{field}", status)
    assert problem["status"] == status
    assert field in [e["field"] for e in problem.get("errors", [])], problem


def test_unknown_procedures_and_packs_are_not_found(http: TestClient) -> None:
    assert get(http, "/dunning/procedures/NOPE", 404)["errors"][0]["field"] == "code"
    assert get(http, "/dunning/packs/XX", 404)["errors"][0]["field"] == "country"


def test_a_run_s_detail_lists_the_accounts_skipped_for_a_lock(clerk: Clerk) -> None:
    with api_client(clerk.services, "finance") as finance:  # locks and runs are finance's
        _run_with_a_lock(finance, clerk)


def _run_with_a_lock(http: TestClient, clerk: Clerk) -> None:
    account = customer(clerk, "Mimmo Capo")
    clerk.bill(account, "90.00", vat="0")  # due 11 March
    lock = post(http, f"/accounts/{account}/dunning/locks",
                {"kind": "manual", "reason": "customer in hospital", "until": "2026-04-30"}, "lock-h")
    clerk.clock.today = date(2026, 3, 18)
    (run,) = post(http, "/dunning/runs", {}, "run-h")["runs"]
    assert (run["steps"], run["locked"]) == (0, 1)
    detail = get(http, f"/dunning/runs/{run['run_id']}")
    assert detail["locked"] == [{"account_id": str(account), "locks": [
        {"kind": "manual", "reason": "customer in hospital", "until": "2026-04-30", "invoice_number": None,
         "source": "manual", "lock_id": lock["lock_id"]}]}]
