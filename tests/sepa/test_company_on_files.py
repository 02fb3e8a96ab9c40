"""Issue 11: every SEPA file names the configured company (name, id, IBAN, BIC, address), not demo values."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from lxml import etree

from api.bootstrap import Services, build
from api.company_file import load_companies
from importers.bank.refunds import refund_file
from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from tests.clerk import Clerk, Clock
from tests.dd_scenario import dd_customer, run_today

DEMO = Path(__file__).resolve().parents[2] / "config" / "companies.demo.toml"
COMPANY = load_companies(DEMO).named("it-power")


@pytest.fixture
def company_clerk(store_url: str, clock: Clock) -> Iterator[Clerk]:
    assert COMPANY is not None
    svc: Services = build(store_url, config=COMPANY, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _texts(content: bytes, path: str) -> list[str]:
    root = etree.fromstring(content)
    ns = {"p": root.nsmap[None]}
    return [str(e.text) for e in root.findall(path, ns)]


def test_a_collection_file_names_the_configured_creditor(company_clerk: Clerk) -> None:
    clerk = company_clerk
    account = dd_customer(clerk, "a", "Mario Rossi", "UMR-CO-1", "DE89370400440532013000")
    clerk.bill(account, "100.00", due=clerk.clock.today)
    content = run_today(clerk, "run-1").content
    info = "p:CstmrDrctDbtInitn/p:PmtInf"
    assert _texts(content, f"{info}/p:Cdtr/p:Nm") == ["Energia Sicula"]
    assert _texts(content, f"{info}/p:Cdtr/p:PstlAdr/p:StrtNm") == ["Via Garibaldi"]
    assert _texts(content, f"{info}/p:Cdtr/p:PstlAdr/p:BldgNb") == ["12"]
    assert _texts(content, f"{info}/p:Cdtr/p:PstlAdr/p:TwnNm") == ["Messina"]
    assert _texts(content, f"{info}/p:CdtrAcct/p:Id/p:IBAN") == ["IT60X0542811101000000123456"]
    assert _texts(content, f"{info}/p:CdtrAgt/p:FinInstnId/p:BICFI") == ["BLOPIT22"]
    assert _texts(content, f"{info}/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == ["IT19ZZZ00743110157"]
    assert b"Saldo Demo" not in content and b"Via Demo" not in content


def test_a_refund_transfer_names_the_configured_debtor(company_clerk: Clerk) -> None:
    clerk = company_clerk
    receipt = Receipt(Decimal("9.99"), "EUR", clerk.clock.today, "Nobody GmbH", "DE89370400440532013000",
                      None, ("?",))
    parked = clerk.run(pmt.ImportReceipt(receipt, "IT60X0542811101000000123456",
                                         MatchDecision(SUSPENSE, None, (), "no match")))
    sid = parked["suspense_id"]
    clerk.run(pmt.RefundSuspense(UUID(sid), "DE89370400440532013000", "Nobody GmbH", "not ours", "Berlin",
                                 "DE"))
    content = refund_file(clerk.services, UUID(sid)).content
    info = "p:CstmrCdtTrfInitn/p:PmtInf"
    assert _texts(content, f"{info}/p:Dbtr/p:Nm") == ["Energia Sicula"]
    assert _texts(content, f"{info}/p:Dbtr/p:PstlAdr/p:StrtNm") == ["Via Garibaldi"]
    assert _texts(content, f"{info}/p:DbtrAcct/p:Id/p:IBAN") == ["IT60X0542811101000000123456"]
    assert _texts(content, f"{info}/p:DbtrAgt/p:FinInstnId/p:BICFI") == ["BLOPIT22"]
    assert b"Saldo Demo" not in content and b"Via Demo" not in content


def test_a_refund_from_another_companys_account_names_that_company(store_url: str, clock: Clock,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    try:
        clerk = Clerk(svc, clock)
        receipt = Receipt(Decimal("9.99"), "EUR", clock.today, "Nobody Oy", "DE89370400440532013000", None,
                          ("?",))
        sid = UUID(clerk.run(pmt.ImportReceipt(receipt, "FI7815723500012349",
                                               MatchDecision(SUSPENSE, None, (), "no match")))["suspense_id"])
        clerk.run(pmt.RefundSuspense(sid, "DE89370400440532013000", "Nobody Oy", "not ours", "Berlin", "DE"))
        content = refund_file(svc, sid).content
        info = "p:CstmrCdtTrfInitn/p:PmtInf"
        assert _texts(content, f"{info}/p:Dbtr/p:Nm") == ["Helsingin Kaukolampo"]  # SEPA Latin set: ä → a
        assert _texts(content, f"{info}/p:DbtrAcct/p:Id/p:IBAN") == ["FI7815723500012349"]
        assert _texts(content, f"{info}/p:Dbtr/p:PstlAdr/p:TwnNm") == ["Helsinki"]
    finally:
        svc.close()


def test_a_credit_refund_transfer_names_the_configured_debtor(company_clerk: Clerk) -> None:
    """Refunds of credit on account (issue 11 item 5) came with the demo address of issue 10's refunds."""
    from importers.bank.credit_refunds import credit_refund_file
    from ledger.payments.credit_refunds import ExecuteCreditRefund
    from tests.test_credit_refunds import ANNA, request, with_credit
    from tests.test_write_offs import as_finance

    clerk = company_clerk
    account = with_credit(clerk)
    proposed = as_finance(clerk, request(account, "DE89370400440532013000"), ANNA)
    as_finance(clerk, ExecuteCreditRefund(UUID(proposed["refund_id"])), ANNA)
    content = credit_refund_file(clerk.services, UUID(proposed["refund_id"])).content
    info = "p:CstmrCdtTrfInitn/p:PmtInf"
    assert _texts(content, f"{info}/p:Dbtr/p:Nm") == ["Energia Sicula"]
    assert _texts(content, f"{info}/p:Dbtr/p:PstlAdr/p:StrtNm") == ["Via Garibaldi"]
    assert _texts(content, f"{info}/p:DbtrAcct/p:Id/p:IBAN") == ["IT60X0542811101000000123456"]
    assert b"Saldo Demo" not in content and b"Via Demo" not in content
