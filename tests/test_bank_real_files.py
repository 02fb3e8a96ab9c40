"""Real files are imported, not wrongly refused (issue 9, finding 4), on both stores.

What the standard allows is imported and the report says what it cannot prove: a statement without the
booked balances the check needs is "not reconcilable" with its reason; a camt.052 intraday report is
reported, never booked; a ZIP archive is imported member by member. Only balances that really do not add
up refuse a file, until a clerk accepts it with a reason, which is recorded (who, why, which mismatch).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from api.cli import main
from importers.bank import service
from importers.bank.errors import BankFileError, UnbalancedStatement
from importers.bank.service import INTRADAY, BalanceOverride
from importers.bank.synth import SynthEntry, write_camt053
from ledger.core.errors import InvalidInput
from ledger.payments.receipts import StatementFile
from tests.auth import api_client, new_key
from tests.clerk import Clerk

CORPUS = Path(__file__).resolve().parent / "fixtures" / "bank"
OCA = "oca_camt053_v02_unbalanced.xml"
MISMATCH = ("line 38, Stmt[1]/Bal[2]: balance mismatch: opening 15568.27 + booked entries -12.99 = 15555.28, "
            "but the closing balance (CLBD) is 15121.12")
ALICE = BalanceOverride("the bank confirmed a fee of 434.16 booked on the next statement", "cli user alice",
                        "cli")


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def line_of(name: str, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, text in enumerate(corpus(name).decode().splitlines(), 1) if needle in text]
    return lines[occurrence - 1]


def written(clerk: Clerk) -> int:
    return clerk.services.app.recorder.max_notification_id() or 0


def bank_cents(clerk: Clerk, iban: str) -> int:
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100_000) if r[8] == f"bank:{iban}")


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "statement", "given"), [
    ("camt053_v09_available_balances_only.xml", "0352C5320260302000000001",
     "opening (OPBD or PRCD) or closing (CLBD) balance (balances given: OPAV, CLAV)"),
    ("camt053_v11_closing_balance_only.xml", "ES9121000418450200051332-2026-03-10",
     "opening (OPBD or PRCD) balance (balances given: CLBD)"),
    ("camt053_v12_interim_page.xml", "FI2112345600000785-20260305",
     "opening (OPBD or PRCD) balance (balances given: ITBD, CLBD)"),
])
def test_a_statement_without_the_balances_the_check_needs_is_imported_and_says_why(
        clerk: Clerk, name: str, statement: str, given: str) -> None:
    report = service.import_statement(clerk.services, corpus(name), name)
    assert report.as_dict()["not_reconcilable"] == [{
        "where": f"{name} line {line_of(name, '<Stmt>')}, Stmt[1]", "statement": statement,
        "reason": f"not reconcilable: no booked {given}, so nothing proves the entries complete"}]
    assert report.imported_in_full and report.refused == []
    credits = [e for e in service.read_file(corpus(name), name).files[0].entries if e.credit_debit == "CRDT"]
    assert (report.to_suspense, report.amount_to_suspense) == (len(credits), sum(e.amount for e in credits))
    assert service.import_statement(clerk.services, corpus(name), name).file_already_imported


def test_a_real_mismatch_is_refused_with_the_way_out_and_nothing_is_written(clerk: Clerk) -> None:
    before = written(clerk)
    with pytest.raises(UnbalancedStatement) as refused:
        service.import_statement(clerk.services, corpus(OCA), OCA)
    assert str(refused.value) == (f"{OCA}: {MISMATCH} (a clerk who has checked it with the bank can import "
                                  "it with an override reason)")
    assert written(clerk) == before
    assert clerk.services.app.payments.statement_file(hashlib.sha256(corpus(OCA)).hexdigest()) is None


def test_a_clerk_accepts_a_mismatch_with_a_reason_and_the_acceptance_is_recorded(clerk: Clerk) -> None:
    report = service.import_statement(clerk.services, corpus(OCA), OCA, override=ALICE)
    assert report.balance_override == {
        "mismatches": [f"{OCA}: {MISMATCH}"], "reason": ALICE.reason, "accepted_by": "cli user alice",
        "channel": "cli", "accepted_on": clerk.clock.today.isoformat()}
    assert report.not_reconcilable == [{
        "where": f"{OCA} line {line_of(OCA, '<Stmt>')}, Stmt[1]", "statement": "1234Test/1",
        "reason": f"not reconcilable: {MISMATCH}; accepted by cli user alice (cli): {ALICE.reason}"}]
    assert (report.entries, report.to_suspense, report.amount_to_suspense) == (4, 1, Decimal("1405.31"))
    assert [line["reason"] for line in report.not_allocated] == ["outgoing payment (DBIT): not a receipt"]
    assert report.returns is not None  # the two unpaid direct debits of the batch: not ours, held
    assert [(r["problem"], r["end_to_end_id"], r["reason"]) for r in report.returns.reviews] == [
        ("unknown-collection", f"TESTBANK/NL/20141229/0120640{n}", "AC06") for n in (8, 7)]
    assert bank_cents(clerk, "NL77ABNA0574908765") == 140531
    record = clerk.services.app.payments.statement_file(report.sha256)
    assert record is not None and record.in_full
    events = clerk.services.app.events.get(record.id)
    accepted = [e for e in events if isinstance(e, StatementFile.UnbalancedAccepted)]
    assert [(e.accepted_by, e.channel, e.reason, tuple(e.mismatches)) for e in accepted] == [
        ("cli user alice", "cli", ALICE.reason, (f"{OCA}: {MISMATCH}",))]
    position = written(clerk)
    assert service.import_statement(clerk.services, corpus(OCA), "again.xml").file_already_imported
    assert written(clerk) == position


def test_an_import_re_run_after_the_acceptance_needs_no_new_override(
        clerk: Clerk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the acceptance was recorded: the re-run goes on under it, and books nothing twice."""
    def crash(*args: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(service, "_book", crash)
    with pytest.raises(RuntimeError):
        service.import_statement(clerk.services, corpus(OCA), OCA, override=ALICE)
    monkeypatch.undo()
    report = service.import_statement(clerk.services, corpus(OCA), OCA)  # no override this time
    assert report.balance_override is not None and report.balance_override["accepted_by"] == "cli user alice"
    assert (report.to_suspense, report.imported_in_full) == (1, True)
    other = BalanceOverride("another story", "cli user bob", "cli")
    record = clerk.services.app.payments.statement_file(report.sha256)
    assert record is not None and record.unbalanced_accepted is not None
    assert record.unbalanced_accepted["accepted_by"] == "cli user alice"
    assert service.import_statement(clerk.services, corpus(OCA), OCA, override=other).file_already_imported


def test_an_override_needs_a_reason(clerk: Clerk) -> None:
    before = written(clerk)
    with pytest.raises(InvalidInput) as refused:
        service.import_statement(clerk.services, corpus(OCA), OCA,
                                 override=BalanceOverride("  ", "me", "cli"))
    assert refused.value.field == "override_reason"
    with pytest.raises(InvalidInput, match="longer than 500 characters"):
        service.import_statement(clerk.services, corpus(OCA), OCA,
                                 override=BalanceOverride("x" * 501, "me", "cli"))
    assert written(clerk) == before


def test_an_override_of_balances_that_add_up_records_nothing(clerk: Clerk) -> None:
    name = "camt053_v10_balanced.xml"
    report = service.import_statement(clerk.services, corpus(name), name, override=ALICE)
    assert (report.balance_override, report.not_reconcilable) == (None, [])
    record = clerk.services.app.payments.statement_file(report.sha256)
    assert record is not None and record.unbalanced_accepted is None


def test_an_intraday_report_is_reported_and_never_booked(clerk: Clerk) -> None:
    name = "camt052_v08_intraday.xml"
    report = service.import_statement(clerk.services, corpus(name), name)
    assert (report.entries, report.booked, report.to_suspense) == (3, 0, 0)
    assert [(line["where"], line["reason"]) for line in report.not_allocated] == [
        (f"{name} line {line_of(name, '<Ntry>', n)}, Rpt[1]/Ntry[{n}]", INTRADAY) for n in (1, 2, 3)]
    assert bank_cents(clerk, "FI2112345600000785") == 0
    assert report.files == [{"file": name, "kind": "camt.052.001.08", "entries": "3"}]


def test_a_batch_without_transaction_amounts_is_one_receipt(clerk: Clerk) -> None:
    name = "camt053_v13_batch_without_amounts.xml"
    report = service.import_statement(clerk.services, corpus(name), name)
    assert (report.entries, report.to_suspense, report.amount_to_suspense) == (2, 2, Decimal("345.00"))
    parked = sorted(row[1] for row in clerk.services.view.suspense())
    assert parked == [4500, 30000]


def test_a_zip_archive_is_imported_member_by_member(clerk: Clerk) -> None:
    names = ("camt053_v10_balanced.xml", "camt052_v08_intraday.xml", "camt053_v11_closing_balance_only.xml")
    data = zipped({**{f"2026-03/{name}": corpus(name) for name in names},
                   "2026-03/statement.pdf": b"%PDF-1.4\n%%EOF\n"})
    report = service.import_statement(clerk.services, data, "march.zip")
    assert [(f["file"], f["kind"]) for f in report.files] == [
        ("march.zip!2026-03/camt053_v10_balanced.xml", "camt.053.001.10"),
        ("march.zip!2026-03/camt052_v08_intraday.xml", "camt.052.001.08"),
        ("march.zip!2026-03/camt053_v11_closing_balance_only.xml", "camt.053.001.11")]
    assert report.skipped == [{"file": "march.zip!2026-03/statement.pdf",
                               "reason": "a PDF document: the printed copy of a statement, not read"}]
    assert report.entries == 8
    # 122.00 + 89.30 from the balanced statement, 45.60 + 74.80 from the one with only a closing balance
    assert (report.to_suspense, report.amount_to_suspense) == (4, Decimal("331.70"))
    assert [line["where"].split(" line ")[0] for line in report.not_allocated] == [
        "march.zip!2026-03/camt053_v10_balanced.xml"] + ["march.zip!2026-03/camt052_v08_intraday.xml"] * 3
    closing_only = "camt053_v11_closing_balance_only.xml"
    assert [line["where"] for line in report.not_reconcilable] == [
        f"march.zip!2026-03/{closing_only} line {line_of(closing_only, '<Stmt>')}, Stmt[1]"]
    assert service.import_statement(clerk.services, data, "march-again.zip").file_already_imported


def test_the_same_movement_in_the_statement_and_the_notification_of_one_archive_is_booked_once(
        clerk: Clerk, tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    write_camt053(path, [SynthEntry(Decimal("42.00"), unstructured=("acconto",),
                                    account_servicer_reference="BANK-REF-42")],
                  account_iban="IT60X0542811101000000123456")
    statement = path.read_bytes()
    notification = (statement.replace(b"camt.053", b"camt.054")
                    .replace(b"BkToCstmrStmt", b"BkToCstmrDbtCdtNtfctn")
                    .replace(b"<Stmt>", b"<Ntfctn>").replace(b"</Stmt>", b"</Ntfctn>"))
    report = service.import_statement(clerk.services, zipped({"053.xml": statement, "054.xml": notification}),
                                      "day.zip")
    assert (report.entries, report.to_suspense, report.duplicates) == (2, 1, 1)
    assert bank_cents(clerk, "IT60X0542811101000000123456") == 4200


def test_a_bomb_is_refused_and_nothing_is_written(clerk: Clerk) -> None:
    before = written(clerk)
    bomb = zipped({"statement.xml": b"<" + b" " * (8 * 1024 * 1024)})
    with pytest.raises(BankFileError, match="refused as a possible zip bomb"):
        service.import_statement(clerk.services, bomb, "bomb.zip")
    assert written(clerk) == before


# --- over HTTP and on the command line ---------------------------------------------------------------


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def test_upload_with_an_override_reason(http: TestClient) -> None:
    files = {"file": (OCA, corpus(OCA), "application/xml")}
    for form in ({}, {"override_reason": "  "}):  # a form's empty field is no override
        refused = http.post("/bank/statements", files=files, data=form, headers=new_key())
        assert refused.status_code == 422
        assert "override reason" in refused.json()["detail"]
    accepted = http.post("/bank/statements", files=files, data={"override_reason": "fee booked next day"},
                         headers=new_key())
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert body["balance_override"]["reason"] == "fee booked next day"
    assert body["balance_override"]["accepted_by"] == "http user test-finance"  # the token's subject
    assert body["balance_override"]["channel"] == "http"
    assert body["not_reconcilable"][0]["statement"] == "1234Test/1"
    assert body["imported_in_full"] is True


def test_upload_of_a_pdf_says_what_it_is(http: TestClient) -> None:
    response = http.post("/bank/statements", files={"file": ("march.pdf", b"%PDF-1.7\n", "application/pdf")},
                         headers=new_key())
    assert response.status_code == 422
    assert response.json()["detail"] == ("march.pdf: a PDF document, not a machine-readable statement: "
                                         "export it from the bank as camt.053 or CSV")


def test_cli_import_with_an_override_reason(store_url: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / OCA
    path.write_bytes(corpus(OCA))
    assert main(["--database-url", store_url, "bank", "import", str(path)]) == 1
    assert "can import it with an override reason" in capsys.readouterr().err
    assert main(["--database-url", store_url, "bank", "import", str(path),
                 "--override-reason", "fee booked next day"]) == 0
    out = capsys.readouterr().out
    where = f"{OCA} line {line_of(OCA, '<Stmt>')}, Stmt[1]"
    assert f"{where} (1234Test/1): not reconcilable: {MISMATCH}; accepted by cli user " in out
    assert out.rstrip().endswith("(cli): fee booked next day")
