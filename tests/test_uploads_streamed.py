"""Uploads are spooled to disk and read from there: the statement and returns routes hand the importers
the temporary file, never its bytes, and a file read from a stream says exactly what its bytes say."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.routes.collections as collection_routes
import api.routes.payments as payment_routes
from api.bootstrap import Services
from importers.bank.reading import read_bank_file
from importers.sepa._reported import pain002_facts
from tests.auth import api_client, new_key

BANK = Path(__file__).parent / "importers" / "fixtures"
SEPA = Path(__file__).parent / "fixtures" / "sepa"
HEADER = "booking_date,value_date,amount,currency,debtor_name,debtor_iban,reference,remittance,bank_reference"
#: Past Starlette's spool size (1 MiB): the upload is on disk before the endpoint runs.
LARGE_BYTES = 3 * 1024 * 1024


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services, "finance") as client:
        yield client


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[tuple[bool, bool, int]]:
    """Wrap ``module.name``; record, per call, whether it got bytes, a file on disk, and the position."""
    seen: list[tuple[bool, bool, int]] = []
    real = getattr(module, name)

    def spy(svc: Services, data: Any, *args: Any, **kwargs: Any) -> Any:
        on_disk = isinstance(data, SpooledTemporaryFile) and data._rolled  # type: ignore[attr-defined]
        seen.append((isinstance(data, bytes), on_disk, data.tell()))
        return real(svc, data, *args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_a_large_statement_is_read_from_its_spooled_file(http: TestClient,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # one receipt, then blank lines (skipped by the reader) until the file is past the spool size
    content = (f"{HEADER}\n2026-03-02,,25.00,EUR,Maija,,,,B-1\n" + "\n" * LARGE_BYTES).encode()
    seen = _spy(monkeypatch, payment_routes, "import_statement")
    response = http.post("/bank/statements", files={"file": ("big.csv", content, "text/csv")},
                         headers=new_key())
    assert response.status_code == 201, response.text
    assert seen == [(False, True, 0)]  # a file on disk, at its start; never the bytes
    report = response.json()
    assert report["sha256"] == hashlib.sha256(content).hexdigest()  # the hash streamed over the whole file
    assert (report["entries"], report["amount_to_suspense"]) == (1, "25.00")
    again = http.post("/bank/statements", files={"file": ("big.csv", content, "text/csv")}, headers=new_key())
    assert again.status_code == 200 and again.json()["file_already_imported"] is True


def test_a_returns_file_is_read_from_its_spooled_file(http: TestClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _spy(monkeypatch, collection_routes.dd, "import_returns")
    content = (SEPA / "pain002_accepted_technical.xml").read_bytes()
    response = http.post("/direct-debit/returns", files={"file": ("status.xml", content, "application/xml")},
                         headers=new_key())
    assert response.status_code == 201, response.text
    assert seen == [(False, False, 0)]  # a small one stays in memory until 1 MiB, but as a file all the same


@pytest.mark.parametrize("name", ["camt053_v08.xml", "bank_comma.csv"])
def test_a_bank_file_read_from_a_stream_is_the_file_read_from_its_bytes(name: str) -> None:
    data = (BANK / name).read_bytes()
    assert read_bank_file(io.BytesIO(data), name) == read_bank_file(data, name)


def test_a_zip_archive_read_from_a_stream_is_the_archive_read_from_its_bytes() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("march.xml", (BANK / "camt053_v08.xml").read_bytes())
        bundle.writestr("march.csv", (BANK / "bank_comma.csv").read_bytes())
    data = buffer.getvalue()
    assert read_bank_file(io.BytesIO(data), "march.zip") == read_bank_file(data, "march.zip")


def test_a_pain002_read_from_a_stream_is_the_file_read_from_its_bytes() -> None:
    from datetime import date
    data = (SEPA / "pain002_block_rejected.xml").read_bytes()
    day = date(2026, 3, 1)
    assert pain002_facts(io.BytesIO(data), "s.xml", day) == pain002_facts(data, "s.xml", day)
