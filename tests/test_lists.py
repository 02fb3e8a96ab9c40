"""Finding and reading everything over HTTP (issue 11, item 1): paged lists with a cursor, filters, sorts,
CSV, the portal's own account only, and the one search box for finance."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.collections import commands as cc
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from tests.auth import api_client, bearer
from tests.clerk import Clerk

IBAN = "IT60X0542811101000000123456"
OTHER_IBAN = "DE89370400440532013000"


def _world(clerk: Clerk) -> dict[str, Any]:
    """Two customers: Mario (a POD contract, an invoice, a payment, a mandate) and Anna (an invoice)."""
    mario = clerk.run(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON,
                                         (("it.codicefiscale", "RSSMRA85T10A562S"),)))
    anna = clerk.run(pc.RegisterPartner("Anna Virtanen", PartnerKind.PERSON, (("fi.ytunnus", "2077474-0"),),
                                        language="fi"))
    acc_m = UUID(clerk.run(ac.OpenContractAccount(UUID(mario["partner_id"]), "Mario casa"))["account_id"])
    acc_a = UUID(clerk.run(ac.OpenContractAccount(UUID(anna["partner_id"]), "Anna koti"))["account_id"])
    contract = clerk.run(ac.SignContract(acc_m, "pod", "IT001E12345678", Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.MONTHLY, date(2026, 1, 1)))
    inv_m = clerk.bill(acc_m, "100.00")
    inv_a = clerk.bill(acc_a, "50.00", vat="24")
    paid = clerk.run(pmt.RecordPayment(acc_m, Decimal("122.00"), clerk.clock.today,
                                       invoice_numbers=(inv_m["number"],), payer_iban=OTHER_IBAN))
    clerk.run(cc.RegisterMandate(acc_m, "UMR-LIST-1", date(2026, 2, 1), "Mario Rossi", IBAN))
    return {"mario": mario["partner_id"], "anna": anna["partner_id"], "acc_m": str(acc_m),
            "acc_a": str(acc_a), "contract": contract["contract_id"], "inv_m": inv_m, "inv_a": inv_a,
            "paid": paid}


def _all(http: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, page by page through its cursor."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        r = http.get(path, params={**params, **({"after": after} if after else {})})
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        after = body["next"]
        if after is None:
            return items


def test_partners_accounts_contracts_are_listed_paged_filtered_and_sorted(clerk: Clerk) -> None:
    w = _world(clerk)
    with api_client(clerk.services, "finance") as http:
        first = http.get("/partners", params={"limit": 1, "sort": "name"}).json()
        assert [p["name"] for p in first["items"]] == ["Anna Virtanen"] and first["next"]
        second = http.get("/partners", params={"limit": 1, "sort": "name", "after": first["next"]}).json()
        assert [p["name"] for p in second["items"]] == ["Mario Rossi"] and second["next"] is None
        assert [p["name"] for p in _all(http, "/partners", sort="-name", limit=1)] == ["Mario Rossi",
                                                                                     "Anna Virtanen"]
        assert [p["partner_id"] for p in _all(http, "/partners", language="fi")] == [w["anna"]]
        accounts = _all(http, "/accounts", partner_id=w["mario"])
        assert [(a["account_id"], a["balance"]) for a in accounts] == [(w["acc_m"], "0.00")]
        contracts = _all(http, "/contracts")
        assert [(c["contract_id"], c["supply_point"]["id"], c["account_id"]) for c in contracts] == [
            (w["contract"], "IT001E12345678", w["acc_m"])]
        one = http.get(f"/contracts/{w['contract']}")
        assert one.status_code == 200 and one.json()["tariff_code"] == "HOME"
        bad = http.get("/partners", params={"after": "not-a-cursor"})
        assert bad.status_code == 422 and "after" in bad.text
        assert http.get("/partners", params={"sort": "shoe-size"}).status_code == 422
        assert http.get("/partners", params={"limit": 100_000}).status_code == 422


def test_invoices_payments_and_mandates_with_what_each_payment_matched(clerk: Clerk) -> None:
    w = _world(clerk)
    with api_client(clerk.services, "finance") as http:
        invoices = _all(http, "/invoices", sort="number")
        assert {i["number"]: (i["gross"], i["open_amount"]) for i in invoices} == {
            w["inv_m"]["number"]: ("122.00", "0.00"), w["inv_a"]["number"]: ("62.00", "62.00")}
        assert [i["number"] for i in _all(http, "/invoices", account_id=w["acc_a"])] == [w["inv_a"]["number"]]
        # Paged one by one through a numeric sort, descending: the cursor carries the amount.
        assert [i["gross"] for i in _all(http, "/invoices", sort="-gross", limit=1)] == ["122.00", "62.00"]
        payments = _all(http, "/payments")
        assert len(payments) == 1
        p = payments[0]
        assert p["payment_id"] == w["paid"]["payment_id"] and p["amount"] == "122.00" and p["rule"]
        assert p["allocations"] and p["allocations"][0]["amount"] == "122.00"
        assert p["payer_iban"] == OTHER_IBAN and p["reversed_on"] is None
        # The id from the list reverses the payment over HTTP.
        r = http.post(f"/accounts/{w['acc_m']}/payments/{p['payment_id']}/reversal",
                      headers={"Idempotency-Key": "rev-1"}, json={"reason": "recalled"})
        assert r.status_code == 201, r.text
        assert _all(http, "/payments")[0]["reversed_on"] is not None
        mandates = _all(http, "/mandates")
        assert [(m["account_id"], m["reference"], m["status"]) for m in mandates] == [
            (w["acc_m"], "UMR-LIST-1", "active")]


def test_csv_has_a_header_and_one_line_per_item_with_plain_decimals(clerk: Clerk) -> None:
    w = _world(clerk)
    with api_client(clerk.services, "auditor") as http:
        r = http.get("/invoices", params={"format": "csv", "sort": "number"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert sorted(row["number"] for row in rows) == sorted([w["inv_m"]["number"], w["inv_a"]["number"]])
        assert {row["gross"] for row in rows} == {"122.00", "62.00"}
        r = http.get("/payments", params={"format": "csv"})
        (row,) = list(csv.DictReader(io.StringIO(r.text)))
        assert row["amount"] == "122.00" and row["payment_id"] == w["paid"]["payment_id"]


def test_the_portal_reads_its_own_accounts_lists_only(clerk: Clerk) -> None:
    w = _world(clerk)
    with api_client(clerk.services, "portal", partner=w["mario"]) as http:
        own = http.get(f"/accounts/{w['acc_m']}/contracts")
        assert own.status_code == 200 and [c["contract_id"] for c in own.json()["items"]] == [w["contract"]]
        assert [i["number"] for i in http.get(f"/accounts/{w['acc_m']}/invoices").json()["items"]] == [
            w["inv_m"]["number"]]
        assert len(http.get(f"/accounts/{w['acc_m']}/payments").json()["items"]) == 1
        assert http.get(f"/contracts/{w['contract']}").status_code == 200
        assert http.get(f"/accounts/{w['acc_a']}/invoices").status_code == 404
        for path in ("/partners", "/accounts", "/contracts", "/invoices", "/payments", "/mandates"):
            assert http.get(path).status_code == 403, path
        assert http.get("/search", params={"q": "Rossi"}).status_code == 403
    with api_client(clerk.services, "portal", partner=w["anna"]) as http:
        assert http.get(f"/contracts/{w['contract']}").status_code == 404


@pytest.mark.parametrize(("typed", "kind"), [
    ("rssmra85t10a562s", "tax_id"),
    ("FI 2077474-0", "tax_id"),
    ("it 001 e 1234 5678", "supply_point"),
    ("it60 x054 2811 1010 0000 0123 456", "iban"),
    ("umr-list-1", "mandate_reference"),
])
def test_one_search_box_finds_each_key_however_it_is_typed(clerk: Clerk, typed: str, kind: str) -> None:
    _world(clerk)
    with api_client(clerk.services, "finance") as http:
        r = http.get("/search", params={"q": typed})
        assert r.status_code == 200, r.text
        assert kind in {h["matched"] for h in r.json()["results"]}, r.json()


def test_search_names_documents_and_references_and_says_where(clerk: Clerk) -> None:
    w = _world(clerk)
    with api_client(clerk.services, "finance") as http:
        hits = http.get("/search", params={"q": "ross"}).json()["results"]
        assert {(h["matched"], h["entity"], h["id"]) for h in hits} == {("name", "partner", w["mario"])}
        number = w["inv_a"]["number"]
        hits = http.get("/search", params={"q": number.lower()}).json()["results"]
        assert any(h["matched"] == "invoice_number" and h["entity"] == "document" and h["label"] == number
                   and h["account_id"] == w["acc_a"] for h in hits), hits
        reference = w["inv_a"]["payment_reference"]
        hits = http.get("/search", params={"q": " ".join(reference)}).json()["results"]
        assert any(h["matched"] == "payment_reference" for h in hits), hits
        assert http.get("/search", params={"q": "nobody-here"}).json()["results"] == []
        assert http.get("/search", params={"q": ""}).status_code == 422
    with api_client(clerk.services, "auditor") as http:
        assert http.get("/search", params={"q": "anna"}).status_code == 200
    with api_client(clerk.services, "accounting") as http:
        assert http.get("/search", params={"q": "anna"}, headers=bearer("accounting")).status_code == 403


def test_the_catalog_rebuilds_to_the_same_rows(clerk: Clerk) -> None:
    _world(clerk)
    svc = clerk.services
    svc.catalog.catch_up()
    before = svc.view.dump_catalog()
    svc.catalog.rebuild()
    assert svc.view.dump_catalog() == before and before["saldo_search"]


def test_a_forged_cursor_is_a_422_naming_after_never_a_500(clerk: Clerk) -> None:
    import base64
    import json

    _world(clerk)
    forged = base64.urlsafe_b64encode(json.dumps(["registered", False, "x", "y"]).encode()).decode()
    other_sort = base64.urlsafe_b64encode(json.dumps(["name", False, 5, "y"]).encode()).decode()
    with api_client(clerk.services, "finance") as http:
        for cursor in (forged, other_sort):
            r = http.get("/partners", params={"sort": "registered" if cursor == forged else "name",
                                              "after": cursor})
            assert r.status_code == 422 and "after" in r.text, r.text


def test_a_catalog_built_by_an_older_version_is_rebuilt_on_the_first_catch_up(clerk: Clerk) -> None:
    """After an upgrade that changes what the catalog reads, a store's old rows are not answered from:
    the first catch-up drops the catalog built under an older version's tracking name and builds it again
    (projections/catalog_sql.CatalogCatchUp)."""
    from api.bootstrap import build
    from projections.catalog_sql import CATALOG_VERSION, CatalogCatchUp

    _world(clerk)
    svc = clerk.services
    svc.catalog.catch_up()
    current = svc.view.dump_catalog()
    assert CATALOG_VERSION > 1 and svc.catalog.tracking_name.endswith(f"@v{CATALOG_VERSION}")
    # As version 1 left it: its tracking name, and a row it got wrong (what it did not read yet).
    with svc.view._write() as curs:  # the test forges an old store's tables
        curs.execute(svc.view._q("UPDATE {tracking} SET application_name = ? WHERE application_name = ?"),
                     (svc.catalog.base_name, svc.catalog.tracking_name))
        curs.execute(svc.view._q(f"UPDATE {svc.view.prefix}saldo_partners SET email = ?"),
                     ("stale@old.example",))
    upgraded = build(svc.database_url, clock=clerk.clock)
    try:
        follower = CatalogCatchUp(upgraded.app, upgraded.view)
        assert follower.catch_up() > 0  # read again from position 0
        assert upgraded.view.dump_catalog() == current
        names = upgraded.view.catalog_versions(follower.base_name)
        assert names == [follower.tracking_name]  # the old version's record is gone
        assert follower.catch_up() == 0  # and the next catch-up has nothing to do
    finally:
        upgraded.close()
