"""Payments and their reversal, bank statement import, the suspense worklist and refunds from it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Response, UploadFile

from api.body_limits import MAX_STATEMENT_UPLOAD_BYTES, upload_limit
from api.bootstrap import Services
from api.deps import ActorDep, IdempotencyKey, ServicesDep, money, run_command
from api.listing import Format, list_response
from api.operations import counted_statement
from api.replay import answered, file_digest
from api.schemas import ReasonIn
from api.schemas import payments as s
from api.spreadsheets import XLSX_MEDIA_TYPE
from importers.bank.refunds import refund_file
from importers.bank.service import BalanceOverride, import_statement
from ledger.core.errors import NotFound
from ledger.payments import commands as pmt
from ledger.payments.duplicates import POSSIBLE_DUPLICATE
from ledger.payments.matching import CandidateItem, Receipt, rank_candidates
from ledger.payments.receipts import REFUNDED, SuspenseItem

#: Open receipts listed per worklist page.
MAX_WORKLIST = 500
#: Refunds listed per page.
MAX_REFUNDS = 200
#: Which refunds ``GET /refunds`` lists.
RefundStatus = Literal["awaiting-approval", "refunded"]
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


@router.post("/bank/statements", status_code=201, tags=["finance"],
             openapi_extra=upload_limit("MAX_STATEMENT_UPLOAD_BYTES", MAX_STATEMENT_UPLOAD_BYTES))
def upload_statement(file: UploadFile, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                     response: Response, override_reason: OverrideReason = None) -> s.ImportReportOut:
    """Import a camt.052/053/054, MT940, Finnish reference-payment (KTL) or CSV statement, or a ZIP archive
    of them, told apart by their content. The file's content is also its own idempotency key: the same
    file under another ``Idempotency-Key`` is imported once (200, ``file_already_imported``).
    ``override_reason`` imports a statement whose balances do not add up, recording why."""
    name = file.filename or "statement"

    def work() -> tuple[int, dict[str, Any]]:
        override = None
        if override_reason and override_reason.strip():
            override = BalanceOverride(override_reason, f"http user {actor.subject}", "http")
        # The upload is on disk (spooled past 1 MiB): the importer reads it from there, not from a copy.
        with svc.app.acting_as(actor):
            report = import_statement(svc, file.file, name, override=override)
        counted_statement(svc.app, report.as_dict())
        return (200 if report.file_already_imported else 201), report.as_dict()

    digest = file_digest(file.file, name, override_reason or "")
    return s.ImportReportOut.model_validate(
        answered(svc, "POST /bank/statements", key, digest, actor, response, work))


@router.get("/worklist", tags=["finance"], response_model=None,
            responses={200: {"model": list[s.WorklistItemOut],
                             "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def worklist(svc: ServicesDep, limit: int = 100,
             format: Format = "json") -> list[s.WorklistItemOut] | Response:
    """Receipts waiting in suspense, with ranked suggestions and the reasons for each; ``format=csv`` or
    ``xlsx``: the same receipts, one line each (their suggestions as JSON)."""
    items = _worklist(svc, limit)
    return items if format == "json" else list_response(items, s.WorklistItemOut, None, format, "worklist")


def _worklist(svc: Services, limit: int) -> list[s.WorklistItemOut]:
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
    return run_command(svc, allocation_command(svc, suspense_id, body), key, response, actor)


def allocation_command(svc: Services, suspense_id: UUID, body: s.AllocationIn) -> pmt.AllocateSuspense:
    """The command placing a parked receipt as ``body`` says (the workplace's too); 404 if none is parked."""
    if not svc.view.suspense(None, str(suspense_id)):
        raise NotFound(f"suspended receipt {suspense_id} does not exist", "suspense_id")
    return pmt.AllocateSuspense(
        suspense_id, body.account_id, tuple(body.invoice_numbers), body.on_account_only, body.note
    )


@router.post("/worklist/{suspense_id}/refund", status_code=201, tags=["finance"])
def refund(
    suspense_id: UUID, body: s.RefundIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    """Refund a receipt: to the IBAN it came from at once (``status: refunded``, with its pain.001); to any
    other IBAN it is requested (``status: awaiting-approval``) until a second finance user approves it."""
    result = run_command(svc, refund_command(suspense_id, body), key, response, actor)
    if result.get("status", REFUNDED) == REFUNDED:  # results recorded before issue 10 name no status
        return dict(result, pain001=f"/worklist/{suspense_id}/refund.pain001.xml")
    return dict(result, approval=f"/refunds/{suspense_id}/approval")


def refund_command(suspense_id: UUID, body: s.RefundIn) -> pmt.RefundSuspense:
    """The command refunding a parked receipt as ``body`` says (the workplace's too)."""
    return pmt.RefundSuspense(suspense_id, body.to_iban, body.to_name, body.reason, body.to_town,
                              body.to_country)


@router.get("/worklist/{suspense_id}/refund.pain001.xml", tags=["finance"],
            responses={200: {"content": {"application/xml": {}}}})
def refund_transfer(suspense_id: UUID, svc: ServicesDep) -> Response:
    """The XSD-valid pain.001 credit transfer that sends the refunded receipt back; a refund awaiting
    approval has none (409)."""
    file = refund_file(svc, suspense_id)
    return Response(file.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{file.message_id}.xml"'})


def _refund_out(item: SuspenseItem) -> s.RefundOut:
    request, made = item.refund_request, item.refund_to
    payee = (made[1], made[0], made[2], made[3]) if made is not None else (
        (request.to_iban, request.to_name, request.to_town, request.to_country) if request else ("",) * 4)
    receipt = item.receipt
    return s.RefundOut(
        suspense_id=str(item.id), status=item.status, amount=receipt.amount, currency=receipt.currency,
        received_on=receipt.received_on, payer_name=receipt.payer_name, payer_iban=receipt.payer_iban,
        to_iban=payee[0], to_name=payee[1], to_town=payee[2], to_country=payee[3],
        reason=request.reason if request else None, requested_by=request.requested_by if request else None,
        requested_on=request.requested_on if request else None, approved_by=item.approved_by,
        refunded_on=made[4] if made is not None else None)


@router.get("/refunds", tags=["finance"])
def refunds(svc: ServicesDep, status: RefundStatus = "awaiting-approval",
            limit: int = 100) -> list[s.RefundOut]:
    """Refunds awaiting a second finance user's approval, oldest first (``status=refunded``: those made)."""
    svc.projections.catch_up()
    rows = svc.view.suspense(status, limit=max(1, min(limit, MAX_REFUNDS)))
    items = [svc.app.get(SuspenseItem, UUID(r[0]), "suspended receipt", "suspense_id") for r in rows]
    return [_refund_out(item) for item in items]


@router.post("/refunds/{suspense_id}/approval", status_code=201, tags=["finance"])
def approve_refund(suspense_id: UUID, body: s.RefundApprovalIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> dict[str, Any]:
    """Approve a refund to another IBAN than the payer's: a finance user other than the one who asked.
    The money is then booked out of suspense and the pain.001 is available."""
    result = run_command(svc, pmt.ApproveRefund(suspense_id, body.note), key, response, actor)
    return dict(result, pain001=f"/worklist/{suspense_id}/refund.pain001.xml")


@router.post("/refunds/{suspense_id}/rejection", status_code=201, tags=["finance"])
def reject_refund(suspense_id: UUID, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep,
                  actor: ActorDep, response: Response) -> dict[str, Any]:
    """Reject a refund awaiting approval, saying why: the receipt is back on the worklist."""
    return run_command(svc, pmt.RejectRefund(suspense_id, body.reason), key, response, actor)
