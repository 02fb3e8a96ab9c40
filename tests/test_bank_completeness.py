"""Every cent of an accepted statement is booked or reported with its reason, and a re-import adds nothing.

Banks repeat their own reference: Swiss, Finnish and OCA sample statements give one ``AcctSvcrRef`` to
several entries, or to every ``TxDtls`` of a batch (two transactions of 2187.00 and 1296.00 sharing
``123456CHCAFEBABE``). A balanced statement proves they are different money, so both must be booked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services
from importers.bank import service
from importers.bank.synth import SynthEntry, write_camt053
from ledger.payments import commands as pmt
from tests.auth import api_client, new_key
from tests.clerk import Clerk

OUR_IBAN = "IT60X0542811101000000123456"
SHARED = "123456CHCAFEBABE"
MARCH = SynthEntry(Decimal("2187.00"), unstructured=("Rechnung Maerz",), account_servicer_reference=SHARED)
APRIL = SynthEntry(Decimal("1296.00"), unstructured=("Rechnung April",), account_servicer_reference=SHARED)


def statement(tmp_path: Path, name: str, entries: list[SynthEntry]) -> bytes:
    path = tmp_path / name
    write_camt053(path, entries, account_iban=OUR_IBAN, booking_date=date(2026, 3, 20))
    return path.read_bytes()


def bank_cents(clerk: Clerk) -> int:
    """What the ledger says arrived on our bank account, in cents."""
    journal = clerk.services.view.journal(0, 1_000_000)
    return sum(r[9] - r[10] for r in journal if r[8] == f"bank:{OUR_IBAN}")


def batch_statement(reference: str, amounts: tuple[str, ...]) -> bytes:
    """A camt.053.001.08 whose one entry is a batch; every TxDtls carries the same AcctSvcrRef."""
    total = sum(Decimal(a) for a in amounts)
    details = "".join(
        f"<TxDtls><Refs><AcctSvcrRef>{reference}</AcctSvcrRef><EndToEndId>E2E-{n}</EndToEndId></Refs>"
        f'<Amt Ccy="EUR">{a}</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf><Ustrd>batch part {n}</Ustrd></RmtInf>'
        "</TxDtls>"
        for n, a in enumerate(amounts, 1)
    )

    def balance(code: str, amount: Decimal) -> str:
        return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
                "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-20</Dt></Dt></Bal>")

    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>BATCH-1</MsgId><CreDtTm>2026-03-20T23:00:00+00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>BATCH-1</Id><Acct><Id><IBAN>{OUR_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{balance('OPBD', Decimal('0.00'))}{balance('CLBD', total)}"
        f'<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><Dt>2026-03-20</Dt></BookgDt><ValDt><Dt>2026-03-20</Dt></ValDt>"
        f"<AcctSvcrRef>{reference}</AcctSvcrRef>"
        f"<NtryDtls><Btch><NbOfTxs>{len(amounts)}</NbOfTxs></Btch>{details}</NtryDtls></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def test_two_entries_sharing_a_bank_reference_are_both_booked(clerk: Clerk, tmp_path: Path) -> None:
    data = statement(tmp_path, "ch.xml", [MARCH, APRIL])
    report = service.import_statement(clerk.services, data, "ch.xml")
    assert report.refused == []
    assert (report.to_suspense, report.amount_to_suspense) == (2, Decimal("3483.00"))
    assert bank_cents(clerk) == 348300
    position = clerk.services.app.recorder.max_notification_id()
    again = service.import_statement(clerk.services, data, "ch-again.xml")
    assert again.file_already_imported
    assert clerk.services.app.recorder.max_notification_id() == position


def test_a_re_import_that_reads_the_file_again_books_nothing_twice(
    clerk: Clerk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-entry keys alone (no record of the file yet, e.g. after a crash) dedupe the shared ones."""
    data = statement(tmp_path, "twins.xml", [MARCH, APRIL, APRIL])  # two identical April payments
    monkeypatch.setattr(service, "IMPORT_BATCH", 2)  # the shared reference spans two batches
    first = service.import_statement(clerk.services, data, "twins.xml")
    assert (first.to_suspense, first.refused) == (3, [])
    assert bank_cents(clerk) == 477900
    monkeypatch.setattr(clerk.services.app.payments, "statement_file", lambda sha256: None)
    position = clerk.services.app.recorder.max_notification_id()
    again = service.import_statement(clerk.services, data, "twins.xml")
    assert (again.duplicates, again.to_suspense, again.booked) == (3, 0, 0)
    assert clerk.services.app.recorder.max_notification_id() == position


