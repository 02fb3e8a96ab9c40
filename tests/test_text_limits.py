"""Every text a client can send has a named upper bound, and a longer one is a 422 naming the field.

The OpenAPI document is walked, so a new request field without a bound fails here: each string in a
request body (properties, list items, nested bodies) and each query or header parameter has a
``maxLength``, or is an enum, or has a format that bounds it (a date, a UUID, an uploaded file, whose
size the upload limit bounds). The bounds are the named constants of :mod:`api.schemas.limits`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services, build
from api.http import create_app
from api.schemas import limits as t
from tests.auth import api_client, new_key

#: Formats whose values are bounded by what they are; an uploaded file (``contentMediaType`` in OpenAPI
#: 3.1, ``format: binary`` in 3.0) is bounded by the upload size limit.
BOUNDED_FORMATS = {"date", "date-time", "uuid", "binary"}


def _document(tmp_path: Path) -> dict[str, Any]:
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        return create_app(svc).openapi()
    finally:
        svc.close()


def _unbounded(node: Any, where: str, schemas: dict[str, Any], seen: set[str]) -> Iterator[str]:
    """The paths of string values under ``node`` that have no bound."""
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _unbounded(schemas[name], name, schemas, seen | {name})
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from _unbounded(option, where, schemas, seen)
    bounded = ("maxLength" in node or "enum" in node or "const" in node or "contentMediaType" in node
               or node.get("format") in BOUNDED_FORMATS)
    if node.get("type") == "string" and not bounded:
        yield where
    for name, prop in node.get("properties", {}).items():
        yield from _unbounded(prop, f"{where}.{name}", schemas, seen)
    if "items" in node:
        yield from _unbounded(node["items"], f"{where}[]", schemas, seen)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _unbounded(node["additionalProperties"], f"{where}{{}}", schemas, seen)


def test_every_string_a_client_sends_has_a_bound(tmp_path: Path) -> None:
    document = _document(tmp_path)
    schemas = document["components"]["schemas"]
    unbounded: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            name = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":  # path segments: UUIDs, or bounded by the URL itself
                    unbounded += _unbounded(parameter["schema"], f"{name} {parameter['name']}", schemas,
                                            set())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded(content["schema"], name, schemas, set())
    assert sorted(set(unbounded)) == []


def test_the_walk_finds_an_unbounded_string() -> None:
    schemas = {"Body": {"type": "object", "properties": {
        "free": {"type": "string"}, "kind": {"type": "string", "enum": ["a"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]},
        "day": {"type": "string", "format": "date"}}}}
    assert sorted(_unbounded({"$ref": "#/components/schemas/Body"}, "", schemas, set())) == [
        "Body.free", "Body.tags[]"]


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services, "finance") as client:
        yield client


def _post(http: TestClient, path: str, body: dict[str, Any]) -> Any:
    return http.post(path, json=body, headers={"Idempotency-Key": uuid.uuid4().hex})


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in response.json()["errors"]]


def test_a_text_one_character_over_its_limit_is_422_naming_the_field(http: TestClient) -> None:
    partner = {"name": "Mario Rossi", "email": "mario.rossi@example.it",
               "address": {"street": "Via Roma 1", "postcode": "98122", "town": "Messina", "country": "IT"}}
    assert _fields(_post(http, "/partners", dict(partner, name="x" * (t.MAX_NAME_LENGTH + 1)))) == ["name"]
    long_mail = "m" * t.MAX_EMAIL_LENGTH + "@example.it"
    assert _fields(_post(http, "/partners", dict(partner, email=long_mail))) == ["email"]
    street = dict(partner["address"], street="x" * (t.MAX_STREET_LENGTH + 1))  # type: ignore[arg-type]
    assert _fields(_post(http, "/partners", dict(partner, address=street))) == ["address.street"]
    created = _post(http, "/partners", partner)
    assert created.status_code == 201, created.text  # at the limits, and below, all is well
    at_limit = dict(partner, name="x" * t.MAX_NAME_LENGTH)
    assert _post(http, "/partners", at_limit).status_code == 201
    account = _post(http, "/accounts", {"partner_id": created.json()["partner_id"], "name": "Casa"})
    account_id = account.json()["account_id"]
    payment = {"amount": "10.00", "received_on": "2026-03-01"}
    assert _fields(_post(http, f"/accounts/{account_id}/payments",
                         dict(payment, note="n" * (t.MAX_NOTE_LENGTH + 1)))) == ["note"]
    assert _fields(_post(http, f"/accounts/{account_id}/payments",
                         dict(payment, reference="R" * (t.MAX_REFERENCE_LENGTH + 1)))) == ["reference"]
    assert _fields(_post(http, f"/accounts/{account_id}/payments",
                         dict(payment, invoice_numbers=["N" * (t.MAX_REFERENCE_LENGTH + 1)]))) == [
        "invoice_numbers.0"]
    reason = "r" * (t.MAX_REASON_LENGTH + 1)
    assert _fields(_post(http, f"/accounts/{account_id}/payments/P1/reversal", {"reason": reason})) == [
        "reason"]
    line = {"description": "d" * (t.MAX_DESCRIPTION_LENGTH + 1), "component": "energy", "quantity": "1",
            "unit": "kWh", "unit_price": "1", "vat_rate": "10"}
    assert _fields(_post(http, f"/accounts/{account_id}/invoices", {"lines": [line]})) == [
        "lines.0.description"]
    refund = {"to_iban": "DE89370400440532013000", "to_name": "Max", "to_town": "t" * (t.MAX_TOWN_LENGTH + 1),
              "to_country": "DE", "reason": "overpaid"}
    assert _fields(_post(http, f"/worklist/{uuid.uuid4()}/refund", refund)) == ["to_town"]


def test_a_query_text_over_its_limit_is_422_naming_it(http: TestClient) -> None:
    response = http.post("/readings/files", params={"time_zone": "Z" * (t.MAX_TIME_ZONE_LENGTH + 1)},
                         files={"file": ("r.csv", b"supply_point,read_on,index\n")}, headers=new_key())
    assert _fields(response) == ["query.time_zone"]
