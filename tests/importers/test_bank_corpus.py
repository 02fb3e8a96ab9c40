"""The real-file corpus (tests/fixtures/bank/, sources in its README): each file reads to the values it says.

Versions 001.02 to 001.13 of camt.053 and camt.054, the camt.052 intraday report, the Swiss (SIX / SPS)
variants, published samples (OCA bank-statement-import, a Finnish bank's camt.054), statements whose
balances the standard lets the bank leave out, and a batch whose transactions carry no amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank import BankFileError, read_camt
from importers.bank.camt import CamtReader
from ledger.payments.bank_entries import BankEntry, ReferredDocument, fingerprint_entries

D = Decimal
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bank"


def read(name: str, **options: bool) -> tuple[CamtReader, list[BankEntry]]:
    reader = read_camt(CORPUS / name, **options)
    return reader, reader.read_all()


def moves(entries: list[BankEntry]) -> list[tuple[str, str, str]]:
    return [(str(e.amount), e.credit_debit, e.status) for e in entries]


def reasons(reader: CamtReader) -> list[str | None]:
    return [check.not_reconcilable for check in reader.check_balances()]


NO_OPENING = ("not reconcilable: no booked opening (OPBD or PRCD) balance (balances given: {}), so nothing "
              "proves the entries complete")


@pytest.mark.parametrize(("name", "kind", "version", "expected"), [
    ("camt053_v09_available_balances_only.xml", "camt.053", "001.09",
     [("250.00", "CRDT", "BOOK"), ("12.50", "DBIT", "BOOK")]),
    ("camt053_v10_balanced.xml", "camt.053", "001.10",
     [("122.00", "CRDT", "BOOK"), ("89.30", "CRDT", "BOOK"), ("2.00", "DBIT", "BOOK")]),
    ("camt053_v11_closing_balance_only.xml", "camt.053", "001.11",
     [("45.60", "CRDT", "BOOK"), ("74.80", "CRDT", "BOOK")]),
    ("camt053_v12_interim_page.xml", "camt.053", "001.12",
     [("100.00", "CRDT", "BOOK"), ("50.00", "CRDT", "BOOK")]),
    ("camt053_v13_batch_without_amounts.xml", "camt.053", "001.13",
     [("300.00", "CRDT", "BOOK"), ("45.00", "CRDT", "BOOK")]),
    ("camt054_v09_fi_reference_payments.xml", "camt.054", "001.09",
     [("89.90", "CRDT", "BOOK"), ("45.20", "CRDT", "BOOK"), ("45.20", "CRDT", "BOOK")]),
    ("camt054_v10_dd_return.xml", "camt.054", "001.10", [("65.40", "DBIT", "BOOK")]),
    ("camt054_v11_instant_credits.xml", "camt.054", "001.11",
     [("59.00", "CRDT", "BOOK"), ("120.00", "CRDT", "BOOK")]),
    ("camt054_v12_collection_details.xml", "camt.054", "001.12",
     [("130.10", "CRDT", "BOOK"), ("80.30", "CRDT", "BOOK")]),
    ("camt054_v13_several_invoices.xml", "camt.054", "001.13", [("230.50", "CRDT", "BOOK")]),
    ("camt052_v08_intraday.xml", "camt.052", "001.08",
     [("55.00", "CRDT", "BOOK"), ("100.00", "CRDT", "PDNG"), ("20.00", "DBIT", "BOOK")]),
    ("fi_camt054_v02_handelsbanken.xml", "camt.054", "001.02",
     [("88.16", "CRDT", "BOOK"), ("742.45", "CRDT", "BOOK"), ("6000.54", "CRDT", "BOOK"),
      ("216.85", "CRDT", "BOOK")]),
    ("oca_camt053_v04_no_entries.xml", "camt.053", "001.04", []),
    ("sps_camt053_v04_batch_shared_reference.xml", "camt.053", "001.04",
     [("2187.00", "CRDT", "BOOK"), ("1296.00", "CRDT", "BOOK")]),
    ("sps_camt054_v04_qrr.xml", "camt.054", "001.04", [("5.00", "CRDT", "BOOK")]),
    ("sps_camt053_v04_ch02_qrr.xml", "camt.053", "001.04",
     [("350.00", "CRDT", "BOOK"), ("200.00", "CRDT", "BOOK"), ("4.50", "DBIT", "BOOK")]),
])
def test_every_corpus_file_reads_its_version_and_movements(name: str, kind: str, version: str,
                                                            expected: list[tuple[str, str, str]]) -> None:
    reader, entries = read(name)
    assert (reader.message_type, reader.version) == (kind, version)
    assert moves(entries) == expected
    assert all(e.file_name == name for e in entries)


# --- balances the standard does not require -------------------------------------------------------


def test_only_available_balances_is_not_reconcilable() -> None:
    reader, entries = read("camt053_v09_available_balances_only.xml")
    assert reasons(reader) == [
        "not reconcilable: no booked opening (OPBD or PRCD) or closing (CLBD) balance (balances given: "
        "OPAV, CLAV), so nothing proves the entries complete"]
    credit, fee = entries
    assert (credit.creditor_reference, credit.creditor_reference_type, credit.debtor_name) == (
        "RF18539007547034", "SCOR", "Erika Mustermann")
    assert (credit.end_to_end_id, credit.debtor_iban, credit.booking_date) == (
        "STROM-2026-02-4711", "DE75512108001245126199", date(2026, 3, 2))
    assert (fee.bank_transaction_code, fee.value_date) == ("ACMT/MDOP/CHRG", date(2026, 2, 28))
    header = reader.header
    assert (header.opening_balance, header.closing_balance, header.currency) == (None, None, "EUR")


def test_only_a_closing_balance_is_not_reconcilable() -> None:
    reader, entries = read("camt053_v11_closing_balance_only.xml")
    assert reasons(reader) == [NO_OPENING.format("CLBD")]
    assert reader.header.closing_balance == D("5320.40")
    assert entries[0].unstructured == ("Factura aigua febrer 2026",)
    assert entries[0].end_to_end_id is None  # NOTPROVIDED
    assert (entries[1].creditor_reference, entries[1].debtor_iban) == (
        "RF18539007547034", "ES7921000813610123456789")


def test_an_interim_page_is_not_reconcilable() -> None:
    reader, entries = read("camt053_v12_interim_page.xml")
    assert reasons(reader) == [NO_OPENING.format("ITBD, CLBD")]
    assert [e.creditor_reference for e in entries] == ["1231234", None]
    assert entries[1].unstructured == ("Lasku maaliskuu, viite 1232",)
    assert entries[0].bank_transaction_code == "PMNT/RCDT/ESCT"


def test_a_balanced_10_statement_checks_out() -> None:
    reader, entries = read("camt053_v10_balanced.xml")
    (check,) = reader.check_balances()
    assert check.balanced
    assert (check.opening_balance, check.booked_total, check.closing_balance) == (
        D("10000.00"), D("209.30"), D("10209.30"))
    mario, giulia, fee = entries
    assert (mario.debtor_name, mario.debtor_iban, mario.end_to_end_id, mario.entry_reference) == (
        "Mario Rossi", "IT25O0306909606100000012345", None, "000001")
    assert mario.unstructured == ("Bolletta acqua n. INV-2026-000001 cliente 4711",)
    assert (giulia.creditor_reference, giulia.creditor_reference_type) == ("RF712348231", "SCOR")
    assert (fee.bank_transaction_code, fee.account_servicer_reference) == ("ACMT/MDOP/COMM", None)
    assert fee.fingerprint().startswith("sha256:")


def test_the_published_oca_statement_does_not_add_up_and_is_refused() -> None:
    """OCA's test-camt053: 15568.27 - 754.25 - 664.05 + 1405.31 = 15555.28, but CLBD says 15121.12."""
    with pytest.raises(BankFileError) as refused:
        read("oca_camt053_v02_unbalanced.xml")
    assert str(refused.value) == (
        "oca_camt053_v02_unbalanced.xml: line 38, Stmt[1]/Bal[2]: balance mismatch: opening 15568.27 + "
        "booked entries -12.99 = 15555.28, but the closing balance (CLBD) is 15121.12")


