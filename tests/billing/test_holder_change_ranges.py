"""A load curve read over several months after a holder change (issue 11): each portal gets its own days
only, in every month of the range; a month wholly outside its tenure is left out, a month inside it with
no curve counts as missing."""

from __future__ import annotations

from tests.auth import api_client, bearer
from tests.billing.helpers import BillingClerk, D
from tests.billing.test_holder_change_portal import _changed


def test_each_portal_reads_a_range_of_months_only_on_its_side_of_the_change(biller: BillingClerk) -> None:
    c = _changed(biller)  # Anna to Luca on 15 January; 1 kWh an hour from 14 to 17 January
    old_h = bearer("portal", partner=c["old_partner"])
    new_h = bearer("portal", partner=c["new_partner"])
    months = {"from": "2025-12", "to": "2026-02", "by": "month"}
    with api_client(biller.clerk.services, None) as http:
        old = http.get(f"/contracts/{c['old']}/load-curve", params=months, headers=old_h).json()["values"]
        # Anna: all of December (nothing received), 1-15 January (two days received), no February.
        assert [(v["key"], D(v["value"]), v["missing"]) for v in old] == [
            ("2025-12", 0, 31 * 24), ("2026-01", 48, 13 * 24)]
        new = http.get(f"/contracts/{c['new']}/load-curve", params=months, headers=new_h).json()["values"]
        # Luca: no December, 16-31 January (two days received), all of February (nothing received).
        assert [(v["key"], D(v["value"]), v["missing"]) for v in new] == [
            ("2026-01", 48, 14 * 24), ("2026-02", 0, 28 * 24)]
        days = http.get(f"/contracts/{c['new']}/load-curve", params={**months, "by": "day"},
                        headers=new_h).json()["values"]
        assert days[0]["key"] == "2026-01-16" and days[-1]["key"] == "2026-02-28" and len(days) == 16 + 28
        staff = http.get(f"/contracts/{c['old']}/load-curve", params=months,
                         headers=bearer("auditor")).json()["values"]
        assert [(v["key"], D(v["value"])) for v in staff] == [("2025-12", 0), ("2026-01", 96), ("2026-02", 0)]
        csv = http.get(f"/contracts/{c['old']}/load-curve", params={**months, "format": "csv"}, headers=old_h)
        assert csv.text.splitlines()[1:] == ["2025-12,0,744", "2026-01,48,312"]
