"""Refunds of credit on account to the customer's IBAN (issue 11 item 5): proposal → approval → execution.

To the last payer's (or the mandate's) IBAN the proposal is approved as made; to any other IBAN a second
finance user must approve it (issue 10's four-eyes rule). Only execution moves money: Dr customer-credit /
Cr bank, and the credit on account goes down by as much, in the view and in the aggregate alike.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.core.actor import SYSTEM, Actor, Channel, Role
from ledger.core.errors import Conflict, InvalidInput, NotPermitted
from ledger.payments import commands as pmt
from ledger.payments.credit_refunds import (
    ApproveCreditRefund,
    ExecuteCreditRefund,
    RejectCreditRefund,
    RequestCreditRefund,
)
from tests.auth import api_client, app, bearer
from tests.clerk import Clerk
from tests.test_write_offs import as_finance, gl_cents, journal_is_balanced

PAYER_IBAN = "DE89370400440532013000"
OTHER_IBAN = "FR1420041010050500013M02606"
ANNA = Actor("anna@example.com", Role.FINANCE, Channel.HTTP)
BRUNO = Actor("bruno@example.com", Role.FINANCE, Channel.HTTP)


def with_credit(clerk: Clerk) -> UUID:
    """An account that paid 20.00 from PAYER_IBAN for a bill of 12.20: 7.80 of credit."""
    account = clerk.customer()
    number = clerk.bill(account, "10.00")["number"]
    clerk.run(pmt.RecordPayment(account, Decimal("20.00"), clerk.clock.today, invoice_numbers=(number,),
                                payer_iban=PAYER_IBAN))
    assert clerk.owes(account) == Decimal("-7.80")
    return account


def request(account: UUID, iban: str, amount: str | None = None) -> RequestCreditRefund:
    return RequestCreditRefund(account, iban, "Mario Rossi", "Messina", "IT", "moved away",
                               None if amount is None else Decimal(amount))


def test_a_refund_to_the_last_payer_needs_no_second_approver_and_moves_money_only_when_executed(
        clerk: Clerk) -> None:
    account = with_credit(clerk)
    proposed = as_finance(clerk, request(account, "de89 3704 0044 0532 0130 00"), ANNA)
    assert (proposed["status"], proposed["amount"], proposed["own_iban"]) == ("approved", "7.80", True)
    assert clerk.owes(account) == Decimal("-7.80")  # nothing moved yet
    done = as_finance(clerk, ExecuteCreditRefund(UUID(proposed["refund_id"])), ANNA)
    assert done["status"] == "refunded"
    assert clerk.owes(account) == 0
    assert gl_cents(clerk, "customer-credit", account) == 0
    assert journal_is_balanced(clerk)
    live = clerk.services.view.dump()
    clerk.services.projections.rebuild()
    assert clerk.services.view.dump() == live
    with pytest.raises(Conflict):
        as_finance(clerk, ExecuteCreditRefund(UUID(proposed["refund_id"])), ANNA)


def test_a_refund_to_another_iban_waits_for_a_second_finance_user(clerk: Clerk) -> None:
    account = with_credit(clerk)
    proposed = as_finance(clerk, request(account, OTHER_IBAN, "5.00"), ANNA)
    refund_id = UUID(proposed["refund_id"])
    assert proposed["status"] == "awaiting-approval"
    with pytest.raises(Conflict):
        as_finance(clerk, ExecuteCreditRefund(refund_id), BRUNO)
    for who in (ANNA, SYSTEM, Actor("carla@example.com", Role.AUDITOR, Channel.HTTP)):
        with pytest.raises(NotPermitted):
            as_finance(clerk, ApproveCreditRefund(refund_id), who)
    approved = as_finance(clerk, ApproveCreditRefund(refund_id, "checked the heir's papers"), BRUNO)
    assert approved["approved_by"] == BRUNO.subject
    as_finance(clerk, ExecuteCreditRefund(refund_id), ANNA)
    assert clerk.owes(account) == Decimal("-2.80")


def test_a_rejected_refund_moves_nothing_and_no_refund_takes_more_than_the_credit(clerk: Clerk) -> None:
    account = with_credit(clerk)
    with pytest.raises(InvalidInput, match="less than"):
        as_finance(clerk, request(account, PAYER_IBAN, "7.81"))
    with pytest.raises(NotPermitted):
        as_finance(clerk, request(account, PAYER_IBAN), SYSTEM)
    first = as_finance(clerk, request(account, PAYER_IBAN, "5.00"))
    second = as_finance(clerk, request(account, PAYER_IBAN, "5.00"))
    as_finance(clerk, ExecuteCreditRefund(UUID(first["refund_id"])))
    with pytest.raises(Conflict, match="less than"):  # the credit went to the first
        as_finance(clerk, ExecuteCreditRefund(UUID(second["refund_id"])))
    as_finance(clerk, RejectCreditRefund(UUID(second["refund_id"]), "too much"))
    assert clerk.owes(account) == Decimal("-2.80")


def test_a_credit_refund_over_http_is_finance_only_four_eyes_and_writes_a_pain001(clerk: Clerk) -> None:
    account = with_credit(clerk)
    body = {"to_iban": OTHER_IBAN, "to_name": "Erede Rossi", "to_town": "Roma", "to_country": "IT",
            "reason": "the holder died", "amount": "7.80"}
    with api_client(clerk.services, "accounting") as other:
        assert other.post(f"/accounts/{account}/credit-refunds", json=body,
                          headers={"Idempotency-Key": "c1"}).status_code == 403
    with api_client(clerk.services, "finance") as anna, \
            TestClient(app(clerk.services), headers=bearer("finance", subject="bruno")) as bruno:
        made = anna.post(f"/accounts/{account}/credit-refunds", json=body, headers={"Idempotency-Key": "c1"})
        assert made.status_code == 201, made.text
        assert made.json()["status"] == "awaiting-approval"
        refund_id = made.json()["refund_id"]
        assert anna.post(f"/credit-refunds/{refund_id}/approval", json={},
                         headers={"Idempotency-Key": "a1"}).status_code == 403  # the requester: not-permitted
        assert anna.get(f"/credit-refunds/{refund_id}/pain001.xml").status_code == 409
        ok = bruno.post(f"/credit-refunds/{refund_id}/approval", json={"note": "papers checked"},
                        headers={"Idempotency-Key": "a2"})
        assert ok.status_code == 201, ok.text
        paid = anna.post(f"/credit-refunds/{refund_id}/execution", headers={"Idempotency-Key": "e1"})
        assert paid.status_code == 201 and paid.json()["status"] == "refunded"
        again = anna.post(f"/credit-refunds/{refund_id}/execution", headers={"Idempotency-Key": "e1"})
        assert again.headers["Idempotent-Replayed"] == "true" and again.json() == paid.json()
        xml = anna.get(paid.json()["pain001"])
        assert xml.status_code == 200 and f"<IBAN>{OTHER_IBAN}</IBAN>".encode() in xml.content
        assert b"<InstdAmt Ccy=\"EUR\">7.80</InstdAmt>" in xml.content
    assert clerk.owes(account) == 0
