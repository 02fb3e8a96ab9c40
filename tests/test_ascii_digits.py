"""Amounts, quantities and prices are written in ASCII digits, and nothing else.

Python's ``Decimal`` and ``int`` read any Unicode decimal digit ("١٠.٠٠" is 10.00, "１０" is 10), and
so do regular expressions' ``\\d`` (pydantic's patterns included). A clerk never means Arabic-Indic or
full-width digits in a ledger: such a value is a pasted oddity, a spoofing attempt or a file in the
wrong encoding, and is refused naming the field, in requests and in every CSV importer alike.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from api.deps import parse_decimal
from importers.bank import BankFileError, read_csv
from importers.bank._values import parse_date, parse_signed_amount, parse_unsigned_amount
from importers.meter_csv import decimal_value
from ledger.billing.rating import TariffError, TariffVersion
from ledger.core.errors import InvalidInput
from ledger.core.money import MoneyError, parse_amount
from ledger.core.numbers import ascii_decimal, ascii_int
from tests.auth import api_client, bearer, new_key

#: Ten, in Arabic-Indic, full-width, Extended Arabic-Indic (Persian) and Devanagari digits.
TENS = ("١٠.٠٠", "１０.００", "۱۰.۰۰", "१०.००")
PROBLEM = "application/problem+json"


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services, "finance") as client:
        yield client


def _refused(http: TestClient, path: str, body: dict[str, Any], field: str) -> None:
    as_admin = bearer("admin") if path == "/tariffs" else {}  # tariffs are configuration
    response = http.post(path, json=body, headers={"Idempotency-Key": uuid.uuid4().hex, **as_admin})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


def _account(http: TestClient) -> str:
    partner = http.post("/partners", json={"name": "Laia Puig"}, headers={"Idempotency-Key": "p"})
    account = http.post("/accounts", json={"partner_id": partner.json()["partner_id"], "name": "Casa"},
                        headers={"Idempotency-Key": "a"})
    assert account.status_code == 201, account.text
    return str(account.json()["account_id"])


# --- the primitives ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", TENS)
def test_python_reads_these_as_ten_and_saldo_does_not(text: str) -> None:
    assert Decimal(text) == 10  # why this file exists
    with pytest.raises(InvalidOperation):
        ascii_decimal(text)
    with pytest.raises(ValueError):
        ascii_int(text.split(".")[0])
    with pytest.raises(InvalidInput) as caught:
        parse_decimal(text, "lines[0].quantity")
    assert caught.value.field == "lines[0].quantity"
    with pytest.raises(MoneyError):
        parse_amount(text)
    assert parse_signed_amount(text) is None and parse_unsigned_amount(text) is None
    with pytest.raises(InvalidOperation):
        decimal_value(text)


def test_ascii_numbers_still_read() -> None:
    assert ascii_decimal("-12.50") == Decimal("-12.50") and ascii_int("15") == 15
    assert parse_decimal("0.1234", "unit_price") == Decimal("0.1234")
    assert parse_signed_amount("-12.50") == Decimal("-12.50")


def test_a_date_in_other_digits_is_not_a_date() -> None:
    assert parse_date("٢٠٢٤-٠٢-٢٩") is None
    assert parse_date("2024-02-29") is not None


def test_a_tariff_price_in_other_digits_is_refused() -> None:
    version = {"schema": 1, "code": "HOME", "version_id": "v1", "valid_from": "2025-01-01", "valid_to": None,
               "currency": "EUR", "vat_rate": "١٠", "unit": "kWh",
               "components": [{"kind": "flat", "name": "energy", "price_per_unit": "0.20"}]}
    with pytest.raises(TariffError, match="vat_rate"):
        TariffVersion.from_dict(version)


# --- requests ---------------------------------------------------------------------------------------------

def test_payment_amounts_and_invoice_lines_in_other_digits_are_422_naming_the_field(http: TestClient) -> None:
    account = _account(http)
    line = {"description": "energia", "component": "energy", "quantity": "10", "unit": "kWh",
            "unit_price": "0.20", "vat_rate": "10"}
    for ten in TENS:
        _refused(http, f"/accounts/{account}/payments", {"amount": ten, "received_on": "2026-03-01"},
                 "amount")
        for name in ("quantity", "unit_price", "vat_rate"):
            _refused(http, f"/accounts/{account}/invoices", {"lines": [dict(line, **{name: ten})]},
                     f"lines.0.{name}")
        _refused(http, f"/accounts/{account}/instalment-plans",
                 {"invoice_numbers": ["X"], "instalments": 2, "first_due": "2026-04-01",
                  "custom_amounts": [ten, "1.00"]}, "custom_amounts.0")
        _refused(http, f"/accounts/{account}/instalment-plans",
                 {"invoice_numbers": ["X"], "instalments": 2, "first_due": "2026-04-01",
                  "interest_rate": ten}, "interest_rate")
    assert http.get(f"/accounts/{account}/balance").json()["balance"] == "0.00"  # nothing was booked


def test_readings_curves_and_prices_in_other_digits_are_422_naming_the_field(http: TestClient) -> None:
    for ten in TENS:
        reading = {"supply_point": "IT001E12345678", "read_on": "2026-01-31", "index": ten}
        _refused(http, "/readings", {"readings": [reading]}, "readings.0.index")
        _refused(http, "/readings", {"readings": [dict(reading, index="1", multiplier=ten)]},
                 "readings.0.multiplier")
        _refused(http, "/load-curves", {"supply_point": "IT001E12345678",
                                        "points": [{"start": "2026-01-01T00:00:00+01:00", "value": ten}]},
                 "points.0.value")
        _refused(http, "/spot-prices", {"index": "IT-PUN", "start": "2026-01-01T00:00:00+01:00",
                                        "prices": [ten]}, "prices.0")
        _refused(http, "/contracts/6f1c1a52-7d5e-4c1e-9a43-2f0b8f0a1b2c/self-readings",
                 {"read_on": "2026-01-31", "index": ten}, "index")
        version = {"schema": 1, "code": "HOME", "version_id": "v1", "valid_from": "2025-01-01",
                   "valid_to": None, "currency": "EUR", "vat_rate": "10", "unit": "kWh",
                   "components": [{"kind": "flat", "name": "energy", "price_per_unit": ten}]}
        _refused(http, "/tariffs", {"version": version}, "version")


def test_a_query_number_in_other_digits_is_422_naming_it(http: TestClient) -> None:
    response = http.get("/worklist", params={"limit": "١٠"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.limit"]


# --- files ------------------------------------------------------------------------------------------------

BANK_HEADER = ("booking_date,value_date,amount,currency,debtor_name,debtor_iban,reference,remittance,"
               "bank_reference")


@pytest.mark.parametrize("ten", TENS)
def test_a_bank_csv_amount_in_other_digits_names_line_and_column(ten: str) -> None:
    data = io.BytesIO(f"{BANK_HEADER}\n2024-02-29,,{ten},EUR,Maija,,,,B1\n".encode())
    with pytest.raises(BankFileError) as caught:
        read_csv(data, "bank.csv").read_all()
    assert "line 2, column amount" in str(caught.value)


def test_a_bank_csv_date_in_other_digits_names_line_and_column() -> None:
    data = io.BytesIO(f"{BANK_HEADER}\n٢٠٢٤-٠٢-٢٩,,10.00,EUR,Maija,,,,B1\n".encode())
    with pytest.raises(BankFileError) as caught:
        read_csv(data, "bank.csv").read_all()
    assert "line 2, column booking_date" in str(caught.value)


def _upload(http: TestClient, path: str, name: str, text: str) -> Any:
    return http.post(path, files={"file": (name, text.encode("utf-8"), "text/csv")}, headers=new_key())


def test_reading_and_curve_files_in_other_digits_are_422_naming_line_and_column(http: TestClient) -> None:
    for ten in TENS:
        readings = f"supply_point,read_on,index,digits\nIT001E12345678,2026-01-31,{ten},6\n"
        response = _upload(http, "/readings/files", "letture.csv", readings)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["line 2, column index"]
        digits = "supply_point,read_on,index,digits\nIT001E12345678,2026-01-31,10,６\n"
        response = _upload(http, "/readings/files", "letture.csv", digits)
        assert [e["field"] for e in response.json()["errors"]] == ["line 2, column digits"]
        curve = f"supply_point,interval_start,value\nIT001E12345678,2026-01-01T00:00:00+01:00,{ten}\n"
        response = _upload(http, "/readings/files", "curva.csv", curve)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["line 2, column value"]
        resolution = ("supply_point,interval_start,value,resolution_min\n"
                      "IT001E12345678,2026-01-01T00:00:00+01:00,1,１５\n")
        response = _upload(http, "/readings/files", "curva.csv", resolution)
        assert [e["field"] for e in response.json()["errors"]] == ["line 2, column resolution_min"]


def test_a_bank_csv_upload_in_other_digits_is_422_and_books_nothing(http: TestClient) -> None:
    row = "2024-02-29,,١٠.٠٠,EUR,M,,,,B1"
    response = _upload(http, "/bank/statements", "bank.csv", f"{BANK_HEADER}\n{row}\n")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "column amount" in response.json()["detail"]
