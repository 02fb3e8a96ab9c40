"""Direct debit: mandates (portal), collection runs, their pain.008 file, settlement and returns (finance)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response, UploadFile

from api.body_limits import MAX_RETURNS_UPLOAD_BYTES, upload_limit
from api.bootstrap import Services
from api.deps import ActorDep, IdempotencyKey, ServicesDep, account_row, money, run_command
from api.listing import Format, dicts_response
from api.operations import followed_run
from api.replay import answered, file_digest
from api.schemas import ReasonIn
from api.schemas.collections import (
    CollectionOut,
    DirectDebitOut,
    IbanChangeIn,
    MandateIn,
    ProposalOut,
    ReturnReviewOut,
    ReviewApplicationIn,
    RunIn,
    SettlementIn,
)
from api.spreadsheets import XLSX_MEDIA_TYPE
from importers.sepa import service as dd
from ledger.collections import commands as d
from ledger.collections.run import CollectionRun
from ledger.core.errors import NotFound

#: Held returns listed per worklist page.
MAX_REVIEWS = 500
#: Which held returns to list: ``all``, or those in one status.
ReviewStatus = Literal["open", "applied", "dismissed", "all"]

router = APIRouter()


@router.post("/accounts/{account_id}/mandate", status_code=201, tags=["direct debit"])
def register_mandate(
    account_id: UUID, body: MandateIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    cmd = d.RegisterMandate(
        account_id,
        body.reference,
        body.signed_on,
        body.debtor_name,
        body.debtor_iban,
        body.debtor_bic,
        body.scheme,
    )
    return run_command(svc, cmd, key, response, actor)


@router.post("/accounts/{account_id}/mandate/iban", status_code=201, tags=["portal"])
def change_iban(
    account_id: UUID, body: IbanChangeIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    """The portal's "change my IBAN": the next collection carries the mandate amendment."""
    command = d.ChangeMandateIban(account_id, body.new_iban, body.new_bic)
    return run_command(svc, command, key, response, actor)


