"""Request bodies have a size limit per kind of route, checked before and while they are read; a body over
it is a 413 problem document naming the limit, and nothing of it is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, UploadFile
from fastapi.testclient import TestClient

from api import body_limits as b
from api.bootstrap import Services, build
from api.http import create_app
from api.schemas.billing import MAX_JSON_ITEMS
from tests.auth import api_client

PROBLEM = "application/problem+json"


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services, "finance") as client:
        yield client


def _assert_413(response: Any, limit: b.BodyLimit, *, hardened: bool = True) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "/problems/body-too-large"
    assert limit.name in body["detail"] and str(limit.max_bytes) in body["detail"]
    assert body["errors"] == [{"field": "body", "reason": f"at most {limit.max_bytes} bytes ({limit.name})"}]
    assert response.headers.get("x-content-type-options") == ("nosniff" if hardened else None)


def _partner(name_bytes: int) -> bytes:
    return json.dumps({"name": "Mario Rossi", "kind": "person", "language": "it",
                       "tax_ids": [], "email": None, "address": None,
                       "padding": "x" * name_bytes}).encode()


def _chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_a_json_body_over_the_limit_is_413_up_front_and_records_nothing(
        http: TestClient, services: Services) -> None:
    before = services.app.recorder.max_notification_id()
    body = _partner(b.MAX_JSON_BODY_BYTES)
    response = http.post("/partners", content=body, headers={
        "Idempotency-Key": "p", "Content-Type": "application/json"})
    _assert_413(response, b.JSON_BODY)
    assert services.app.recorder.max_notification_id() == before


def test_a_chunked_json_body_is_counted_while_it_streams(http: TestClient, services: Services) -> None:
    before = services.app.recorder.max_notification_id()
    response = http.post("/partners", content=_chunks(_partner(b.MAX_JSON_BODY_BYTES)), headers={
        "Idempotency-Key": "p", "Content-Type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"  # no Content-Length to trust
    _assert_413(response, b.JSON_BODY)
    assert services.app.recorder.max_notification_id() == before


def test_a_body_under_the_limit_goes_through(http: TestClient) -> None:
    small = http.post("/partners", content=_chunks(json.dumps({"name": "Mario Rossi"}).encode(), 4),
                      headers={"Idempotency-Key": "p", "Content-Type": "application/json"})
    assert small.status_code == 201, small.text


def test_the_largest_json_list_a_request_may_carry_fits_the_json_limit() -> None:
    reading = {"supply_point": "IT001E12345678901", "read_on": "2026-01-31", "index": "123456789.123456",
               "source": "self-reading", "multiplier": "1", "digits": 9, "supersedes": None,
               "note": "letto dal cliente, foto allegata al ticket 12345"}
    body = json.dumps({"readings": [reading] * MAX_JSON_ITEMS}).encode()
    assert len(body) < b.MAX_JSON_BODY_BYTES


def test_a_file_sent_to_a_json_route_meets_the_json_limit(http: TestClient) -> None:
    response = http.post("/partners", files={"file": ("big.bin", b"x" * (b.MAX_JSON_BODY_BYTES + 1))},
                         headers={"Idempotency-Key": "p"})
    _assert_413(response, b.JSON_BODY)


def test_each_upload_route_declares_its_limit_in_the_openapi_document(tmp_path: Path) -> None:
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        paths = create_app(svc).openapi()["paths"]
    finally:
        svc.close()
    declared = {path: (operation[b.NAME_EXTENSION], operation[b.BYTES_EXTENSION])
                for path, item in paths.items() for operation in item.values()
                if b.BYTES_EXTENSION in operation}
    assert declared == {
        "/bank/statements": ("MAX_STATEMENT_UPLOAD_BYTES", b.MAX_STATEMENT_UPLOAD_BYTES),
        "/direct-debit/returns": ("MAX_RETURNS_UPLOAD_BYTES", b.MAX_RETURNS_UPLOAD_BYTES),
        "/readings/files": ("MAX_READINGS_UPLOAD_BYTES", b.MAX_READINGS_UPLOAD_BYTES),
    }
    assert all(limit > b.MAX_JSON_BODY_BYTES for _, limit in declared.values())


# The upload limits are hundreds of MiB; their mechanism is tested on a route with a small one.
SMALL = b.BodyLimit("MAX_TEST_UPLOAD_BYTES", 256 * 1024)


@pytest.fixture
def uploads() -> Iterator[TestClient]:
    app = FastAPI()

    @app.post("/upload", openapi_extra=b.upload_limit(SMALL.name, SMALL.max_bytes))
    def upload(file: UploadFile) -> dict[str, Any]:
        return {"bytes": len(file.file.read())}

    @app.post("/json")
    def json_body(body: dict[str, Any]) -> dict[str, Any]:
        return {"keys": len(body)}

    b.install_body_limits(app)
    with TestClient(app) as client:
        yield client


def test_an_upload_route_takes_a_file_up_to_its_own_limit(uploads: TestClient) -> None:
    ok = uploads.post("/upload", files={"file": ("f.csv", b"x" * (SMALL.max_bytes - 1024))})
    assert ok.status_code == 200 and ok.json() == {"bytes": SMALL.max_bytes - 1024}
    _assert_413(uploads.post("/upload", files={"file": ("f.csv", b"x" * SMALL.max_bytes)}), SMALL,
                hardened=False)
    big = uploads.post("/json", json={"x": "y" * b.MAX_JSON_BODY_BYTES})
    _assert_413(big, b.JSON_BODY, hardened=False)


def test_a_chunked_upload_is_cut_off_at_its_limit(uploads: TestClient) -> None:
    boundary = "limit-test"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    body = head + b"x" * (2 * SMALL.max_bytes) + f"\r\n--{boundary}--\r\n".encode()
    response = uploads.post("/upload", content=_chunks(body),
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    _assert_413(response, SMALL, hardened=False)
