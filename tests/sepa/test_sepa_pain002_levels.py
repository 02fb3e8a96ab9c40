"""pain.002 group and block statuses as stated (issue 9, finding 5): kept, with the totals the bank quotes."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank.errors import BankFileError
from importers.sepa import read_pain002

HERE = Path(__file__).resolve().parent
OURS = HERE.parent / "fixtures" / "sepa"


def levels(path: Path) -> list[tuple[object, ...]]:
    reader = read_pain002(path)
    reader.read_all()
    return [(i.level, i.original_payment_information_id, i.status, i.reason_code,
             i.original_number_of_transactions, i.original_control_sum, i.element_path)
            for i in reader.levels]


def test_a_part_group_and_its_blocks_are_kept_though_transactions_are_listed() -> None:
    assert levels(HERE / "fixtures" / "pain002_v10_rejects.xml") == [
        ("group", None, "PART", None, 3, None, "OrgnlGrpInfAndSts"),
        ("payment", "RCUR-2026-03-12", "PART", None, 2, None, "OrgnlPmtInfAndSts[1]"),
        ("payment", "FRST-2026-03-12", "RJCT", "MD01", None, None, "OrgnlPmtInfAndSts[2]")]


def test_a_block_rejected_whole_and_one_accepted() -> None:
    assert levels(OURS / "pain002_block_rejected.xml") == [
        ("group", None, "PART", None, 2, Decimal("70.00"), "OrgnlGrpInfAndSts"),
        ("payment", "FRST-2026-03-21", "ACCP", None, 1, Decimal("40.00"), "OrgnlPmtInfAndSts[1]"),
        ("payment", "RCUR-2026-03-21", "RJCT", "MS03", 1, Decimal("30.00"), "OrgnlPmtInfAndSts[2]")]


def test_a_whole_file_rejected_is_both_the_item_and_the_level() -> None:
    reader = read_pain002(OURS / "pain002_group_rejected.xml")
    (item,) = reader.read_all()
    assert reader.levels == [item]
    assert (item.original_number_of_transactions, item.original_control_sum) == (2, Decimal("145.20"))


def test_a_report_without_group_or_block_status_states_no_level() -> None:
    reader = read_pain002(OURS / "oca" / "test-sepa-pain-unpaid.xml")
    assert len(reader.read_all()) == 4 and reader.levels == []


GROUP = ("<OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"
         "{totals}<GrpSts>RJCT</GrpSts></OrgnlGrpInfAndSts>")


@pytest.mark.parametrize(("totals", "reason", "where"), [
    ("<OrgnlNbOfTxs>two</OrgnlNbOfTxs>", "invalid number of transactions 'two'",
     "OrgnlGrpInfAndSts/OrgnlNbOfTxs"),
    ("<OrgnlCtrlSum>1,50</OrgnlCtrlSum>", "unparsable control sum '1,50'", "OrgnlGrpInfAndSts/OrgnlCtrlSum"),
])
def test_unreadable_totals_are_refused_naming_the_element(totals: str, reason: str, where: str) -> None:
    ns = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
    body = f'<Document xmlns="{ns}"><CstmrPmtStsRpt>{GROUP.format(totals=totals)}</CstmrPmtStsRpt></Document>'
    with pytest.raises(BankFileError) as caught:
        read_pain002(io.BytesIO(body.encode()), "bad.xml").read_all()
    assert caught.value.reason == reason and caught.value.location.endswith(where)
