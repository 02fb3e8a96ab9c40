"""pain.008.001.08 collection files: XSD-valid, RF reference and amendments in place, bad input refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import importers.sepa.pain008 as pain008
from importers.sepa import Collection, Company, PostalAddress, SepaSchemaError, _tree, _xsd, write_pain008
from ledger.collections import MandateAmendment
from ledger.core.errors import InvalidInput

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
CREDITOR = Company("Energia Verde S.p.A.", "IT60X0542811101000000123456",
                   address=PostalAddress("Milano", "IT", "Via Roma", "1", "20121"),
                   creditor_id="IT66ZZZA1B2C3D4E5F6G7H8")
HYBRID = PostalAddress("Torino", "IT", address_lines=("Corso Francia 10",))


def item(e2e: str = "E2E-0001", **changes: Any) -> Collection:
    base = Collection(e2e, Decimal("84.20"), date(2026, 3, 10), "RCUR", "UMR-0001", date(2025, 1, 5),
                      "Mario Rossi", "IT76W0306909606100000123456", HYBRID,
                      remittance_text="Bolletta 2026/0042")
    return replace(base, **changes)


def write(*items: Collection, **options: Any) -> pain008.Pain008File:
    return write_pain008(CREDITOR, list(items), message_id="MSG-2026-0001", created_at=CREATED, **options)


def xsd() -> etree.XMLSchema:
    source = files("sepaxml").joinpath("schemas", "pain.008.001.08.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


def tree(content: bytes) -> Any:
    return etree.fromstring(content)


def texts(root: Any, path: str) -> list[str]:
    return [node.text for node in root.xpath(path, namespaces=NS)]


def test_output_is_valid_against_the_xsd_and_carries_our_ids() -> None:
    result = write(item("E2E-A"), item("E2E-B", amount=Decimal("0.01"), debtor_bic="BCITITMMXXX"))
    root = tree(result.content)
    xsd().assertValid(root)
    assert result.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert texts(root, "//p:GrpHdr/p:MsgId") == ["MSG-2026-0001"]
    assert texts(root, "//p:GrpHdr/p:CreDtTm") == ["2026-03-01T09:30:00+00:00"]
    assert texts(root, "//p:GrpHdr/p:NbOfTxs") == ["2"]
    assert texts(root, "//p:GrpHdr/p:CtrlSum") == ["84.21"]
    assert texts(root, "//p:DrctDbtTxInf/p:PmtId/p:EndToEndId") == ["E2E-A", "E2E-B"]
    assert texts(root, "//p:DrctDbtTxInf/p:InstdAmt") == ["84.20", "0.01"]
    assert texts(root, "//p:PmtTpInf/p:LclInstrm/p:Cd") == ["CORE"]
    assert texts(root, "//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == ["IT66ZZZA1B2C3D4E5F6G7H8"]
    assert texts(root, "//p:DrctDbtTxInf[2]/p:DbtrAgt/p:FinInstnId/p:BICFI") == ["BCITITMMXXX"]
    assert texts(root, "//p:Dbtr/p:PstlAdr/p:TwnNm") == ["Torino", "Torino"]
    assert result.control_sum == Decimal("84.21") and result.number_of_transactions == 2


def test_batches_by_sequence_type_and_collection_date() -> None:
    items = [item("E2E-1", sequence_type="RCUR", collection_date=date(2026, 3, 12)),
             item("E2E-2", sequence_type="FRST"),
             item("E2E-3", sequence_type="RCUR"),
             item("E2E-4", sequence_type="RCUR", amount=Decimal("15.80"))]
    result = write(*items)
    root = tree(result.content)
    xsd().assertValid(root)
    assert [(b.payment_information_id, b.end_to_end_ids, b.control_sum) for b in result.batches] == [
        ("FRST-2026-03-10", ("E2E-2",), Decimal("84.20")),
        ("RCUR-2026-03-10", ("E2E-3", "E2E-4"), Decimal("100.00")),
        ("RCUR-2026-03-12", ("E2E-1",), Decimal("84.20")),
    ]
    blocks = root.xpath("//p:PmtInf", namespaces=NS)
    assert [(b.findtext("p:PmtInfId", namespaces=NS), b.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS),
             b.findtext("p:ReqdColltnDt", namespaces=NS), b.findtext("p:NbOfTxs", namespaces=NS),
             b.findtext("p:CtrlSum", namespaces=NS)) for b in blocks] == [
        ("FRST-2026-03-10", "FRST", "2026-03-10", "1", "84.20"),
        ("RCUR-2026-03-10", "RCUR", "2026-03-10", "2", "100.00"),
        ("RCUR-2026-03-12", "RCUR", "2026-03-12", "1", "84.20"),
    ]


def test_structured_rf_reference_at_the_xsd_path() -> None:
    result = write(item(remittance_text=None, creditor_reference="rf18 5390 0754 7034"))
    root = tree(result.content)
    xsd().assertValid(root)
    info = root.xpath("//p:DrctDbtTxInf/p:RmtInf/p:Strd/p:CdtrRefInf", namespaces=NS)
    assert len(info) == 1
    assert info[0].findtext("p:Tp/p:CdOrPrtry/p:Cd", namespaces=NS) == "SCOR"
    assert info[0].findtext("p:Tp/p:Issr", namespaces=NS) == "ISO"
    assert info[0].findtext("p:Ref", namespaces=NS) == "RF18539007547034"
    assert root.xpath("//p:RmtInf/p:Ustrd", namespaces=NS) == []
    transaction = root.xpath("//p:DrctDbtTxInf", namespaces=NS)[0]
    assert etree.QName(transaction[-1]).localname == "RmtInf"


def test_no_remittance_at_all_leaves_rmtinf_out() -> None:
    root = tree(write(item(remittance_text=None)).content)
    xsd().assertValid(root)
    assert root.xpath("//p:RmtInf", namespaces=NS) == []


def test_mandate_amendment_details_follow_the_signature_date() -> None:
    amendment = MandateAmendment(original_reference="UMR-OLD-1", original_creditor_id="DE98ZZZ09999999999",
                                 original_iban="IT24D0542811101000000654321")
    root = tree(write(item(amendment=amendment), item("E2E-2", amendment=MandateAmendment(other_bank=True)),
                      item("E2E-3", amendment=MandateAmendment())).content)
    xsd().assertValid(root)
    first, second, third = root.xpath("//p:MndtRltdInf", namespaces=NS)
    assert [etree.QName(child).localname for child in first] == ["MndtId", "DtOfSgntr", "AmdmntInd",
                                                                 "AmdmntInfDtls"]
    assert first.findtext("p:AmdmntInd", namespaces=NS) == "true"
    details = first.find("p:AmdmntInfDtls", namespaces=NS)
    assert details.findtext("p:OrgnlMndtId", namespaces=NS) == "UMR-OLD-1"
    scheme_id = details.findtext("p:OrgnlCdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS)
    assert scheme_id == "DE98ZZZ09999999999"
    assert details.findtext("p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=NS) == "IT24D0542811101000000654321"
    new_agent = second.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS)
    assert new_agent == "SMNDA"
    assert third.find("p:AmdmntInd", namespaces=NS) is None  # an empty amendment is no amendment


def test_b2b_instrument_and_deterministic_output() -> None:
    first = write(item(), scheme="B2B")
    assert texts(tree(first.content), "//p:LclInstrm/p:Cd") == ["B2B"]
    assert write(item(), scheme="B2B").content == first.content  # no clock, no randomness


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": Decimal("0")}, "collections[0].amount"),
    ({"amount": Decimal("0.00")}, "collections[0].amount"),
    ({"amount": Decimal("-5.00")}, "collections[0].amount"),
    ({"amount": Decimal("10.005")}, "collections[0].amount"),
    ({"amount": 10.5}, "collections[0].amount"),
    ({"amount": 1050}, "collections[0].amount"),  # integer cents are sepaxml's convention, not ours
    ({"amount": Decimal("1000000000.00")}, "collections[0].amount"),
    ({"debtor_address": None}, "collections[0].debtor_address"),
    ({"debtor_address": PostalAddress("", "IT", "Via Po", "3")}, "collections[0].debtor_address.town"),
    ({"debtor_address": PostalAddress("Torino", "Italia")}, "collections[0].debtor_address.country"),
    ({"debtor_address": PostalAddress("Torino", "IT", address_lines=("a", "b", "c"))},
     "collections[0].debtor_address.address_lines"),
    ({"end_to_end_id": "E2E_0001"}, "collections[0].end_to_end_id"),
    ({"end_to_end_id": "E" * 36}, "collections[0].end_to_end_id"),
    ({"mandate_id": "UMR//1"}, "collections[0].mandate_id"),
    ({"debtor_iban": "IT64Y0542811101000000123456"}, "collections[0].debtor_iban"),
    ({"debtor_bic": "BCITITM"}, "collections[0].debtor_bic"),
    ({"sequence_type": "RCR"}, "collections[0].sequence_type"),
    ({"currency": "CHF"}, "collections[0].currency"),
    ({"creditor_reference": "RF19539007547034", "remittance_text": None},
     "collections[0].creditor_reference"),
    ({"creditor_reference": "RF18539007547034"}, "collections[0].creditor_reference"),  # and a text
    ({"collection_date": date(2026, 2, 28)}, "collections[0].collection_date"),
    ({"mandate_signed_on": date(2026, 3, 11)}, "collections[0].mandate_signed_on"),
    ({"debtor_name": "x" * 71}, "collections[0].debtor_name"),
    ({"remittance_text": "x" * 141}, "collections[0].remittance_text"),
])
def test_bad_input_is_refused_before_sepaxml(monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any],
                                             field: str) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("sepaxml must not be reached with bad input")

    monkeypatch.setattr(pain008, "SepaDD", never)
    with pytest.raises(InvalidInput) as caught:
        write(item(**changes))
    assert caught.value.field == field


@pytest.mark.parametrize(("creditor", "field"), [
    (replace(CREDITOR, creditor_id=None), "creditor.creditor_id"),
    (replace(CREDITOR, creditor_id="DE99ZZZ09999999999"), "creditor.creditor_id"),
    (replace(CREDITOR, iban="IT60X0542811101000000123457"), "creditor.iban"),
    (replace(CREDITOR, address=PostalAddress("Milano", "")), "creditor.address.country"),
])
def test_bad_creditor_is_refused(creditor: Company, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        write_pain008(creditor, [item()], message_id="MSG-1", created_at=CREATED)
    assert caught.value.field == field


def test_file_level_checks() -> None:
    with pytest.raises(InvalidInput) as caught:
        write(item("E2E-1"), item("E2E-1"))
    assert caught.value.field == "collections[1].end_to_end_id"
    with pytest.raises(InvalidInput):
        write()
    with pytest.raises(InvalidInput):
        write(item(), scheme="COR1")
    with pytest.raises(InvalidInput):
        write_pain008(CREDITOR, [item()], message_id="MSG 2026 //1", created_at=CREATED)


def test_an_invalid_final_file_raises_a_clear_schema_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tree: Any, transaction: Any, text: str | None, reference: str | None) -> None:
        tree.child(transaction, "Bogus", "x")

    monkeypatch.setattr(_tree, "set_remittance", broken)
    with pytest.raises(SepaSchemaError) as caught:
        write(item())
    assert caught.value.schema == "pain.008.001.08"
    assert "Bogus" in caught.value.errors[0] and caught.value.errors[0].startswith("line ")


def test_schema_validation_refuses_entities_and_malformed_bytes() -> None:
    with pytest.raises(SepaSchemaError, match="malformed"):
        _xsd.validate(b"<Document", "pain.008.001.08")
    hostile = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">&e;</Document>')
    with pytest.raises(SepaSchemaError):
        _xsd.validate(hostile, "pain.008.001.08")


sepa_text = st.text(alphabet="abcXYZ019/-?:().,'+ àèéìòùÄÖÜßñç", min_size=1, max_size=70).filter(
    lambda s: s.strip() != "")
identifier = st.text(alphabet="ABCxyz0189-?:().,'+", min_size=1, max_size=35)


@settings(max_examples=40)
@given(st.lists(st.tuples(identifier, st.integers(1, 99_999_999_999), sepa_text,
                          st.sampled_from(["FRST", "RCUR"]), st.integers(0, 40), st.booleans()),
                min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_any_valid_input_gives_an_xsd_valid_file(raw: list[tuple[str, int, str, str, int, bool]]) -> None:
    items = [item(e2e, amount=Decimal(cents).scaleb(-2), debtor_name=name, sequence_type=kind,
                  collection_date=date(2026, 3, 2) + timedelta(days=offset),
                  remittance_text=None if structured else name,
                  creditor_reference="RF18539007547034" if structured else None)
             for e2e, cents, name, kind, offset, structured in raw]
    result = write(*items)
    xsd().assertValid(tree(result.content))
    assert result.control_sum == sum((i.amount for i in items), Decimal("0.00"))
    written = sorted(e for b in result.batches for e in b.end_to_end_ids)
    assert written == sorted(i.end_to_end_id for i in items)
