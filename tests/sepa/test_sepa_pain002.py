"""pain.002 status reports (001.03 and 001.10): concrete values, inheritance, hostile files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank.errors import BankFileError
from importers.sepa import Collection, Company, PostalAddress, StatusItem, read_pain002, write_pain008
from ledger.collections import DEFAULT_POLICY, ReturnAction, decide_return

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read(name: str) -> list[StatusItem]:
    return read_pain002(FIXTURES / name).read_all()


def error(source: Path | io.BytesIO, **options: int) -> BankFileError:
    with pytest.raises(BankFileError) as caught:
        read_pain002(source, **options).read_all()  # type: ignore[arg-type]
    return caught.value


def test_v03_transaction_rejects_with_am04_md01_ac04() -> None:
    am04, md01, ac04, batch = read("pain002_v03_rejects.xml")
    assert (am04.original_message_id, am04.original_payment_information_id, am04.original_end_to_end_id,
            am04.status, am04.reason_code, am04.amount, am04.currency, am04.mandate_id) == (
        "MSG-2026-0001", "RCUR-2026-03-10", "E2E-0001", "RJCT", "AM04", Decimal("84.20"), "EUR", "UMR-0001")
    assert am04.requested_collection_date == date(2026, 3, 10)
    assert am04.additional_info == ("Insufficient funds",)
    assert am04.report_message_id == "STS-20260311-0001"
    assert (am04.line, am04.element_path, am04.level) == (27, "OrgnlPmtInfAndSts[1]/TxInfAndSts[1]",
                                                         "transaction")
    assert (md01.original_end_to_end_id, md01.reason_code, md01.amount, md01.mandate_id) == (
        "E2E-0002", "MD01", Decimal("120.00"), "UMR-0002")
    assert (ac04.original_end_to_end_id, ac04.reason_code, ac04.amount, ac04.mandate_id,
            ac04.element_path) == ("E2E-0003", "AC04", Decimal("58.50"), "UMR-0003",
                                   "OrgnlPmtInfAndSts[1]/TxInfAndSts[3]")
    assert all(i.is_rejected for i in (am04, md01, ac04))
    assert (batch.level, batch.status, batch.original_payment_information_id, batch.original_end_to_end_id,
            batch.element_path) == ("payment", "ACCP", "FRST-2026-03-10", None, "OrgnlPmtInfAndSts[2]")


def test_v10_mandate_choice_party_choice_and_inherited_status() -> None:
    ac04, accepted, inherited = read("pain002_v10_rejects.xml")
    assert (ac04.original_message_id, ac04.original_end_to_end_id, ac04.original_instruction_id,
            ac04.status, ac04.reason_code, ac04.amount, ac04.mandate_id) == (
        "MSG-2026-0002", "E2E-0011", "INSTR-11", "RJCT", "AC04", Decimal("45.10"), "UMR-ES-0011")
    assert (accepted.status, accepted.reason_code, accepted.amount) == ("ACCP", None, Decimal("61.00"))
    assert (inherited.original_payment_information_id, inherited.original_end_to_end_id, inherited.status,
            inherited.reason_code, inherited.additional_info, inherited.mandate_id) == (
        "FRST-2026-03-12", "E2E-0013", "RJCT", "MD01", ("No mandate",), "UMR-ES-0013")


def test_group_level_rejection() -> None:
    (item,) = read("pain002_group_reject.xml")
    assert (item.level, item.original_message_id, item.status, item.reason_code, item.element_path) == (
        "group", "MSG-2026-0003", "RJCT", "FF01", "OrgnlGrpInfAndSts")
    assert item.original_payment_information_id is None and item.original_end_to_end_id is None
    assert item.additional_info == ("Invalid file format: control sum does not match",)


def test_doctype_and_entities_are_refused_before_parsing() -> None:
    caught = error(FIXTURES / "pain002_doctype.xml")
    assert caught.file_name == "pain002_doctype.xml"
    assert caught.location == "line 2" and "DOCTYPE is not allowed" in caught.reason


def test_truncated_file_raises_after_the_complete_items() -> None:
    reader = read_pain002(FIXTURES / "pain002_truncated.xml")
    first = next(reader)
    assert first.original_end_to_end_id == "E2E-0021"
    with pytest.raises(BankFileError) as caught:
        next(reader)
    assert caught.value.location == "line 26" and caught.value.reason.startswith("malformed XML")


def doc(body: str, version: str = "001.03") -> io.BytesIO:
    ns = f"urn:iso:std:iso:20022:tech:xsd:pain.002.{version}"
    return io.BytesIO(f'<Document xmlns="{ns}"><CstmrPmtStsRpt>{body}</CstmrPmtStsRpt></Document>'.encode())


GROUP = "<OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"


@pytest.mark.parametrize(("source", "reason"), [
    (doc(GROUP + "<GrpSts>RJCT</GrpSts></OrgnlGrpInfAndSts>", "001.02"), "unsupported message version"),
    (io.BytesIO(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>'), "not a pain.002"),
    (doc(""), "missing OrgnlGrpInfAndSts"),
    (doc(GROUP + "</OrgnlGrpInfAndSts>"), "no status"),
    (doc(GROUP + "<GrpSts>rejected</GrpSts></OrgnlGrpInfAndSts>"), "invalid status code 'rejected'"),
    (doc(GROUP + "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId><TxInfAndSts>"
         "<OrgnlEndToEndId>E</OrgnlEndToEndId><TxSts>RJCT</TxSts><OrgnlTxRef><Amt>"
         '<InstdAmt Ccy="EUR">1,00</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts></OrgnlPmtInfAndSts>'),
     "unparsable amount '1,00'"),
    (doc(GROUP + "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId><TxInfAndSts>"
         "<OrgnlEndToEndId>E</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>"), "no status"),
    (doc("<OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId></OrgnlPmtInfAndSts>"),
     "OrgnlPmtInfAndSts before OrgnlGrpInfAndSts"),
])
def test_broken_reports(source: io.BytesIO, reason: str) -> None:
    assert reason in error(source).reason


def test_size_limit() -> None:
    caught = error(FIXTURES / "pain002_v03_rejects.xml", max_bytes=1000)
    assert "larger than the limit" in caught.reason


def test_a_reject_matches_our_collection_by_end_to_end_id_and_drives_the_policy() -> None:
    creditor = Company("Energia Verde S.p.A.", "IT60X0542811101000000123456",
                       creditor_id="IT66ZZZA1B2C3D4E5F6G7H8")
    collection = Collection("E2E-0001", Decimal("84.20"), date(2026, 3, 10), "RCUR", "UMR-0001",
                            date(2025, 1, 5), "Mario Rossi", "IT76W0306909606100000123456",
                            PostalAddress("Torino", "IT"))
    sent = write_pain008(creditor, [collection], message_id="MSG-2026-0001",
                         created_at=datetime(2026, 3, 1, tzinfo=UTC))
    by_key = {(sent.message_id, b.payment_information_id, e2e): e2e
              for b in sent.batches for e2e in b.end_to_end_ids}
    rejects = [i for i in read("pain002_v03_rejects.xml") if i.is_rejected]
    matched = [i for i in rejects if (i.original_message_id, i.original_payment_information_id,
                                      i.original_end_to_end_id) in by_key]
    assert [i.original_end_to_end_id for i in matched] == ["E2E-0001"]
    decision = decide_return(DEFAULT_POLICY, matched[0].reason_code or "", 1, collection.collection_date,
                             date(2026, 3, 11))
    assert decision.action is ReturnAction.RETRY and decision.within_window
