"""The workplace's reports page and downloads (issue 14 item 2) without a browser, on both stores: each
chart inline as the API draws it, each download the bytes of the API's ``format=csv``/``xlsx``, the roles
of the API's routes, and a field the form cannot use named on the form, never a 500.

The world is the reports' own (:func:`tests.test_reports._world`: three companies, time-of-use and district
heating bills, a collected and a returned direct debit), and the worklist's (:mod:`tests.browser.world`).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth.gate import SESSION_COOKIE
from api.bootstrap import build
from api.spreadsheets import XLSX_MEDIA_TYPE
from tests.auth import app, bearer, token
from tests.browser.world import build_world
from tests.clerk import Clerk, Clock
from tests.test_reports import _world
from tests.xlsx_reader import read_xlsx

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
HTML = "text/html; charset=utf-8"
#: Each report's API route, by the name of its page download.
API = {"consumption-revenue": "/reports/consumption-revenue", "aged-receivables": "/reports/aged-receivables",
       "collection-success": "/reports/collection-success", "portfolio": "/reports/portfolio",
       "trial-balance": "/trial-balance"}


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


@pytest.fixture
def reports_world(demo_clerk: Clerk) -> Clerk:
    _world(demo_clerk)
    return demo_clerk


def _client(clerk: Clerk, role: str) -> TestClient:
    """A browser of the workplace logged in as ``role`` (the session cookie, no API header)."""
    client = TestClient(app(clerk.services), base_url="http://127.0.0.1")
    client.cookies.set(SESSION_COOKIE, token(role))
    return client


def _sections(text: str) -> list[str]:
    return re.findall(r'<section class="report" id="[^"]+" data-report="([^"]+)"', text)


def test_the_page_shows_every_report_with_its_chart_as_the_api_draws_it(reports_world: Clerk) -> None:
    clerk = reports_world
    with _client(clerk, "auditor") as page, TestClient(app(clerk.services), headers=bearer("auditor")) as api:
        shown = page.get("/ui/reports")
        assert shown.status_code == 200 and shown.headers["content-type"] == HTML
        assert _sections(shown.text) == list(API)
        for chart in ("/reports/consumption-revenue/chart.svg", "/reports/collection-success/chart.svg",
                      "/reports/aged-receivables/chart.svg"):
            svg = api.get(chart)
            assert svg.status_code == 200
            assert svg.content.decode() in shown.text, chart  # the same bytes, inline
        # money right-aligned and as the language writes it; the returned debit's reason in words
        assert '<td class="num">€37.20</td>' in shown.text and "AM04: " in shown.text
        italian = page.get("/ui/reports", headers={"Accept-Language": "it"})
        assert '<td class="num">37,20\xa0€</td>' in italian.text
        march = page.get("/ui/reports", params={"report": "consumption-revenue", "month": "2026-03"})
        svg = api.get("/reports/consumption-revenue/chart.svg", params={"month": "2026-03"}).content.decode()
        assert march.status_code == 200 and svg in march.text and "F1 kWh" in svg
        assert 'href="/ui/reports/consumption-revenue.csv?month=2026-03"' in march.text
        # the trial balance: one table per company's books
        books = re.findall(r'<table data-book="([^"]+)"', shown.text)
        assert {"fi-heat-EUR", "fi-network-EUR"} <= set(books), books


@pytest.mark.parametrize("name, params", [
    ("consumption-revenue", {}), ("consumption-revenue", {"month": "2026-03", "company": "fi-heat"}),
    ("consumption-revenue", {"from": "2026-02-01", "to": "2026-05-31", "commodity": "electricity"}),
    ("aged-receivables", {"company": "fi-network", "as_of": "2026-05-02"}),
    ("collection-success", {}), ("portfolio", {"company": "fi-network"}),
    ("trial-balance", {}), ("trial-balance", {"company": "fi-heat", "first_day": "2026-02-01"})])
def test_a_download_is_the_bytes_of_the_apis_csv_and_xlsx(reports_world: Clerk, name: str,
                                                          params: dict[str, str]) -> None:
    clerk = reports_world
    with _client(clerk, "auditor") as page, TestClient(app(clerk.services), headers=bearer("auditor")) as api:
        for fmt in ("csv", "xlsx"):
            mine = page.get(f"/ui/reports/{name}.{fmt}", params=params)
            theirs = api.get(API[name], params={**params, "format": fmt})
            assert theirs.status_code == 200, theirs.text
            assert mine.status_code == 200, mine.text[:500]
            assert mine.headers["content-type"] == theirs.headers["content-type"]
            assert mine.content == theirs.content, (name, fmt)
        rows = list(csv.reader(io.StringIO(mine_csv := page.get(f"/ui/reports/{name}.csv",
                                                                params=params).text)))
        assert len(rows) >= 2, mine_csv  # a header and at least one row: a real report, not an empty one
        assert read_xlsx(mine.content).rows[0] == rows[0]


def test_the_worklist_and_open_items_download_the_rows_the_api_answers(clerk: Clerk) -> None:
    world = build_world(clerk)
    with _client(clerk, "finance") as page, TestClient(app(clerk.services), headers=bearer("finance")) as api:
        assert 'href="/ui/worklist.csv"' in page.get("/ui/worklist").text
        assert f'href="/ui/accounts/{world.giulia}/open-items.xlsx"' in page.get(
            f"/ui/accounts/{world.giulia}").text
        receipts = list(csv.DictReader(io.StringIO(page.get("/ui/worklist.csv").text)))
        expected = api.get("/worklist").json()
        assert [(r["suspense_id"], r["amount"]) for r in receipts] == [
            (i["suspense_id"], i["amount"]) for i in expected]
        assert str(world.suspense_id) in {r["suspense_id"] for r in receipts}
        download = page.get(f"/ui/accounts/{world.giulia}/open-items.csv")
        items = list(csv.DictReader(io.StringIO(download.text)))
        api_items = api.get(f"/accounts/{world.giulia}/open-items").json()
        assert [(i["document_number"], i["open_amount"]) for i in items] == [
            (i["document_number"], i["open_amount"]) for i in api_items]
        assert {i["document_number"] for i in items} == set(world.giulia_invoices)
        sheet = page.get(f"/ui/accounts/{world.giulia}/open-items.xlsx")
        assert sheet.headers["content-type"] == XLSX_MEDIA_TYPE
        assert read_xlsx(sheet.content).rows[0] == list(items[0])
        assert len(read_xlsx(sheet.content).rows) == len(items) + 1
        assert page.get("/ui/worklist.xlsx").headers["content-type"] == XLSX_MEDIA_TYPE


def test_each_role_sees_the_reports_its_api_routes_allow(reports_world: Clerk) -> None:
    clerk = reports_world
    partner = clerk.services.view.account(str(clerk.customer()))[1]  # type: ignore[index]
    portal = TestClient(app(clerk.services), base_url="http://127.0.0.1")
    portal.cookies.set(SESSION_COOKIE, token("portal", partner=partner))
    for path in ("/ui/reports", "/ui/reports/consumption-revenue.csv", "/ui/worklist.csv"):
        refused = portal.get(path, follow_redirects=False)
        assert refused.status_code == 403 and refused.headers["content-type"] == HTML, path
    seen = {"auditor": list(API), "finance": [n for n in API if n != "trial-balance"],
            "accounting": ["consumption-revenue", "aged-receivables", "trial-balance"]}
    for role, names in seen.items():
        with _client(clerk, role) as page:
            shown = page.get("/ui/reports")
            assert shown.status_code == 200 and _sections(shown.text) == names, role
            assert 'href="/ui/reports"' in shown.text  # in the navigation bar
            for name in API:
                answer = page.get(f"/ui/reports/{name}.csv")
                assert answer.status_code == (200 if name in names else 403), (role, name)


@pytest.mark.parametrize("report, params, field", [
    ("consumption-revenue", {"month": "2026-13"}, "month"),
    ("consumption-revenue", {"company": "nope"}, "company"),
    ("consumption-revenue", {"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ("consumption-revenue", {"month": "2026-03", "from": "2026-03-01"}, "month"),
    ("consumption-revenue", {"commodity": "coal"}, "commodity"),
    ("collection-success", {"from": "1 March"}, "from"),
    ("aged-receivables", {"as_of": "2026-13-01"}, "as_of"),
    ("aged-receivables", {"known_at": "soon"}, "known_at"),
    ("portfolio", {"company": "nope"}, "company"),
    ("trial-balance", {"first_day": "2026-03-02", "last_day": "2026-03-01"}, "last_day")])
def test_a_field_the_form_cannot_use_is_named_on_the_form(clerk: Clerk, report: str, params: dict[str, str],
                                                         field: str) -> None:
    with _client(clerk, "auditor") as page:
        for path in ("/ui/reports", f"/ui/reports/{report}.csv", f"/ui/reports/{report}.xlsx"):
            answer = page.get(path, params={"report": report, **params})
            assert answer.status_code == 422, (path, answer.status_code, answer.text[:300])
            assert answer.headers["content-type"] == HTML
            said = re.findall(r'<p class="error field-error" id="([^"]+)-error" data-field="([^"]+)"',
                              answer.text)
            assert said == [(f"{report}-{field}", field)], (path, said)
            for name, typed in params.items():  # what was typed stays in the form, to correct it
                assert f'name="{name}" value="{html.escape(typed, quote=False)}"' in answer.text or \
                    f'<option value="{typed}" selected>{typed} (not' in answer.text, (name, typed)
        # the other reports are still shown, from their own defaults
        assert len(_sections(page.get("/ui/reports", params={"report": report, **params}).text)) == len(API)
        assert page.get(f"/ui/reports/{report}.pdf").status_code == 422
