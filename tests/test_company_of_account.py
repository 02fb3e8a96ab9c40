"""Issue 11 item 2: what an account's money and documents depend on comes from the account's company, not
from the installation's default one (the Italian power seller of config/companies.demo.toml).

Each test below passed an account of a Finnish company through a place that used to read the default
company, and asserts what only that Finnish company's configuration gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from api.bootstrap import build
from ledger.accounts import commands as ac
from ledger.accounts import life_commands as lc
from ledger.accounts.deposits import DepositRule
from ledger.accounts.references import fi, rf
from ledger.accounts.write_off_run_handlers import ProposeWriteOffRun
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy, StandingCharge
from ledger.billing.records import BillingRun
from ledger.billing.run import run_billing
from ledger.core.errors import InvalidInput
from ledger.core.idempotency import fingerprint
from ledger.dunning import commands as dc
from ledger.payments import commands as pmt
from ledger.payments.credit_refunds import ExecuteCreditRefund, RequestCreditRefund
from tests.auth import api_client, bearer
from tests.billing.helpers import BillingClerk, D, pod
from tests.clerk import Clerk, Clock
from tests.company_scenario import (
    DEMO,
    HEAT_IBAN,
    HEAT_REFUNDS_IBAN,
    NETWORK_IBAN,
    bank_cents,
    household,
    with_company,
)
from tests.test_write_offs import as_finance

JAN = date(2026, 1, 1)
REFUND_IBAN = "DE89370400440532013000"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _account(clerk: Clerk, company: str | None, name: str = "home") -> UUID:
    partner = household(clerk)
    return UUID(clerk.run(ac.OpenContractAccount(partner, name, company=company))["account_id"])


def test_a_credit_refund_is_paid_from_the_accounts_company(demo_clerk: Clerk) -> None:
    """The heat company pays refunds from its refund account (the default company would pay from IT60…)."""
    clerk = demo_clerk
    heat = _account(clerk, "fi-heat")
    number = clerk.bill(heat, "10.00", vat="24")["number"]
    clerk.run(pmt.RecordPayment(heat, Decimal("20.00"), clerk.clock.today, invoice_numbers=(number,),
                                payer_iban=REFUND_IBAN))
    assert bank_cents(clerk, HEAT_IBAN, heat) == 2000
    request = RequestCreditRefund(heat, REFUND_IBAN, "Maija", "Helsinki", "FI", "moved", None)
    refund = as_finance(clerk, request)
    as_finance(clerk, ExecuteCreditRefund(UUID(refund["refund_id"])))
    assert bank_cents(clerk, HEAT_REFUNDS_IBAN, heat) == -760  # 20.00 - 12.40
    assert clerk.owes(heat) == 0


def test_an_instalment_plan_takes_the_accounts_reference_scheme(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    network = _account(clerk, "fi-network")
    number = clerk.bill(network, "90.00", vat="24")["number"]
    plan = clerk.run(dc.CreateInstalmentPlan(network, (number,), 3, date(2026, 4, 1)))
    references = [i["payment_reference"] for i in plan["instalments"]]
    assert len(references) == 3 and all(fi.is_valid(r) for r in references), references
    assert not any(rf.is_valid(r) for r in references)  # the default company's scheme


def test_a_deposit_follows_the_accounts_company_rules_scheme_and_refund_account(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    with_company(clerk, "fi-heat", deposit_rules=(DepositRule(fixed_eur=Decimal("50.00")),))
    biller = BillingClerk(clerk)
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    heat = _account(clerk, "fi-heat")
    contract = biller.contract(heat, pod(), "FLAT", start=JAN)
    deposit = clerk.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))
    assert deposit["amount"] == "50.00"  # the default rules ask 3 kW x 11.50 = 34.50
    assert fi.is_valid(deposit["payment_reference"]) and not rf.is_valid(deposit["payment_reference"])
    clerk.pay(heat, "50.00")
    settled = clerk.run(lc.SettleDeposit(contract, clerk.clock.today, "Maija", REFUND_IBAN, "Helsinki", "FI"))
    assert Decimal(settled["refunded"]) >= Decimal("50.00")
    assert bank_cents(clerk, HEAT_REFUNDS_IBAN, heat) == -int(Decimal(settled["refunded"]) * 100)


def test_a_payment_short_by_less_than_the_accounts_tolerance_only_clears_where_that_company_allows(
        demo_clerk: Clerk) -> None:
    """The network company writes off no small difference (tolerance 0); the default company's is 0.50."""
    clerk = demo_clerk
    with_company(clerk, "fi-network", payment_tolerance=Decimal("0.00"))
    network, power = _account(clerk, "fi-network", "network"), _account(clerk, None, "power")
    for account in (network, power):
        number = clerk.bill(account, "10.00", vat="24")["number"]  # 12.40
        clerk.run(pmt.RecordPayment(account, Decimal("12.00"), clerk.clock.today, invoice_numbers=(number,)))
    assert clerk.owes(network) == Decimal("0.40")
    assert clerk.owes(power) == 0
    assert bank_cents(clerk, NETWORK_IBAN, network) == 1200


