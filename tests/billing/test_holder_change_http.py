"""The holder change over HTTP (finance): deposit, final bill, offset, refund as a valid pain.001; auditors
read the refund and the pending regularisations but change nothing."""

from __future__ import annotations

from datetime import date

from api.bootstrap import Services
from importers.sepa._xsd import validate as validate_xsd
from ledger.billing.rating import FlatEnergy, StandingCharge
from tests.auth import api_client
from tests.billing.helpers import BillingClerk, D, pod
from tests.billing.test_holder_change import JAN, MONTHLY, REFUND_IBAN


def test_a_holder_change_over_http_refunds_the_deposit_with_a_pain001(services: Services,
                                                                       biller: BillingClerk) -> None:
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    old_account = biller.customer("Anna Bianchi")
    contract = biller.contract(old_account, sp, "FLAT", MONTHLY, start=JAN)
    new_account = biller.customer("Luca Verdi")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.clerk.clock.today = date(2026, 1, 16)
    with api_client(services) as http, api_client(services, "auditor") as auditor:
        deposit = http.post(f"/contracts/{contract}/deposit", json={"size": "3", "issue_date": "2026-01-01"},
                            headers={"Idempotency-Key": "dep-1"})
        assert deposit.status_code == 201 and deposit.json()["amount"] == "34.50"
        biller.clerk.pay(old_account, "34.50")
        body = {"end_date": "2026-01-15", "new_account_id": str(new_account), "final_index": "1010",
                "refund_name": "Anna Bianchi", "refund_iban": REFUND_IBAN, "refund_town": "Messina"}
        denied = auditor.post(f"/contracts/{contract}/holder-change", json=body,
                              headers={"Idempotency-Key": "hc-1"})
        assert denied.status_code == 403
        reply = http.post(f"/contracts/{contract}/holder-change", json=body,
                          headers={"Idempotency-Key": "hc-1"})
        assert reply.status_code == 201, reply.text
        result = reply.json()
        # final bill 15 x 0.10 + 10 x 0.20 = 3.50 + VAT 0.35 = 3.85; interest 34.50 x 2 % x 14 / 365 = 0.03
        assert result["deposit"]["refunded"] == str(D("34.50") + D("0.03") - D("3.85"))
        file = auditor.get(result["pain001"])
        assert file.status_code == 200 and REFUND_IBAN in file.text and "30.68" in file.text
        validate_xsd(file.content, "pain.001.001.09")
        bad = http.post(f"/contracts/{new_account}/holder-change", json=body,
                        headers={"Idempotency-Key": "x"})
        assert bad.status_code == 404 and bad.headers["content-type"].startswith("application/problem+json")
        reg = http.post(f"/contracts/{result['contract_id']}/regularisation",
                        json={"notified_on": "2026-01-20", "reason": "heirs"},
                        headers={"Idempotency-Key": "r"})
        assert reg.status_code == 201 and reg.json()["due_on"] == "2026-03-21"
        listed = auditor.get("/regularisations").json()["items"]
        assert [i["due_on"] for i in listed] == ["2026-03-21"]
