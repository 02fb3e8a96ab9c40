"""Supply points over HTTP (issue 11 item 1): the list of occupied and vacant points and one point's
holders, after a holder change (voltura) and a move-out without successor."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.bootstrap import Services
from ledger.billing.rating import FlatEnergy, StandingCharge
from tests.auth import api_client
from tests.billing.helpers import BillingClerk, D, pod
from tests.billing.test_holder_change import JAN, MONTHLY


def _three_points(services: Services, biller: BillingClerk) -> dict[str, Any]:
    """sp_changed passes from Anna to Luca on 15 January, sp_left is vacated on 15 January, sp_kept stays."""
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    # the contract accounts of three customers
    anna, luca, piero = (biller.customer(n) for n in ("Anna Bianchi", "Luca Verdi", "Piero Neri"))
    sp_changed, sp_left, sp_kept = pod(), pod(), pod()
    changed = biller.contract(anna, sp_changed, "FLAT", MONTHLY, start=JAN)
    left = biller.contract(piero, sp_left, "FLAT", MONTHLY, start=JAN)
    kept = biller.contract(piero, sp_kept, "FLAT", MONTHLY, start=JAN)
    for sp in (sp_changed, sp_left):
        biller.read(sp, date(2025, 12, 31), "1000")
    biller.clerk.clock.today = date(2026, 1, 16)
    with api_client(services) as http:
        end = {"end_date": "2026-01-15", "final_index": "1010"}
        moved = http.post(f"/contracts/{changed}/holder-change", json={**end, "new_account_id": str(luca)},
                          headers={"Idempotency-Key": "hc"})
        assert moved.status_code == 201, moved.text
        gone = http.post(f"/contracts/{left}/move-out", json=end, headers={"Idempotency-Key": "mo"})
        assert gone.status_code == 201, gone.text
    return {"changed": (sp_changed, str(changed), moved.json()["contract_id"]), "left": (sp_left, str(left)),
            "kept": (sp_kept, str(kept)), "anna": str(anna), "luca": str(luca)}


def test_the_list_tells_occupied_from_vacant_points_and_shows_each_latest_contract(
        services: Services, biller: BillingClerk) -> None:
    world = _three_points(services, biller)
    sp_changed, _, new_contract = world["changed"]
    with api_client(services, "auditor") as http:
        every = http.get("/supply-points", params={"scheme": "pod"}).json()["items"]
        by_point = {i["supply_point_id"]: i for i in every}
        assert set(by_point) == {sp_changed, world["left"][0], world["kept"][0]}  # one row per point
        assert by_point[sp_changed]["contract_id"] == new_contract  # the successor, not the ended contract
        assert by_point[sp_changed]["status"] == "occupied" and by_point[sp_changed]["since"] == "2026-01-16"
        assert by_point[world["left"][0]]["status"] == "vacant"
        assert by_point[world["left"][0]]["vacant_from"] == "2026-01-16"
        vacant = http.get("/supply-points", params={"status": "vacant"}).json()["items"]
        assert [i["supply_point_id"] for i in vacant] == [world["left"][0]]
        occupied = http.get("/supply-points", params={"status": "occupied", "commodity": "electricity"})
        assert {i["supply_point_id"] for i in occupied.json()["items"]} == {sp_changed, world["kept"][0]}
        # page by page with the cursor, in point order: every point once
        seen, after = [], None
        while True:
            cursor = {"after": after} if after else {}
            page = http.get("/supply-points", params={"limit": 1, **cursor}).json()
            seen += [i["supply_point_id"] for i in page["items"]]
            after = page["next"]
            if after is None:
                break
        assert seen == sorted(by_point)
        csv = http.get("/supply-points", params={"format": "csv", "status": "vacant"})
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].startswith("scheme,supply_point_id,commodity,status")
        assert world["left"][0] in csv.text.splitlines()[1]


def test_a_point_lists_every_holder_oldest_first(services: Services, biller: BillingClerk) -> None:
    world = _three_points(services, biller)
    sp_changed, old_contract, new_contract = world["changed"]
    with api_client(services, "finance") as http:
        spaced = f"{sp_changed[:6].lower()} {sp_changed[6:]}"  # as a clerk types it
        point = http.get(f"/supply-points/pod/{spaced}")
        assert point.status_code == 200, point.text
        holders = point.json()["holders"]
        assert [(h["contract_id"], h["account_id"], h["start_date"], h["end_date"]) for h in holders] == [
            (old_contract, world["anna"], "2026-01-01", "2026-01-15"),
            (new_contract, world["luca"], "2026-01-16", None)]
        partners = [h["partner_id"] for h in holders]
        assert None not in partners and partners[0] != partners[1]  # two holders, each named
        assert point.json()["current"]["status"] == "occupied"


def test_bad_points_are_named_and_unknown_ones_are_404(services: Services, biller: BillingClerk) -> None:
    world = _three_points(services, biller)
    holder = api_client(services, "finance").get("/supply-points").json()["items"][0]["partner_id"]
    with api_client(services, "finance") as http, api_client(services, "portal", partner=holder) as portal:
        bad = http.get("/supply-points/pod/IT00")
        assert bad.status_code == 422 and "supply_point_id" in bad.text
        scheme = http.get("/supply-points/zzz/IT001E00000001")
        assert scheme.status_code == 422 and "scheme" in scheme.text
        unknown = http.get("/supply-points/pdr/12345678901234")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem")
        assert http.get("/supply-points", params={"sort": "nonsense"}).status_code == 422
        assert portal.get("/supply-points").status_code == 403  # the staff's list, not a customer's
        assert portal.get(f"/supply-points/pod/{world['kept'][0]}").status_code == 403
