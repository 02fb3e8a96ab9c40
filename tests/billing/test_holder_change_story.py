"""Story (issue 11 items 3 and 4), over HTTP on both stores: Anna Bianchi hands her supply to Luca Verdi on
15 January. Her final bill is offset against her deposit and the rest refunded to her IBAN (a valid
pain.001); Luca's contract requires a deposit, which his first invoice's run bills with it; each portal sees
only its own side of the change date. Then the deposit settlement and deposit reads over HTTP, and the 60
days to regularise a holder with the injected clock."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from importers.sepa._xsd import validate as validate_xsd
from ledger.billing.rating import FlatEnergy, StandingCharge
from tests.auth import api_client, bearer, new_key
from tests.billing.helpers import BillingClerk, D, pod
from tests.billing.test_holder_change import JAN, MONTHLY, REFUND_IBAN


def _partner(biller: BillingClerk, account: UUID) -> dict[str, str]:
    return bearer("portal", partner=str(biller.clerk.balance(account)[1]))


def _setup(biller: BillingClerk) -> dict[str, Any]:
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    old_account = biller.customer("Anna Bianchi")
    contract = biller.contract(old_account, sp, "FLAT", MONTHLY, start=JAN)
    new_account = biller.customer("Luca Verdi")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.curve(sp, date(2026, 1, 14), 60, [1.0] * 96)
    return {"sp": sp, "old_account": old_account, "old": contract, "new_account": new_account,
            "anna": _partner(biller, old_account), "luca": _partner(biller, new_account)}


def _hand_over(biller: BillingClerk, http: TestClient, c: dict[str, Any]) -> dict[str, Any]:
    deposit = http.post(f"/contracts/{c['old']}/deposit", json={"size": "3", "issue_date": "2026-01-01"},
                        headers=new_key())
    assert deposit.status_code == 201 and deposit.json()["amount"] == "34.50"
    biller.clerk.pay(c["old_account"], "34.50")
    biller.clerk.clock.today = date(2026, 1, 16)
    body = {"end_date": "2026-01-15", "new_account_id": str(c["new_account"]), "final_index": "1010",
            "refund_name": "Anna Bianchi", "refund_iban": REFUND_IBAN, "refund_town": "Messina"}
    reply = http.post(f"/contracts/{c['old']}/holder-change", json=body, headers=new_key())
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def test_story_holder_change_final_bill_deposit_refund_first_invoice_deposit_and_two_portals(
        biller: BillingClerk) -> None:
    c = _setup(biller)
    with api_client(biller.clerk.services) as http:
        changed = _hand_over(biller, http, c)
        new = changed["contract_id"]
        # final bill 15 x 0.10 + 10 kWh x 0.20 = 3.50 + VAT 0.35 = 3.85; interest 0.03; refund 30.68
        assert changed["final_bill"]["invoices"] == 1 and changed["deposit"]["refunded"] == "30.68"
        file = http.get(changed["pain001"])
        assert file.status_code == 200 and REFUND_IBAN in file.text and "30.68" in file.text
        validate_xsd(file.content, "pain.001.001.09")

        # Luca's contract requires a deposit with its first invoice
        required = http.post(f"/contracts/{new}/deposit", json={"size": "3", "with_first_invoice": True},
                             headers=new_key())
        assert required.status_code == 201 and required.json()["with_first_invoice"] is True
        biller.read(c["sp"], date(2026, 1, 31), "1050")
        biller.clerk.clock.today = date(2026, 2, 2)
        assert biller.bill(JAN, date(2026, 1, 31)).invoices == 1
        items = http.get(f"/accounts/{c['new_account']}/open-items", headers=c["luca"]).json()
        assert sorted(i["kind"] for i in items) == ["deposit", "invoice"]
        assert len({(i["posted_on"], i["due_date"]) for i in items}) == 1  # billed together, due together
        assert next(i for i in items if i["kind"] == "deposit")["amount"] == "34.50"
        held = http.get(f"/accounts/{c['new_account']}/deposits", headers=c["luca"]).json()
        assert held["held"] == "34.50" and held["deposits"][0]["paid"] is False

        # Anna's portal: her side only, and her own account (final bill offset, deposit refunded)
        anna = http.get(f"/accounts/{c['old_account']}/deposits", headers=c["anna"]).json()
        assert D(anna["held"]) == 0
        assert (anna["deposits"][0]["refunded"], anna["deposits"][0]["settled_on"]) == ("30.68", "2026-01-15")
        assert http.get(f"/accounts/{c['old_account']}/open-items", headers=c["anna"]).json() == []
        invoices = http.get(f"/contracts/{c['old']}/invoices", headers=c["anna"]).json()
        assert [i["period"] for i in invoices] == [["2026-01-01", "2026-01-15"]]
        readings = http.get(f"/contracts/{c['old']}/readings", headers=c["anna"]).json()["readings"]
        assert [r["read_on"] for r in readings] == ["2025-12-31", "2026-01-15"]
        curve = http.get(f"/contracts/{c['old']}/load-curve", params={"month": "2026-01", "by": "month"},
                         headers=c["anna"]).json()["values"]
        assert curve[0]["value"] == "48"
        # Luca's portal: from 16 January
        readings = http.get(f"/contracts/{new}/readings", headers=c["luca"]).json()["readings"]
        assert [r["read_on"] for r in readings] == ["2026-01-31"]
        curve = http.get(f"/contracts/{new}/load-curve", params={"month": "2026-01", "by": "day"},
                         headers=c["luca"]).json()["values"]
        assert curve[0]["key"] == "2026-01-16" and curve[0]["value"] == "24"
        assert http.get(f"/accounts/{c['old_account']}/deposits", headers=c["luca"]).status_code == 404


def test_a_deposit_is_settled_over_http_by_finance_alone_and_read_by_the_staff_and_its_portal(
        biller: BillingClerk) -> None:
    c = _setup(biller)
    with api_client(biller.clerk.services) as http:
        http.post(f"/contracts/{c['old']}/deposit", json={"size": "3", "issue_date": "2026-01-01"},
                  headers=new_key())
        biller.clerk.pay(c["old_account"], "34.50")
        biller.clerk.clock.today = date(2026, 1, 16)
        path = f"/contracts/{c['old']}/deposit/settlement"
        body = {"refund_name": "Anna Bianchi", "refund_iban": REFUND_IBAN, "refund_town": "Messina"}
        for role in ({**bearer("auditor")}, c["anna"]):
            assert http.post(path, json=body, headers={**role, **new_key()}).status_code == 403
        bad = http.post(path, json={**body, "refund_iban": "IT00X0000000000000000000000"}, headers=new_key())
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "refund_iban"
        settled = http.post(path, json=body, headers=new_key())
        assert settled.status_code == 201, settled.text
        # settled today by the clock: 34.50 x 2 % x 15 / 365 = 0.028 -> 0.03
        assert settled.json()["settled_on"] == "2026-01-16" and settled.json()["refunded"] == "34.53"
        assert http.get(settled.json()["pain001"]).status_code == 200
        again = http.post(path, json=body, headers=new_key())
        assert again.status_code == 409
        read = http.get(f"/accounts/{c['old_account']}/deposits", headers=bearer("auditor")).json()
        assert read["deposits"][0]["refunded"] == "34.53" and D(read["held"]) == 0
        assert http.get(f"/accounts/{c['old_account']}/deposits", headers=c["anna"]).status_code == 200


def test_a_holder_change_moves_the_deposit_over_http_with_the_consent(biller: BillingClerk) -> None:
    c = _setup(biller)
    with api_client(biller.clerk.services) as http:
        http.post(f"/contracts/{c['old']}/deposit", json={"size": "3", "issue_date": "2026-01-01"},
                  headers=new_key())
        biller.clerk.pay(c["old_account"], "34.50")
        biller.clerk.clock.today = date(2026, 1, 16)
        body = {"end_date": "2026-01-15", "new_account_id": str(c["new_account"]), "final_index": "1010",
                "move_deposit": True}
        refused = http.post(f"/contracts/{c['old']}/holder-change", json=body, headers=new_key())
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "deposit_consent"
        consent = "signed voltura form, 10 January 2026"
        moved = http.post(f"/contracts/{c['old']}/holder-change", json={**body, "deposit_consent": consent},
                          headers=new_key())
        assert moved.status_code == 201 and moved.json()["deposit"]["moved"] == "34.53"
        luca = http.get(f"/accounts/{c['new_account']}/deposits", headers=c["luca"]).json()
        assert luca["held"] == "34.53" and luca["deposits"][0]["consent"] == consent
        assert luca["deposits"][0]["moved_from"] == str(c["old"])
        anna = http.get(f"/accounts/{c['old_account']}/open-items", headers=c["anna"]).json()
        assert [i["amount"] for i in anna] == ["3.85"]  # her final bill stays hers


def test_the_60_days_to_regularise_run_on_the_injected_clock_over_http(biller: BillingClerk) -> None:
    c = _setup(biller)
    biller.clerk.clock.today = date(2026, 1, 10)
    with api_client(biller.clerk.services) as http:
        http.post(f"/contracts/{c['old']}/deposit", json={"size": "3", "issue_date": "2026-01-01"},
                  headers=new_key())
        biller.clerk.pay(c["old_account"], "34.50")
        biller.read(c["sp"], date(2026, 3, 11), "1300")
        reg = http.post(f"/contracts/{c['old']}/regularisation", json={"reason": "tenant, not the holder"},
                        headers=new_key())
        assert reg.status_code == 201 and reg.json()["due_on"] == "2026-03-11"  # notified today + 60 days
        ahead = http.post("/regularisations/lapse", json={"as_of": "2026-03-12"}, headers=new_key())
        assert ahead.status_code == 422 and ahead.json()["errors"][0]["field"] == "as_of"
        biller.clerk.clock.today = date(2026, 3, 11)
        assert http.post("/regularisations/lapse", json={}, headers=new_key()).json()["ended_contracts"] == []
        biller.clerk.clock.today = date(2026, 3, 12)
        denied = http.post("/regularisations/lapse", json={}, headers={**bearer("auditor"), **new_key()})
        assert denied.status_code == 403
        lapsed = http.post("/regularisations/lapse", json={}, headers=new_key()).json()
        assert (lapsed["as_of"], lapsed["ended_contracts"]) == ("2026-03-12", [str(c["old"])])
        # rescinded end to end: the final period billed, the deposit offset against it, the rest credit
        closed = lapsed["closed"][str(c["old"])]
        assert closed["final_bill"]["invoices"] == 1 and closed["deposit"]["refunded"] == "0.00"
        (final,) = http.get(f"/contracts/{c['old']}/invoices", headers=c["anna"]).json()
        assert final["period"] == ["2026-03-01", "2026-03-11"]
        interest = D(closed["deposit"]["interest"])  # 34.50 x 2 % x 69 / 365 = 0.13
        assert interest == D("0.13")
        balance = http.get(f"/accounts/{c['old_account']}/balance", headers=c["anna"]).json()
        assert D(balance["balance"]) == D(final["gross"]) - D("34.50") - interest
        assert http.get("/regularisations").json()["items"] == []
        contract = http.get(f"/contracts/{c['old']}", headers=c["anna"]).json()
        assert contract["end_date"] == "2026-03-11"
