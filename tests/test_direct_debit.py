"""Direct debit on both stores: mandate → collection run (pain.008) → settlement → returns by policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from lxml import etree

from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.accounts.terms import PaymentMethod
from ledger.collections import DEFAULT_POLICY
from ledger.collections import commands as d
from ledger.core.errors import Conflict, InvalidInput
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.auth import api_client, new_key
from tests.clerk import Clerk

PAIN008 = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
IBAN = "IT60X0542811101000000123456"


def dd_customer(clerk: Clerk, name: str, umr: str) -> UUID:
    partner = clerk.run(
        pc.RegisterPartner(
            name, PartnerKind.PERSON, address=PostalAddress("Via Roma 1", "98122", "Messina", "IT")
        )
    )
    account = UUID(
        clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), f"{name} home", payment_terms_days=10))[
            "account_id"
        ]
    )
    clerk.run(d.RegisterMandate(account, umr, date(2026, 1, 15), name, IBAN))
    return account


def account_of(clerk: Clerk, account_id: UUID) -> ContractAccount:
    account = clerk.services.app.repository.get(account_id)
    assert isinstance(account, ContractAccount)
    return account


def run_once(clerk: Clerk, key: str) -> tuple[UUID, bytes]:
    proposal = dd.propose_run(clerk.services, clerk.clock.today, clerk.clock.today, key)
    run_id = UUID(proposal["run_id"])
    dd.execute_run(clerk.services, run_id)
    return run_id, dd.run_file(clerk.services, run_id).content


def gl(clerk: Clerk, account: UUID, gl_account: str) -> int:
    return sum(
        r[9] - r[10]
        for r in clerk.services.view.journal(0, 100_000)
        if r[7] == str(account) and r[8] == gl_account
    )


def test_collect_return_am04_retry_then_paid(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Mario Rossi", "UMR-0001")
    bill = clerk.bill(account, "84.20", vat="0")
    clerk.clock.advance(10)  # due today
    run_id, xml = run_once(clerk, "run-1")
    tree = etree.fromstring(xml)
    (e2e,) = tree.xpath("//p:DrctDbtTxInf/p:PmtId/p:EndToEndId/text()", namespaces=PAIN008)
    assert tree.xpath("//p:SeqTp/text()", namespaces=PAIN008) == ["FRST"]
    assert tree.xpath("//p:InstdAmt/text()", namespaces=PAIN008) == ["84.20"]
    assert dd.run_file(clerk.services, run_id).content == xml  # re-created byte for byte
    assert clerk.owes(account) == 0 and gl(clerk, account, "dd-clearing") == 8420  # in transit
    with pytest.raises(Conflict):
        clerk.run(d.ExecuteCollectionRun(run_id))  # a run is executed once

    assert dd.settle_due(clerk.services, clerk.clock.today) == 1
    assert gl(clerk, account, "dd-clearing") == 0
    clerk.clock.advance(2)
    result = clerk.run(d.ReturnCollection(account, e2e, "AM04", clerk.clock.today), f"return:{e2e}:AM04")
    assert (result["action"], result["retry"], result["fee"]) == ("retry", True, "8.50")
    again = clerk.run(d.ReturnCollection(account, e2e, "AM04", clerk.clock.today), f"return:{e2e}:AM04")
    assert again["replayed"] is True
    assert clerk.open_amounts(account) == {bill["number"]: Decimal("84.20"), f"FEE-{e2e}": Decimal("8.50")}
    assert account_of(clerk, account).next_sequence_type() == "FRST"  # the first collection came back

    _, xml2 = run_once(clerk, "run-2")  # the retry: a new end-to-end id, fee included
    tree2 = etree.fromstring(xml2)
    assert tree2.xpath("//p:InstdAmt/text()", namespaces=PAIN008) == ["92.70"]
    assert tree2.xpath("//p:EndToEndId/text()", namespaces=PAIN008) != [e2e]
    dd.settle_due(clerk.services, clerk.clock.today)
    assert clerk.owes(account) == 0
    assert gl(clerk, account, "receivables") == 0 and gl(clerk, account, "dd-clearing") == 0


def test_md01_stops_direct_debit_and_switches_to_bank_transfer(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Giulia Bianchi", "UMR-0002")
    clerk.bill(account, "50.00", vat="0")
    clerk.clock.advance(10)
    _, xml = run_once(clerk, "run-1")
    (e2e,) = etree.fromstring(xml).xpath("//p:EndToEndId/text()", namespaces=PAIN008)
    result = clerk.run(d.ReturnCollection(account, e2e, "MD01", clerk.clock.today))
    assert result["action"] == "stop-mandate-new-needed"
    state = account_of(clerk, account)
    assert state.payment_method is PaymentMethod.BANK_TRANSFER
    mandate, _ = clerk.services.view.direct_debit_of(str(account))
    assert mandate is not None and mandate[1] == "revoked"  # the portal sees it too
    assert clerk.owes(account) == Decimal("50.00")
    assert dd.propose_run(clerk.services, clerk.clock.today, clerk.clock.today, "run-2")["collections"] == 0


def test_returns_file_pain002_applies_rejects_and_lists_unknown_ones(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Jordi Puig", "UMR-0003")
    clerk.bill(account, "45.10", vat="0")
    clerk.clock.advance(10)
    _, xml = run_once(clerk, "run-1")
    (e2e,) = etree.fromstring(xml).xpath("//p:EndToEndId/text()", namespaces=PAIN008)
    body = PAIN002.format(e2e=e2e).encode()
    report = dd.import_returns(clerk.services, body, "status.xml")
    assert (report.returned, report.by_action) == (1, {"stop-dd-switch-to-transfer": 1})
    assert [u["end_to_end_id"] for u in report.unknown] == ["NOT-OURS-1"]
    assert dd.import_returns(clerk.services, body, "status.xml").duplicates == 1
    rule = DEFAULT_POLICY.rule_for("AC04")  # closed account: the bank's charge is passed on, no retry
    assert clerk.owes(account) == Decimal("45.10") + rule.bank_charge + rule.return_fee
    assert account_of(clerk, account).payment_method is PaymentMethod.BANK_TRANSFER


def test_mandate_amendment_is_sent_once_with_the_next_collection(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Laia Vidal", "UMR-0004")
    clerk.bill(account, "10.00", vat="0")
    clerk.clock.advance(10)
    run_once(clerk, "run-1")
    dd.settle_due(clerk.services, clerk.clock.today)
    clerk.run(d.ChangeMandateIban(account, "IT76W0306909606100000123456"))  # another bank
    clerk.bill(account, "20.00", vat="0")
    clerk.clock.advance(10)
    _, xml = run_once(clerk, "run-2")
    tree = etree.fromstring(xml)
    assert tree.xpath("//p:AmdmntInd/text()", namespaces=PAIN008) == ["true"]
    assert tree.xpath("//p:DbtrAcct/p:Id/p:IBAN/text()", namespaces=PAIN008) == [
        "IT76W0306909606100000123456"
    ]


def test_bad_mandates_are_refused(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Aino Virtanen", "UMR-0005")
    with pytest.raises(Conflict):
        clerk.run(d.RegisterMandate(account, "UMR-0006", date(2026, 1, 1), "Aino", IBAN))
    clerk.run(d.RevokeMandate(account, "customer asked"))
    with pytest.raises(InvalidInput) as info:
        clerk.run(
            d.RegisterMandate(account, "UMR-0007", date(2026, 1, 1), "Aino", "IT61X0542811101000000123456")
        )
    assert info.value.field == "debtor_iban"


PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-03-12T06:05:00+01:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>SALDO-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>FRST-2026-03-11</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>NOT-OURS-1</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


def test_direct_debit_over_http(clerk: Clerk) -> None:
    partner = clerk.run(
        pc.RegisterPartner(
            "Sofia Esposito",
            PartnerKind.PERSON,
            address=PostalAddress("Via Etnea 5", "95100", "Catania", "IT"),
        )
    )
    account = UUID(clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "Casa"))["account_id"])
    clerk.bill(account, "61.30", vat="0", due=clerk.clock.today)
    with api_client(clerk.services) as http:
        mandate = http.post(
            f"/accounts/{account}/mandate",
            headers={"Idempotency-Key": "m1"},
            json={
                "reference": "UMR-HTTP-1",
                "signed_on": "2026-02-01",
                "debtor_name": "Sofia",
                "debtor_iban": IBAN,
            },
        )
        assert mandate.status_code == 201, mandate.text
        proposal = http.post(
            "/collection-runs",
            headers={"Idempotency-Key": "r1"},
            json={"due_by": "2026-03-01", "collection_date": "2026-03-06"},
        ).json()
        assert proposal["collections"] == 1 and proposal["amount"] == "61.30"
        run = proposal["run_id"]
        assert http.get(f"/collection-runs/{run}").json()["status"] == "proposed"
        assert http.post(f"/collection-runs/{run}/execution", headers=new_key()).status_code == 201
        file = http.get(f"/collection-runs/{run}/pain008.xml")
        assert file.headers["content-type"].startswith("application/xml") and b"UMR-HTTP-1" in file.content
        portal = http.get(f"/accounts/{account}/direct-debit").json()
        assert portal["mandate_status"] == "active"
        assert [(u["amount"], u["collection_date"]) for u in portal["upcoming"]] == [("61.30", "2026-03-06")]
        change = http.post(
            f"/accounts/{account}/mandate/iban",
            headers={"Idempotency-Key": "i1"},
            json={"new_iban": "IT76W0306909606100000123456"},
        )
        assert change.status_code == 201 and change.json()["amendment"] is True