def test_the_oca_statement_read_for_an_override_states_its_mismatch() -> None:
    reader, entries = read("oca_camt053_v02_unbalanced.xml", accept_mismatch=True)
    (check,) = reader.check_balances()
    assert check.mismatch == ("line 38, Stmt[1]/Bal[2]: balance mismatch: opening 15568.27 + booked entries "
                              "-12.99 = 15555.28, but the closing balance (CLBD) is 15121.12")
    assert check.not_reconcilable is None and not check.balanced
    insurance, first_return, second_return, media = entries
    assert (insurance.amount, insurance.creditor_name, insurance.mandate_id) == (
        D("754.25"), "INSURANCE COMPANY TESTX", "1880000341866")
    assert [(e.amount, e.return_reason, e.is_reversal, e.batch) for e in (first_return, second_return)] == [
        (D("564.05"), "AC06", True, True), (D("100.00"), "AC06", True, True)]
    assert first_return.bank_transaction_code == "PMNT/IDDT/UPDD"
    assert (media.amount, media.credit_debit, media.debtor_name, media.debtor_iban) == (
        D("1405.31"), "CRDT", "3rd party Media", "NL69ABNA0522123643")
    assert media.end_to_end_id == "115" and media.booking_date == date(2014, 1, 5)


def test_a_statement_without_entries_balances() -> None:
    reader, entries = read("oca_camt053_v04_no_entries.xml")
    assert entries == []
    (check,) = reader.check_balances()
    assert (check.balanced, check.currency, check.opening_balance, check.closing_balance) == (
        True, "CHF", D("1520.76"), D("1520.76"))


