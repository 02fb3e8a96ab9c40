"""Refunds of credit on account (issue 11 item 5): proposal → approval → execution, finance only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep, parse_decimal, run_command
from api.schemas.payments import RefundApprovalIn
from api.schemas.write_offs import CreditRefundIn, WriteOffRunDiscardIn
from importers.bank.credit_refunds import credit_refund_file
from ledger.accounts.credit_refunds import CreditRefund
from ledger.payments.credit_refunds import (
    ApproveCreditRefund,
    ExecuteCreditRefund,
    RejectCreditRefund,
    RequestCreditRefund,
    refund_dict,
)

router = APIRouter()


@router.post("/accounts/{account_id}/credit-refunds", status_code=201, tags=["refunds"])
def request_refund(account_id: UUID, body: CreditRefundIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> dict[str, Any]:
    """Propose refunding credit on account; to the mandate's or last payer's IBAN it is approved at once,
    to any other it waits for a second finance user."""
    amount = None if body.amount is None else parse_decimal(body.amount, "amount")
    cmd = RequestCreditRefund(account_id, body.to_iban, body.to_name, body.to_town, body.to_country,
                              body.reason, amount)
    return run_command(svc, cmd, key, response, actor)


@router.get("/credit-refunds/{refund_id}", tags=["refunds"])
def read_refund(refund_id: UUID, svc: ServicesDep) -> dict[str, Any]:
    return refund_dict(svc.app.get(CreditRefund, refund_id, "credit refund", "refund_id"))


@router.post("/credit-refunds/{refund_id}/approval", status_code=201, tags=["refunds"])
def approve_refund(refund_id: UUID, body: RefundApprovalIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> dict[str, Any]:
    return run_command(svc, ApproveCreditRefund(refund_id, body.note), key, response, actor)


@router.post("/credit-refunds/{refund_id}/rejection", status_code=201, tags=["refunds"])
def reject_refund(refund_id: UUID, body: WriteOffRunDiscardIn, key: IdempotencyKey, svc: ServicesDep,
                  actor: ActorDep, response: Response) -> dict[str, Any]:
    return run_command(svc, RejectCreditRefund(refund_id, body.reason), key, response, actor)


@router.post("/credit-refunds/{refund_id}/execution", status_code=201, tags=["refunds"])
def execute_refund(refund_id: UUID, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                   response: Response) -> dict[str, Any]:
    """Pay the approved refund out of the credit on account; its pain.001 follows."""
    result = run_command(svc, ExecuteCreditRefund(refund_id), key, response, actor)
    return dict(result, pain001=f"/credit-refunds/{refund_id}/pain001.xml")


@router.get("/credit-refunds/{refund_id}/pain001.xml", tags=["refunds"],
            responses={200: {"content": {"application/xml": {}}}})
def refund_transfer(refund_id: UUID, svc: ServicesDep) -> Response:
    file = credit_refund_file(svc, refund_id)
    return Response(file.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{file.message_id}.xml"'})
