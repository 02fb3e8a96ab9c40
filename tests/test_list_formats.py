"""Every list answers JSON and ``format=csv`` with the same columns (issue 11, item 1), and its CSV is safe
to open in a spreadsheet: a cell starting with ``=``, ``+``, ``-`` or ``@`` (a formula) is escaped with a
leading ``'`` (https://owasp.org/www-community/attacks/CSV_Injection), while an amount stays a number.

The walk takes every GET route of the application that has a ``format`` query parameter, and checks that
the lists of issue 11 are all among them (so a new list without CSV fails here)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, get_args
from uuid import UUID

from fastapi.routing import APIRoute

from api.auth.gate import api_routes
from importers.sepa import service as dd
from ledger.billing import commands as b
from ledger.billing.readings import ReadingSource
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client, app
from tests.clerk import Clerk
from tests.dd_scenario import dd_customer
from tests.dunning_flow.helpers import dun
from tests.test_lists import _world

#: The lists of "find and read everything": each must answer JSON and CSV.
LISTS = {
    "/partners", "/accounts", "/contracts", "/invoices", "/payments", "/mandates", "/search",
    "/accounts/{account_id}/contracts", "/accounts/{account_id}/invoices", "/accounts/{account_id}/payments",
    "/contracts/{contract_id}/readings", "/readings/reviews", "/dunning/history",
    "/accounts/{account_id}/dunning/history", "/contracts/{contract_id}/load-curve",
}
FORMULA = '=HYPERLINK("http://evil.example","click")'
POD = "IT001E12345678"  # the contract of tests.test_lists._world


def _rich_world(clerk: Clerk) -> dict[str, Any]:
    """The lists' world, and in it: readings (one held for review), a dunning step, a partner whose name
    is a formula, an account in credit, a direct debit sent to Carla's bank (for the report of
    collections)."""
    w = _world(clerk)
    clerk.run(b.RecordReading(POD, date(2025, 12, 31), Decimal("1000")))
    clerk.run(b.RecordReading(POD, date(2026, 1, 31), Decimal("1310")))
    clerk.run(b.RecordReading(POD, date(2026, 2, 20), Decimal("9999"), ReadingSource.SELF_READING))
    clerk.run(b.RecordLoadCurve(POD, datetime(2026, 3, 2, tzinfo=UTC), 60, (1.5, 2.25)))
    clerk.run(pc.RegisterPartner(FORMULA, PartnerKind.ORGANISATION))
    clerk.pay(UUID(w["acc_a"]), "70.00", w["inv_a"]["number"])  # 62.00 owed: 8.00 credit on account
    late = clerk.customer("Lino Tardi")
    clerk.bill(late, "10.00")
    clerk.clock.advance(60)
    assert dun(clerk)["steps"] == 1
    carla = dd_customer(clerk, "list-dd", "Carla Neri", "UMR-LIST-2", "DE89370400440532013000")
    clerk.bill(carla, "20.00", due=clerk.clock.today)
    today = clerk.clock.today
    dd.execute_run(clerk.services, UUID(dd.propose_run(clerk.services, today, today, "list-run")["run_id"]))
    clerk.services.projections.catch_up()
    return {**w, "late": str(late)}


def _format_routes(application: Any) -> set[str]:
    found = set()
    for route in api_routes(application.routes):
        if (isinstance(route, APIRoute) and "GET" in (route.methods or ())
                and any(p.alias == "format" and "csv" in get_args(p.field_info.annotation)
                        for p in route.dependant.query_params)):  # a list offers csv, an e-invoice does not
            found.add(route.path)
    return found


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            out[key] = json.dumps(value, separators=(",", ":"))
        else:
            out[key] = value
    return out


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    for name in ("items", "results", "readings", "values", "accounts"):
        if name in body:
            return list(body[name])
    raise AssertionError(f"no list in {sorted(body)}")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.lstrip("-").replace(".", "", 1).isdigit()


def test_every_list_answers_json_and_csv_with_the_same_columns_and_rows(clerk: Clerk) -> None:
    w = _rich_world(clerk)
    routes = _format_routes(app(clerk.services))
    assert routes >= LISTS, sorted(LISTS - routes)
    params = {"/search": {"q": "rossi"}, "/contracts/{contract_id}/load-curve": {"month": "2026-03"}}
    with api_client(clerk.services, "auditor") as http:  # the auditor reads every list
        for route in sorted(routes):
            account = w["late"] if "dunning" in route else w["acc_m"]
            path = route.replace("{account_id}", account).replace("{contract_id}", w["contract"])
            as_json = http.get(path, params=params.get(route, {}))
            as_csv = http.get(path, params={**params.get(route, {}), "format": "csv"})
            assert (as_json.status_code, as_csv.status_code) == (200, 200), (route, as_json.text, as_csv.text)
            assert as_csv.headers["content-type"].startswith("text/csv"), route
            if as_json.headers["content-type"].startswith("application/x-ndjson"):  # the journal export
                items = [json.loads(line) for line in as_json.text.splitlines() if line]
            else:
                items = [_flat(i) for i in _items(as_json.json())]
            assert items, f"{route}: the world should give it something to list"
            reader = csv.DictReader(io.StringIO(as_csv.text))
            rows = list(reader)
            assert list(reader.fieldnames or []) == list(items[0]), route
            assert len(rows) == len(items), route
            for item, row in zip(items, rows, strict=True):
                assert {k: _cell(v) for k, v in item.items() if not isinstance(v, bool)} == {
                    k: v for k, v in row.items() if not isinstance(item[k], bool)}, route


def test_a_csv_cell_that_would_run_as_a_formula_is_escaped_and_an_amount_stays_a_number(clerk: Clerk) -> None:
    w = _rich_world(clerk)
    with api_client(clerk.services, "auditor") as http:
        names = [p["name"] for p in http.get("/partners", params={"sort": "name"}).json()["items"]]
        assert FORMULA in names  # the JSON keeps what was registered
        rows = list(csv.DictReader(io.StringIO(http.get("/partners", params={"format": "csv"}).text)))
        assert "'" + FORMULA in {r["name"] for r in rows}
        assert not any(r["name"].startswith(("=", "+", "-", "@")) for r in rows)
        hits = list(csv.DictReader(io.StringIO(http.get("/search", params={"q": "=hyperlink",
                                                                            "format": "csv"}).text)))
        assert [h["label"] for h in hits] == ["'" + FORMULA]
        accounts = list(csv.DictReader(io.StringIO(http.get("/accounts", params={"format": "csv"}).text)))
        assert {r["account_id"]: r["balance"] for r in accounts}[w["acc_a"]] == "-8.00"