# --- batches ------------------------------------------------------------------------------------------


def test_a_batch_without_transaction_amounts_is_one_record_of_the_entry_amount() -> None:
    reader, (batch, single) = read("camt053_v13_batch_without_amounts.xml")
    assert (batch.amount, batch.batch, batch.tx_index, batch.element_path) == (
        D("300.00"), False, None, "Stmt[1]/Ntry[1]")
    assert batch.debtor_name == "Gemeente Voorbeeld"  # all three agree
    assert batch.end_to_end_id is None  # three different ones
    assert batch.unstructured == ("Warmte maart woning 1", "Warmte maart woning 2", "Warmte maart woning 3")
    assert batch.fingerprint() == "ref:NL20INGB0001234567:INGB-BATCH-20260310-0007"
    assert (single.booking_date, single.value_date) == (date(2026, 3, 10), date(2026, 3, 10))
    assert single.unstructured == ("Factuur INV-2026-000003",)
    (check,) = reader.check_balances()  # PRCD opens, the batch counts once
    assert (check.balanced, check.opening_balance, check.booked_total) == (True, D("800.00"), D("345.00"))


def test_swiss_batch_of_two_payments_sharing_a_bank_reference() -> None:
    """The SIX/SPS sample: 2187.00 and 1296.00 CHF, both TxDtls with AcctSvcrRef 123456CHCAFEBABE."""
    reader, (march, april) = read("sps_camt053_v04_batch_shared_reference.xml")
    assert [(e.amount, e.currency, e.tx_index, e.batch) for e in (march, april)] == [
        (D("2187.00"), "CHF", 1, True), (D("1296.00"), "CHF", 2, True)]
    assert {e.tx_account_servicer_reference for e in (march, april)} == {"123456CHCAFEBABE"}
    assert [(e.creditor_reference, e.creditor_reference_type) for e in (march, april)] == [
        ("302388292000011111111111111", "ISR Reference"), ("302388292000022222222222222", "ISR Reference")]
    assert [e.debtor_iban for e in (march, april)] == ["CH2222000000123456789", "CH3333000000123456789"]
    assert (march.booking_date, march.value_date, march.entry_reference) == (
        date(2017, 3, 22), date(2017, 3, 23), "012345678")
    assert march.bank_transaction_code == "PMNT/RCDT/AUTT"  # the transaction's code wins
    keys = [fingerprint for _, fingerprint in fingerprint_entries([march, april])]
    assert keys[0] == "ref:CH1111000000123456789:123456CHCAFEBABE" and len(set(keys)) == 2
    (check,) = reader.check_balances()
    assert (check.balanced, check.booked_total) == (True, D("3483.00"))


