"""Finnish reference-payment files (viitesiirto, "KTL") read as camt is (issue 9, finding 7).

``tests/fixtures/bank/ktl/viitesiirto.ktl`` is built column by column to Finanssiala's record layout (see
the README there): two batches (two accounts), reference transfers (3), a direct payment (5), a
correction, an RF creditor reference, a Finnish name in ISO 8859-1.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from importers.bank import BankFileError
from importers.bank.formats import sniff
from importers.bank.ktl import looks_like_ktl, read_ktl
from ledger.payments.bank_entries import BankEntry

D = Decimal
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bank" / "ktl" / "viitesiirto.ktl"
APR1 = date(2026, 4, 1)


def records() -> list[str]:
    return FIXTURE.read_bytes().decode("latin-1").split("\r\n")


def with_record(line: int, text: str) -> bytes:
    """The fixture with record ``line`` (1-based) replaced by ``text`` (kept at 90 characters)."""
    lines = records()
    lines[line - 1] = text
    return "\r\n".join(lines).encode("latin-1")


def with_columns(line: int, first: int, value: str) -> bytes:
    record = records()[line - 1]
    return with_record(line, record[: first - 1] + value + record[first - 1 + len(value):])


def test_batches_become_statements_with_their_account() -> None:
    reader = read_ktl(FIXTURE)
    first, second = reader.statements
    assert (first.message_type, first.statement_id, first.account_iban, first.line) == (
        "ktl", "KTL-2604010630-001234567-1", "FI2112345600000785", 1)
    assert first.created_at == datetime(2026, 4, 1, 6, 30, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert (second.account_iban, second.opening_balance, second.closing_balance) == (
        "FI7815723500012349", None, None)
    assert len(reader.read_all()) == 7


def test_a_reference_payment_record() -> None:
    payment = read_ktl(FIXTURE).read_all()[0]
    assert payment == BankEntry(
        file_name="viitesiirto.ktl", statement_id="KTL-2604010630-001234567-1",
        account_iban="FI2112345600000785", entry_index=1, element_path="batch[1]/record[1]", line=2,
        amount=D("125.00"), credit_debit="CRDT", currency="EUR", status="BOOK", booking_date=APR1,
        value_date=APR1, account_servicer_reference="260401123456A001", debtor_name="VIRTANEN MAT",
        creditor_reference="10000016", creditor_reference_type="SCOR", bank_transaction_code="KTL/3/A")
    assert payment.fingerprint() == "ref:FI2112345600000785:260401123456A001"


def test_direct_payment_correction_rf_reference_and_latin1_name() -> None:
    entries = read_ktl(FIXTURE).read_all()
    direct, correction, makinen, rf = entries[2], entries[3], entries[4], entries[5]
    assert (direct.bank_transaction_code, direct.credit_debit) == ("KTL/5/A", "CRDT")
    assert (correction.credit_debit, correction.is_reversal, correction.amount) == ("DBIT", True, D("30.00"))
    assert (makinen.debtor_name, makinen.amount) == ("MÄKINEN LIIS", D("214.50"))
    assert (rf.creditor_reference, rf.account_iban, rf.debtor_name) == (
        "RF18539007547034", "FI7815723500012349", "HÄMÄLÄINEN J")


def test_the_summary_must_match_the_batch() -> None:
    with pytest.raises(BankFileError) as sum_off:
        read_ktl(io.BytesIO(with_columns(7, 8, "00000047441")), "v.ktl")
    assert sum_off.value.location == "line 7, columns 8-18 (sum of payments)"
    assert "the summary says 474.41 EUR, the records add up to 474.40 EUR" in sum_off.value.reason
    with pytest.raises(BankFileError) as count_off:
        read_ktl(io.BytesIO(with_columns(7, 19, "000002")), "v.ktl")
    assert count_off.value.location == "line 7, columns 19-24 (number of corrections)"


@pytest.mark.parametrize(("line", "first", "value", "where", "reason"), [
    (2, 78, "00000125,0", "columns 78-87 (amount)", "not a number of cents: '00000125,0'"),
    (2, 16, "261301", "columns 16-21 (booking date)", "not a date YYMMDD: '261301'"),
    (2, 44, "00000000000010000017", "columns 44-63 (reference)", "not a valid Finnish reference"),
    (2, 2, "12345600000786", "columns 2-15 (account)", "not a valid Finnish account number"),
    (2, 88, "7", "column 88 (correction)", "must be one of '0', '1', got '7'"),
    (2, 1, "4", "column 1 (record type)", "unknown record type '4'"),
])
def test_a_bad_field_is_refused_naming_line_and_columns(line: int, first: int, value: str, where: str,
                                                        reason: str) -> None:
    with pytest.raises(BankFileError) as refused:
        read_ktl(io.BytesIO(with_columns(line, first, value)), "v.ktl")
    assert refused.value.location == f"line {line}, {where}"
    assert reason in refused.value.reason


def test_a_cut_file_is_refused() -> None:
    lines = records()
    with pytest.raises(BankFileError, match=r"v.ktl: line 8: the batch has no summary record \(9\)"):
        read_ktl(io.BytesIO("\r\n".join(lines[:-2]).encode("latin-1")), "v.ktl")
    with pytest.raises(BankFileError, match=r"line 2: payment record of 60 characters"):
        read_ktl(io.BytesIO("\r\n".join([lines[0], lines[1][:60], *lines[2:]]).encode("latin-1")), "v.ktl")
    with pytest.raises(BankFileError, match=r"line 1: record of 91 characters"):
        read_ktl(io.BytesIO(("\r\n".join([lines[0] + "X", *lines[1:]])).encode("latin-1")), "v.ktl")


def test_the_file_is_recognised_and_others_are_not() -> None:
    assert looks_like_ktl(FIXTURE.read_bytes()) and sniff(FIXTURE.read_bytes()) == "ktl"
    assert not looks_like_ktl(b":20:STARTUMSE\r\n:25:DE02120300000000202051\r\n")
    assert not looks_like_ktl(b"booking_date,value_date,amount,currency\n2026-04-01,,1.00,EUR\n")
