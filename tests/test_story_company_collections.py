"""Issue 11 item 2 story: a Finnish household is a customer of the network company and of the heat company
and pays both by direct debit. Each company collects with its own run: two pain.008 files, each with that
company's creditor id, name, address and collection IBAN, never one file for both. Each settlement books to
the collecting company's bank account, and each return follows that company's return policy.

Before issue 11 item 2 every run took every mandate, wrote the default company (the Italian power seller)
as creditor, and settled and returned on its IBAN under its policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from lxml import etree

from api.bootstrap import build
from api.cli import main
from importers.sepa import _xsd
from importers.sepa import service as dd
from ledger.accounts.account import ContractAccount
from ledger.accounts.terms import PaymentMethod
from ledger.collections import commands as d
from ledger.collections.run import CollectionRun
from ledger.core.errors import InvalidInput
from tests.auth import api_client
from tests.clerk import Clerk, Clock
from tests.company_scenario import (
    DEMO,
    HEAT_IBAN,
    HEAT_POLICY,
    NETWORK_IBAN,
    POWER_IBAN,
    bank_cents,
    dd_account,
    household,
    run_of,
    with_company,
)

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
INFO = "p:CstmrDrctDbtInitn/p:PmtInf"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _texts(content: bytes, path: str) -> list[str]:
    return [str(e.text) for e in etree.fromstring(content).findall(path, NS)]


def _cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-FI-1</MsgId><CreDtTm>2026-03-03T06:05:00+02:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>{message}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>FRST-2026-03-01</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


def test_each_company_collects_settles_and_takes_returns_on_its_own(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    with_company(clerk, "fi-heat", return_policy=HEAT_POLICY)
    partner = household(clerk)
    network = dd_account(clerk, partner, "fi-network", "VRK-UMR-1")
    heat = dd_account(clerk, partner, "fi-heat", "KLM-UMR-1")
    bills = {network: clerk.bill(network, "80.65", vat="24", due=clerk.clock.today),
             heat: clerk.bill(heat, "40.32", vat="24", due=clerk.clock.today)}

    # The default company has no account of hers: its run collects nothing.
    assert run_of(clerk, None, "run-power")[0]["collections"] == 0
    files = {}
    for company, account, key in (("fi-network", network, "run-network"), ("fi-heat", heat, "run-heat")):
        proposal, run_id = run_of(clerk, company, key)
        assert (proposal["company"], proposal["collections"]) == (company, 1)
        assert [p.account_id for p in dd.load_run(clerk.services, run_id).proposals] == [account]
        files[company] = dd.run_file(clerk.services, run_id)
    for company, iban, creditor_id, name in (
            ("fi-network", NETWORK_IBAN, "FI46ZZZ20774740", "Helsingin Sahkoverkko"),  # SEPA Latin: ä → a
            ("fi-heat", HEAT_IBAN, "FI32ZZZ07372405", "Helsingin Kaukolampo")):
        content = files[company].content
        _xsd.validate(content, "pain.008.001.08")  # raises SepaSchemaError if the file is not valid
        assert _texts(content, f"{INFO}/p:CdtrAcct/p:Id/p:IBAN") == [iban]
        assert _texts(content, f"{INFO}/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == [creditor_id]
        assert _texts(content, f"{INFO}/p:Cdtr/p:Nm") == [name]
        assert _texts(content, f"{INFO}/p:Cdtr/p:PstlAdr/p:TwnNm") == ["Helsinki"]
        assert _texts(content, f"{INFO}/p:CdtrAgt/p:FinInstnId/p:BICFI") == ["NDEAFIHH"]
        assert b"Energia Sicula" not in content and POWER_IBAN.encode() not in content
    assert _texts(files["fi-network"].content, f"{INFO}/p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:MndtId") \
        == ["VRK-UMR-1"]
    assert _texts(files["fi-heat"].content, f"{INFO}/p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:MndtId") \
        == ["KLM-UMR-1"]

    # Settlement: each collection lands on the collection account of the company that collected it.
    assert dd.settle_due(clerk.services, clerk.clock.today) == 2
    assert bank_cents(clerk, NETWORK_IBAN, network) == _cents(bills[network]["gross"])
    assert bank_cents(clerk, HEAT_IBAN, heat) == _cents(bills[heat]["gross"])
    assert bank_cents(clerk, POWER_IBAN) == 0

    # Both debits come back for insufficient funds: the network company re-presents (default policy), the
    # heat company switches the customer to bank transfer, each charging its own fees.
    for company in ("fi-network", "fi-heat"):
        (e2e,) = _texts(files[company].content, f"{INFO}/p:DrctDbtTxInf/p:PmtId/p:EndToEndId")
        body = PAIN002.format(message=files[company].message_id, e2e=e2e).encode()
        report = dd.import_returns(clerk.services, body, f"{company}.xml")
        assert report.returned == 1, report
    assert [bank_cents(clerk, iban) for iban in (NETWORK_IBAN, HEAT_IBAN, POWER_IBAN)] == [0, 0, 0]
    app = clerk.services.app
    network_account, heat_account = app.repository.get(network), app.repository.get(heat)
    assert isinstance(network_account, ContractAccount) and isinstance(heat_account, ContractAccount)
    assert network_account.mandate is not None and network_account.mandate.status.value == "active"
    assert heat_account.payment_method is PaymentMethod.BANK_TRANSFER
    assert clerk.owes(network) == Decimal(bills[network]["gross"]) + Decimal("8.50")  # 3.50 + 5.00
    assert clerk.owes(heat) == Decimal(bills[heat]["gross"]) + Decimal("10.00")  # 1.00 + 9.00
    # The network item is re-presented by the network company's next run, and by no other company's.
    assert run_of(clerk, "fi-heat", "run-heat-2")[0]["collections"] == 0
    assert run_of(clerk, None, "run-power-2")[0]["collections"] == 0
    assert run_of(clerk, "fi-network", "run-network-2")[0]["collections"] == 1


def test_a_run_for_one_company_never_touches_another_companys_accounts(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    partner = household(clerk)
    accounts = {code: dd_account(clerk, partner, code, f"UMR-{code}") for code in ("fi-network", "fi-heat")}
    accounts["it-power"] = dd_account(clerk, partner, None, "UMR-it-power")  # the default company's
    for account in accounts.values():
        clerk.bill(account, "10.00", vat="24", due=clerk.clock.today)
    before = {code: clerk.services.app.repository.get(a).version for code, a in accounts.items()}
    proposal, run_id = run_of(clerk, "fi-heat", "heat-only")
    assert proposal["collections"] == 1
    run = dd.load_run(clerk.services, run_id)
    assert [b.account_id for b in run.booked] == [accounts["fi-heat"]]
    after = {code: clerk.services.app.repository.get(a).version for code, a in accounts.items()}
    assert after["fi-heat"] > before["fi-heat"]
    others = ("fi-network", "it-power")
    assert [after[c] for c in others] == [before[c] for c in others]
    # The default company's run (no company named) is the Italian power seller's alone.
    default_proposal, default_run = run_of(clerk, None, "power-only")
    assert default_proposal["company"] == "it-power"
    assert [b.account_id for b in dd.load_run(clerk.services, default_run).booked] == [accounts["it-power"]]
    creditor = _texts(dd.run_file(clerk.services, default_run).content,
                      f"{INFO}/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id")
    assert creditor == ["IT19ZZZ00743110157"]


def test_a_run_for_a_company_the_installation_lacks_is_refused(demo_clerk: Clerk) -> None:
    today = demo_clerk.clock.today
    with pytest.raises(InvalidInput) as info:
        dd.propose_run(demo_clerk.services, today, today, "se", company="se-heat")
    assert info.value.field == "company" and "fi-heat" in str(info.value)


def test_a_collection_run_is_proposed_for_a_company_over_http(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    partner = household(clerk)
    network = dd_account(clerk, partner, "fi-network", "UMR-HTTP-N")
    dd_account(clerk, partner, "fi-heat", "UMR-HTTP-H")
    clerk.bill(network, "20.00", vat="24", due=clerk.clock.today)
    http = api_client(clerk.services, "finance")
    body = {"due_by": clerk.clock.today.isoformat(), "collection_date": clerk.clock.today.isoformat()}
    proposed = http.post("/collection-runs", json={**body, "company": "fi-heat"},
                         headers={"Idempotency-Key": "heat-run"})
    assert proposed.status_code == 201, proposed.text
    assert (proposed.json()["company"], proposed.json()["collections"]) == ("fi-heat", 0)
    proposed = http.post("/collection-runs", json={**body, "company": "fi-network"},
                         headers={"Idempotency-Key": "network-run"})
    assert (proposed.json()["company"], proposed.json()["collections"]) == ("fi-network", 1)
    read = http.get(f"/collection-runs/{proposed.json()['run_id']}")
    assert read.json()["company"] == "fi-network"
    assert [p["account_id"] for p in read.json()["proposals"]] == [str(network)]
    for bad in ("se-heat", "FI_HEAT"):
        refused = http.post("/collection-runs", json={**body, "company": bad},
                            headers={"Idempotency-Key": f"bad-{bad}"})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "company" in refused.text


def test_a_run_stored_without_a_company_is_the_default_companys(demo_clerk: Clerk) -> None:
    """Every run stored before issue 11 item 2 names no company: its file stays the default company's."""
    today = demo_clerk.clock.today
    old = CollectionRun(uuid4(), today, today, ())
    assert old.company is None
    assert demo_clerk.services.app.company_of(old).code == "it-power"
    run_id = UUID(demo_clerk.run(d.ProposeCollectionRun(today, today, ()), "no-company")["run_id"])
    assert dd.load_run(demo_clerk.services, run_id).company == "it-power"  # new runs name it


