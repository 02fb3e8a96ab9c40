"""Who did it (issue 10 §3): each command's record names its actor and what it wrote, and
``GET /audit/trail`` lists, per account or per document, every command that touched it, in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services, build
from api.cli import main as saldo
from ledger.accounts import commands as ac
from ledger.accounts.invoice import document_id
from ledger.core.actor import SYSTEM, Actor, Channel, Role
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from tests.auth import api_client
from tests.clerk import energy_line
from tests.test_old_store import _unpack

ANNA = Actor("anna@example.com", Role.FINANCE, Channel.HTTP, request_id="req-7", reason="new customer")
BRUNO = Actor("bruno", Role.FINANCE, Channel.CLI, host="desk-7")
BANK = Actor("carla@example.com", Role.FINANCE, Channel.IMPORT, request_id="camt-2026-03-20.xml")
ACCOUNT = "ledger.accounts.account:ContractAccount"


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services, "auditor") as client:
        yield client


def _history(app: Any) -> tuple[UUID, str]:
    partner = app.execute(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON), "partner", actor=ANNA)
    account = UUID(app.execute(ac.OpenContractAccount(UUID(partner["partner_id"]), "Mario home"), "account",
                               actor=ANNA)["account_id"])
    invoice = app.execute(ac.IssueInvoice(account, (energy_line("100.00"),), date(2026, 3, 1)), "invoice",
                          actor=BRUNO)["number"]
    app.execute(pmt.RecordPayment(account, Decimal("50.00"), date(2026, 3, 20), invoice_numbers=(invoice,)),
                "payment", actor=BANK)
    return account, invoice


def _summary(body: dict[str, Any]) -> list[tuple[str, str | None, list[tuple[str, int]]]]:
    """(command, actor subject, account events as (event, version)) per entry."""
    return [(e["command"], e["actor"]["subject"] if e["actor"] else None,
             [(ev["topic"].rsplit(".", 1)[1], ev["version"]) for ev in e["events"]
              if ev["topic"].startswith(ACCOUNT)]) for e in body["entries"]]


def test_the_trail_of_an_account_lists_each_command_with_its_actor_and_events(
        http: TestClient, services: Services) -> None:
    account, _ = _history(services.app)
    response = http.get("/audit/trail", params={"account": str(account)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert _summary(body) == [("OpenContractAccount", "anna@example.com", [("Opened", 1)]),
                              ("IssueInvoice", "bruno", [("InvoicePosted", 2)]),
                              ("RecordPayment", "carla@example.com", [("PaymentReceived", 3)])]
    opened, invoiced, paid = body["entries"]
    assert opened["actor"] == {"subject": "anna@example.com", "role": "finance", "channel": "http",
                               "request_id": "req-7", "reason": "new customer", "host": None}
    assert invoiced["actor"]["channel"] == "cli" and invoiced["actor"]["host"] == "desk-7"
    assert paid["actor"]["channel"] == "import" and paid["idempotency_key"] == "payment"
    assert opened["position"] < invoiced["position"] < paid["position"]
    assert opened["recorded_at"] <= invoiced["recorded_at"] <= paid["recorded_at"]
    assert body["next_after"] is None
    # Every event the invoice wrote, not only the account's: the number drawn and the document issued.
    assert {ev["topic"].rsplit(":", 1)[1] for ev in invoiced["events"]} >= {"Invoice.Issued",
                                                                              "ContractAccount.InvoicePosted"}


def test_the_trail_of_a_document_includes_the_payment_that_cleared_it_and_its_credit_note(
        http: TestClient, services: Services) -> None:
    _, invoice = _history(services.app)
    services.app.execute(ac.IssueCreditNote(invoice, "meter misread", issue_date=date(2026, 3, 25)), "credit",
                         actor=BRUNO)
    body = http.get("/audit/trail", params={"document": invoice}).json()
    assert [(e["command"], e["actor"]["subject"]) for e in body["entries"]] == [
        ("IssueInvoice", "bruno"), ("RecordPayment", "carla@example.com"), ("IssueCreditNote", "bruno")]
    assert body["document"] == invoice and body["account_id"] is None
    issued = body["entries"][0]["events"]
    assert {"aggregate_id": str(document_id(invoice)), "topic": "ledger.accounts.invoice:Invoice.Issued",
            "version": 1} in issued


def test_commands_of_one_batch_each_list_only_their_own_events(http: TestClient, services: Services) -> None:
    account, invoice = _history(services.app)
    services.app.execute_many([
        (pmt.RecordPayment(account, Decimal("20.00"), date(2026, 3, 21), invoice_numbers=(invoice,)), "p2"),
        (pmt.RecordPayment(account, Decimal("30.00"), date(2026, 3, 21), invoice_numbers=(invoice,)), "p3")],
        actor=BANK)
    body = http.get("/audit/trail", params={"account": str(account), "after": 0, "limit": 100}).json()
    assert _summary(body)[-2:] == [("RecordPayment", "carla@example.com", [("PaymentReceived", 4)]),
                                   ("RecordPayment", "carla@example.com", [("PaymentReceived", 5)])]


def test_the_trail_pages_with_after(http: TestClient, services: Services) -> None:
    account, _ = _history(services.app)
    first = http.get("/audit/trail", params={"account": str(account), "limit": 2}).json()
    assert [e["command"] for e in first["entries"]] == ["OpenContractAccount", "IssueInvoice"]
    rest = http.get("/audit/trail", params={"account": str(account), "after": first["next_after"]}).json()
    assert [e["command"] for e in rest["entries"]] == ["RecordPayment"]


def test_a_trail_asks_for_exactly_one_existing_account_or_document(http: TestClient,
                                                                  services: Services) -> None:
    account, invoice = _history(services.app)
    for params in ({}, {"account": str(account), "document": invoice}):
        response = http.get("/audit/trail", params=params)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == [{"field": "account",
                                              "reason": "give exactly one of account or document"}]
    missing = http.get("/audit/trail", params={"account": "00000000-0000-0000-0000-000000000001"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "account"
    missing = http.get("/audit/trail", params={"document": "INV-1999-000001"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "document"
    too_long = http.get("/audit/trail", params={"document": "X" * 101})
    assert too_long.status_code == 422


def test_a_rebuilt_trail_is_the_same(http: TestClient, services: Services, store_url: str) -> None:
    account, invoice = _history(services.app)
    before = [http.get("/audit/trail", params=p).json() for p in ({"account": str(account)},
                                                                  {"document": invoice})]
    assert saldo(["--database-url", store_url, "projections", "rebuild"]) == 0
    services.trail.rebuild()
    after = [http.get("/audit/trail", params=p).json() for p in ({"account": str(account)},
                                                                 {"document": invoice})]
    assert after == before


def test_records_stored_before_the_trail_still_load_and_new_commands_on_old_accounts_are_listed(
        tmp_path: Any) -> None:
    svc = build(f"sqlite:///{_unpack(tmp_path)}", clock=lambda: date(2026, 11, 23))
    try:
        svc.projections.catch_up()
        account = UUID(svc.view._read("SELECT account_id FROM {accounts} ORDER BY account_id LIMIT 1")[0][0])
        assert svc.trail.entries([f"aggregate:{account}"]) == []  # old records name nothing they touched
        svc.app.execute(pmt.RecordPayment(account, Decimal("1.00"), date(2026, 11, 23)), "old-account-pays",
                        actor=BANK)
        (entry,) = svc.trail.entries([f"aggregate:{account}"])
        assert (entry.command, entry.actor) == ("RecordPayment", {**BANK.as_dict()})
    finally:
        svc.close()


def test_saldo_itself_is_the_actor_where_nobody_is_named(services: Services) -> None:
    partner = services.app.execute(pc.RegisterPartner("Lucia Bianchi", PartnerKind.PERSON), "partner")
    (entry,) = services.trail.entries([f"aggregate:{partner['partner_id']}"])
    assert entry.actor == SYSTEM.as_dict()
