"""Issue 11's "every list endpoint answers for the demo": on the demo ``make run`` loads (three companies),
every GET route a person can reach is called and must answer, lists with rows where the demo has them.

The routes are read from the OpenAPI document, so a list added later is walked without touching this test.
Path parameters are filled from the demo (its first customer, that customer's contract, supply point and
an invoice); routes naming a run, a refund or a configuration record are left to their own tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import build
from api.cli import main
from api.demo import demo_customer
from tests.auth import app, bearer

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
#: Lists the demo must fill: a clerk opening any of these on the demo sees rows.
FILLED = {"/partners", "/accounts", "/contracts", "/invoices", "/payments", "/mandates", "/supply-points",
          "/accounts/{account_id}/contracts", "/accounts/{account_id}/invoices", "/journal"}

#: Routes that need one of several optional parameters: which one the walk gives, filled from the demo.
CHOICES = {"/audit/trail": {"account": "account_id"},
           "/contracts/{contract_id}/load-curve": {"month": "month"}}


def _fill(path: str, ids: dict[str, str]) -> str | None:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return None if "{" in path else path


def _demo_ids(client: Any, headers: dict[str, str]) -> dict[str, str]:
    partner, account = demo_customer(0)
    contract = client.get(f"/accounts/{account}/contracts", headers=headers).json()["items"][0]
    invoice = client.get(f"/accounts/{account}/invoices", headers=headers).json()["items"][0]
    return {"account_id": str(account), "partner_id": str(partner), "contract_id": contract["contract_id"],
            "scheme": contract["supply_point"]["scheme"], "supply_point_id": contract["supply_point"]["id"],
            "document_id": invoice["document_id"], "invoice_number": invoice["number"]}


def test_every_list_answers_for_the_demo(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    assert main(["--database-url", store_url, "demo", "--demo-folder", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    svc = build(store_url)
    try:
        api = app(svc)
        client, auditor = TestClient(api), bearer("auditor")
        ids = _demo_ids(client, auditor)
        name = client.get("/partners", headers=auditor).json()["items"][0]["name"]
        walked = []
        for path, item in api.openapi()["paths"].items():
            if "get" not in item or path == "/health" or (url := _fill(path, ids)) is None:
                continue
            values = {**ids, "q": name.split()[0], "month": "2026-01"}
            required = [p["name"] for p in item["get"].get("parameters", [])
                        if p["in"] == "query" and p.get("required")]
            assert set(required) <= set(values), f"{path}: say what the demo fills {required} with"
            params = ({q: values[q] for q in required}
                      | {q: values[v] for q, v in CHOICES.get(path, {}).items()})
            reply = client.get(url, params=params, headers=auditor)
            walked.append(path)
            if reply.status_code == 404:  # a document this customer does not have (a refund file, a plan)
                assert reply.headers["content-type"].startswith("application/problem+json"), path
                assert path not in FILLED, f"{path} answered 404 on the demo"
                continue
            assert reply.status_code == 200, f"{path}: {reply.status_code} {reply.text[:300]}"
            kind = reply.headers["content-type"]
            body = reply.json() if kind.startswith("application/json") else None
            if path in FILLED:
                rows = (body["items"] if isinstance(body, dict) and "items" in body
                        else body if body is not None else reply.text.splitlines())  # JSON lines, CSV
                assert rows, f"{path} is empty on the demo"
            if isinstance(body, dict) and "next" in body and "format" in str(item["get"].get("parameters")):
                csv = client.get(url, params={**params, "format": "csv"}, headers=auditor)
                assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv"), path
        assert set(walked) >= FILLED, f"not walked: {FILLED - set(walked)}"
        assert len(walked) >= 30
    finally:
        svc.close()