def test_saldo_dd_run_collects_for_the_company_named(demo_clerk: Clerk, store_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``saldo dd run --company fi-network``: that company's collections, in a file with its creditor id; a
    run without ``--company`` is the default company's alone."""
    clerk = demo_clerk
    partner = household(clerk)
    network = dd_account(clerk, partner, "fi-network", "UMR-CLI-N")
    power = dd_account(clerk, partner, None, "UMR-CLI-P")
    for account in (network, power):
        clerk.bill(account, "10.00", vat="24", due=clerk.clock.today)
    dates = ["--due-by", "2026-12-31", "--collection-date", "2027-01-05", "--execute"]
    for company, name in (("fi-network", "network.xml"), (None, "power.xml")):
        chosen = [] if company is None else ["--company", company]
        argv = ["--database-url", store_url, "dd", "run", *dates, *chosen, "--output", str(tmp_path / name)]
        assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "of fi-network: 1 collections" in printed and "of it-power: 1 collections" in printed, printed
    network_file, power_file = (tmp_path / "network.xml").read_bytes(), (tmp_path / "power.xml").read_bytes()
    _xsd.validate(network_file, "pain.008.001.08")
    assert _texts(network_file, f"{INFO}/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == ["FI46ZZZ20774740"]
    assert _texts(network_file, f"{INFO}/p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:MndtId") == ["UMR-CLI-N"]
    assert _texts(power_file, f"{INFO}/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == ["IT19ZZZ00743110157"]
    assert _texts(power_file, f"{INFO}/p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:MndtId") == ["UMR-CLI-P"]
