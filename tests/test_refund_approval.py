"""Refunds go back to the IBAN the money came from; to any other IBAN only with a second finance user's
approval (four-eyes, issue 10 item 4).

A refund to the payer's own IBAN is paid at once. One to another IBAN is a request (an event naming who
asked); a finance user other than the one who asked approves it (a second event naming who approved), and
only then is the money booked out of suspense and the pain.001 written. Saldo itself, the requester, or a
user of another role cannot approve; a finance user may reject the request, and the receipt waits again.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from importers.bank.refunds import refund_file
from ledger.core.actor import SYSTEM, Actor, Channel, Role
from ledger.core.errors import Conflict, InvalidInput, NotPermitted
from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from ledger.payments.receipts import SuspenseItem
from tests.auth import api_client, bearer
from tests.clerk import Clerk, key

OUR_IBAN = "IT60X0542811101000000123456"
PAYER_IBAN = "DE89370400440532013000"
OTHER_IBAN = "FR1420041010050500013M02606"  # not where the money came from

ANNA = Actor("anna@example.com", Role.FINANCE, Channel.HTTP, request_id="r-anna")
BRUNO = Actor("bruno@example.com", Role.FINANCE, Channel.HTTP, request_id="r-bruno")
ANNA_AGAIN = Actor("Anna@Example.com", Role.FINANCE, Channel.CLI, host="desk-2")
AUDITOR = Actor("carla@example.com", Role.AUDITOR, Channel.HTTP)
ADMIN = Actor("dario@example.com", Role.ADMIN, Channel.HTTP)


def parked(clerk: Clerk, amount: str = "9.99", payer_iban: str | None = PAYER_IBAN) -> UUID:
    """A receipt the cascade could not place: in suspense, paid from ``payer_iban``."""
    receipt = Receipt(Decimal(amount), "EUR", clerk.clock.today, "Nobody GmbH", payer_iban, None, ("?",))
    result = clerk.run(pmt.ImportReceipt(receipt, OUR_IBAN, MatchDecision(SUSPENSE, None, (), "no match")))
    return UUID(result["suspense_id"])


def as_actor(clerk: Clerk, command: object, actor: Actor) -> dict[str, Any]:
    result = clerk.services.app.execute(command, key("as"), actor=actor)
    clerk.services.projections.catch_up()
    return result


def refund_to(suspense_id: UUID, iban: str) -> pmt.RefundSuspense:
    return pmt.RefundSuspense(suspense_id, iban, "Nobody GmbH", "not our customer", "Berlin", "DE")


def suspense_cents(clerk: Clerk) -> int:
    """What the suspense account holds (credit balance), in cents, from the journal."""
    return sum(r[10] - r[9] for r in clerk.services.view.journal(0, 100_000) if r[8] == "suspense")


def events_of(clerk: Clerk, suspense_id: UUID) -> list[str]:
    return [type(e).__name__ for e in clerk.services.app.repository.event_store.get(suspense_id)]


def test_a_refund_to_the_iban_the_money_came_from_is_paid_at_once(clerk: Clerk) -> None:
    sid = parked(clerk)
    result = as_actor(clerk, refund_to(sid, "de89 3704 0044 0532 0130 00"), ANNA)
    assert (result["status"], result["to_iban"], result["refunded"]) == ("refunded", PAYER_IBAN, "9.99")
    assert b"<IBAN>DE89370400440532013000</IBAN>" in refund_file(clerk.services, sid).content
    assert suspense_cents(clerk) == 0
    assert events_of(clerk, sid) == ["Parked", "Refunded"]


def test_a_refund_to_another_iban_waits_for_approval_and_moves_no_money(clerk: Clerk) -> None:
    sid = parked(clerk)
    result = as_actor(clerk, refund_to(sid, OTHER_IBAN), ANNA)
    assert result["status"] == "awaiting-approval" and result["requested_by"] == ANNA.subject
    assert "refunded" not in result
    assert suspense_cents(clerk) == 999  # nothing booked out of suspense
    assert clerk.services.view.suspense() == []  # not on the worklist: a refund is under way
    assert [r[0] for r in clerk.services.view.suspense("awaiting-approval")] == [str(sid)]
    with pytest.raises(Conflict) as info:
        refund_file(clerk.services, sid)  # no pain.001 before the approval
    assert "approval" in str(info.value)
    item: SuspenseItem = clerk.services.app.repository.get(sid)
    assert item.refund_request is not None
    assert (item.refund_request.to_iban, item.refund_request.requested_by) == (OTHER_IBAN, ANNA.subject)
    with pytest.raises(Conflict):  # the receipt is no longer free to be allocated
        clerk.run(pmt.AllocateSuspense(sid, clerk.customer()))
    with pytest.raises(Conflict):  # nor to be refunded a second time
        as_actor(clerk, refund_to(sid, PAYER_IBAN), ANNA)


def test_a_receipt_without_a_payer_iban_is_refunded_only_with_approval(clerk: Clerk) -> None:
    sid = parked(clerk, payer_iban=None)
    assert as_actor(clerk, refund_to(sid, PAYER_IBAN), ANNA)["status"] == "awaiting-approval"


@pytest.mark.parametrize("approver", [ANNA, ANNA_AGAIN, SYSTEM, AUDITOR, ADMIN],
                         ids=["requester", "requester-in-other-case", "saldo", "auditor", "admin"])
def test_only_a_second_finance_user_approves(clerk: Clerk, approver: Actor) -> None:
    sid = parked(clerk)
    as_actor(clerk, refund_to(sid, OTHER_IBAN), ANNA)
    with pytest.raises(NotPermitted) as info:
        as_actor(clerk, pmt.ApproveRefund(sid), approver)
    assert "second finance user" in str(info.value)
    assert suspense_cents(clerk) == 999
    assert events_of(clerk, sid) == ["Parked", "RefundRequested"]


def test_an_approved_refund_is_booked_and_written_with_both_actors(clerk: Clerk) -> None:
    sid = parked(clerk)
    as_actor(clerk, refund_to(sid, OTHER_IBAN), ANNA)
    clerk.clock.advance(1)
    result = as_actor(clerk, pmt.ApproveRefund(sid, "called the payer back"), BRUNO)
    assert result == {"suspense_id": str(sid), "status": "refunded", "refunded": "9.99",
                      "to_iban": OTHER_IBAN, "requested_by": ANNA.subject, "approved_by": BRUNO.subject,
                      "replayed": False}
    assert suspense_cents(clerk) == 0
    bank = [r for r in clerk.services.view.journal(0, 100_000) if r[8] == f"bank:{OUR_IBAN}"]
    assert [(r[3], r[5], r[9], r[10]) for r in bank][-1] == (clerk.clock.today.isoformat(), "RefundApproved",
                                                              0, 999)
    transfer = refund_file(clerk.services, sid)
    assert f"<IBAN>{OTHER_IBAN}</IBAN>".encode() in transfer.content
    assert f"<ReqdExctnDt><Dt>{clerk.clock.today.isoformat()}</Dt>".encode() in transfer.content
    assert events_of(clerk, sid) == ["Parked", "RefundRequested", "RefundApproved"]
    approved = clerk.services.app.repository.event_store.get(sid)
    *_, requested, approval = approved
    assert (requested.requested_by, requested.requested_role) == (ANNA.subject, "finance")
    assert (approval.approved_by, approval.note) == (BRUNO.subject, "called the payer back")
    with pytest.raises(Conflict):
        as_actor(clerk, pmt.ApproveRefund(sid), BRUNO)  # approved once
    assert clerk.services.view.suspense("awaiting-approval") == []


def test_a_rejected_refund_puts_the_receipt_back_on_the_worklist(clerk: Clerk) -> None:
    sid = parked(clerk)
    as_actor(clerk, refund_to(sid, OTHER_IBAN), ANNA)
    with pytest.raises(InvalidInput) as info:
        as_actor(clerk, pmt.RejectRefund(sid, "  "), BRUNO)
    assert info.value.field == "reason"
    as_actor(clerk, pmt.RejectRefund(sid, "the IBAN is not the payer's"), BRUNO)
    assert [r[0] for r in clerk.services.view.suspense()] == [str(sid)]
    with pytest.raises(Conflict):
        as_actor(clerk, pmt.ApproveRefund(sid), BRUNO)
    assert suspense_cents(clerk) == 999
    as_actor(clerk, refund_to(sid, PAYER_IBAN), ANNA)  # refunded to where it came from after all
    assert suspense_cents(clerk) == 0
    assert events_of(clerk, sid) == ["Parked", "RefundRequested", "RefundRejected", "Refunded"]


def test_approving_a_receipt_with_no_refund_requested_is_a_conflict(clerk: Clerk) -> None:
    sid = parked(clerk)
    with pytest.raises(Conflict):
        as_actor(clerk, pmt.ApproveRefund(sid), BRUNO)
    with pytest.raises(Conflict):
        as_actor(clerk, pmt.RejectRefund(sid, "nothing to reject"), BRUNO)


# -- over HTTP -----------------------------------------------------------------------------------------


@pytest.fixture
def http(clerk: Clerk) -> Iterator[TestClient]:
    """A finance user's client (subject ``test-finance``)."""
    with api_client(clerk.services, "finance") as client:
        yield client


