"""Issue 11: a partner's details and an account's payment method change by commands whose events the
lists and the search show; over HTTP, finance changes them and the portal only its own partner's e-mail,
language and address. Both stores (the ``services`` fixture).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from api.bootstrap import Services
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy, TariffVersion
from ledger.billing.records import ContractBilling
from ledger.collections import commands as d
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.auth import api_client, bearer, new_key
from tests.clerk import Clerk

HELSINKI = {"street": "Mannerheimintie 1", "postcode": "00100", "town": "Helsinki", "country": "FI"}
DEBTOR_IBAN = "IT60X0542811101000000123456"


def _partner(clerk: Clerk, name: str = "Maija Meikäläinen", email: str = "maija@old.example.fi") -> str:
    return str(clerk.run(pc.RegisterPartner(name, PartnerKind.PERSON, email=email, language="it",
                                            address=PostalAddress("Via Roma 1", "98122", "Messina", "IT")))[
        "partner_id"])


def _search(http: Any, text: str) -> list[tuple[str, str]]:
    answer = http.get("/search", params={"q": text})
    assert answer.status_code == 200, answer.text
    return [(r["matched"], r["id"]) for r in answer.json()["results"]]


def test_finance_changes_a_partners_details_and_the_lists_and_search_show_them(
        clerk: Clerk, services: Services) -> None:
    partner = _partner(clerk)
    with api_client(services, "finance") as http:
        assert ("email", partner) in _search(http, "maija@old.example.fi")
        body = {"email": "maija@new.example.fi", "language": "fi", "address": HELSINKI,
                "contact": "+358 40 123 4567"}
        answer = http.post(f"/partners/{partner}/details", json=body, headers=new_key())
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"partner_id": partner, "changed": True}
        read = http.get(f"/partners/{partner}").json()
        assert (read["email"], read["language"], read["contact"]) == (
            "maija@new.example.fi", "fi", "+358 40 123 4567")
        assert read["address"] == HELSINKI
        listed = http.get("/partners", params={"language": "fi"}).json()["items"]
        assert [(p["partner_id"], p["email"]) for p in listed] == [(partner, "maija@new.example.fi")]
        assert ("email", partner) in _search(http, "MAIJA@NEW.EXAMPLE.FI")
        assert _search(http, "maija@old.example.fi") == []  # the old address finds no one any more
        # The same details again: nothing is recorded.
        again = http.post(f"/partners/{partner}/details", json=body, headers=new_key())
        assert again.json()["changed"] is False


def test_each_detail_is_checked_naming_its_field(clerk: Clerk, services: Services) -> None:
    partner = _partner(clerk)
    wrong = [({"email": "maija@example"}, "email"), ({"language": "xx"}, "language"),
             ({"address": {**HELSINKI, "town": "  "}}, "address.town"),
             ({"address": {**HELSINKI, "country": "F1"}}, "address.country"),
             ({"contact": "   "}, "contact")]
    with api_client(services, "finance") as http:
        for body, field in wrong:
            answer = http.post(f"/partners/{partner}/details", json=body, headers=new_key())
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["errors"][0]["field"] == field, answer.json()
        missing = http.post(f"/partners/{UUID(int=1)}/details", json={"language": "fi"}, headers=new_key())
        assert missing.status_code == 404
        assert http.get(f"/partners/{partner}").json()["email"] == "maija@old.example.fi"  # nothing half-done


def test_the_portal_changes_its_own_partners_contact_details_only(clerk: Clerk, services: Services) -> None:
    own, other = _partner(clerk), _partner(clerk, "Otto Other", "otto@example.it")
    with api_client(services, "portal", partner=own) as http:
        answer = http.post(f"/partners/{own}/details", json={"email": "maija@portal.example.fi",
                                                               "language": "sv"}, headers=new_key())
        assert answer.status_code == 200, answer.text
        assert http.post(f"/partners/{other}/details", json={"language": "sv"},
                         headers=new_key()).status_code == 404
        contact = http.post(f"/partners/{own}/details", json={"contact": "call me"}, headers=new_key())
        assert contact.status_code == 403, contact.text
    read = api_client(services, "auditor").get(f"/partners/{own}").json()
    assert (read["email"], read["language"], read["contact"]) == ("maija@portal.example.fi", "sv", None)
    assert api_client(services, "auditor").get(f"/partners/{other}").json()["language"] == "it"


def test_the_payment_method_is_the_accounts_and_direct_debit_needs_a_mandate(
        clerk: Clerk, services: Services) -> None:
    account = clerk.customer("Aino Virtanen")
    with api_client(services, "finance") as http:
        url = f"/accounts/{account}/payment-method"
        refused = http.post(url, json={"payment_method": "direct-debit"}, headers=new_key())
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "payment_method"
        clerk.run(d.RegisterMandate(account, "UMR-CHANGE-1", date(2026, 1, 15), "Aino Virtanen", DEBTOR_IBAN))

        def listed() -> str:
            (row,) = [a for a in http.get("/accounts").json()["items"] if a["account_id"] == str(account)]
            return str(row["payment_method"])

        assert listed() == "direct-debit"  # the mandate switched it
        answer = http.post(url, json={"payment_method": "bank-transfer"}, headers=new_key())
        assert answer.status_code == 200 and answer.json()["changed"] is True, answer.text
        assert listed() == "bank-transfer"
        assert services.app.repository.get(account).collectable_items(date(2026, 12, 31)) == []
        back = http.post(url, json={"payment_method": "direct-debit"}, headers=new_key())
        assert back.status_code == 200 and listed() == "direct-debit"
        assert http.post(url, json={"payment_method": "direct-debit"}, headers=bearer("portal",
                         partner=UUID(int=2)) | new_key()).status_code == 403


def test_finance_changes_a_contracts_tariff_frequency_and_vat_over_http_and_the_list_shows_them(
        clerk: Clerk, services: Services) -> None:
    for code in ("HOME", "HOME-2027"):
        version = TariffVersion(code, "v1", date(2025, 1, 1), None, "EUR", Decimal("22"),
                                (FlatEnergy(Decimal("0.10")),), "kWh")
        clerk.run(b.DefineTariffVersion(version, None))
    account = clerk.customer("Aino Virtanen")
    contract = clerk.run(ac.SignContract(account, "pod", "IT001E99000001", Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.BIMONTHLY, date(2026, 1, 1)))["contract_id"]
    with api_client(services, "finance") as http:
        changes = [("tariff", {"tariff_code": "HOME-2027", "effective_from": "2027-01-01"}),
                   ("billing-frequency", {"billing_frequency": "monthly", "effective_from": "2027-01-01"}),
                   ("vat-rate", {"vat_rate": "10", "effective_from": "2027-01-01", "reason": "domestic use"})]
        for what, body in changes:
            answer = http.post(f"/contracts/{contract}/{what}", json=body, headers=new_key())
            assert answer.status_code == 200, (what, answer.text)
        row = http.get(f"/contracts/{contract}").json()
        assert (row["tariff_code"], row["billing_frequency"]) == ("HOME-2027", "monthly")
        unknown = http.post(f"/contracts/{contract}/tariff", json={"tariff_code": "NONE",
                                                                   "effective_from": "2027-06-01"},
                            headers=new_key())
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "tariff_code"
        frequency = http.post(f"/contracts/{contract}/billing-frequency",
                              json={"billing_frequency": "fortnightly", "effective_from": "2027-06-01"},
                              headers=new_key())
        assert frequency.status_code == 422, frequency.text
    history = services.app.repository.get(ContractBilling.id_for(UUID(contract)))
    assert (history.vat_rate_on(date(2026, 12, 31)), history.vat_rate_on(date(2027, 1, 31))) == (
        None, Decimal("10"))
    signed = services.app.repository.get(UUID(contract))
    assert signed.frequency_on(date(2026, 12, 31)) is BillingFrequency.BIMONTHLY
    assert signed.tariff_on(date(2026, 12, 31)) == "HOME"
