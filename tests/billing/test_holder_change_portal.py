"""Issue 11 item 3: after a holder change each portal sees only its own side of the change date. The old
holder's token reads the supply point's readings and load curve up to the change date and nothing later;
the new holder's from the next day; the staff see everything. The old holder keeps reading their own
account: the final bill, its open items and payments."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger.billing.final_bill import EndOfSupply, end_supply
from ledger.billing.rating import FlatEnergy, StandingCharge
from tests.auth import api_client, bearer
from tests.billing.helpers import BillingClerk, D, pod
from tests.billing.test_holder_change import JAN, MONTHLY

CHANGE = date(2026, 1, 15)


def _partner(biller: BillingClerk, account: UUID) -> str:
    return str(biller.clerk.balance(account)[1])


def _changed(biller: BillingClerk) -> dict[str, Any]:
    """Anna Bianchi hands her supply to Luca Verdi on 15 January; readings and an hourly curve of 1 kWh an
    hour from 14 to 17 January straddle the change."""
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    old_account = biller.customer("Anna Bianchi")
    contract = biller.contract(old_account, sp, "FLAT", MONTHLY, start=JAN)
    new_account = biller.customer("Luca Verdi")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.curve(sp, date(2026, 1, 14), 60, [1.0] * 96)
    biller.clerk.clock.today = date(2026, 1, 16)
    result = end_supply(biller.app, EndOfSupply(contract, CHANGE, new_account, final_index=D("1010")), "hc")
    biller.read(sp, date(2026, 1, 31), "1050")  # the new holder's first month
    biller.clerk.services.projections.catch_up()
    return {"old": contract, "new": UUID(result["contract_id"]), "old_account": old_account,
            "new_account": new_account, "old_partner": _partner(biller, old_account),
            "new_partner": _partner(biller, new_account)}


def test_each_portal_reads_the_supply_points_readings_only_on_its_side_of_the_change(
        biller: BillingClerk) -> None:
    c = _changed(biller)
    services = biller.clerk.services
    with api_client(services, None) as http:
        old = http.get(f"/contracts/{c['old']}/readings", headers=bearer("portal", partner=c["old_partner"]))
        assert old.status_code == 200, old.text
        assert [r["read_on"] for r in old.json()["readings"]] == ["2025-12-31", "2026-01-15"]
        new = http.get(f"/contracts/{c['new']}/readings", headers=bearer("portal", partner=c["new_partner"]))
        assert [r["read_on"] for r in new.json()["readings"]] == ["2026-01-31"]
        staff = http.get(f"/contracts/{c['old']}/readings", headers=bearer("auditor"))
        assert [r["read_on"] for r in staff.json()["readings"]] == ["2025-12-31", "2026-01-15", "2026-01-31"]
        # neither reaches the other's contract at all
        old_h = bearer("portal", partner=c["old_partner"])
        crossed = http.get(f"/contracts/{c['new']}/readings", headers=old_h)
        assert crossed.status_code == 404
        crossed = http.get(f"/contracts/{c['old']}", headers=bearer("portal", partner=c["new_partner"]))
        assert crossed.status_code == 404


def test_each_portal_reads_the_load_curve_only_on_its_side_of_the_change(biller: BillingClerk) -> None:
    c = _changed(biller)
    old_h = bearer("portal", partner=c["old_partner"])
    new_h = bearer("portal", partner=c["new_partner"])
    with api_client(biller.clerk.services, None) as http:
        path = f"/contracts/{c['old']}/load-curve"
        days = http.get(path, params={"month": "2026-01", "by": "day"}, headers=old_h).json()["values"]
        assert [d["key"] for d in days] == [f"2026-01-{d:02d}" for d in range(1, 16)]
        assert [d["value"] for d in days[-2:]] == ["24", "24"]
        month = http.get(path, params={"month": "2026-01", "by": "month"}, headers=old_h).json()["values"]
        assert (month[0]["value"], month[0]["missing"]) == ("48", 13 * 24)  # 1-13 January not received
        raw = http.get(path, params={"month": "2026-01", "by": "interval"}, headers=old_h).json()["values"]
        assert len(raw) == 48 and raw[-1]["key"] == "2026-01-15T22:00:00Z"
        bands = http.get(path, params={"month": "2026-01", "by": "band"}, headers=old_h).json()["values"]
        assert sum(D(b["value"]) for b in bands) == 48
        later = http.get(path, params={"month": "2026-02", "by": "day"}, headers=old_h)
        assert later.status_code == 404  # as if there were none

        path = f"/contracts/{c['new']}/load-curve"
        days = http.get(path, params={"month": "2026-01", "by": "day"}, headers=new_h).json()["values"]
        assert [d["key"] for d in days] == [f"2026-01-{d:02d}" for d in range(16, 32)]
        raw = http.get(path, params={"month": "2026-01", "by": "interval"}, headers=new_h).json()["values"]
        assert len(raw) == 48 and raw[0]["key"] == "2026-01-15T23:00:00Z"
        staff = http.get(path, params={"month": "2026-01", "by": "interval"}, headers=bearer("auditor"))
        assert len(staff.json()["values"]) == 96


def test_the_old_holder_still_reads_their_own_final_bill_open_items_and_payments(
        biller: BillingClerk) -> None:
    c = _changed(biller)
    old_h = bearer("portal", partner=c["old_partner"])
    with api_client(biller.clerk.services, None) as http:
        invoices = http.get(f"/contracts/{c['old']}/invoices", headers=old_h).json()
        assert [i["period"] for i in invoices] == [["2026-01-01", "2026-01-15"]]
        items = http.get(f"/accounts/{c['old_account']}/open-items", headers=old_h).json()
        assert [i["document_number"] for i in items] == [invoices[0]["number"]]
        contract = http.get(f"/contracts/{c['old']}", headers=old_h).json()
        assert contract["end_date"] == "2026-01-15"
        listed = http.get(f"/accounts/{c['old_account']}/contracts", headers=old_h).json()["items"]
        assert [x["contract_id"] for x in listed] == [str(c["old"])]
        assert http.get(f"/accounts/{c['old_account']}/payments", headers=old_h).status_code == 200
        assert http.get(f"/accounts/{c['new_account']}/open-items", headers=old_h).status_code == 404
