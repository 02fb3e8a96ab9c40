"""A load curve read across several months (issue 11): raw, per local day, per month and per band, over a
range that spans a DST change (Europe/Rome and Europe/Helsinki, 29 March and 25 October 2026), with a
month of the range never received counted as missing, and a named limit on the range."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from api.load_curve_view import MAX_LOAD_CURVE_MONTHS
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client
from tests.clerk import Clerk

POD = "IT001E87650001"


def _contract(clerk: Clerk) -> dict[str, str]:
    partner = clerk.run(pc.RegisterPartner("Eva Riva", PartnerKind.PERSON))["partner_id"]
    account = UUID(clerk.run(ac.OpenContractAccount(UUID(partner), "Eva casa"))["account_id"])
    contract = clerk.run(ac.SignContract(account, "pod", POD, Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.MONTHLY, date(2026, 1, 1)))["contract_id"]
    return {"partner": partner, "contract": contract}


def _hourly(zone: str, first: date, end: date) -> list[dict[str, str]]:
    """1 kWh in every UTC hour of the local days [first, end) of ``zone``."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    stop = datetime.combine(end, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    hours = int((stop - start).total_seconds() // 3600)
    return [{"start": (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"), "value": "1"}
            for h in range(hours)]


def _month_after(month: str, k: int = 1) -> str:
    y, m = int(month[:4]), int(month[5:]) - 1 + k
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


@pytest.mark.parametrize(("zone", "month", "change", "hours"), [
    ("Europe/Rome", "2026-03", "2026-03-29", 23), ("Europe/Rome", "2026-10", "2026-10-25", 25),
    ("Europe/Helsinki", "2026-03", "2026-03-29", 23), ("Europe/Helsinki", "2026-10", "2026-10-25", 25),
])
def test_a_range_of_months_across_a_dst_change(clerk: Clerk, zone: str, month: str, change: str,
                                               hours: int) -> None:
    """The DST month and the next are received, hourly, 1 kWh an hour; the month before is not."""
    c = _contract(clerk)
    before, after = _month_after(month, -1), _month_after(month)
    y, m = int(month[:4]), int(month[5:])
    first, end = date(y, m, 1), date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    points = _hourly(zone, first, end)
    with api_client(clerk.services, "finance") as http:
        r = http.post("/load-curves", headers={"Idempotency-Key": f"lc-{zone}-{month}"},
                      json={"supply_point": POD, "resolution_min": 60, "time_zone": zone, "points": points})
        assert r.status_code in (200, 201), r.text
    with api_client(clerk.services, "portal", partner=c["partner"]) as http:
        path = f"/contracts/{c['contract']}/load-curve"

        def read(by: str) -> dict[str, Any]:
            r = http.get(path, params={"from": before, "to": after, "by": by})
            assert r.status_code == 200, r.text
            return r.json()

        monthly = read("month")
        assert (monthly["from_month"], monthly["to_month"], monthly["time_zone"]) == (before, after, zone)
        days_in = {k: (date(int(k[:4]), int(k[5:]), 1) - date(int(_month_after(k)[:4]),
                                                                int(_month_after(k)[5:]), 1)).days * -1
                   for k in (before, month, after)}
        assert [(v["key"], Decimal(v["value"]), v["missing"]) for v in monthly["values"]] == [
            (before, Decimal(0), days_in[before] * 24),
            (month, Decimal(days_in[month] * 24 + hours - 24), 0),
            (after, Decimal(days_in[after] * 24), 0)]
        days = {v["key"]: (Decimal(v["value"]), v["missing"]) for v in read("day")["values"]}
        assert len(days) == sum(days_in.values())
        assert days[change] == (Decimal(hours), 0)
        assert {v for k, v in days.items() if k >= month and k != change} == {(Decimal(24), 0)}
        raw = read("interval")["values"]
        assert len(raw) == len(points)
        instants = [datetime.fromisoformat(v["key"].replace("Z", "+00:00")) for v in raw]
        # No gap and no overlap at the DST change or at the border between the two months.
        assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(instants))
        if zone == "Europe/Rome":
            bands = read("band")["values"]
            assert sum(Decimal(b["value"]) for b in bands) == len(points)
            assert sum(b["missing"] for b in bands) == days_in[before] * 24
        else:  # the ARERA bands are Italian wall-clock hours: never laid on Helsinki's, a 422
            r = http.get(path, params={"from": before, "to": after, "by": "band"})
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "calendar", r.text


def test_the_range_has_a_named_limit_and_clear_errors(clerk: Clerk) -> None:
    c = _contract(clerk)
    with api_client(clerk.services, "finance") as http:
        r = http.post("/load-curves", headers={"Idempotency-Key": "lc-limit"},
                      json={"supply_point": POD, "resolution_min": 60,
                            "points": _hourly("Europe/Rome", date(2026, 3, 2), date(2026, 3, 3))})
        assert r.status_code in (200, 201), r.text
        path = f"/contracts/{c['contract']}/load-curve"
        last = _month_after("2025-03", MAX_LOAD_CURVE_MONTHS - 1)
        ok = http.get(path, params={"from": "2025-03", "to": last, "by": "month"})
        assert ok.status_code == 200 and len(ok.json()["values"]) == MAX_LOAD_CURVE_MONTHS
        too_long = http.get(path, params={"from": "2025-03",
                                          "to": _month_after("2025-03", MAX_LOAD_CURVE_MONTHS)})
        assert too_long.status_code == 422, too_long.text
        problem = too_long.json()
        assert problem["errors"][0]["field"] == "to" and str(MAX_LOAD_CURVE_MONTHS) in too_long.text
        backwards = http.get(path, params={"from": "2026-04", "to": "2026-03"})
        assert backwards.status_code == 422 and "before" in backwards.text
        both = http.get(path, params={"month": "2026-03", "from": "2026-03"})
        assert both.status_code == 422 and both.json()["errors"][0]["field"] == "month"
        none = http.get(path)
        assert none.status_code == 422 and none.json()["errors"][0]["field"] == "month"
        assert http.get(path, params={"from": "2026-03"}).json()["to_month"] == "2026-03"
        assert http.get(path, params={"from": "2026-05", "to": "2026-06"}).status_code == 404
