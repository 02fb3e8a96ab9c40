"""The dunning history (issue 11, item 1): every dunning step taken on an account — level, day, procedure
and version, fee, the rule that allowed it, the letter sent — and across accounts for finance, filtered by
company, level and the day sent, paged, sorted, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import build
from ledger.accounts import commands as ac
from ledger.dunning import commands as dc
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client
from tests.clerk import Clerk, Clock
from tests.dunning_flow.helpers import dun

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _late_payer(clerk: Clerk, name: str, company: str | None) -> str:
    partner = clerk.run(pc.RegisterPartner(name, PartnerKind.PERSON))["partner_id"]
    account = UUID(clerk.run(ac.OpenContractAccount(UUID(partner), f"{name} home", payment_terms_days=10,
                                                    company=company))["account_id"])
    clerk.bill(account, "100.00", vat="0")
    return str(account)


def _all(http: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    while True:
        r = http.get(path, params={**params, **({"after": after} if after else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        after = r.json()["next"]
        if after is None:
            return items


def _two_levels(clerk: Clerk) -> dict[str, str]:
    """Rita (no company named: the default) and Ugo (the default company by its code) billed on 1 March,
    due 11 March; dunned on 18 March (reminder) and 28 March (formal notice)."""
    rita = _late_payer(clerk, "Rita Lilla", None)
    ugo = _late_payer(clerk, "Ugo Neri", "it-power")
    clerk.clock.today = date(2026, 3, 18)
    assert dun(clerk)["steps"] == 2
    clerk.clock.today = date(2026, 3, 28)
    assert dun(clerk)["steps"] == 2
    return {"rita": rita, "ugo": ugo}


def test_every_step_of_an_account_with_level_procedure_rule_fee_and_letter(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    w = _two_levels(clerk)
    with api_client(clerk.services, "auditor") as http:
        steps = _all(http, f"/accounts/{w['rita']}/dunning/history")
        assert [(s["level"], s["stepped_on"]) for s in steps] == [(1, "2026-03-18"), (2, "2026-03-28")]
        first, second = steps
        # Rita's account names no company: it is the default company's, and the history says which.
        assert (first["procedure"], first["procedure_version"], first["company"]) == ("IT-POWER-LV", 0,
                                                                                      "it-power")
        assert first["rule"] and first["letter"] and first["letter"] != second["letter"]
        assert second["rule"].startswith("IT-ARERA-258/2015")
        assert first["overdue_total"] == "100.00" and first["invoices"]
        assert (first["reversed_on"], first["reversal_reason"]) == (None, None)
        # What the account's own dunning state says is exactly what the history lists.
        state = http.get(f"/accounts/{w['rita']}/dunning").json()
        assert [(s["step_id"], s["level"], s["fee"], s["rule"]) for s in state["steps"]] == [
            (s["step_id"], s["level"], s["fee"], s["rule"]) for s in steps]
        assert http.get(f"/accounts/{UUID(int=7)}/dunning/history").status_code == 404


def test_finance_filters_by_company_level_and_day_and_pages_through(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    w = _two_levels(clerk)
    with api_client(clerk.services, "finance") as http:
        everything = _all(http, "/dunning/history", limit=1)
        assert len(everything) == 4 and len({s["step_id"] for s in everything}) == 4
        # The default company holds the accounts that name none and those that name it.
        power = _all(http, "/dunning/history", company="it-power")
        assert {s["account_id"] for s in power} == {w["rita"], w["ugo"]}
        assert {s["company"] for s in power} == {"it-power"}
        assert _all(http, "/dunning/history", company="fi-heat") == []
        notices = _all(http, "/dunning/history", level=2)
        assert {(s["account_id"], s["level"]) for s in notices} == {(w["rita"], 2), (w["ugo"], 2)}
        march = _all(http, "/dunning/history", **{"from": "2026-03-19", "to": "2026-03-31"})
        assert {s["stepped_on"] for s in march} == {"2026-03-28"}
        assert [s["level"] for s in _all(http, "/dunning/history", sort="-level", limit=1)] == [2, 2, 1, 1]
        bad = http.get("/dunning/history", params={"company": "se-heat"})
        assert bad.status_code == 422 and "company" in bad.text
        bad = http.get("/dunning/history", params={"from": "2026-03-31", "to": "2026-03-01"})
        assert bad.status_code == 422 and "to" in bad.text
        rows = list(csv.DictReader(io.StringIO(http.get("/dunning/history",
                                                        params={"format": "csv", "level": 1}).text)))
        assert sorted(r["account_id"] for r in rows) == sorted([w["rita"], w["ugo"]])
        assert {r["level"] for r in rows} == {"1"} and all(r["rule"] for r in rows)


def test_a_reversed_step_stays_in_the_history_with_its_reversal(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    w = _two_levels(clerk)
    svc = clerk.services
    with api_client(svc, "finance") as http:
        last = _all(http, f"/accounts/{w['ugo']}/dunning/history")[-1]
        clerk.run(dc.ReverseDunningStep(UUID(w["ugo"]), last["step_id"], "sent to the wrong address"))
        steps = _all(http, f"/accounts/{w['ugo']}/dunning/history")
        assert [(s["level"], s["reversed_on"], s["reversal_reason"]) for s in steps] == [
            (1, None, None), (2, clerk.clock.today.isoformat(), "sent to the wrong address")]
    before = svc.view.dump_history()
    svc.dunning_history.rebuild()
    assert svc.view.dump_history() == before and before["saldo_dunning_steps"]
