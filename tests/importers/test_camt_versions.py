"""Each camt fixture reads to the expected records; version differences are invisible to callers."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from bankfile_helpers import FIXTURES, line_of

from importers.bank import BalanceCheck, BankFileError, read_camt
from ledger.payments.bank_entries import BankEntry, ReferredDocument, StatementPeriod, fingerprint_entries

D = Decimal
FEB29 = date(2024, 2, 29)


def _read(name: str) -> list[BankEntry]:
    return read_camt(FIXTURES / name).read_all()


# --- camt.053.001.08 -----------------------------------------------------------------------------


def test_v08_headers_and_statement_boundaries() -> None:
    reader = read_camt(FIXTURES / "camt053_v08.xml")
    first = reader.header  # available before iterating
    assert (reader.message_type, reader.version) == ("camt.053", "001.08")
    assert first.file_name == "camt053_v08.xml"
    assert first.message_id == "CAMT053-20240229-0001"
    assert first.statement_id == "STMT-20240229-EUR"
    assert first.statement_index == 1
    assert first.account_iban == "FI2112345600000785"
    assert first.currency == "EUR"
    assert (first.opening_balance, first.closing_balance) == (D("1000.00"), D("1710.00"))
    assert first.created_at == datetime(2024, 3, 1, 6, 0, tzinfo=timezone(timedelta(hours=2)))
    assert first.line == line_of("camt053_v08.xml", "<Stmt>")
    entries = list(reader)
    assert len(entries) == 12  # 9 entries, one of them a batch of 3
    second = reader.statements[1]
    assert (second.statement_id, second.account_iban, second.currency) == (
        "STMT-20240229-CHF", "CH9300762011623852957", "CHF")
    # PRCD stands in for the missing OPBD; a DBIT balance is negative
    assert (second.opening_balance, second.closing_balance) == (D("-200.00"), D("150.00"))
    assert reader.header == second
    assert [e.statement_id for e in entries].count("STMT-20240229-EUR") == 11
    assert entries[-1].statement_id == "STMT-20240229-CHF"
    assert entries[-1].account_iban == "CH9300762011623852957"


def test_v08_rf_reference_entry() -> None:
    rf = _read("camt053_v08.xml")[0]
    assert rf == BankEntry(
        file_name="camt053_v08.xml", statement_id="STMT-20240229-EUR",
        account_iban="FI2112345600000785", entry_index=1, element_path="Stmt[1]/Ntry[1]",
        line=line_of("camt053_v08.xml", "<Ntry>", 1), amount=D("150.00"), credit_debit="CRDT",
        currency="EUR", status="BOOK", booking_date=FEB29, value_date=FEB29,
        account_servicer_reference="ASR-20240229-0001", entry_reference="0001",
        end_to_end_id="E2E-INV-1001", debtor_name="Maija Meikäläinen",
        debtor_iban="DE89370400440532013000", creditor_reference="RF18539007547034",
        creditor_reference_type="SCOR", bank_transaction_code="PMNT/RCDT/ESCT",
        statement_period=StatementPeriod(datetime(2024, 2, 28, 22, tzinfo=UTC),
                                         datetime(2024, 2, 29, 21, 59, 59, tzinfo=UTC)))
    assert rf.fingerprint() == "ref:FI2112345600000785:ASR-20240229-0001"


def test_v08_finnish_reference_with_booking_timestamp() -> None:
    fi = _read("camt053_v08.xml")[1]
    assert (fi.amount, fi.creditor_reference, fi.creditor_reference_type) == (
        D("89.90"), "1231234", "SCOR")
    assert fi.booking_date == FEB29  # from BookgDt/DtTm
    assert fi.end_to_end_id is None  # NOTPROVIDED
    assert (fi.debtor_name, fi.debtor_iban) == ("Matti Virtanen", "AT611904300234573201")


def test_v08_unstructured_lines_and_referred_documents() -> None:
    entry = _read("camt053_v08.xml")[2]
    assert entry.unstructured == ("Fatture 2024-000123 e 2024-000124", "Cliente 4711", "Grazie")
    assert entry.referred_documents == (ReferredDocument("2024-000123", D("120.50")),
                                        ReferredDocument("2024-000124", D("110.00")))
    assert entry.creditor_reference is None
    assert entry.debtor_name == "Rossi & Figli S.r.l."


def test_v08_batch_entry_becomes_one_record_per_transaction() -> None:
    batch = [e for e in _read("camt053_v08.xml") if e.entry_index == 4]
    assert [e.amount for e in batch] == [D("100.00"), D("120.00"), D("80.00")]
    assert all(e.batch and e.account_servicer_reference == "ASR-20240229-0004" for e in batch)
    assert [e.tx_index for e in batch] == [1, 2, 3]
    assert [e.element_path for e in batch] == [
        f"Stmt[1]/Ntry[4]/NtryDtls/TxDtls[{n}]" for n in (1, 2, 3)]
    assert [e.line for e in batch] == [line_of("camt053_v08.xml", "<TxDtls>", n) for n in (4, 5, 6)]
    assert [e.end_to_end_id for e in batch] == [f"DD-2024-02-00000{n}" for n in (1, 2, 3)]
    assert [e.mandate_id for e in batch] == ["MNDT-000001", "MNDT-000002", "MNDT-000003"]
    assert [e.debtor_iban for e in batch] == [
        "NL91ABNA0417164300", "ES9121000418450200051332", "FR1420041010050500013M02606"]
    assert {e.bank_transaction_code for e in batch} == {"PMNT/IDDT/ESDD"}
    assert [e.fingerprint() for e in batch] == [
        "ref:FI2112345600000785:ASR-20240229-0004/1",
        "ref:FI2112345600000785:ASR-20240229-0004-B",  # the transaction's own AcctSvcrRef
        "ref:FI2112345600000785:ASR-20240229-0004/3"]


def test_v08_debit_and_return() -> None:
    entries = _read("camt053_v08.xml")
    refund, returned = entries[6], entries[7]
    assert (refund.credit_debit, refund.amount, refund.is_reversal) == ("DBIT", D("45.00"), False)
    assert (refund.creditor_name, refund.creditor_iban) == (
        "Liisa Korhonen", "GB29NWBK60161331926819")
    assert refund.debtor_name is None
    assert refund.bank_transaction_code == "PMNT/ICDT/ESCT"
    assert (returned.credit_debit, returned.amount, returned.is_reversal) == (
        "DBIT", D("65.40"), True)
    assert returned.bank_transaction_code == "PMNT/IDDT/UPDD"
    assert returned.return_reason == "AM04"
    assert (returned.end_to_end_id, returned.mandate_id) == ("DD-2024-01-000999", "MNDT-000009")
    assert returned.value_date == date(2024, 2, 27)
    assert returned.signed_amount == D("-65.40")


def test_v08_identical_entries_get_occurrence_counters() -> None:
    entries = _read("camt053_v08.xml")
    twins = entries[8], entries[9]
    assert twins[0].account_servicer_reference is None
    assert twins[0].fingerprint() == twins[1].fingerprint()
    assert twins[0].fingerprint().startswith("sha256:")
    fingerprints = dict((e.element_path, fp) for e, fp in fingerprint_entries(entries))
    assert fingerprints["Stmt[1]/Ntry[7]"] == twins[0].fingerprint() + "#1"
    assert fingerprints["Stmt[1]/Ntry[8]"] == twins[0].fingerprint() + "#2"
    assert len(set(fingerprints.values())) == len(entries)


def test_v08_pending_entry_and_foreign_currency_statement() -> None:
    entries = _read("camt053_v08.xml")
    pending, qrr = entries[10], entries[11]
    assert (pending.status, pending.booking_date, pending.amount) == ("PDNG", None, D("500.00"))
    assert (qrr.currency, qrr.amount, qrr.element_path) == ("CHF", D("350.00"), "Stmt[2]/Ntry[1]")
    assert (qrr.creditor_reference, qrr.creditor_reference_type) == (
        "210000000003139471430009017", "QRR")
    assert qrr.bank_transaction_code == "PMNT/RCDT/DMCT"


def test_v08_balance_checks() -> None:
    reader = read_camt(FIXTURES / "camt053_v08.xml")
    assert reader.check_balances() == (
        BalanceCheck("STMT-20240229-EUR", "EUR", D("1000.00"), D("710.00"), D("1710.00")),
        BalanceCheck("STMT-20240229-CHF", "CHF", D("-200.00"), D("350.00"), D("150.00")))
    assert len(reader.read_all()) == 12  # entries stay available after the check


# --- camt.053.001.04 and .02 ----------------------------------------------------------------------


def test_v04_entries() -> None:
    reader = read_camt(FIXTURES / "camt053_v04.xml")
    rf, fi, returned = list(reader)
    assert (reader.version, reader.header.account_iban) == ("001.04", "DE02120300000000202051")
    assert (rf.debtor_name, rf.creditor_reference) == ("Maija Meikäläinen", "RF18539007547034")
    assert (fi.creditor_reference, fi.unstructured, fi.booking_date) == (
        "1232", ("Lasku helmikuu 2024",), FEB29)
    assert (returned.is_reversal, returned.return_reason, returned.debtor_name) == (
        True, "AM04", "Pekka Nieminen")
    assert reader.check_balances()[0].closing_balance == D("596.94")


def test_v02_batch_amounts_come_from_amount_details() -> None:
    entries = _read("camt053_v02.xml")
    batch = [e for e in entries if e.batch]
    assert [(e.amount, e.debtor_name, e.mandate_id) for e in batch] == [
        (D("10.00"), "Giulia Bianchi", "MNDT-V02-1"),
        (D("20.00"), "Marco Verdi", "MNDT-V02-2"),
        (D("30.00"), "Sara Neri", "MNDT-V02-3")]
    fee = entries[-1]
    assert (fee.amount, fee.credit_debit, fee.bank_transaction_code, fee.batch) == (
        D("2.50"), "DBIT", "ACMT/MDOP/CHRG", False)
    assert fee.end_to_end_id is None and fee.unstructured == ()


@pytest.mark.parametrize("name", ["camt053_v02.xml", "camt053_v04.xml"])
def test_same_payment_reads_the_same_in_v02_v04_and_v08(name: str) -> None:
    """v02 Sts text vs v08 Sts/Cd, Dbtr/Nm vs Dbtr/Pty/Nm, TxAmt vs Amt: same record."""
    old, new = _read(name)[0], _read("camt053_v08.xml")[0]
    position = {"file_name": "x", "statement_id": "x", "account_iban": "x", "line": 0,
                "account_servicer_reference": "x", "statement_period": None}
    assert replace(old, **position) == replace(new, **position)  # type: ignore[arg-type]


# --- camt.054 -------------------------------------------------------------------------------------


def test_054_v02_return_and_free_text_credit() -> None:
    reader = read_camt(FIXTURES / "camt054_v02.xml")
    returned, credit = list(reader)
    assert (reader.message_type, reader.version) == ("camt.054", "001.02")
    header = reader.header
    assert (header.statement_id, header.element_path) == ("NTFCTN-V02-20240229-01", "Ntfctn[1]")
    assert header.opening_balance is None and header.closing_balance is None
    assert (returned.element_path, returned.return_reason, returned.is_reversal) == (
        "Ntfctn[1]/Ntry[1]", "AM04", True)
    assert returned.amount == D("65.40")  # the entry amount (v02 TxAmt agrees)
    assert credit.unstructured == ("Viite 1232", "Asiakasnumero 5555")
    assert credit.creditor_reference is None and credit.debtor_name == "Ville Mäkinen"
    assert reader.check_balances() == ()  # notifications carry no balances


def test_054_v08_batch_details_info_entry_and_timestamps() -> None:
    entries = _read("camt054_v08.xml")
    assert [e.amount for e in entries] == [
        D("100.00"), D("120.00"), D("80.00"), D("77.70"), D("10.00")]
    rf, info = entries[3], entries[4]
    assert rf.tx_account_servicer_reference == "TX-20240229-0102"
    assert rf.fingerprint() == "ref:FI2112345600000785:TX-20240229-0102"
    assert rf.unstructured == ("RF18 5390 0754 7034",)
    assert rf.booking_date == FEB29
    assert (info.status, info.bank_transaction_code, info.credit_debit) == (
        "INFO", "FUTURE-DD", "DBIT")


def test_054_and_053_report_the_same_movements_with_the_same_fingerprints() -> None:
    statement = {e.fingerprint() for e in _read("camt053_v08.xml")}
    notified = [e.fingerprint() for e in _read("camt054_v08.xml")[:3]]
    notified += [_read("camt054_v02.xml")[0].fingerprint()]
    assert set(notified) <= statement


# --- sources -------------------------------------------------------------------------------------


def test_reads_from_a_binary_stream() -> None:
    data = (FIXTURES / "camt053_v04.xml").read_bytes()
    reader = read_camt(io.BytesIO(data), "upload.xml")
    assert [e.file_name for e in reader] == ["upload.xml"] * 3


def test_unnamed_stream_and_context_manager() -> None:
    data = (FIXTURES / "camt054_v02.xml").read_bytes()
    with read_camt(io.BytesIO(data)) as reader:
        assert reader.file_name == "<stream>"
        assert len(reader.read_all()) == 2


def test_balance_check_can_be_switched_off() -> None:
    reader = read_camt(FIXTURES / "balance_mismatch.xml", verify_balances=False)
    assert len(list(reader)) == 2
    assert reader.check_balances() == ()
    with pytest.raises(BankFileError, match="balance mismatch"):
        read_camt(FIXTURES / "balance_mismatch.xml").read_all()
