"""Swiss status reports (pain.002.001.03.ch.02, SIX namespace) read as the ISO version they restrict.

Files in tests/fixtures/bank/ (sources in its README): a whole file rejected (ZKB, FF01), a batch
rejected (NARR), and a direct-debit collection answered per transaction (AM04, MD01, one accepted).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank.errors import BankFileError
from importers.sepa import StatusItem, read_pain002

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bank"


def read(name: str) -> list[StatusItem]:
    return read_pain002(CORPUS / name).read_all()


def test_a_whole_file_rejected_by_a_swiss_bank() -> None:
    (item,) = read("sps_pain002_v03_ch02_file_rejected.xml")
    assert (item.level, item.status, item.reason_code, item.original_message_id) == (
        "group", "RJCT", "FF01", "NOTPROVIDED")
    assert item.additional_info == ("Fataler Fehler: Ein pain.001 Parsing Fehler ist aufgetreten.",)
    assert item.report_message_id == "11313ABJW132157297310"


def test_a_batch_rejected_by_a_swiss_bank() -> None:
    (item,) = read("sps_pain002_v03_ch02_batch_rejected.xml")
    assert (item.level, item.status, item.reason_code) == ("payment", "RJCT", "NARR")
    assert (item.original_message_id, item.original_payment_information_id) == (
        "MSGID-COM-SCE25-1707-01", "PMTINFID-COM-SCE25-1707-01")
    assert item.additional_info == ("CAP Invalid code or combinations in CategoryPurpose or ServiceLevel",)


def test_swiss_direct_debit_rejects_per_transaction() -> None:
    reader = read_pain002(CORPUS / "sps_pain002_v03_ch02_dd_rejects.xml")
    am04, md01, accepted = reader.read_all()
    assert reader.version == "001.03"
    assert [(i.original_end_to_end_id, i.status, i.reason_code, i.amount, i.currency, i.mandate_id)
            for i in (am04, md01, accepted)] == [
        ("DD-2026-03-000201", "RJCT", "AM04", Decimal("120.00"), "CHF", "CH-DD-MNDT-000201"),
        ("DD-2026-03-000202", "RJCT", "MD01", Decimal("80.00"), "CHF", "CH-DD-MNDT-000202"),
        ("DD-2026-03-000203", "ACCP", None, Decimal("100.00"), "CHF", None)]
    assert am04.requested_collection_date == date(2026, 3, 10)
    assert am04.additional_info == ("Ungenügende Deckung",)
    assert (am04.original_payment_information_id, am04.element_path) == (
        "CH-DD-2026-03-10", "OrgnlPmtInfAndSts[1]/TxInfAndSts[1]")


@pytest.mark.parametrize("namespace", [
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03.ch.02",
    "http://www.six-interbank-clearing.com/fr/pain.002.001.03.ch.02.xsd",
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
])
def test_every_spelling_of_the_namespace_is_read(namespace: str, tmp_path: Path) -> None:
    data = (CORPUS / "sps_pain002_v03_ch02_batch_rejected.xml").read_bytes().replace(
        b"http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd", namespace.encode())
    path = tmp_path / "status.xml"
    path.write_bytes(data)
    (item,) = read_pain002(path).read_all()
    assert (item.status, item.reason_code) == ("RJCT", "NARR")


def test_a_swiss_payment_order_is_not_a_status_report(tmp_path: Path) -> None:
    data = (CORPUS / "sps_pain002_v03_ch02_batch_rejected.xml").read_bytes().replace(
        b"pain.002.001.03.ch.02", b"pain.001.001.03.ch.02")
    path = tmp_path / "order.xml"
    path.write_bytes(data)
    with pytest.raises(BankFileError, match="not a pain.002 document: root element "
                                            r"\{http://www.six-interbank-clearing.com/de/pain.001"):
        read_pain002(path).read_all()
