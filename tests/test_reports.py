"""Issue 14, item 2: the consumption and revenue report, the portfolio, collection success, and their
charts, over HTTP on both stores.

The world (:func:`_world`): the three demo companies; an Italian household on a time-of-use tariff billed
from a February load curve (1 kWh an hour: F1 220, F2 164, F3 288 kWh, see
tests/billing/test_components.py); a household billed on an estimate in March and trued up in May (a credit
note and a corrected invoice); a Finnish district-heating customer of fi-heat (12.5 MWh); a typed invoice
of fi-network partly credited; two direct-debit customers of fi-network, one collected, one returned AM04.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from lxml import etree

from api.bootstrap import build
from api.reports import charts
from api.spreadsheets import XLSX_MEDIA_TYPE
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.billing.rating import Excise, FlatEnergy, StandingCharge, TimeOfUse
from ledger.collections import commands as d
from tests.auth import api_client
from tests.billing.helpers import BillingClerk, D, pod
from tests.clerk import Clerk, Clock, energy_line
from tests.company_scenario import dd_account, household
from tests.test_lists import _all
from tests.xlsx_reader import read_xlsx

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
FEB, FEB_END, JAN = date(2026, 2, 1), date(2026, 2, 28), date(2026, 1, 1)
HEAT_POINT = "643123456789012342"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _bill(biller: BillingClerk, start: date, end: date, *contracts: UUID) -> None:
    report = biller.bill(start, end, contracts=contracts)
    assert report.errors == 0, report.issues


def _world(clerk: Clerk) -> dict[str, Any]:
    biller = BillingClerk(clerk)
    bands = TimeOfUse((D("0.20"), D("0.15"), D("0.10")), "IT-ARERA-F123")
    biller.tariff("TOU-HOME", StandingCharge(D("0.10")), bands, Excise(D("0.0125")), vat="10")
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    biller.tariff("HEAT", FlatEnergy(D("85.00")), vat="24", unit="MWh")
    tou_point = pod()
    tou = biller.contract(clerk.customer("Lucia Bianchi"), tou_point, "TOU-HOME", BillingFrequency.MONTHLY,
                          FEB)
    biller.curve(tou_point, FEB, 60, [1.0] * 672)
    _bill(biller, FEB, FEB_END, tou)
    flat_point = pod()
    flat_account = clerk.customer("Mario Rossi")
    flat = biller.contract(flat_account, flat_point, "FLAT")
    biller.read(flat_point, date(2025, 11, 30), "900")
    biller.read(flat_point, date(2025, 12, 31), "1000")
    _bill(biller, JAN, FEB_END, flat)  # estimated: no reading at the end of February
    heat_account = UUID(clerk.run(ac.OpenContractAccount(household(clerk, "Aino Lämpö"), "koti",
                                                         company="fi-heat"))["account_id"])
    heat = biller.contract(heat_account, HEAT_POINT, "HEAT", BillingFrequency.MONTHLY, FEB,
                           Commodity.DISTRICT_HEATING, "gsrn")
    biller.read(HEAT_POINT, date(2026, 1, 31), "100")
    biller.read(HEAT_POINT, FEB_END, "112.5")
    _bill(biller, FEB, FEB_END, heat)
    typed = UUID(clerk.run(ac.OpenContractAccount(household(clerk, "Ville Verkko"), "koti",
                                                  company="fi-network"))["account_id"])
    invoice = clerk.bill(typed, "40.00", vat="24")
    clerk.run(ac.IssueCreditNote(invoice["number"], "goodwill", (energy_line("10.00", "24"),)))
    collected = dd_account(clerk, household(clerk, "Maija Meikäläinen"), "fi-network", "VRK-UMR-1")
    returned = dd_account(clerk, household(clerk, "Matti Meikäläinen"), "fi-network", "VRK-UMR-2")
    for account in (collected, returned):
        clerk.bill(account, "30.00", vat="24", due=clerk.clock.today)
    run_id = UUID(dd.propose_run(clerk.services, clerk.clock.today, clerk.clock.today, "run-net",
                                 company="fi-network")["run_id"])
    dd.execute_run(clerk.services, run_id)
    clerk.services.projections.catch_up()
    booked = {b.account_id: b.end_to_end_id for b in dd.load_run(clerk.services, run_id).booked}
    clerk.run(d.ReturnCollection(returned, booked[returned], "AM04", clerk.clock.today))
    assert dd.settle_due(clerk.services, clerk.clock.today) == 1
    clerk.services.projections.catch_up()
    biller.read(flat_point, FEB_END, "1700")  # the actual reading: May's run trues up January-February
    clerk.clock.today = date(2026, 5, 2)
    _bill(biller, date(2026, 3, 1), date(2026, 4, 30), flat)
    return {"tou": str(tou), "flat": str(flat), "heat": str(heat), "typed": str(typed)}


def _net(rows: list[dict[str, Any]], key: tuple[str, ...], value: str) -> dict[tuple[str, ...], Decimal]:
    sums: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for r in rows:
        sums[tuple(r[k] for k in key)] += Decimal(r[value])
    return dict(sums)


def _journal_revenue(clerk: Clerk, numbers: set[str]) -> dict[tuple[str, ...], Decimal]:
    """Per (booking month, company): what the journal books to revenue and excise for ``numbers``."""
    sums: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for r in clerk.services.view.journal(0, 100_000, None, clerk.services.app.companies.default.code):
        if r[6] in numbers and (r[8].startswith("revenue:") or r[8] == "excise"):
            sums[(r[3][:7], r[-1])] += Decimal(int(r[10]) - int(r[9])) / 100
    return dict(sums)


def test_revenue_per_company_and_month_is_what_the_documents_and_the_journal_say(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    _world(clerk)
    with api_client(clerk.services, "accounting") as http:
        body = http.get("/reports/consumption-revenue").json()
    items, totals = body["items"], body["totals"]
    assert body["period"]["by"] == "month"
    by_items = _net(items, ("period", "company"), "net")
    by_totals = _net(totals, ("period", "company"), "net")
    assert by_items == by_totals
    with api_client(clerk.services, "auditor") as http:
        documents = _all(http, "/invoices")
    companies = clerk.services.view.account_companies([doc["account_id"] for doc in documents])
    listed: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for doc in documents:
        sign = -1 if doc["kind"] == "credit-note" else 1
        listed[(doc["issue_date"][:7], companies[doc["account_id"]])] += sign * Decimal(doc["net"])
    assert by_totals == dict(listed)
    assert by_totals == _journal_revenue(clerk, {doc["number"] for doc in documents})
    assert set(by_totals) == {("2026-03", "it-power"), ("2026-03", "fi-heat"), ("2026-03", "fi-network"),
                              ("2026-05", "it-power")}
    assert by_totals[("2026-03", "fi-network")] == Decimal("90.00")  # 40 + 30 + 30 - 10 credited
    may = next(t for t in totals if t["period"] == "2026-05")
    assert (may["invoices"], may["credit_notes"]) == (2, 1)  # the corrected invoice, the next period
    bands = {r["band"]: r for r in items if r["kind"] == "tou"}
    assert {b: (r["quantity"], r["unit"], r["supplied"]) for b, r in bands.items()} == {
        "F1": ("220.000", "kWh", "220.000"), "F2": ("164.000", "kWh", "164.000"),
        "F3": ("288.000", "kWh", "288.000")}
    assert {r["tariff_code"] for r in bands.values()} == {"TOU-HOME"}
    assert {r["commodity"] for r in bands.values()} == {"electricity"}
    (excise,) = [r for r in items if r["kind"] == "excise"]
    assert (excise["quantity"], excise["supplied"], excise["net"]) == ("672.000", None, "8.40")
    (heat,) = [r for r in items if r["company"] == "fi-heat"]
    assert (heat["commodity"], heat["unit"], heat["quantity"], heat["net"]) == (
        "district-heating", "MWh", "12.500", "1062.50")
    # The true-up: May credits the estimate (190.323 kWh) and bills the actual 700 kWh and the next period.
    may_energy = [r for r in items if r["period"] == "2026-05" and r["kind"] == "flat"]
    assert len(may_energy) == 1 and Decimal(may_energy[0]["quantity"]) > Decimal("700") - Decimal("190.323")


def test_the_three_formats_give_the_same_rows_and_a_month_or_a_range_narrows_them(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    _world(clerk)
    with api_client(clerk.services, "auditor") as http:
        for path in ("/reports/consumption-revenue", "/reports/portfolio", "/reports/collection-success"):
            items = http.get(path).json()["items"]
            assert items, path
            as_csv = http.get(path, params={"format": "csv"})
            assert as_csv.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(as_csv.text)))
            assert rows == [{k: "" if v is None else str(v) for k, v in i.items()} for i in items], path
            as_xlsx = http.get(path, params={"format": "xlsx"})
            assert as_xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
            sheet = read_xlsx(as_xlsx.content)
            assert sheet.rows[0] == list(items[0]), path
            assert len(sheet.rows) == len(items) + 1 and sheet.formulas == 0
            for item, cells in zip(items, sheet.rows[1:], strict=True):
                for (name, value), cell in zip(item.items(), cells + [None] * len(item), strict=False):
                    if value is None:
                        assert cell is None, (path, name)
                    elif isinstance(value, str) and isinstance(cell, float):
                        assert Decimal(value) == Decimal(str(cell)), (path, name)
                    else:
                        assert cell == value, (path, name)
            assert http.get(path, params={"format": "xlsx"}).content == as_xlsx.content  # same bytes
            assert b"xl/charts/chart1.xml" in as_xlsx.content  # a native chart
        aged = http.get("/reports/aged-receivables", params={"limit": 2}).json()
        aged_csv = http.get("/reports/aged-receivables", params={"limit": 2, "format": "csv"})
        assert list(csv.DictReader(io.StringIO(aged_csv.text))) == [
            {k: str(v) for k, v in a.items()} for a in aged["accounts"]]
        assert aged_csv.headers["x-next-cursor"] == aged["next_after"]
        workbook = http.get("/reports/aged-receivables", params={"limit": 2, "format": "xlsx"}).content
        assert [row[-3] for row in read_xlsx(workbook).rows] == [
            "account_id", *(a["account_id"] for a in aged["accounts"])]
        before = http.get("/reports/consumption-revenue", params={"format": "csv"}).content
        clerk.services.catalog.drop()  # rebuilt from position 0 on the next read: the same bytes (rule 4)
        assert http.get("/reports/consumption-revenue", params={"format": "csv"}).content == before
        march = http.get("/reports/consumption-revenue", params={"month": "2026-03"}).json()
        assert {i["period"] for i in march["items"]} == {"2026-03"}
        assert march["period"] == {"first_day": "2026-03-01", "last_day": "2026-03-31", "by": "month"}
        ranged = http.get("/reports/consumption-revenue", params={"from": "2026-03-01", "to": "2026-05-31",
                                                                  "company": "it-power"}).json()
        assert {(i["period"], i["company"]) for i in ranged["items"]} == {
            ("2026-03-01/2026-05-31", "it-power")}
        heat = http.get("/reports/consumption-revenue", params={"commodity": "district-heating"}).json()
        assert {i["commodity"] for i in heat["items"]} == {"district-heating"}
        assert [t["net"] for t in heat["totals"]] == ["1062.50"]


def test_the_portfolio_counts_what_the_lists_list(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    _world(clerk)
    with api_client(clerk.services, "finance") as http:
        items = http.get("/reports/portfolio").json()["items"]
        accounts = [i for i in items if i["subject"] == "accounts"]
        for method in {i["payment_method"] for i in accounts}:
            listed = _all(http, "/accounts", payment_method=method)
            group = [i for i in accounts if i["payment_method"] == method]
            assert sum(i["count"] for i in group) == len(listed), method
            assert sum(Decimal(i["balance"]) for i in group) == sum(Decimal(a["balance"]) for a in listed)
        assert sum(i["count"] for i in accounts) == len(_all(http, "/accounts"))
        contracts = [i for i in items if i["subject"] == "contracts"]
        for commodity in ("electricity", "district-heating"):
            assert sum(i["count"] for i in contracts if i["commodity"] == commodity) == len(
                _all(http, "/contracts", commodity=commodity))
        points = [i for i in items if i["subject"] == "supply_points"]
        for status in ("occupied", "vacant"):
            assert sum(i["count"] for i in points if i["status"] == status) == len(
                _all(http, "/supply-points", status=status))
        assert {(i["company"], i["scheme"], i["status"]) for i in points} == {
            ("it-power", "pod", "occupied"), ("fi-heat", "gsrn", "occupied")}
        dd_accounts = [i for i in accounts if i["payment_method"] == "direct-debit"]
        assert [(i["company"], i["count"]) for i in dd_accounts] == [("fi-network", 2)]
        only = http.get("/reports/portfolio", params={"company": "fi-heat"}).json()
        assert {i["company"] for i in only["items"]} == {"fi-heat"} and only["company"] == "fi-heat"


def test_collection_success_and_the_charts(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    _world(clerk)
    with api_client(clerk.services, "finance") as http:
        items = http.get("/reports/collection-success").json()["items"]
        assert [(i["company"], i["outcome"], i["reason_code"], i["collections"], i["amount"], i["share"])
                for i in items] == [("fi-network", "collected", None, 1, "37.20", "50.00"),
                                    ("fi-network", "returned", "AM04", 1, "37.20", "50.00")]
        assert "insufficient funds" in items[1]["reason"]
        svg = http.get("/reports/collection-success/chart.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert _bars(svg.content) == [("collected", "1"), ("returned AM04", "1")]
        bands = _bars(http.get("/reports/consumption-revenue/chart.svg", params={"month": "2026-03"}).content)
        assert ("F1 kWh", "220.000") in bands and ("all hours MWh", "12.500") in bands
        aging = http.get("/reports/aged-receivables/chart.svg", params={"company": "fi-network"}).content
        assert [label for label, _ in _bars(aging)] == ["not due", "1-30 days", "31-60 days", "61-90 days",
                                                        "over 90 days"]
        assert http.get("/reports/collection-success/chart.svg").content == svg.content


def _bars(svg: bytes) -> list[tuple[str, str]]:
    """(label, value) of every bar, read as a screen reader would: each bar's label and value texts."""
    root = etree.fromstring(svg)
    assert root.find(f"{SVG}title") is not None and root.get("role") == "img"
    assert len(root.findall(f".//{SVG}text[@class='axis-label']")) == 2
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    labels = [t.text for t in root.findall(f".//{SVG}text[@class='bar-label']")]
    values = [t.text for t in root.findall(f".//{SVG}text[@class='bar-value']")]
    assert len(bars) == len(labels) == len(values)
    for bar, label, value in zip(bars, labels, values, strict=True):
        assert bar.findtext(f"{SVG}title") == f"{label}: {value}"
    return [(str(label), str(value).split()[0]) for label, value in zip(labels, values, strict=True)]