def test_the_aged_receivables_of_one_account_name_its_company(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    heat = _account(clerk, "fi-heat")
    clerk.bill(heat, "10.00", vat="24")
    http = api_client(clerk.services, "auditor")
    one = http.get(f"/reports/aged-receivables?account={heat}", headers=bearer("auditor"))
    assert one.status_code == 200, one.text
    assert one.json()["company"] == "Helsingin Kaukolämpö"
    every = http.get("/reports/aged-receivables", headers=bearer("auditor")).json()
    assert every["company"] == "Energia Sicula, Helsingin Sähköverkko, Helsingin Kaukolämpö"


def _two_contracts(clerk: Clerk) -> tuple[BillingClerk, UUID, UUID]:
    biller = BillingClerk(clerk)
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    network = biller.contract(_account(clerk, "fi-network", "network"), pod(), "FLAT", start=JAN)
    power = biller.contract(_account(clerk, None, "power"), pod(), "FLAT", start=JAN)
    return biller, network, power


def test_a_billing_run_for_a_company_bills_only_its_accounts_contracts(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    biller, _, _ = _two_contracts(clerk)
    feb = date(2026, 2, 28)
    assert biller.bill(JAN, feb, simulate=True).contracts_due == 2  # no company: every company's
    assert biller.bill(JAN, feb, simulate=True, company="fi-network").contracts_due == 1
    assert biller.bill(JAN, feb, simulate=True, company="fi-heat").contracts_due == 0
    run_id = UUID(clerk.run(b.StartBillingRun(JAN, feb, company="fi-network"), "network-run")["run_id"])
    run = clerk.services.app.get(BillingRun, run_id, "billing run", "run_id")
    assert run.company == "fi-network"
    # A recorded run bills its own company's contracts, whatever the caller passes when resuming it.
    assert run_billing(clerk.services.app, JAN, feb, run_id=run_id).contracts_due == 1
    with pytest.raises(InvalidInput) as info:
        clerk.run(b.StartBillingRun(JAN, feb, company="se-heat"))
    assert info.value.field == "company"


def test_a_billing_simulation_for_a_company_over_http(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    _two_contracts(clerk)
    http = api_client(clerk.services, "finance")
    body = {"period_start": "2026-01-01", "period_end": "2026-02-28"}
    network = http.post("/billing/simulations", json={**body, "company": "fi-network"},
                        headers={"Idempotency-Key": "sim-n"})
    assert network.status_code == 200, network.text
    assert network.json()["contracts_due"] == 1
    assert http.post("/billing/simulations", json=body,
                     headers={"Idempotency-Key": "sim-all"}).json()["contracts_due"] == 2


def test_a_write_off_run_for_a_company_proposes_only_its_accounts(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    small = {code: _account(clerk, code, code or "power") for code in ("fi-heat", "fi-network", None)}
    for account in small.values():
        number = clerk.bill(account, "10.00", vat="24", due=clerk.clock.today)["number"]
        clerk.run(pmt.RecordPayment(account, Decimal("7.40"), clerk.clock.today, invoice_numbers=(number,)))
    ids = tuple(small.values())
    heat_only = as_finance(clerk, ProposeWriteOffRun("small-balance", clerk.clock.today, ids, "fi-heat"))
    assert (heat_only["company"], heat_only["accounts"]) == ("fi-heat", 1)
    every = as_finance(clerk, ProposeWriteOffRun("small-balance", clerk.clock.today, ids))
    assert (every["company"], every["accounts"]) == (None, 3)
    http = api_client(clerk.services, "finance")
    over_http = http.post("/write-off-runs", json={"reason": "small-balance", "company": "fi-network"},
                          headers={"Idempotency-Key": "wo-n"})
    assert over_http.status_code == 201, over_http.text
    assert (over_http.json()["company"], over_http.json()["accounts"]) == ("fi-network", 1)


def test_runs_that_name_no_company_fingerprint_as_before() -> None:
    """A key sent before the upgrade and retried after it replays instead of being taken for another request
    (fingerprints computed with the code before issue 11 item 2)."""
    assert fingerprint(b.StartBillingRun(date(2026, 1, 1), date(2026, 1, 31), None, ())) == (
        "7179ea90d148959e97a7cf277bbaea5f9e4a35792444a341b44ca70ed2ae356f")
    assert fingerprint(ProposeWriteOffRun("small-balance", date(2026, 3, 1), (UUID(int=1),))) == (
        "a6ddca5c04c5176826c2caf42ed6d1f7789814c587f069e1049c9a98cc2c36fa")
    assert fingerprint(b.StartBillingRun(date(2026, 1, 1), date(2026, 1, 31), company="fi-heat")) != (
        fingerprint(b.StartBillingRun(date(2026, 1, 1), date(2026, 1, 31))))


BY_MANDATE = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-HEAT-9</MsgId><CreDtTm>2026-03-31T06:05:00+02:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>BANK-OWN-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>RCUR</OrgnlPmtInfId>
      <TxInfAndSts>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
        <OrgnlTxRef>
          <Amt><InstdAmt Ccy="EUR">12.40</InstdAmt></Amt>
          <MndtRltdInf><DrctDbtMndt><MndtId>UMR-HEAT-W</MndtId></DrctDbtMndt></MndtRltdInf>
        </OrgnlTxRef>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


def test_a_return_without_our_id_is_matched_in_the_window_of_the_accounts_company(demo_clerk: Clerk) -> None:
    """Two equal debits of one mandate a month apart; the bank returns one without our end-to-end id. In
    the default policy's window (D+5) only the later fits, and it is applied; the heat company's policy
    allows this return for 13 months, so both fit and a person chooses."""
    from importers.sepa import service as dd
    from ledger.collections.returns import WindowKind
    from tests.company_scenario import HEAT_POLICY, dd_account, run_of

    clerk = demo_clerk
    late = replace(HEAT_POLICY.rule_for("AM04"), window=WindowKind.UNAUTHORISED)
    with_company(clerk, "fi-heat", return_policy=HEAT_POLICY.with_rules({"AM04": late}))
    partner = household(clerk)
    heat = dd_account(clerk, partner, "fi-heat", "UMR-HEAT-W")
    power = dd_account(clerk, partner, None, "UMR-POWER-W")
    for month in (1, 2):
        for account in (heat, power):
            clerk.bill(account, "10.00", vat="24", due=clerk.clock.today)
        for company in ("fi-heat", None):
            assert run_of(clerk, company, f"run-{company}-{month}")[0]["collections"] == 1
        dd.settle_due(clerk.services, clerk.clock.today)
        clerk.clock.advance(30)
    clerk.clock.advance(-28)  # two days after the second collection
    heat_report = dd.import_returns(clerk.services, BY_MANDATE.encode(), "heat.xml")
    assert (heat_report.returned, len(heat_report.reviews)) == (0, 1)
    assert heat_report.reviews[0]["problem"] == "several-match"
    power_report = dd.import_returns(clerk.services, BY_MANDATE.replace("UMR-HEAT-W", "UMR-POWER-W").encode(),
                                     "power.xml")
    assert (power_report.returned, len(power_report.reviews)) == (1, 0)
