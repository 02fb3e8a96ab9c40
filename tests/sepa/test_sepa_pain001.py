"""pain.001.001.09 refund files: XSD-valid, our ids, bad input refused before sepaxml."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from lxml import etree

import importers.sepa.pain001 as pain001
from importers.sepa import Company, PostalAddress, Transfer, write_pain001
from ledger.core.errors import InvalidInput

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
US = Company("Energia Verde S.p.A.", "IT60X0542811101000000123456",
             address=PostalAddress("Milano", "IT", "Via Roma", "1", "20121"))
CREATED = datetime(2026, 3, 1, 9, 0)


def refund(e2e: str = "RFD-1", **changes: Any) -> Transfer:
    base = Transfer(e2e, Decimal("12.30"), date(2026, 3, 5), "Mario Rossi", "IT76W0306909606100000123456",
                    PostalAddress("Torino", "IT", address_lines=("Corso Francia 10",)),
                    "Rimborso nota di credito NC-2026-7")
    return replace(base, **changes)


def test_refund_file_is_xsd_valid_with_our_ids() -> None:
    result = write_pain001(US, [refund("RFD-2", execution_date=date(2026, 3, 6), creditor_bic="COBADEFFXXX",
                                       creditor_iban="DE89370400440532013000"), refund("RFD-1")],
                           message_id="REF-2026-0001", created_at=CREATED)
    root = etree.fromstring(result.content)
    xsd = etree.XMLSchema(etree.fromstring(
        files("sepaxml").joinpath("schemas", "pain.001.001.09.xsd").read_bytes()))
    xsd.assertValid(root)
    assert result.payment_information_ids == ("TRF-2026-03-05", "TRF-2026-03-06")
    assert [n.text for n in root.xpath("//p:PmtInf/p:PmtInfId", namespaces=NS)] == list(
        result.payment_information_ids)
    assert [n.text for n in root.xpath("//p:EndToEndId", namespaces=NS)] == ["RFD-1", "RFD-2"]
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS) == "REF-2026-0001"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "24.60"
    assert [n.text for n in root.xpath("//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS)] == [
        "NOTPROVIDED", "NOTPROVIDED"]
    assert [n.text for n in root.xpath("//p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS)] == ["COBADEFFXXX"]
    assert [n.text for n in root.xpath("//p:Cdtr/p:PstlAdr/p:TwnNm", namespaces=NS)] == ["Torino", "Torino"]
    assert result.control_sum == Decimal("24.60")


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": Decimal("0.00")}, "transfers[0].amount"),
    ({"amount": Decimal("-1.00")}, "transfers[0].amount"),
    ({"amount": Decimal("1.001")}, "transfers[0].amount"),
    ({"creditor_address": None}, "transfers[0].creditor_address"),
    ({"creditor_iban": "ES9121000418450200051331"}, "transfers[0].creditor_iban"),
    ({"remittance_text": ""}, "transfers[0].remittance_text"),
    ({"currency": "SEK"}, "transfers[0].currency"),
])
def test_bad_refunds_are_refused_before_sepaxml(monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any],
                                                field: str) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("sepaxml must not be reached with bad input")

    monkeypatch.setattr(pain001, "SepaTransfer", never)
    with pytest.raises(InvalidInput) as caught:
        write_pain001(US, [refund(**changes)], message_id="REF-1", created_at=CREATED)
    assert caught.value.field == field