@pytest.mark.parametrize(("params", "field"), [
    ({"month": "2026-13"}, "query.month"), ({"company": "nope"}, "company"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "to"), ({"month": "2026-03", "from": "2026-03-01"}, "month"),
    ({"commodity": "coal"}, "query.commodity"), ({"format": "pdf"}, "query.format")])
def test_a_bad_selection_is_a_problem_naming_the_field(clerk: Clerk, params: dict[str, str],
                                                       field: str) -> None:
    with api_client(clerk.services, "auditor") as http:
        for path in ("/reports/consumption-revenue", "/reports/collection-success"):
            if path.endswith("success") and "commodity" in params:
                continue
            reply = http.get(path, params=params)
            assert reply.status_code == 422, (path, reply.text)
            assert reply.headers["content-type"].startswith("application/problem+json")
            assert field in [e["field"] for e in reply.json()["errors"]], reply.json()
        if "company" in params:
            assert http.get("/reports/portfolio", params=params).status_code == 422


REPORTS = ("/reports/consumption-revenue", "/reports/consumption-revenue/chart.svg", "/reports/portfolio",
           "/reports/collection-success", "/reports/collection-success/chart.svg",
           "/reports/aged-receivables/chart.svg")


def test_the_portal_reads_no_report_and_accounting_reads_the_revenue(clerk: Clerk) -> None:
    account = clerk.customer()
    partner = clerk.services.view.account(str(account))[1]  # type: ignore[index]
    with api_client(clerk.services, "portal", partner=partner) as http:
        assert {path: http.get(path).status_code for path in REPORTS} == dict.fromkeys(REPORTS, 403)
    with api_client(clerk.services, "accounting") as http:
        assert {path: http.get(path).status_code for path in REPORTS} == {
            path: 200 if "revenue" in path or "aged" in path else 403 for path in REPORTS}
    with api_client(clerk.services, "auditor") as http:
        assert {path: http.get(path).status_code for path in REPORTS} == dict.fromkeys(REPORTS, 200)


def test_a_chart_is_the_same_bytes_for_the_same_data_and_escapes_its_labels() -> None:
    data = charts.bars([("<F1> & co", Decimal("220.000")), ("credit", Decimal("-12.50"))], "kWh")
    first = charts.bar_chart("Bands & <more>", "a test", "band", "kWh", data)
    assert first == charts.bar_chart("Bands & <more>", "a test", "band", "kWh", data)
    assert _bars(first) == [("<F1> & co", "220.000"), ("credit", "-12.50")]
    root = etree.fromstring(first)
    (positive, negative) = root.findall(f".//{SVG}rect[@class='bar']")
    assert Decimal(negative.get("x")) < Decimal(positive.get("x"))  # a negative bar grows left of zero
    many = charts.bars([(f"b{i}", i) for i in range(charts.MAX_BARS + 5)])
    assert len(many) == charts.MAX_BARS and many[-1].label == "others"
    empty = etree.fromstring(charts.bar_chart("Nothing", "no rows", "band", "kWh", []))
    assert empty.findall(f".//{SVG}rect[@class='bar']") == []
