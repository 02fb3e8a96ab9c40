"""The simple CSV bank format: happy paths and bad rows with line numbers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from bankfile_helpers import FIXTURES

from importers.bank import BankFileError, read_csv
from ledger.payments.bank_entries import BankEntry, fingerprint_entries

HEADER = ("booking_date,value_date,amount,currency,debtor_name,debtor_iban,reference,remittance,"
          "bank_reference")


def _csv(*rows: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO("\n".join((header, *rows)).encode("utf-8") + b"\n")


def _error(data: io.BytesIO, **options: object) -> BankFileError:
    with pytest.raises(BankFileError) as caught:
        read_csv(data, "bank.csv", **options).read_all()  # type: ignore[arg-type]
    return caught.value


def test_comma_file() -> None:
    reader = read_csv(FIXTURES / "bank_comma.csv", account_iban="FI21 1234 5600 0007 85")
    entries = reader.read_all()
    assert reader.header.message_type == "csv"
    assert reader.header.account_iban == "FI2112345600000785"
    assert entries[0] == BankEntry(
        file_name="bank_comma.csv", statement_id="bank_comma.csv",
        account_iban="FI2112345600000785",
        entry_index=1, element_path="row[1]", line=2, amount=Decimal("150.00"), credit_debit="CRDT",
        currency="EUR", status="BOOK", booking_date=date(2024, 2, 29), value_date=date(2024, 2, 29),
        account_servicer_reference="BANK-0001", debtor_name="Maija Meikäläinen",
        debtor_iban="DE89370400440532013000", creditor_reference="RF18539007547034",
        creditor_reference_type="SCOR")
    second = entries[1]
    assert (second.value_date, second.creditor_reference, second.creditor_reference_type) == (
        None, "1231234", None)
    assert second.unstructured == ("Lasku, helmikuu 2024",)  # quoted delimiter
    refund = entries[2]
    # line 4 is blank: skipped, but counted
    assert (refund.line, refund.amount, refund.credit_debit) == (5, Decimal("45.00"), "DBIT")
    assert [e.entry_index for e in entries] == [1, 2, 3, 4, 5]


def test_identical_rows_get_occurrence_counters() -> None:
    entries = read_csv(FIXTURES / "bank_comma.csv").read_all()
    fingerprints = [fp for _, fp in fingerprint_entries(entries)]
    assert fingerprints[3].endswith("#1") and fingerprints[4].endswith("#2")
    assert fingerprints[3][:-2] == fingerprints[4][:-2]
    assert fingerprints[0] == "ref:-:BANK-0001"


def test_semicolon_file_with_bom_crlf_reordered_columns_and_multiline_field() -> None:
    first, second = read_csv(FIXTURES / "bank_semicolon.csv").read_all()
    assert (first.amount, first.currency, first.account_servicer_reference) == (
        Decimal("1234.56"), "CHF", "B-1")
    assert first.unstructured == ("QR-Rechnung\r\nMärz 2024",)
    assert first.creditor_reference == "210000000003139471430009017"
    assert (second.line, second.amount, second.credit_debit) == (4, Decimal("0.01"), "DBIT")


@pytest.mark.parametrize(("row", "location", "reason"), [
    ("2024-02-29,,12.5O,EUR,,,,,", "line 2, column amount", "unparsable amount '12.5O'"),
    ("2024-02-29,,\"1,50\",EUR,,,,,", "line 2, column amount", "unparsable amount '1,50'"),
    ("2024-02-29,,1e3,EUR,,,,,", "line 2, column amount", "unparsable amount '1e3'"),
    ("2024-02-29,,0.00,EUR,,,,,", "line 2, column amount",
     "amount is zero: neither a credit nor a debit"),
    ("2024-02-29,,,EUR,,,,,", "line 2, column amount", "missing amount"),
    ("2024-02-30,,1.00,EUR,,,,,", "line 2, column booking_date", "unparsable date '2024-02-30'"),
    (",,1.00,EUR,,,,,", "line 2, column booking_date", "missing booking_date"),
    ("2024-02-29,29.02.2024,1.00,EUR,,,,,", "line 2, column value_date",
     "unparsable date '29.02.2024'"),
    ("2024-02-29,,1.00,eur,,,,,", "line 2, column currency", "currency must be an ISO 4217 code"),
    ("2024-02-29,,1.00,EUR,,,,", "line 2", "expected 9 fields, found 8"),
])
def test_bad_rows_name_line_and_column(row: str, location: str, reason: str) -> None:
    error = _error(_csv(row))
    assert error.location == location
    assert error.reason.startswith(reason)
    assert str(error).startswith(f"bank.csv: {location}: {reason}")


def test_error_line_counts_blank_lines_and_multiline_fields() -> None:
    data = _csv("2024-02-29,,1.00,EUR,,,,\"two\nlines\",", "", "2024-02-29,,x,EUR,,,,,")
    assert _error(data).location == "line 5, column amount"


@pytest.mark.parametrize(("header", "reason"), [
    (HEADER.replace(",bank_reference", ""), "bad header row: missing bank_reference"),
    (HEADER + ",iban", "bad header row: unknown iban"),
    (HEADER + ",amount", "bad header row: duplicate column names"),
    ("", "bad header row: missing booking_date"),
])
def test_bad_header(header: str, reason: str) -> None:
    error = _error(_csv(header=header))
    assert error.location == "line 1"
    assert error.reason.startswith(reason)


def test_invalid_utf8_names_the_line() -> None:
    data = io.BytesIO(HEADER.encode() + b"\n2024-02-29,,1.00,EUR,M\xe4kinen,,,,\n")
    error = _error(data)
    assert (error.location, error.reason) == ("line 2", "not valid UTF-8")


def test_too_big() -> None:
    error = _error(_csv("2024-02-29,,1.00,EUR,,,,,"), max_bytes=10)
    assert error.reason == "file is larger than the limit of 10 bytes"


def test_rows_are_streamed() -> None:
    rows = (f"2024-02-29,,{n}.00,EUR,,,,,R{n}" for n in range(1, 5001))
    reader = iter(read_csv(_csv(*rows)))
    assert next(reader).account_servicer_reference == "R1"
    assert sum(1 for _ in reader) == 4999


def test_malformed_quoting_names_the_line() -> None:
    error = _error(_csv("2024-02-29,,1.00,EUR,,,,,", '2024-02-29,,1.00,EUR,"Kio"ski,,,,'))
    assert error.location == "line 3"
    assert error.reason.startswith("malformed CSV:")
