"""Issue 11: an account belongs to one company, whose number series and reference scheme its documents use."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import build
from ledger.accounts import commands as ac
from ledger.accounts.references import fi, rf
from ledger.core.errors import InvalidInput
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from tests.auth import api_client
from tests.clerk import Clerk, Clock, energy_line

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _account(clerk: Clerk, company: str | None, tag: str) -> UUID:
    partner = clerk.run(pc.RegisterPartner("Maija Meikäläinen", PartnerKind.PERSON), f"{tag}:p")
    result = clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "home", company=company),
                       f"{tag}:a")
    return UUID(result["account_id"])


def test_each_company_numbers_and_references_its_own_documents(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    network, heat, power = (_account(clerk, "fi-network", "n"), _account(clerk, "fi-heat", "h"),
                            _account(clerk, None, "i"))
    bills = {name: clerk.run(ac.IssueInvoice(account, (energy_line("100.00", "24"),)))
             for name, account in (("network", network), ("heat", heat), ("power", power))}
    assert bills["network"]["number"].startswith("VRK") and bills["heat"]["number"].startswith("KLM")
    assert bills["power"]["number"].startswith("ITP")
    assert fi.is_valid(bills["network"]["payment_reference"])
    assert fi.is_valid(bills["heat"]["payment_reference"])
    assert rf.is_valid(bills["power"]["payment_reference"])
    assert clerk.services.app.repository.get(network).company == "fi-network"
    assert clerk.services.app.company_of(clerk.services.app.repository.get(power)).code == "it-power"
    note = clerk.run(ac.IssueCreditNote(bills["heat"]["number"], "wrong meter"))
    assert note["number"].startswith("KLMH")


def test_an_account_of_an_unknown_company_is_refused(demo_clerk: Clerk) -> None:
    with pytest.raises(InvalidInput) as info:
        _account(demo_clerk, "se-heat", "x")
    assert info.value.field == "company" and "fi-heat" in str(info.value)


def test_an_account_is_opened_for_a_company_over_http(demo_clerk: Clerk) -> None:
    http = api_client(demo_clerk.services, "finance")
    partner = demo_clerk.run(pc.RegisterPartner("Matti Virtanen", PartnerKind.PERSON), "http:p")
    body = {"partner_id": partner["partner_id"], "name": "home", "company": "fi-heat"}
    opened = http.post("/accounts", json=body, headers={"Idempotency-Key": "open-1"})
    assert opened.status_code == 201, opened.text
    account = demo_clerk.services.app.repository.get(UUID(opened.json()["account_id"]))
    assert account.company == "fi-heat"
    refused = http.post("/accounts", json={**body, "company": "se-heat"},
                        headers={"Idempotency-Key": "open-2"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "fi-heat" in refused.text and "company" in refused.text


def test_a_receipt_on_one_companys_iban_never_pays_another_companys_account(demo_clerk: Clerk) -> None:
    """The importer filters its index by company; the handler refuses a decision that crosses companies."""
    clerk = demo_clerk
    heat = _account(clerk, "fi-heat", "h")
    bill = clerk.run(ac.IssueInvoice(heat, (energy_line("10.00", "24"),)))
    receipt = Receipt(Decimal(bill["gross"]), "EUR", clerk.clock.today, "Maija", None,
                      bill["payment_reference"], ())
    decision = MatchDecision("reference", heat, (bill["number"],), "reference")
    result = clerk.run(pmt.ImportReceipt(receipt, "FI2112345600000785", decision))  # the network company's
    assert result["rule"] == SUSPENSE and "fi-network" in result["evidence"]
    assert clerk.services.app.repository.get(heat).balance == Decimal(bill["gross"])
    assert clerk.run(pmt.ImportReceipt(receipt, "FI7815723500012349", decision))["rule"] == "reference"
