"""MT940 statements read into the same records as camt (issue 9, finding 7).

The fixtures in ``tests/fixtures/bank/mt940/`` (see the README there) follow three shapes met in practice:
a German bank's (``?NN`` subfields, ``EREF+``/``SVWZ+``), ING's (SWIFT envelope, ``/EREF/ /CNTP/ /REMI/``)
and an Italian bank's (``/ROC/ /EREF/ /REMI/``, free text, a statement in two pages).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank import BankFileError
from importers.bank.formats import sniff
from importers.bank.mt940 import read_mt940
from ledger.payments.bank_entries import BankEntry, fingerprint_entries

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bank" / "mt940"
MAR31 = date(2026, 3, 31)


def entries(name: str) -> list[BankEntry]:
    return read_mt940(FIXTURES / name).read_all()


def line_of(name: str, needle: str, occurrence: int = 1) -> int:
    lines = (FIXTURES / name).read_text("latin-1").splitlines()
    return [n for n, line in enumerate(lines, 1) if needle in line][occurrence - 1]


def test_german_statements_headers_and_balances() -> None:
    reader = read_mt940(FIXTURES / "de_sepa.sta")
    first, second = reader.statements
    assert (first.message_type, first.statement_id, first.account_iban) == (
        "mt940", "STARTUMSE/00059/00001", None)  # :25: is bank code/account number, not an IBAN
    assert (first.currency, first.opening_balance, first.closing_balance) == (
        "EUR", D("12500.00"), D("11684.90"))
    assert (second.statement_id, second.account_iban, second.line) == (
        "STARTUMSE/00060/00001", "DE02120300000000202051", line_of("de_sepa.sta", ":20:", 2))
    assert [e.statement_id for e in reader] == [first.statement_id] * 4 + [second.statement_id] * 2


def test_german_structured_details_eref_svwz_mref() -> None:
    paid, named, debit, reversal, *_ = entries("de_sepa.sta")
    assert paid == BankEntry(
        file_name="de_sepa.sta", statement_id="STARTUMSE/00059/00001", account_iban=None, entry_index=1,
        element_path="statement[1]/:61:[1]", line=line_of("de_sepa.sta", ":61:2603310331CR250,00"),
        amount=D("250.00"), credit_debit="CRDT", currency="EUR", status="BOOK", booking_date=MAR31,
        value_date=MAR31, account_servicer_reference="2603310000123401", end_to_end_id="E2E-20260331-0001",
        debtor_name="Anna Muster", debtor_iban="DE89370400440532013000",
        unstructured=("RF18 5390 0754 7034 Abschlag Strom Maerz",), bank_transaction_code="NTRF/166")
    assert named.end_to_end_id is None  # EREF+NOTPROVIDED
    assert named.debtor_name == "Max Mustermann und Erika Musterfrau"  # ?32 and ?33
    assert named.unstructured == ("Rechnung INV-2026-000123 Kundennr 4711",)
    assert (debit.credit_debit, debit.amount, debit.mandate_id, debit.end_to_end_id) == (
        "DBIT", D("1200.00"), "M-2019-0001", "ABSCHLAG-0326")
    assert (debit.creditor_name, debit.debtor_name) == ("Stadtwerke Netz GmbH", None)
    assert (reversal.credit_debit, reversal.is_reversal, reversal.amount) == ("CRDT", True, D("45.00"))


def test_a_broken_tag_and_an_amount_on_the_next_line_still_read() -> None:
    """Sparkasse shape: ``:61:…CR`` then ``30,00N062NONREF``; ``:`` alone then ``86:…``. Twins stay two."""
    first, second = entries("de_sepa.sta")[4:]
    assert (first.amount, first.account_servicer_reference, first.entry_reference) == (D("30.00"), None, None)
    assert first.debtor_name == "Erika Musterfrau"
    assert first.unstructured == ("Kundennummer 4711 Wasser 1. Quartal",)
    assert first.line == line_of("de_sepa.sta", ":61:2604010401CR")
    assert [fp[-2:] for _, fp in fingerprint_entries([first, second])] == ["#1", "#2"]


def test_ing_envelope_keywords_and_structured_reference() -> None:
    reader = read_mt940(FIXTURES / "nl_ing.sta")
    (header,) = reader.statements
    assert (header.account_iban, header.statement_id) == ("NL69INGB0123456789", "P260401000000001/00000")
    rf, text, debit = reader
    assert (rf.creditor_reference, rf.creditor_reference_type, rf.end_to_end_id) == (
        "RF18539007547034", "SCOR", "E2E-NL-0001")
    assert (rf.debtor_name, rf.debtor_iban, rf.entry_reference) == ("J. Jansen", "NL91ABNA0417164300", None)
    assert (text.unstructured, text.end_to_end_id) == (("Factuur INV-2026-000123 klant 4711",), None)
    assert (debit.credit_debit, debit.mandate_id, debit.creditor_iban) == (
        "DBIT", "MNDT-2020-77", "NL86INGB0002445588")
    assert debit.account_servicer_reference == "00000000001007"


def test_italian_keywords_free_text_new_year_and_pages() -> None:
    reader = read_mt940(FIXTURES / "it_banca.sta")
    first_page, second_page = reader.statements
    assert (first_page.closing_balance, second_page.opening_balance) == (D("5349.00"), D("5349.00"))
    roc, free, fee, storno = reader
    assert (roc.booking_date, roc.value_date) == (date(2025, 12, 31), date(2026, 1, 2))  # :61:2601021231
    assert roc.unstructured == ("PAGAMENTO BOLLETTA ACQUA RF18539007547034", "FATT 2026-000123")
    assert (roc.end_to_end_id, roc.debtor_name, roc.entry_reference) == (
        "IT-E2E-000123", "MARIO ROSSI", "0000000000000001")
    assert free.unstructured == ("BONIFICO SEPA A VOSTRO FAVORE DA GIUSEPPE VERDI IBAN ORDINANTE "
                                 "IT67P0306909606000000012345 CAUSALE: SALDO FATTURA 2026-000124",)
    assert (fee.credit_debit, fee.amount, fee.bank_transaction_code) == ("DBIT", D("1.50"), "NCHG")
    assert (storno.credit_debit, storno.is_reversal, storno.statement_id) == (
        "DBIT", True, "0000000000012345/00001/002")


def test_every_fixture_is_told_to_be_mt940_by_its_content() -> None:
    assert {sniff((FIXTURES / name).read_bytes()) for name in ("de_sepa.sta", "nl_ing.sta", "it_banca.sta")} \
        == {"mt940"}


def _mutated(name: str, old: str, new: str) -> bytes:
    text = (FIXTURES / name).read_bytes().decode("latin-1")
    assert old in text
    return text.replace(old, new, 1).encode("latin-1")


@pytest.mark.parametrize(("old", "new", "where", "reason"), [
    (":61:2603310331CR250,00", ":61:2603310331CR250.00", ":61:2603310331", "unreadable amount '250.00'"),
    (":61:2603310331CR250,00", ":61:2603310331XR250,00", ":61:2603310331", "unreadable :61:"),
    (":61:2603310331CR250,00", ":61:2613310331CR250,00", ":61:2613310331", "impossible date"),
    (":62F:C260331EUR11684,90", ":62F:C260331EUR11684,99", ":62F:", "balance mismatch: opening 12500.00 "
                                                                    "+ statement lines -815.10 = 11684.90"),
    (":62F:C260331EUR11684,90", ":62F:C260331USD11684,90", ":62F:", "closing balance in USD"),
    (":60F:C260330EUR12500,00", ":60F:X260330EUR12500,00", ":60F:", "unreadable :60F:"),
])
def test_a_bad_field_is_refused_naming_the_line_and_the_field(old: str, new: str, where: str,
                                                              reason: str) -> None:
    data = _mutated("de_sepa.sta", old, new)
    line = next(n for n, text in enumerate(data.decode("latin-1").splitlines(), 1) if text.startswith(where))
    tag = where.split(":")[1]
    with pytest.raises(BankFileError) as refused:
        read_mt940(io.BytesIO(data), "de.sta")
    assert refused.value.location == f"line {line}, :{tag}:"
    assert reason in refused.value.reason


def test_a_statement_without_closing_balance_or_reference_is_refused() -> None:
    data = _mutated("de_sepa.sta", ":62F:C260331EUR11684,90\r\n", "")
    with pytest.raises(BankFileError, match=r"de.sta: line 1, :20:: statement 'STARTUMSE' has no closing"):
        read_mt940(io.BytesIO(data), "de.sta")
    with pytest.raises(BankFileError, match=r"line 1, :25:: field before the statement's :20:"):
        read_mt940(io.BytesIO(b":25:IT60X0542811101000000123456\r\n:20:X\r\n"), "x.sta")
    with pytest.raises(BankFileError, match="not an MT940 statement"):
        read_mt940(io.BytesIO(b"940 00\r\n-\r\n"), "x.sta")


def test_a_runaway_field_is_refused() -> None:
    data = b":20:X\r\n:86:" + b"more text\r\n" * 200
    with pytest.raises(BankFileError, match=r"line 2, :86:: field runs over more than 100 lines"):
        read_mt940(io.BytesIO(data), "x.sta")


def test_bank_header_lines_and_trailer_instead_of_an_envelope_are_skipped() -> None:
    """The older ING shape: ``0000 01INGBNL2AXXXX00001`` twice and ``940 00`` before ``:20:``, ``-XXX``."""
    lines = (FIXTURES / "nl_ing.sta").read_bytes().decode("latin-1").split("\r\n")
    body = ["0000 01INGBNL2AXXXX00001", "0000 01INGBNL2AXXXX00001", "940 00", *lines[1:-2], "-XXX", ""]
    reader = read_mt940(io.BytesIO("\r\n".join(body).encode()), "ing.sta")
    assert [e.amount for e in reader] == [D("150.00"), D("42.50"), D("12.35")]
    assert reader.statements[0].line == 4
