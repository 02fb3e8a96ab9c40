"""The HTTP API as the portal, finance and the accounting system use it, on both stores."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from tests.auth import api_client, bearer

PROBLEM = "application/problem+json"


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def post(http: TestClient, path: str, body: dict[str, Any], key: str) -> Any:
    return http.post(path, json=body, headers={"Idempotency-Key": key})


def _customer(http: TestClient) -> str:
    partner = post(http, "/partners", {"name": "Laia Puig", "kind": "person", "language": "ca",
                                       "tax_ids": [{"scheme": "es.nif", "value": "40000001-B"}]}, "p1")
    assert partner.status_code == 201, partner.text
    account = post(http, "/accounts", {"partner_id": partner.json()["partner_id"], "name": "Casa",
                                       "payment_terms_days": 15}, "a1")
    assert account.status_code == 201, account.text
    return str(account.json()["account_id"])


def _invoice(http: TestClient, account: str, key: str, price: str = "1.4500") -> Any:
    body = {"issue_date": "2026-03-01", "period_start": "2026-01-01", "period_end": "2026-02-28",
            "lines": [{"description": "Consum d'aigua", "component": "water", "quantity": "20",
                       "unit": "m3", "unit_price": price, "vat_rate": "10"}]}
    response = post(http, f"/accounts/{account}/invoices", body, key)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_day_in_the_life_of_an_account(http: TestClient, services: Services) -> None:
    account = _customer(http)
    contract = post(http, "/contracts", {
        "account_id": account, "supply_point_scheme": "cups", "supply_point_id": "ES0031406398453003WG",
        "commodity": "water", "tariff_code": "ES-WATER-2026", "billing_frequency": "quarterly",
        "start_date": "2026-01-01"}, "c1")
    assert contract.status_code == 201, contract.text
    first = _invoice(http, account, "i1")  # 20 x 1.45 = 29.00 + 10 % = 31.90
    second = _invoice(http, account, "i2", "2.0000")  # 40.00 + 4.00 = 44.00
    assert (first["gross"], second["gross"]) == ("31.90", "44.00")

    paid = post(http, f"/accounts/{account}/payments",
                {"amount": "50.00", "received_on": "2026-03-10", "reference": first["payment_reference"]},
                "pay1")
    assert paid.status_code == 201
    assert paid.json()["allocations"] == [{"invoice": first["number"], "amount": "31.90"},
                                          {"invoice": second["number"], "amount": "18.10"}]

    balance = http.get(f"/accounts/{account}/balance").json()
    assert balance["balance"] == "25.90" and balance["credit"] == "0.00"
    assert balance["next_due_date"] == "2026-03-16" and balance["overdue"] == "0.00"

    items = http.get(f"/accounts/{account}/open-items").json()
    assert [(i["document_number"], i["open_amount"]) for i in items] == [(second["number"], "25.90")]

    reversed_ = post(http, f"/accounts/{account}/payments/{paid.json()['payment_id']}/reversal",
                     {"reason": "returned by the bank"}, "rev1")
    assert reversed_.status_code == 201
    statement = http.get(f"/accounts/{account}/statement").json()
    assert [line["amount"] for line in statement] == ["31.90", "44.00", "-50.00", "50.00"]
    assert [line["running_balance"] for line in statement] == ["31.90", "75.90", "25.90", "75.90"]
    assert http.get(f"/accounts/{account}/balance").json()["balance"] == "75.90"


def test_journal_pages_by_cursor_in_jsonl_and_csv(http: TestClient) -> None:
    account = _customer(http)
    _invoice(http, account, "i1")
    _invoice(http, account, "i2")
    http.headers.update(bearer("accounting"))  # the accounting system pulls the journal
    page = http.get("/journal", params={"since": 0, "limit": 4})
    assert page.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in page.text.splitlines()]
    assert [x["cursor"] for x in lines] == [1, 2, 3, 4]
    assert page.headers["X-Next-Cursor"] == "4"
    rest = http.get("/journal", params={"since": 4, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(rest.text)))
    assert [int(r["cursor"]) for r in rows] == [5, 6]
    second_invoice = [lines[3], *rows]  # the entry straddles the two pages and still balances
    assert {r["document"] for r in second_invoice} == {lines[3]["document"]}
    assert sum(Decimal(r["debit"]) - Decimal(r["credit"]) for r in second_invoice) == 0
    everything = [json.loads(x) for x in http.get("/journal").text.splitlines()]
    debits = sum(int(x["debit"].replace(".", "")) for x in everything)
    credits = sum(int(x["credit"].replace(".", "")) for x in everything)
    assert debits == credits == 2 * 3190


def test_idempotency_key_replays_the_same_response(http: TestClient, services: Services) -> None:
    account = _customer(http)
    first = post(http, f"/accounts/{account}/payments", {"amount": "10.00", "received_on": "2026-03-01"},
                 "same")
    position = services.app.recorder.max_notification_id()
    again = post(http, f"/accounts/{account}/payments", {"amount": "10.00", "received_on": "2026-03-01"},
                 "same")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert services.app.recorder.max_notification_id() == position
    other = post(http, f"/accounts/{account}/payments", {"amount": "11.00", "received_on": "2026-03-01"},
                 "same")
    assert other.status_code == 409 and other.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(("path", "body", "status", "field"), [
    ("/accounts/{account}/payments", {"amount": "-1.00", "received_on": "2026-03-01"}, 422, "amount"),
    ("/accounts/{account}/payments", {"amount": "1.001", "received_on": "2026-03-01"}, 422, "amount"),
    ("/accounts/{account}/payments", {"amount": 12.5, "received_on": "2026-03-01"}, 422, "amount"),
    ("/accounts/{account}/payments", {"amount": "1.00", "received_on": "2026-03-01", "currency": "NOK"},
     422, "currency"),
    ("/accounts/00000000-0000-0000-0000-000000000000/payments",
     {"amount": "1.00", "received_on": "2026-03-01"}, 404, "account_id"),
    ("/partners", {"name": "X", "tax_ids": [{"scheme": "it.codicefiscale", "value": "RSSMRA85T10A562X"}]},
     422, "tax_ids[0].value"),
    ("/accounts/{account}/invoices", {"lines": [{"description": "x", "component": "energy",
                                                 "quantity": "1", "unit": "kWh", "unit_price": "abc",
                                                 "vat_rate": "22"}]}, 422, "lines.0.unit_price"),
])
def test_bad_input_is_a_problem_document_and_writes_nothing(http: TestClient, services: Services, path: str,
                                                             body: dict[str, Any], status: int,
                                                             field: str) -> None:
    account = _customer(http)
    position = services.app.recorder.max_notification_id()
    response = post(http, path.format(account=account), body, "bad")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    assert [e["field"] for e in problem["errors"]] == [field]
    assert services.app.recorder.max_notification_id() == position


def test_missing_idempotency_key_is_refused(http: TestClient) -> None:
    response = http.post("/partners", json={"name": "No Key"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


def test_unknown_account_reads_are_404_problems(http: TestClient) -> None:
    for path in ("balance", "open-items", "statement"):
        response = http.get(f"/accounts/00000000-0000-0000-0000-000000000000/{path}")
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


def test_health_and_openapi(http: TestClient) -> None:
    health = http.get("/health").json()
    assert health["status"] == "ok" and health["store"] in ("sqlite", "postgresql")
    spec = http.get("/openapi.json").json()
    for path in ("/accounts/{account_id}/balance", "/accounts/{account_id}/open-items",
                 "/accounts/{account_id}/statement", "/journal", "/health"):
        assert path in spec["paths"]