def test_finnish_reference_payments_batch() -> None:
    reader, entries = read("camt054_v09_fi_reference_payments.xml")
    assert [(e.creditor_reference, e.debtor_name, e.tx_account_servicer_reference) for e in entries] == [
        ("1231234", "Matti Virtanen", "260302593497A00101"),
        ("1232", "Liisa Korhonen", "260302593497A00102"),
        ("RF18539007547034", "Ville Mäkinen", "260302593497A00103")]
    assert {e.bank_transaction_code for e in entries} == {"PMNT/RCDT/ESCT"}
    assert {e.end_to_end_id for e in entries} == {None}
    assert reader.check_balances() == ()  # a notification has no statement balances


def test_finnish_bank_notification_with_credit_notes_and_a_foreign_payment() -> None:
    """Handelsbanken Finland's camt.054.001.02: invoices net of credit notes, a SEK payment in EUR."""
    reader, (plain, netted, several, foreign) = read("fi_camt054_v02_handelsbanken.xml")
    assert reader.header.account_iban == "FI1431313001234567"
    assert (plain.unstructured, plain.debtor_name, plain.end_to_end_id) == (
        ("9597349",), "SUOMI OY", "End To End ID 11")
    assert (netted.creditor_reference, netted.creditor_reference_type) == ("9544208", "SCOR")
    assert netted.referred_documents == (ReferredDocument("9582095", None),)  # a credit note: no RmtdAmt
    assert several.referred_documents == (
        ReferredDocument("9580572", D("6256.7")), ReferredDocument("00000000000009580521", None),
        ReferredDocument("00000000000009579095", None))
    assert (foreign.amount, foreign.currency, foreign.bank_transaction_code) == (
        D("216.85"), "EUR", "PMNT/RCDT/XBCT")
    assert foreign.unstructured[0] == "3131090U20130000                   PANO/INSATTN  EUR            216,85"
    assert len(foreign.unstructured) == 5
    assert [e.account_servicer_reference for e in (plain, netted, several, foreign)] == [
        "201701312588CECZ0804", "20170123456", "201702013131LG123456", "170130313190U60111"]


# --- camt.054 of the newer versions ------------------------------------------------------------------


def test_direct_debit_return_notification() -> None:
    _, (returned,) = read("camt054_v10_dd_return.xml")
    assert (returned.is_reversal, returned.return_reason, returned.bank_transaction_code) == (
        True, "AM04", "PMNT/IDDT/UPDD")
    assert (returned.end_to_end_id, returned.mandate_id, returned.debtor_name) == (
        "DD-2026-03-000417", "MNDT-ES-000417", "Núria Ferrer")
    assert (returned.booking_date, returned.value_date) == (date(2026, 3, 12), date(2026, 3, 10))


def test_instant_credits_with_date_times() -> None:
    _, (first, second) = read("camt054_v11_instant_credits.xml")
    assert (first.booking_date, first.value_date) == (date(2026, 3, 4), date(2026, 3, 4))
    assert first.unstructured == ("Abschlag Gas März RF71 2348 231",)
    assert (second.creditor_reference, second.debtor_name) == ("RF18539007547034", "Stadt Musterhausen")


