"""Files banks published, read as they are (issue 9: "test against real files, not only files you wrote").

``tests/fixtures/bank/published/`` holds MT940 files that Dutch, German, Polish, Russian and Swiss banks
sent, as kept in the test suites of the ``mt-940`` package and of OCA/bank-statement-import, and three
camt.053 files of the latter (sources and licences in its README). Each is either read with the values
below (statements, entries, credits, debits) or refused with a reason that names the line and says why:
never read as CSV, never a crash. A published statement whose balances do not add up (the samples are
anonymised by hand) is refused until a clerk accepts it with a reason, as for camt.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank import service
from importers.bank.errors import BankFileError, UnbalancedStatement
from importers.bank.reading import read_bank_file
from importers.bank.service import BalanceOverride
from tests.clerk import Clerk

PUBLISHED = Path(__file__).resolve().parent / "fixtures" / "bank" / "published"

#: file -> (kind, statements, entries, credits, debits) as read.
READ = {
    "asnb_0708271685_09022020_164516.940.txt": ("mt940", 31, 8, "2828.90", "2771.96"),
    "betterplace_sepa_mt9401.sta": ("mt940", 26, 97, "5188474.94", "14457610.84"),
    "betterplace_with_binary_character.sta": ("mt940", 2, 4, "14215.30", "193282.05"),
    "cmxl_mt940.sta": ("mt940", 3, 16, "72436.74", "60109.44"),
    "jejik_generic.sta": ("mt940", 2, 2, "0", "20.00"),
    "jejik_rabobank-iban.sta": ("mt940", 2, 4, "0", "70.00"),
    "jejik_sns.sta": ("mt940", 2, 2, "0", "25.00"),
    "mbank_mt940.sta": ("mt940", 1, 3, "0.03", "0"),
    "oca_sftp_camt053.xml": ("camt.053.001.02", 1, 1, "0", "1200.00"),
    "oca_test-rabo.swi": ("mt940", 4, 2, "400.00", "34.61"),
    "oca_test-wrong-file.940": ("mt940", 1, 1, "400.00", "0"),
    "sberbank_171011_01234945.sta": ("mt940", 1, 3, "0", "9437.00"),
    "self-provided_february_30.sta": ("mt940", 1, 1, "0", "6.00"),
}

#: file -> what the refusal says (after the file name).
REFUSED = {
    "cmxl_statement_line.sta": "line 1, :61:: field before the statement's :20: reference",
    "mbank_mt942.sta": "an MT942 interim transaction report (SWIFT): Saldo has no reader for this format",
    "oca_test-ing.940": "line 9, :61:: unreadable :61: '1402200220C1,56NTRFEREF//00000000001\\n005",
    "oca_test-sns.940": "line 60, :20:: statement '0000000000' has no closing balance (:62F:)",
}

#: file -> the mismatch a clerk must accept: (location and reason, what is then read).
UNBALANCED = {
    "jejik_ing.sta": ("line 26, :62F:: balance mismatch: opening 0.00 + statement lines -45.59 = -45.59, "
                      "but the closing balance is 3.47", 7),
    "jejik_knab.sta": ("line 20, :62F:: balance mismatch: opening 3058.98 + statement lines -6760 = "
                       "-3701.02, but the closing balance is 798.98", 3),
    "oca_test-camt053-bookgdt-dttm.xml": (
        "line 38, Stmt[1]/Bal[2]: balance mismatch: opening 15568.27 + booked entries -754.25 = 14814.02, "
        "but the closing balance (CLBD) is 15121.12", 1),
}


def test_every_published_file_is_listed_here() -> None:
    on_disk = {p.name for p in PUBLISHED.iterdir() if p.name != "README.md"}
    assert on_disk == {*READ, *REFUSED, *UNBALANCED, "oca_test-camt053.zip"}


@pytest.mark.parametrize("name", sorted(READ))
def test_a_published_file_is_read_with_its_values(name: str) -> None:
    (read,) = read_bank_file((PUBLISHED / name).read_bytes(), name).files
    credits = sum((e.amount for e in read.entries if e.credit_debit == "CRDT"), Decimal(0))
    debits = sum((e.amount for e in read.entries if e.credit_debit == "DBIT"), Decimal(0))
    kind, statements, entries, credit_total, debit_total = READ[name]
    assert (read.kind, len(read.statements), len(read.entries)) == (kind, statements, entries)
    assert (credits, debits) == (Decimal(credit_total), Decimal(debit_total))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_published_file_saldo_cannot_read_is_refused_naming_the_line(name: str) -> None:
    with pytest.raises(BankFileError) as refused:
        read_bank_file((PUBLISHED / name).read_bytes(), name)
    assert str(refused.value).startswith(f"{name}: {REFUSED[name]}"), str(refused.value)


@pytest.mark.parametrize("name", sorted(UNBALANCED))
def test_a_published_unbalanced_statement_waits_for_a_clerk_and_then_imports(clerk: Clerk, name: str) -> None:
    data = (PUBLISHED / name).read_bytes()
    mismatch, entries = UNBALANCED[name]
    with pytest.raises(UnbalancedStatement) as refused:
        service.import_statement(clerk.services, data, name)
    assert str(refused.value).startswith(f"{name}: {mismatch} (a clerk who has checked"), str(refused.value)
    override = BalanceOverride("the bank confirmed the sample was cut", "cli user alice", "cli")
    report = service.import_statement(clerk.services, data, name, override=override)
    assert report.entries == entries and report.refused == []
    assert report.balance_override is not None
    assert report.balance_override["mismatches"] == [f"{name}: {mismatch}"]
    assert [r["reason"] for r in report.not_reconcilable] == [
        f"not reconcilable: {mismatch}; accepted by cli user alice (cli): {override.reason}"]


def test_the_published_zip_of_statements_names_the_member_that_does_not_add_up(clerk: Clerk) -> None:
    name = "oca_test-camt053.zip"
    with pytest.raises(UnbalancedStatement) as refused:
        service.import_statement(clerk.services, (PUBLISHED / name).read_bytes(), name)
    assert str(refused.value).startswith(f"{name}!test-camt053_02.xml: line 38, Stmt[1]/Bal[2]: balance "
                                         "mismatch: opening 15568.27 + booked entries 57.01 = 15625.28")
    override = BalanceOverride("both months confirmed by the bank", "cli user alice", "cli")
    data = (PUBLISHED / name).read_bytes()
    report = service.import_statement(clerk.services, data, name, override=override)
    assert [f["file"] for f in report.files] == [f"{name}!test-camt053_02.xml", f"{name}!test-camt053_03.xml"]
    assert report.entries == 6


def test_a_booking_time_in_utc_is_booked_on_the_accounts_local_date() -> None:
    """OCA's file books at 2014-01-04T23:00:00Z on a Dutch account: midnight of 5 January in Amsterdam."""
    name = "oca_test-camt053-bookgdt-dttm.xml"
    (read,) = read_bank_file((PUBLISHED / name).read_bytes(), name, accept_mismatch=True).files
    assert [(e.booking_date, e.value_date) for e in read.entries] == [(date(2014, 1, 5), date(2014, 1, 5))]
