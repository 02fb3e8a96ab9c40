"""Readings and load curves readable (issue 11): the register readings of a contract's supply point, and
its load curve raw, per day, per month and per time-of-use band — the portal's consumption view."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client
from tests.clerk import Clerk

POD = "IT001E87654321"


def _contract(clerk: Clerk) -> dict[str, Any]:
    partner = clerk.run(pc.RegisterPartner("Lia Bruno", PartnerKind.PERSON))["partner_id"]
    account = UUID(clerk.run(ac.OpenContractAccount(UUID(partner), "Lia casa"))["account_id"])
    contract = clerk.run(ac.SignContract(account, "pod", POD, Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.MONTHLY, date(2026, 1, 1)))["contract_id"]
    return {"partner": partner, "contract": contract}


def test_register_readings_of_the_contract(clerk: Clerk) -> None:
    c = _contract(clerk)
    with api_client(clerk.services, "finance") as http:
        r = http.post("/readings", headers={"Idempotency-Key": "rd-1"}, json={"readings": [
            {"supply_point": POD, "read_on": "2026-01-31", "index": "1200"},
            {"supply_point": POD, "read_on": "2026-02-28", "index": "1450"}]})
        assert r.status_code in (200, 201), r.text
    with api_client(clerk.services, "portal", partner=c["partner"]) as http:
        r = http.get(f"/contracts/{c['contract']}/readings")
        assert r.status_code == 200, r.text
        body = r.json()
        assert [(x["read_on"], x["index"], x["source"], x["counts"]) for x in body["readings"]] == [
            ("2026-01-31", "1200", "actual", True), ("2026-02-28", "1450", "actual", True)]
        assert body["supply_point"] == POD


def test_load_curve_raw_per_day_month_and_band(clerk: Clerk) -> None:
    c = _contract(clerk)
    # Monday 2 March 2026, hourly, 1 kWh an hour for the whole day (Europe/Rome, no DST change).
    points = [{"start": f"2026-03-02T{h:02d}:00:00+01:00", "value": "1"} for h in range(24)]
    with api_client(clerk.services, "finance") as http:
        r = http.post("/load-curves", headers={"Idempotency-Key": "lc-1"},
                      json={"supply_point": POD, "resolution_min": 60, "points": points})
        assert r.status_code in (200, 201), r.text
    with api_client(clerk.services, "portal", partner=c["partner"]) as http:
        path = f"/contracts/{c['contract']}/load-curve"
        raw = http.get(path, params={"month": "2026-03", "by": "interval"}).json()
        assert len(raw["values"]) == 24 and raw["values"][0]["value"] == "1"
        days = http.get(path, params={"month": "2026-03", "by": "day"}).json()["values"]
        assert [(d["key"], d["value"], d["missing"]) for d in days if d["key"] == "2026-03-02"] == [
            ("2026-03-02", "24", 0)]
        assert next(d for d in days if d["key"] == "2026-03-03")["missing"] == 24
        month = http.get(path, params={"month": "2026-03", "by": "month"}).json()["values"]
        assert [(m["key"], Decimal(m["value"])) for m in month] == [("2026-03", Decimal(24))]
        bands = http.get(path, params={"month": "2026-03", "by": "band"}).json()["values"]
        # ARERA weekday: F1 08-19 (11 h), F2 07-08 and 19-23 (5 h), F3 the rest (8 h).
        assert {b["key"]: Decimal(b["value"]) for b in bands} == {"F1": 11, "F2": 5, "F3": 8}
        assert http.get(path, params={"month": "2026-04", "by": "day"}).status_code == 404
        assert http.get(path, params={"month": "March", "by": "day"}).status_code == 422
