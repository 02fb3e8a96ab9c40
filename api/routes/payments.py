"""Payments and their reversal, bank statement import, the suspense worklist and refunds from it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Response, UploadFile

from api.bootstrap import Services
from api.deps import ActorDep, IdempotencyKey, ServicesDep, money, run_command
from api.schemas import payments as s
from importers.bank.refunds import refund_file
from importers.bank.service import BalanceOverride, import_statement
from ledger.core.errors import NotFound
from ledger.payments import commands as pmt
from ledger.payments.duplicates import POSSIBLE_DUPLICATE
from ledger.payments.matching import CandidateItem, Receipt, rank_candidates

#: Open receipts listed per worklist page.
MAX_WORKLIST = 500
#: Why a clerk imports a statement whose balances do not add up (an optional form field of the upload).
OverrideReason = Annotated[str | None, Form(max_length=pmt.MAX_OVERRIDE_REASON_CHARS)]

router = APIRouter()


def _candidates(svc: Services, row: tuple[Any, ...]) -> list[s.CandidateOut]:
    receipt = Receipt(
        money(row[1]),
        row[2],
        date.fromisoformat(row[3]),
        row[4],
        row[5],
        row[6],
        tuple(row[7].split(" | ")) if row[7] else (),
    )
    iban_accounts = [a for _, a in svc.view.accounts_by_iban([row[5]])] if row[5] else []
    pool = svc.view.candidate_items(int(row[1]), iban_accounts, 200)
    known: dict[str, list[str]] = {}
    for account, iban in svc.view.ibans_of(sorted({p[0] for p in pool})):
        known.setdefault(account, []).append(iban)
    items = {
        (p[0], p[1]): CandidateItem(
            p[1], UUID(p[0]), p[4], money(p[2]), p[3], tuple(known.get(p[0], ()))
        )
        for p in pool
    }
    return [
        s.CandidateOut(
            invoice=cand.item.number,
            account_id=cand.item.account_id,
            account_name=cand.item.account_name,
            open_amount=cand.item.open_amount,
            score=cand.score,
            reasons=list(cand.reasons),
        )
        for cand in rank_candidates(receipt, list(items.values()))
    ]


@router.post("/accounts/{account_id}/payments", status_code=201, tags=["payments"])
def record_payment(account_id: UUID, body: s.PaymentIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> s.PaymentOut:
    cmd = pmt.RecordPayment(account_id, Decimal(body.amount), body.received_on, body.currency,
                            body.bank_account, tuple(body.invoice_numbers), body.payer_name,
                            body.payer_iban, body.reference, body.note)
    return s.PaymentOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/accounts/{account_id}/payments/{payment_id}/reversal", status_code=201,
             tags=["payments"])
def reverse_payment(account_id: UUID, payment_id: str, body: s.ReversalIn, key: IdempotencyKey,
                    svc: ServicesDep, actor: ActorDep, response: Response) -> s.ReversalOut:
    cmd = pmt.ReversePayment(account_id, payment_id, body.reason, body.on)
    return s.ReversalOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/accounts/{account_id}/payments/{payment_id}/clearing-reset", status_code=201,
             tags=["payments"])
def reset_clearing(account_id: UUID, payment_id: str, body: s.ReversalIn, key: IdempotencyKey,
                   svc: ServicesDep, actor: ActorDep, response: Response) -> s.ReversalOut:
    cmd = pmt.ResetClearing(account_id, payment_id, body.reason, body.on)
    return s.ReversalOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/bank/statements", status_code=201, tags=["finance"])
def upload_statement(file: UploadFile, svc: ServicesDep, actor: ActorDep, response: Response,
                     override_reason: OverrideReason = None) -> s.ImportReportOut:
    """Import a camt.052/053/054, MT940, Finnish reference-payment (KTL) or CSV statement, or a ZIP archive
    of them, told apart by their content. The file's content is its idempotency key. ``override_reason``
    imports a statement whose balances do not add up, recording why."""
    override = None
    if override_reason and override_reason.strip():
        override = BalanceOverride(override_reason, f"http user {actor.subject}", "http")
    with svc.app.acting_as(actor):
        report = import_statement(svc, file.file.read(), file.filename or "statement", override=override)
    if report.file_already_imported:
        response.status_code = 200
    return s.ImportReportOut.model_validate(report.as_dict())


@router.get("/worklist", tags=["finance"])
def worklist(svc: ServicesDep, limit: int = 100) -> list[s.WorklistItemOut]:
    """Receipts waiting in suspense, with ranked suggestions and the reasons for each."""
    rows = svc.view.suspense("open", limit=min(limit, MAX_WORKLIST))
    return [
        s.WorklistItemOut(
            suspense_id=r[0],
            amount=money(r[1]),
            currency=r[2],
            received_on=r[3],
            payer_name=r[4],
            payer_iban=r[5],
            reference=r[6],
            remittance=r[7],
            reason=r[8],
            possible_duplicate=r[8].startswith(POSSIBLE_DUPLICATE),
            candidates=_candidates(svc, r),
        )
        for r in rows
    ]


@router.post("/worklist/{suspense_id}/allocation", status_code=201, tags=["finance"])
def allocate(
    suspense_id: UUID, body: s.AllocationIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    if not svc.view.suspense(None, str(suspense_id)):
        raise NotFound(f"suspended receipt {suspense_id} does not exist", "suspense_id")
    cmd = pmt.AllocateSuspense(
        suspense_id, body.account_id, tuple(body.invoice_numbers), body.on_account_only, body.note
    )
    return run_command(svc, cmd, key, response, actor)


@router.post("/worklist/{suspense_id}/refund", status_code=201, tags=["finance"])
def refund(
    suspense_id: UUID, body: s.RefundIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    cmd = pmt.RefundSuspense(suspense_id, body.to_iban, body.to_name, body.reason, body.to_town,
                             body.to_country)
    result = run_command(svc, cmd, key, response, actor)
    return dict(result, pain001=f"/worklist/{suspense_id}/refund.pain001.xml")


@router.get("/worklist/{suspense_id}/refund.pain001.xml", tags=["finance"],
            responses={200: {"content": {"application/xml": {}}}})
def refund_transfer(suspense_id: UUID, svc: ServicesDep) -> Response:
    """The XSD-valid pain.001 credit transfer that sends the refunded receipt back."""
    file = refund_file(svc, suspense_id)
    return Response(file.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{file.message_id}.xml"'})
