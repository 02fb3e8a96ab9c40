"""Every list answers JSON and ``format=csv`` with the same columns (issue 11, item 1), and its CSV is safe
to open in a spreadsheet: a cell starting with ``=``, ``+``, ``-`` or ``@`` (a formula) is escaped with a
leading ``'`` (https://owasp.org/www-community/attacks/CSV_Injection), while an amount stays a number.

The walk takes every GET route of the application that has a ``format`` query parameter, and checks that
the lists of issue 11 are all among them (so a new list without CSV fails here).

Issue 14: every such list also answers ``format=xlsx`` with the CSV's header and rows, each cell of its
column's kind (an amount a number, a date a date, text a string, never a formula), read back with
:mod:`tests.xlsx_reader`."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args
from uuid import UUID

from fastapi.routing import APIRoute

from api.auth.gate import api_routes
from importers.bank import service
from importers.sepa import service as dd
from ledger.billing import commands as b
from ledger.billing.readings import ReadingSource
from ledger.dunning import commands as dc
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client, app
from tests.clerk import Clerk
from tests.dd_scenario import dd_customer
from tests.dunning_flow.helpers import dun
from tests.test_bank_duplicates import camt
from tests.test_lists import _world
from tests.xlsx_reader import read_xlsx

#: The lists of "find and read everything": each must answer JSON and CSV.
LISTS = {
    "/partners", "/accounts", "/contracts", "/invoices", "/payments", "/mandates", "/search",
    "/accounts/{account_id}/contracts", "/accounts/{account_id}/invoices", "/accounts/{account_id}/payments",
    "/contracts/{contract_id}/readings", "/readings/reviews", "/dunning/history",
    "/accounts/{account_id}/dunning/history", "/contracts/{contract_id}/load-curve",
}
#: Issue 14: the exports for the accounting system answer CSV and XLSX too.
EXPORTS = {"/journal", "/trial-balance"}
#: Issue 14, item 2: the working lists too (a run's view as its list).
WORKING_LISTS = {"/accounts/{account_id}/open-items", "/accounts/{account_id}/instalment-plans", "/worklist",
                 "/dunning/runs/{run_id}", "/collection-runs/{run_id}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://evil.example","click")'
POD = "IT001E12345678"  # the contract of tests.test_lists._world


def _rich_world(clerk: Clerk) -> dict[str, Any]:
    """The lists' world, and in it: readings (one held for review), a dunning step (of a run), a partner
    whose name is a formula, an account in credit, a direct debit sent to Carla's bank (for the report of
    collections, of a collection run), an instalment plan, and a receipt waiting in the worklist."""
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
    dunned = dun(clerk)
    assert dunned["steps"] == 1
    carla = dd_customer(clerk, "list-dd", "Carla Neri", "UMR-LIST-2", "DE89370400440532013000")
    clerk.bill(carla, "20.00", due=clerk.clock.today)
    today = clerk.clock.today
    collection = dd.propose_run(clerk.services, today, today, "list-run")["run_id"]
    dd.execute_run(clerk.services, UUID(collection))
    planned = clerk.customer("Paola Rate")
    clerk.run(dc.CreateInstalmentPlan(planned, (clerk.bill(planned, "30.00")["number"],), 2,
                                      today + timedelta(days=10)))
    unknown = camt("054", "list-suspense", None, [("25.00", "=1+1 nessun riferimento", today.isoformat())])
    assert service.import_statement(clerk.services, unknown, "list-suspense.xml").to_suspense == 1
    clerk.services.projections.catch_up()
    return {**w, "late": str(late), "planned": str(planned), "dunning_run": dunned["runs"][0],
            "collection_run": collection}


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


#: The list a run's view answers as CSV/XLSX (its JSON is the run, its totals and this list).
RUN_LISTS = {"/dunning/runs/{run_id}": "proposed_steps", "/collection-runs/{run_id}": "proposals"}


def _items(route: str, body: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(body, list):  # open items, plans, the worklist: the JSON is the list itself
        return body
    if route in RUN_LISTS:
        return list(body[RUN_LISTS[route]])
    if "books" in body:  # the trial balance: one line per account of each company's books
        return [{"company": b["company"], "legal_name": b["legal_name"], "currency": b["currency"], **a}
                for b in body["books"] for a in b["accounts"]]
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


PARAMS = {"/search": {"q": "rossi"}, "/contracts/{contract_id}/load-curve": {"month": "2026-03"}}


def _path(route: str, w: dict[str, Any]) -> str:
    account = (w["late"] if "dunning" in route or "open-items" in route
               else w["planned"] if "instalment-plans" in route else w["acc_m"])
    run = w["dunning_run"] if route.startswith("/dunning/") else w["collection_run"]
    return (route.replace("{account_id}", account).replace("{contract_id}", w["contract"])
            .replace("{run_id}", run))


def _json_items(http: Any, route: str, path: str) -> list[dict[str, Any]]:
    as_json = http.get(path, params=PARAMS.get(route, {}))
    assert as_json.status_code == 200, (route, as_json.text)
    if as_json.headers["content-type"].startswith("application/x-ndjson"):  # the journal export
        items = [json.loads(line) for line in as_json.text.splitlines() if line]
    else:
        items = [_flat(i) for i in _items(route, as_json.json())]
    assert items, f"{route}: the world should give it something to list"
    return items


def test_every_list_answers_json_and_csv_with_the_same_columns_and_rows(clerk: Clerk) -> None:
    w = _rich_world(clerk)
    routes = _format_routes(app(clerk.services))
    assert routes >= LISTS | EXPORTS | WORKING_LISTS, sorted(LISTS | EXPORTS | WORKING_LISTS - routes)
    with api_client(clerk.services, "auditor") as http:  # the auditor reads every list
        for route in sorted(routes):
            path = _path(route, w)
            items = _json_items(http, route, path)
            as_csv = http.get(path, params={**PARAMS.get(route, {}), "format": "csv"})
            assert as_csv.status_code == 200, (route, as_csv.text)
            assert as_csv.headers["content-type"].startswith("text/csv"), route
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


def _same_cell(json_value: Any, cell: Any) -> bool:
    """Whether an XLSX cell holds the JSON item's value, in the kind it should: an amount or a count as
    a number, a date as a date, a moment as its UTC datetime, a boolean as one, text as the same text."""
    if json_value is None or json_value == "":
        return cell is None
    if isinstance(json_value, bool) or isinstance(cell, bool):
        return cell is json_value
    if isinstance(json_value, int | float):
        return isinstance(cell, float) and cell == json_value
    if isinstance(cell, float):  # an amount or a quantity sent as decimal text
        return Decimal(str(json_value)) == Decimal(repr(cell)).quantize(Decimal(str(json_value)))
    if isinstance(cell, datetime):
        moment = datetime.fromisoformat(json_value)
        moment = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return abs(cell - moment) <= timedelta(milliseconds=1)  # Excel keeps milliseconds
    if isinstance(cell, date):
        return cell == date.fromisoformat(json_value)
    return cell == str(json_value)


def test_every_list_answers_xlsx_with_the_csvs_header_and_rows_as_typed_cells(clerk: Clerk) -> None:
    w = _rich_world(clerk)
    routes = _format_routes(app(clerk.services))
    with api_client(clerk.services, "auditor") as http:
        for route in sorted(routes):
            path = _path(route, w)
            items = _json_items(http, route, path)
            answer = http.get(path, params={**PARAMS.get(route, {}), "format": "xlsx"})
            assert answer.status_code == 200, (route, answer.text)
            assert answer.headers["content-type"] == XLSX, route
            assert answer.headers["content-disposition"].startswith("attachment; filename="), route
            csv_header = next(csv.reader(io.StringIO(http.get(path, params={**PARAMS.get(route, {}),
                                                                            "format": "csv"}).text)))
            sheet = read_xlsx(answer.content)
            header, *rows = sheet.rows
            assert header == csv_header == list(items[0]), route
            assert len(rows) == len(items), route
            assert sheet.formulas == 0, route
            for item, row in zip(items, rows, strict=True):
                cells = row + [None] * (len(header) - len(row))
                wrong = {k: (v, c) for (k, v), c in zip(item.items(), cells, strict=True)
                         if not _same_cell(v, c)}
                assert not wrong, (route, wrong)


def test_a_workbook_keeps_a_formula_as_text_and_shows_dates_as_the_language_writes_them(clerk: Clerk) -> None:
    w = _rich_world(clerk)
    with api_client(clerk.services, "auditor") as http:
        sheet = read_xlsx(http.get("/partners", params={"format": "xlsx"}).content)
        assert FORMULA in {r[sheet.rows[0].index("name")] for r in sheet.rows[1:]}  # as registered
        assert sheet.formulas == 0 and b"<f>" not in sheet.xml
        for language, day in (("it-IT", "dd/mm/yyyy"), ("fi", "d.m.yyyy"), ("en", "yyyy-mm-dd")):
            answer = http.get("/invoices", params={"format": "xlsx"}, headers={"Accept-Language": language})
            invoices = read_xlsx(answer.content)
            due = invoices.rows[0].index("due_date")
            assert {f[due] for f in invoices.formats[1:]} == {day}, language
            assert all(isinstance(r[due], date) for r in invoices.rows[1:])
        accounts = read_xlsx(http.get("/accounts", params={"format": "xlsx"}).content)
        balance = accounts.rows[0].index("balance")
        by_id = {r[0]: (r[balance], f[balance]) for r, f in zip(accounts.rows[1:], accounts.formats[1:],
                                                                strict=True)}
        assert by_id[w["acc_a"]] == (-8.0, "#,##0.00")  # a credit stays a negative number


def test_open_items_as_of_a_date_answer_each_format_with_the_items_open_then(clerk: Clerk) -> None:
    w = _rich_world(clerk)
    path = f"/accounts/{w['late']}/open-items"
    before = (clerk.clock.today - timedelta(days=61)).isoformat()  # before Lino's bill
    with api_client(clerk.services, "auditor") as http:
        for day, count in ((clerk.clock.today.isoformat(), 1), (before, 0)):
            items = http.get(path, params={"as_of": day}).json()
            assert len(items) == count, day
            as_csv = http.get(path, params={"as_of": day, "format": "csv"}).text
            rows = list(csv.DictReader(io.StringIO(as_csv)))
            assert [r["document_number"] for r in rows] == [i["document_number"] for i in items], day
            sheet = read_xlsx(http.get(path, params={"as_of": day, "format": "xlsx"}).content)
            number = sheet.rows[0].index("document_number")
            assert [r[number] for r in sheet.rows[1:]] == [i["document_number"] for i in items], day
