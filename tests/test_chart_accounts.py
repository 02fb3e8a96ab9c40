"""General-ledger accounts come only from the chart, never from input as free text (issue 10, item 4).

Bank accounts are the company's configured ones (``bank:<iban>``), revenue components the configured ones
(``revenue:<component>``): a payment, a statement, an invoice or credit-note line or a tariff naming any
other is refused, naming the field and listing what is allowed, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import ConfigurationError, build, company_config_from_env
from importers.bank import service
from importers.bank.errors import BankFileError
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy, PerUnitCharge, StandingCharge, TariffVersion
from ledger.core import chart
from ledger.core.errors import InvalidInput
from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from tests.auth import api_client, bearer, new_key
from tests.clerk import Clerk, Clock, energy_line

OUR_IBAN = "IT60X0542811101000000123456"
SECOND_HOUSE_IBAN = "FI2112345600000785"
STRANGER_IBAN = "DE89370400440532013000"  # a valid IBAN, but not one of the company's accounts
HOSTILE = ("../../x", "bank:../../x", "IT60X0542811101000000123456/../x", "")


def gl_accounts(clerk: Clerk) -> set[str]:
    return {r[8] for r in clerk.services.view.journal(0, 100_000)}


def nothing_written(clerk: Clerk, position: int) -> bool:
    return clerk.services.app.recorder.max_notification_id() == position


# -- bank accounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bank_account", [*HOSTILE, STRANGER_IBAN])
def test_a_payment_books_only_to_a_configured_bank_account(clerk: Clerk, bank_account: str) -> None:
    account = clerk.customer()
    clerk.bill(account, "50.00", vat="0")
    position = clerk.services.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as info:
        clerk.run(pmt.RecordPayment(account, Decimal("10.00"), clerk.clock.today, bank_account=bank_account))
    assert info.value.field == "bank_account"
    assert OUR_IBAN in str(info.value)  # says what is allowed
    assert nothing_written(clerk, position)


def test_a_payment_names_the_configured_account_in_any_spacing(clerk: Clerk) -> None:
    account = clerk.customer()
    clerk.bill(account, "50.00", vat="0")
    clerk.run(pmt.RecordPayment(account, Decimal("10.00"), clerk.clock.today,
                                bank_account="it60 x054 2811 1010 0000 0123 456"))
    clerk.run(pmt.RecordPayment(account, Decimal("10.00"), clerk.clock.today))  # the default account
    assert {a for a in gl_accounts(clerk) if a.startswith("bank:")} == {f"bank:{OUR_IBAN}"}


@pytest.mark.parametrize("bank_account", ["bank:../../x", STRANGER_IBAN])
def test_an_imported_receipt_books_only_to_a_configured_bank_account(clerk: Clerk, bank_account: str) -> None:
    receipt = Receipt(Decimal("12.00"), "EUR", clerk.clock.today, "Someone", None, None, ())
    with pytest.raises(InvalidInput) as info:
        clerk.run(pmt.ImportReceipt(receipt, bank_account, MatchDecision(SUSPENSE, None, (), "no match")))
    assert info.value.field == "bank_account" and OUR_IBAN in str(info.value)
    assert clerk.services.view.suspense() == []


@pytest.mark.parametrize("account_iban", ["../../x", STRANGER_IBAN])
def test_a_statement_of_an_account_the_company_does_not_hold_is_refused_whole(
        clerk: Clerk, tmp_path: Path, account_iban: str) -> None:
    path = tmp_path / "other.xml"
    write_camt053(path, [SynthEntry(Decimal("12.00"), debtor_name="Some", account_servicer_reference="X1")],
                  account_iban=account_iban, booking_date=date(2026, 3, 1))
    position = clerk.services.app.recorder.max_notification_id()
    with pytest.raises(BankFileError) as info:
        service.import_statement(clerk.services, path.read_bytes(), "other.xml")
    message = str(info.value)
    assert message.startswith("other.xml: line ") and "Acct/Id/IBAN" in message
    assert OUR_IBAN in message and "not one of the company's bank accounts" in message
    assert nothing_written(clerk, position)


def test_a_statement_of_a_second_configured_account_books_to_that_account(
        store_url: str, clock: Clock, tmp_path: Path) -> None:
    config = company_config_from_env()
    svc = build(store_url, config=type(config)(bank_accounts=(SECOND_HOUSE_IBAN,)), clock=clock)
    try:
        path = tmp_path / "fi.xml"
        write_camt053(path, [SynthEntry(Decimal("12.00"), account_servicer_reference="F1")],
                      account_iban=SECOND_HOUSE_IBAN, booking_date=date(2026, 3, 1))
        report = service.import_statement(svc, path.read_bytes(), "fi.xml")
        assert report.to_suspense == 1
        svc.projections.catch_up()
        assert {r[8] for r in svc.view.journal(0, 100)} == {f"bank:{SECOND_HOUSE_IBAN}", chart.SUSPENSE}
    finally:
        svc.close()


def test_the_bank_accounts_are_configured_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_BANK_ACCOUNTS", f"{SECOND_HOUSE_IBAN}, DE89 3704 0044 0532 0130 00")
    assert company_config_from_env().house_bank_accounts == (OUR_IBAN, SECOND_HOUSE_IBAN, STRANGER_IBAN)
    monkeypatch.setenv("SALDO_BANK_ACCOUNTS", "../../x")
    with pytest.raises(ConfigurationError, match="SALDO_BANK_ACCOUNTS"):
        company_config_from_env()
    monkeypatch.delenv("SALDO_BANK_ACCOUNTS")
    monkeypatch.setenv("SALDO_BANK_ACCOUNT", "bank:../../x")
    with pytest.raises(ConfigurationError, match="SALDO_BANK_ACCOUNT"):
        company_config_from_env()


# -- revenue components --------------------------------------------------------------------------------


@pytest.mark.parametrize("component", ["../../x", "bank:../../x", "revenue:energy", "bonus", "Energy", " "])
def test_an_invoice_line_books_only_to_a_configured_revenue_component(clerk: Clerk, component: str) -> None:
    account = clerk.customer()
    position = clerk.services.app.recorder.max_notification_id()
    lines = (energy_line("10.00"), energy_line("5.00", component=component))
    with pytest.raises(InvalidInput) as info:
        clerk.run(ac.IssueInvoice(account, lines, clerk.clock.today))
    assert info.value.field == "lines[1].component"
    assert "energy" in str(info.value) and "standing" in str(info.value)  # lists what is allowed
    assert nothing_written(clerk, position)


def test_the_configured_components_book_to_their_revenue_accounts(clerk: Clerk) -> None:
    account = clerk.customer()
    lines = tuple(energy_line("1.00", component=c) for c in chart.DEFAULT_REVENUE_COMPONENTS)
    clerk.run(ac.IssueInvoice(account, lines, clerk.clock.today))
    revenue = {a for a in gl_accounts(clerk) if a.startswith("revenue:") or a == chart.EXCISE}
    assert revenue == {chart.revenue(c) for c in chart.DEFAULT_REVENUE_COMPONENTS}


def test_a_credit_note_line_books_only_to_a_configured_revenue_component(clerk: Clerk) -> None:
    account = clerk.customer()
    invoice = clerk.bill(account, "40.00", vat="0")
    with pytest.raises(InvalidInput) as info:
        clerk.run(ac.IssueCreditNote(invoice["number"], "wrong reading",
                                     (energy_line("5.00", component="../../x"),)))
    assert info.value.field == "lines[0].component"
    clerk.run(ac.IssueCreditNote(invoice["number"], "wrong reading", (energy_line("5.00"),)))


def test_a_tariff_names_only_configured_revenue_components(clerk: Clerk) -> None:
    version = TariffVersion("T-1", "v1", date(2026, 1, 1), None, "EUR", Decimal("22"),
                            (StandingCharge(Decimal("0.10")), FlatEnergy(Decimal("0.20")),
                             PerUnitCharge("../../x", Decimal("0.04"))))
    with pytest.raises(InvalidInput) as info:
        clerk.run(b.DefineTariffVersion(version))
    assert info.value.field == "version.components[2].name" and "network" in str(info.value)
    good = TariffVersion("T-1", "v1", date(2026, 1, 1), None, "EUR", Decimal("22"),
                         (StandingCharge(Decimal("0.10")), PerUnitCharge("network", Decimal("0.04"))))
    assert clerk.run(b.DefineTariffVersion(good))["new"] is True


# -- over HTTP -----------------------------------------------------------------------------------------


@pytest.fixture
def http(clerk: Clerk) -> Iterator[TestClient]:
    with api_client(clerk.services, "finance") as client:
        yield client


def post(http: TestClient, path: str, body: dict[str, Any], key: str) -> Any:
    return http.post(path, json=body, headers={"Idempotency-Key": key})


def problem_fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def test_over_http_a_payment_to_a_free_text_bank_account_is_a_422(clerk: Clerk, http: TestClient) -> None:
    account = clerk.customer()
    response = post(http, f"/accounts/{account}/payments",
                    {"amount": "10.00", "received_on": "2026-03-01", "bank_account": "bank:../../x"}, "p1")
    assert problem_fields(response) == ["bank_account"]
    assert OUR_IBAN in response.json()["detail"]
    assert not any(a.startswith("bank:") for a in gl_accounts(clerk))


def test_over_http_an_invoice_line_with_a_free_text_component_is_a_422(clerk: Clerk,
                                                                        http: TestClient) -> None:
    account = clerk.customer()
    line = {"description": "x", "component": "../../x", "quantity": "1", "unit": "kWh", "unit_price": "1.00",
            "vat_rate": "0"}
    response = post(http, f"/accounts/{account}/invoices", {"lines": [line]}, "i1")
    assert problem_fields(response) == ["lines[0].component"]
    assert "energy" in response.json()["detail"]


def test_over_http_a_tariff_with_a_free_text_component_is_a_422(http: TestClient) -> None:
    body = {"version": {"schema": 1, "code": "T-2", "version_id": "v1", "valid_from": "2026-01-01",
                        "valid_to": None, "currency": "EUR",
                        "unit": "kWh", "vat_rate": "22",
                        "components": [{"kind": "per_unit", "name": "bank:../../x",
                                        "price_per_unit": "0.04"}]}}
    response = http.post("/tariffs", json=body, headers={"Idempotency-Key": "t1", **bearer("admin")})
    assert problem_fields(response) == ["version.components[0].name"]


def test_over_http_a_statement_of_an_unknown_account_is_a_422_naming_the_file(
        clerk: Clerk, http: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    write_camt053(path, [SynthEntry(Decimal("12.00"), account_servicer_reference="H1")],
                  account_iban=STRANGER_IBAN, booking_date=date(2026, 3, 1))
    response = http.post("/bank/statements", files={"file": ("s.xml", path.read_bytes(), "application/xml")},
                         headers=new_key())
    assert problem_fields(response) == ["file"]
    assert "Acct/Id/IBAN" in response.json()["detail"] and UUID is not None