def post(http: TestClient, path: str, body: dict[str, Any], idempotency_key: str) -> Any:
    return http.post(path, json=body, headers={"Idempotency-Key": idempotency_key})


REFUND_BODY = {"to_name": "Nobody GmbH", "reason": "not our customer", "to_town": "Berlin",
               "to_country": "DE"}


def test_over_http_a_refund_to_the_payers_iban_is_paid(clerk: Clerk, http: TestClient) -> None:
    sid = parked(clerk)
    response = post(http, f"/worklist/{sid}/refund", {**REFUND_BODY, "to_iban": PAYER_IBAN}, "rf-1")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "refunded"
    assert response.json()["pain001"] == f"/worklist/{sid}/refund.pain001.xml"
    assert http.get(f"/worklist/{sid}/refund.pain001.xml").status_code == 200


def test_over_http_a_refund_elsewhere_is_listed_for_approval_and_has_no_file_until_approved(
        clerk: Clerk, http: TestClient) -> None:
    sid = parked(clerk)
    response = post(http, f"/worklist/{sid}/refund", {**REFUND_BODY, "to_iban": OTHER_IBAN}, "rf-2")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "awaiting-approval" and "pain001" not in body
    assert body["approval"] == f"/refunds/{sid}/approval"
    (listed,) = http.get("/refunds").json()
    assert listed["suspense_id"] == str(sid) and listed["status"] == "awaiting-approval"
    assert (listed["to_iban"], listed["payer_iban"], listed["amount"]) == (OTHER_IBAN, PAYER_IBAN, "9.99")
    assert (listed["requested_by"], listed["reason"]) == ("test-finance", "not our customer")
    assert http.get("/worklist").json() == []

    file = http.get(f"/worklist/{sid}/refund.pain001.xml")
    assert file.status_code == 409 and file.headers["content-type"].startswith("application/problem+json")
    # The finance user who asked may not approve their own request ...
    refused = post(http, f"/refunds/{sid}/approval", {}, "ap-1")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "second finance user" in refused.json()["detail"]
    assert http.get("/refunds").json()[0]["suspense_id"] == str(sid)
    # ... nor may an auditor (the gate), but a second finance user may.
    auditor = http.post(f"/refunds/{sid}/approval", json={}, headers={"Idempotency-Key": "ap-2",
                                                                      **bearer("auditor")})
    assert auditor.status_code == 403, auditor.text
    approved = http.post(f"/refunds/{sid}/approval", json={"note": "checked with the payer"},
                         headers={"Idempotency-Key": "ap-3", **bearer("finance", subject="bruno")})
    assert approved.status_code == 201, approved.text
    assert approved.json()["pain001"] == f"/worklist/{sid}/refund.pain001.xml"
    assert http.get("/refunds").json() == []
    (done,) = http.get("/refunds", params={"status": "refunded"}).json()
    assert (done["status"], done["approved_by"], done["to_iban"]) == ("refunded", "bruno", OTHER_IBAN)
    file = http.get(f"/worklist/{sid}/refund.pain001.xml")
    assert file.status_code == 200 and f"<IBAN>{OTHER_IBAN}</IBAN>".encode() in file.content


def test_over_http_a_refund_request_is_rejected_with_a_reason(clerk: Clerk, http: TestClient) -> None:
    sid = parked(clerk)
    post(http, f"/worklist/{sid}/refund", {**REFUND_BODY, "to_iban": OTHER_IBAN}, "rf-3")
    missing = post(http, f"/refunds/{sid}/rejection", {"reason": ""}, "rj-0")
    assert missing.status_code == 422
    rejected = post(http, f"/refunds/{sid}/rejection", {"reason": "not the payer's IBAN"}, "rj-1")
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["status"] == "open"
    assert http.get("/refunds").json() == []
    assert [w["suspense_id"] for w in http.get("/worklist").json()] == [str(sid)]
    unknown = post(http, "/refunds/00000000-0000-0000-0000-000000000000/approval", {}, "ap-9")
    assert unknown.status_code == 404