def test_batch_transactions_sharing_a_reference_are_each_booked(clerk: Clerk) -> None:
    data = batch_statement("OCA-BATCH-REF", ("100.00", "120.00", "80.00"))
    report = service.import_statement(clerk.services, data, "batch.xml")
    assert report.refused == []
    assert report.to_suspense == 3 and report.amount_to_suspense == Decimal("300.00")
    assert bank_cents(clerk) == 30000


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def test_entries_refused_for_their_amount_are_reported_every_time(
    http: TestClient, clerk: Clerk, tmp_path: Path
) -> None:
    data = statement(tmp_path, "odd.xml", [
        SynthEntry(Decimal("10.00"), unstructured=("ok",), account_servicer_reference="O1"),
        SynthEntry(Decimal("12.345"), unstructured=("sub-cent",), account_servicer_reference="O2"),
        SynthEntry(Decimal("0.00"), unstructured=("nothing",), account_servicer_reference="O3"),
    ])
    upload = http.post("/bank/statements", files={"file": ("odd.xml", data, "application/xml")},
                       headers=new_key())
    assert upload.status_code == 201, upload.text
    body = upload.json()
    assert body["to_suspense"] == 1
    assert body["imported_in_full"] is False  # the clerk sees at once that the file is not done
    refused = body["refused"]
    assert [r["where"] for r in refused] == [
        f"odd.xml line {line}, Stmt[1]/Ntry[{n}]" for line, n in ((10, 2), (11, 3))
    ]
    assert "12.345" in refused[0]["reason"] and "2 decimals" in refused[0]["reason"]
    assert "positive" in refused[1]["reason"]
    assert [r["amount"] for r in refused] == ["CRDT 12.345 EUR", "CRDT 0.00 EUR"]
    position = clerk.services.app.recorder.max_notification_id()
    again = http.post("/bank/statements", files={"file": ("odd.xml", data, "application/xml")},
                      headers=new_key())
    assert again.json()["file_already_imported"] is False  # not "imported in full": it is read again
    assert again.json()["duplicates"] == 1
    assert [r["where"] for r in again.json()["refused"]] == [r["where"] for r in refused]
    assert clerk.services.app.recorder.max_notification_id() == position
    assert bank_cents(clerk) == 1000


def test_a_file_recorded_by_older_code_is_read_again_and_the_lost_receipt_booked(
    clerk: Clerk, tmp_path: Path
) -> None:
    """Older code recorded a file even when it had refused the second receipt of a shared reference."""
    service.import_statement(clerk.services, statement(tmp_path, "first.xml", [MARCH]), "first.xml")
    data = statement(tmp_path, "both.xml", [MARCH, APRIL])
    sha256 = hashlib.sha256(data).hexdigest()
    # What older code left behind: the file recorded (its report says nothing of refusals), April lost.
    clerk.services.app.execute(pmt.RecordStatementFile(sha256, "both.xml", (("entries", "2"),)),
                               f"file:{sha256}")
    report = service.import_statement(clerk.services, data, "both.xml")
    assert not report.file_already_imported
    assert (report.duplicates, report.to_suspense, report.refused) == (1, 1, [])
    assert bank_cents(clerk) == 348300
    record = clerk.services.app.payments.statement_file(sha256)
    assert record is not None and record.in_full and record.version == 2
    assert service.import_statement(clerk.services, data, "both.xml").file_already_imported


def test_a_bank_reference_reused_in_a_later_file_with_other_details_is_reported(
    clerk: Clerk, tmp_path: Path
) -> None:
    """Across files the bank's reference names one movement: other details under it are not booked blind."""
    service.import_statement(clerk.services, statement(tmp_path, "mon.xml", [MARCH]), "mon.xml")
    other = SynthEntry(Decimal("99.00"), unstructured=("Rechnung Mai",), account_servicer_reference=SHARED)
    data = statement(tmp_path, "tue.xml", [other])
    report = service.import_statement(clerk.services, data, "tue.xml")
    (refused,) = report.refused
    assert refused["where"] == "tue.xml line 9, Stmt[1]/Ntry[1]"
    assert "imported before with other details" in refused["reason"] and "by hand" in refused["reason"]
    assert not report.imported_in_full and bank_cents(clerk) == 218700
    again = service.import_statement(clerk.services, data, "tue.xml")
    assert not again.file_already_imported and len(again.refused) == 1


def test_a_file_booked_whole_says_so(http: TestClient, tmp_path: Path) -> None:
    data = statement(tmp_path, "good.xml", [
        SynthEntry(Decimal("10.00"), unstructured=("ok",), account_servicer_reference="G1")])
    body = http.post("/bank/statements", files={"file": ("good.xml", data, "application/xml")},
                     headers=new_key()).json()
    assert body["imported_in_full"] is True
