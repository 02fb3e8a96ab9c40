"""The dunning and instalment-plan endpoints and `saldo dunning run`, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Services, build
from api.cli import main
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client
from tests.clerk import Clerk, Clock
from tests.dunning_flow.helpers import dd_customer, do


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def post(http: TestClient, path: str, body: dict[str, Any], key: str, status: int = 201) -> Any:
    response = http.post(path, json=body, headers={"Idempotency-Key": key})
    assert response.status_code == status, response.text
    return response.json()


def get(http: TestClient, path: str, status: int = 200) -> Any:
    response = http.get(path)
    assert response.status_code == status, response.text
    return response.json()


def test_locks_runs_state_plans_and_portal_over_http(http: TestClient, clerk: Clerk) -> None:
    account = dd_customer(clerk, "Rita Lilla", "UMR-HTTP-1")
    first = clerk.bill(account, "60.00", vat="0")["number"]
    second = clerk.bill(account, "40.00", vat="0")["number"]
    clerk.clock.today = date(2026, 3, 11)
    proposal = dd.propose_run(clerk.services, clerk.clock.today, clerk.clock.today, "http-collect")
    dd.execute_run(clerk.services, UUID(proposal["run_id"]))
    e2e = clerk.services.view.direct_debit_of(str(account))[1][0][0]
    do(clerk, d.ReturnCollection(account, e2e, "AC04", date(2026, 3, 12)))  # account closed: DD stops
    base = f"/accounts/{account}"

    lock = post(http, f"{base}/dunning/locks", {"kind": "dispute", "reason": "reading contested",
                                                "invoice_number": second}, "lock-1")
    assert post(http, f"{base}/dunning/locks", {"kind": "manual", "reason": "no expiry"}, "lock-2",
                422)["errors"][0]["field"] == "until"

    clerk.clock.today = date(2026, 3, 18)
    runs = post(http, "/dunning/runs", {}, "run-1")
    assert (runs["accounts"], runs["steps"]) == (1, 1)
    run = runs["runs"][0]
    assert (run["status"], run["steps"], run["by_level"]) == ("proposed", 1, {"1": 1})
    detail = get(http, f"/dunning/runs/{run['run_id']}")
    # The disputed bill is held; the bank's charge for the return (due 12 March) is not 7 days overdue yet.
    assert detail["proposed_steps"][0]["items"] == [first]
    assert detail["proposed_steps"][0]["rule"].startswith("IT-company-policy")
    executed = post(http, f"/dunning/runs/{run['run_id']}/execution", {}, "exec-1")
    assert executed["status"] == "executed"
    again = http.post(f"/dunning/runs/{run['run_id']}/execution", json={},
                      headers={"Idempotency-Key": "exec-1"})
    assert again.headers["Idempotent-Replayed"] == "true"

    state = get(http, f"{base}/dunning")
    assert (state["level"], state["level_name"], state["procedure"]) == (1, "sollecito", "IT-POWER-LV")
    assert state["next_step"] == {"level": 2, "name": "costituzione in mora", "earliest_date": "2026-03-28",
                                  "rule": "IT-ARERA-258/2015 TIMOE art. 3"}
    assert state["overdue"] == "103.50" and state["fees"] == "3.50"  # the bank's charge for AC04 is passed on
    assert [(lk["kind"], lk["invoice_number"], lk["lock_id"]) for lk in state["locks"]] == [
        ("dispute", second, lock["lock_id"])]
    post(http, f"{base}/dunning/locks/{lock['lock_id']}/release", {"reason": "confirmed"}, "release-1")
    assert get(http, f"{base}/dunning")["locks"] == []

    step_id = state["steps"][0]["step_id"]
    post(http, f"{base}/dunning/steps/{step_id}/reversal", {"reason": "sent by mistake"}, "rev-1")
    assert get(http, f"{base}/dunning")["level"] == 0

    eligible = get(http, f"{base}/instalment-eligibility?invoice_number={first}")
    assert eligible["eligible"] is True and eligible["bills_in_average"] == 0  # no earlier bill, over 50
    assert get(http, f"{base}/instalment-eligibility?invoice_number={second}")["eligible"] is False

    body = {"invoice_numbers": [first, second], "instalments": 2, "first_due": "2026-04-01",
            "interest_rate": "3.65"}
    plan = post(http, f"{base}/instalment-plans", body, "plan-1")
    assert [i["amount"] for i in plan["instalments"]] == ["50.14", "50.15"]
    plans = get(http, f"{base}/instalment-plans")
    assert [(p["status"], p["originals"]) for p in plans] == [("live", [first, second])]

    summary = get(http, f"{base}/portal-summary")
    assert [r["reason_code"] for r in summary["returned_direct_debits"]] == ["AC04"]
    assert (summary["unpaid_invoices"], summary["unpaid_invoices_amount"]) == (0, "0.00")
    assert summary["active_plan"] == plan["number"]
    assert summary["next_instalment"]["document"] == f"{plan['number']}-001"
    assert (summary["dunning_level"], summary["mandate_status"]) == (0, "revoked")

    post(http, f"{base}/instalment-plans/{plan['plan_id']}/cancellation", {"reason": "customer asked"},
         "cx-1")
    assert get(http, f"{base}/instalment-plans")[0]["status"] == "cancelled"

    discarded = post(http, "/dunning/runs", {"account_ids": [str(account)]}, "run-2")["runs"][0]
    assert post(http, f"/dunning/runs/{discarded['run_id']}/discard", {"reason": "not today"},
                "discard-2")["status"] == "discarded"
    assert get(http, f"/dunning/runs/{discarded['run_id']}")["status"] == "discarded"
    assert http.get(f"/accounts/{account}/portal-summary").status_code == 200
    assert get(http, "/dunning/runs/00000000-0000-0000-0000-000000000000", 404)["status"] == 404


def test_saldo_dunning_run_proposes_executes_and_reports(store_url: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock(date(2026, 3, 1))
    svc = build(store_url, clock=clock)
    try:
        clerk = Clerk(svc, clock)
        for name in ("Ada", "Bea", "Cleo"):
            partner = do(clerk, pc.RegisterPartner(name, PartnerKind.PERSON))
            account = do(clerk, ac.OpenContractAccount(UUID(partner["partner_id"]), name))
            clerk.bill(UUID(account["account_id"]), "30.00", vat="0")  # due 21 March
    finally:
        svc.close()
    args = ["--database-url", store_url, "dunning", "run", "--today", "2026-03-28", "--batch", "2"]
    assert main(args) == 0
    out = capsys.readouterr()
    assert "3/3 accounts reviewed, 3 steps proposed" in out.err
    assert "3 accounts reviewed, 3 steps (level 1: 3)" in out.out and "proposed only" in out.out
    assert main([*args, "--execute"]) == 0
    out = capsys.readouterr()
    assert "3 steps executed" in out.err and "level 1: 3" in out.out
    assert main([*args, "--execute"]) == 0  # the same day again: nothing more to send
    assert "0 steps (none)" in capsys.readouterr().out