@router.post("/accounts/{account_id}/mandate/revocation", status_code=201, tags=["direct debit"])
def revoke_mandate(
    account_id: UUID, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    return run_command(svc, d.RevokeMandate(account_id, body.reason), key, response, actor)


@router.get("/accounts/{account_id}/direct-debit", tags=["portal"])
def direct_debit(account_id: UUID, svc: ServicesDep) -> DirectDebitOut:
    account_row(svc, account_id)
    mandate, rows = svc.view.direct_debit_of(str(account_id))
    today = svc.app.today().isoformat()
    history = [
        CollectionOut(
            end_to_end_id=r[0],
            collection_date=r[1],
            amount=money(r[2]),
            sequence_type=r[3],
            status=r[4],
            return_reason=r[5],
        )
        for r in rows
    ]
    return DirectDebitOut(
        mandate_reference=mandate[0] if mandate else None,
        mandate_status=mandate[1] if mandate else None,
        debtor_iban=mandate[2] if mandate else None,
        upcoming=[h for h in history if h.status == "pending" and h.collection_date.isoformat() >= today],
        returned=[h for h in history if h.status == "returned"],
        history=history,
    )


@router.post("/collection-runs", status_code=201, tags=["direct debit"])
def propose(body: RunIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Propose a run: the open items due by ``due_by`` on accounts paying by direct debit, of one company
    (``company``, default: the default company), whose creditor id and collection account its file carries."""
    with svc.app.acting_as(actor):
        return dd.propose_run(svc, body.due_by, body.collection_date, key, company=body.company)


@router.get("/collection-runs/{run_id}", tags=["direct debit"], name="read_run", response_model=None,
            responses={200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def run_view(run_id: UUID, svc: ServicesDep, format: Format = "json") -> dict[str, Any] | Response:
    """The run with its totals and proposals; ``format=csv`` or ``xlsx``: its proposals (``proposals``),
    one line each."""
    detail = read_run(run_id, svc)
    return detail if format == "json" else dicts_response(detail["proposals"], ProposalOut, format,
                                                           "collection-run")


def read_run(run_id: UUID, svc: Services) -> dict[str, Any]:
    """The run's JSON answer (also the workplace's run review)."""
    return _run_out(svc, dd.load_run(svc, run_id))


def _run_out(svc: Services, run: CollectionRun) -> dict[str, Any]:
    return {
        "run_id": str(run.id),
        "company": svc.app.company_of(run).code,
        "status": run.status,
        "due_by": run.due_by,
        "collection_date": run.collection_date,
        "proposed": len(run.proposals),
        "proposed_amount": str(sum((p.amount for p in run.proposals), Decimal("0.00"))),
        "booked": len(run.booked),
        "booked_amount": str(sum((b.amount for b in run.booked), Decimal("0.00"))),
        "proposals": [
            {
                "account_id": str(p.account_id),
                "end_to_end_id": p.end_to_end_id,
                "invoices": list(p.documents),
                "amount": str(p.amount),
                "sequence_type": p.sequence_type,
            }
            for p in run.proposals[:1000]
        ],
    }


@router.post("/collection-runs/{run_id}/execution", status_code=201, tags=["direct debit"])
def execute(run_id: UUID, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
            response: Response) -> dict[str, Any]:
    """Book the run's collections (in transit) and make its pain.008 file. Executing twice replays."""
    def work() -> tuple[int, dict[str, Any]]:
        proposed = len(dd.load_run(svc, run_id).proposals)
        with svc.app.acting_as(actor), followed_run(svc.app, "collection", str(run_id), proposed) as done:
            result = dd.execute_run(svc, run_id)
            done(proposed, proposed)
        return 201, result

    return answered(svc, "POST /collection-runs/{run_id}/execution", key, str(run_id), actor, response, work)


@router.post("/collection-runs/{run_id}/discard", status_code=201, tags=["direct debit"])
def discard(
    run_id: UUID, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    return run_command(svc, d.DiscardCollectionRun(run_id, body.reason), key, response, actor)


@router.get(
    "/collection-runs/{run_id}/pain008.xml",
    tags=["direct debit"],
    responses={200: {"content": {"application/xml": {}}}},
)
def pain008(run_id: UUID, svc: ServicesDep) -> Response:
    file = dd.run_file(svc, run_id)
    return Response(
        file.content,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{file.message_id}.xml"'},
    )


@router.post("/collections/settlement", status_code=201, tags=["direct debit"])
def settle(body: SettlementIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
           response: Response) -> dict[str, Any]:
    def work() -> tuple[int, dict[str, Any]]:
        with svc.app.acting_as(actor):
            return 201, {"settled": dd.settle_due(svc, body.on)}

    return answered(svc, "POST /collections/settlement", key, body.model_dump_json(), actor, response, work)


@router.post("/direct-debit/returns", status_code=201, tags=["direct debit"],
             openapi_extra=upload_limit("MAX_RETURNS_UPLOAD_BYTES", MAX_RETURNS_UPLOAD_BYTES))
def returns(file: UploadFile, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
            response: Response) -> dict[str, Any]:
    """Import a pain.002 status report or a camt.054/053 with R-transactions."""
    name = file.filename or "returns"

    def work() -> tuple[int, dict[str, Any]]:
        with svc.app.acting_as(actor):  # spooled, not read whole
            return 201, dd.import_returns(svc, file.file, name).as_dict()

    digest = file_digest(file.file, name)
    return answered(svc, "POST /direct-debit/returns", key, digest, actor, response, work)


@router.get("/direct-debit/returns/reviews", tags=["direct debit"])
def return_reviews(svc: ServicesDep, status: ReviewStatus = "open",
                   limit: int = 100) -> list[ReturnReviewOut]:
    """Returns held for a person (the direct-debit worklist), oldest first; ``status=all`` lists every one."""
    rows = svc.view.return_reviews(None if status == "all" else status, limit=max(1, min(limit, MAX_REVIEWS)))
    return [ReturnReviewOut(
        review_id=r[0], status=r[1], problem=r[2], detail=r[3], source=r[4], file_name=r[5], where=r[6],
        level=r[7], reason_code=r[8], returned_on=r[9], end_to_end_id=r[10], mandate_id=r[11],
        amount=None if r[12] is None else money(r[12]), currency=r[13], original_message_id=r[14],
        payment_information_id=r[15], candidates=r[16].split() if r[16] else [], resolution=r[17])
        for r in rows]


@router.post("/direct-debit/returns/reviews/{review_id}/application", status_code=201, tags=["direct debit"])
def apply_review(review_id: UUID, body: ReviewApplicationIn, key: IdempotencyKey, svc: ServicesDep,
                 actor: ActorDep, response: Response) -> dict[str, Any]:
    """Apply a held return to the collection the clerk names: reversed, reopened, fee and policy as usual."""
    svc.projections.catch_up()
    row = svc.view.collections_by_e2e([body.end_to_end_id]).get(body.end_to_end_id)
    if row is None:
        raise NotFound(f"no collection has end-to-end id {body.end_to_end_id}", "end_to_end_id")
    command = d.ApplyReviewedReturn(review_id, UUID(row[1]), body.end_to_end_id, body.note)
    return run_command(svc, command, key, response, actor)


@router.post("/direct-debit/returns/reviews/{review_id}/dismissal", status_code=201, tags=["direct debit"])
def dismiss_review(review_id: UUID, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> dict[str, Any]:
    """Close a held return without booking anything (not ours, handled elsewhere), with the reason."""
    return run_command(svc, d.DismissReturnReview(review_id, body.reason), key, response, actor)