def test_collection_details_and_several_invoices() -> None:
    _, details = read("camt054_v12_collection_details.xml")
    assert [(e.end_to_end_id, e.mandate_id, e.tx_index, e.batch) for e in details] == [
        ("DD-2026-03-000101", "MNDT-IT-000101", 1, True), ("DD-2026-03-000102", "MNDT-IT-000102", 2, True)]
    assert {e.bank_transaction_code for e in details} == {"PMNT/IDDT/ESDD"}
    _, (paid,) = read("camt054_v13_several_invoices.xml")
    assert paid.referred_documents == (ReferredDocument("INV-2026-000123", D("120.50")),
                                       ReferredDocument("INV-2026-000124", D("110.00")))
    assert paid.debtor_name == "Rossi & Figli S.r.l."


# --- camt.052 and the Swiss variants ------------------------------------------------------------------


def test_intraday_report_is_read_with_its_pending_entry() -> None:
    reader, (credit, pending, fee) = read("camt052_v08_intraday.xml")
    header = reader.header
    assert (header.message_type, header.statement_id, header.element_path) == (
        "camt.052", "FI2112345600000785-20260305-1400", "Rpt[1]")
    assert (header.opening_balance, header.closing_balance) == (None, None)  # ITBD/ITAV only
    assert (credit.element_path, credit.creditor_reference) == ("Rpt[1]/Ntry[1]", "1232")
    assert (pending.status, pending.booking_date, pending.value_date) == ("PDNG", None, date(2026, 3, 6))
    assert fee.credit_debit == "DBIT"
    assert reader.check_balances() == ()  # a position, not a statement: nothing to reconcile


def test_swiss_six_namespace_variant_with_a_qr_reference() -> None:
    reader, (qrr, rf, fee) = read("sps_camt053_v04_ch02_qrr.xml")
    assert (reader.message_type, reader.version, reader.variant) == ("camt.053", "001.04", "ch.02")
    assert (qrr.creditor_reference, qrr.creditor_reference_type, qrr.debtor_name) == (
        "210000000003139471430009017", "QRR", "Pia Rutschmann")
    assert qrr.tx_account_servicer_reference == "260331CH0A1B2C3D"
    assert (rf.creditor_reference, rf.creditor_reference_type) == ("RF18539007547034", "SCOR")
    assert (fee.amount, fee.credit_debit) == (D("4.50"), "DBIT")
    (check,) = reader.check_balances()
    assert (check.balanced, check.opening_balance, check.closing_balance) == (True, D("-200.00"), D("345.50"))


def test_swiss_qr_reference_notification() -> None:
    reader, (entry,) = read("sps_camt054_v04_qrr.xml")
    assert reader.variant is None  # ISO namespace; the schemaLocation names the plain XSD
    assert (entry.creditor_reference, entry.creditor_reference_type) == ("000000000000000000000000003", "QRR")
    assert (entry.batch, entry.tx_index) == (False, None)  # a batch of one is one record
    assert (entry.tx_account_servicer_reference, entry.end_to_end_id) == (
        "15180015077602405", "ENDTOENDID-01")


@pytest.mark.parametrize("namespace", [
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.04.ch.03",
    "http://www.six-interbank-clearing.com/fr/camt.053.001.04.ch.02.xsd",
])
def test_other_spellings_of_the_swiss_namespace(namespace: str, tmp_path: Path) -> None:
    data = (CORPUS / "sps_camt053_v04_ch02_qrr.xml").read_bytes().replace(
        b"http://www.six-interbank-clearing.com/de/camt.053.001.04.ch.02.xsd", namespace.encode())
    path = tmp_path / "variant.xml"
    path.write_bytes(data)
    reader = read_camt(path)
    assert len(reader.read_all()) == 3
    assert reader.version == "001.04"
    assert reader.variant == namespace.rsplit(".xsd", 1)[0][-5:]
