"""Documents as the customer gets them: the PDF of an invoice or credit note, recording its hash, and the
letters and notices the account's events caused (dunning steps, instalment plans, direct debits, holder
changes), its e-invoice (FatturaPA, Facturae, Finvoice or EN 16931 UBL, api/documents/einvoice/dispatch.py),
and delivering it (the outbox per channel and the send run)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.delivery import runs
from api.deps import ActorDep, IdempotencyKey, ServicesDep
from api.documents import service
from api.documents.einvoice import dispatch
from api.schemas.documents import DeliveryOut, QueueIn, QueueOut, RenderingOut, SendRunIn, SendRunOut
from ledger.delivery.outbox import DeliveryStatus
from ledger.delivery.transport import Channel
from ledger.documents.letter_loading import LetterSource

router = APIRouter()
PDF = "application/pdf"


@router.get("/invoices/{invoice_number}.pdf", tags=["portal"], response_class=Response,
            responses={200: {"content": {PDF: {}}, "description": "The invoice or credit note as PDF"}})
def invoice_pdf(invoice_number: str, svc: ServicesDep) -> Response:
    """The document's PDF, rendered from its events: the same bytes every time. ``X-Content-SHA256`` is the
    hash of these bytes; ``X-Recorded-SHA256``, when the document's rendering was recorded, the hash
    recorded then: the two are equal unless the document's data or the renderer changed."""
    rendered = service.render(svc.app, invoice_number)
    headers = {"Content-Disposition": f'inline; filename="{rendered.number}.pdf"',
               "X-Content-SHA256": rendered.sha256}
    if rendered.recorded_sha256 is not None:
        headers["X-Recorded-SHA256"] = rendered.recorded_sha256
    return Response(rendered.pdf, media_type=PDF, headers=headers)


@router.post("/invoices/{invoice_number}/renderings", status_code=201, tags=["billing"])
def record_rendering(invoice_number: str, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                     response: Response) -> RenderingOut:
    """Render the document and record its SHA-256, length and renderer version as an event (once per
    renderer version; the same hash again records nothing, another one under the same version is 409)."""
    _, result = service.issue(svc.app, invoice_number, key, actor)
    response.headers["Idempotent-Replayed"] = "true" if result.pop("replayed") else "false"
    return RenderingOut.model_validate(result)


@router.get("/accounts/{account_id}/letters/{kind}/{source_id}.pdf", tags=["portal"], response_class=Response,
            responses={200: {"content": {PDF: {}}, "description": "The letter as PDF"}})
def letter_pdf(account_id: UUID, kind: LetterSource, source_id: str, svc: ServicesDep) -> Response:
    """A letter or notice the account's events caused, as PDF in the customer's language, rendered from
    those events: the same bytes every time (``X-Content-SHA256``). ``kind`` names the event and
    ``source_id`` its id: ``dunning-step`` (a reminder, formal notice or disconnection warning; the step
    id), ``instalment-plan`` (the plan's number), ``pre-notification`` (the collection run's id),
    ``direct-debit-return`` (the returned collection's end-to-end id), ``holder-change`` (the new
    holder's contract id). Another kind is 422; an id the account's events do not name is 404."""
    rendered = service.render_letter(svc.app, account_id, kind.value, source_id)
    headers = {"Content-Disposition": f'inline; filename="{rendered.filename}"',
               "X-Content-SHA256": rendered.sha256, "Content-Language": rendered.language}
    return Response(rendered.pdf, media_type=PDF, headers=headers)


@router.get("/invoices/{invoice_number}/e-invoice", tags=["portal"], response_class=Response,
            responses={200: {"content": {"application/xml": {}},
                             "description": "The invoice or credit note as an e-invoice (XML)"},
                       404: {"description": "No invoice or credit note of that number"},
                       422: {"description": "An unknown format, or a fact the format needs is missing"}})
def invoice_e_invoice(invoice_number: str, svc: ServicesDep,
                      format: Annotated[str | None, Query(min_length=1, max_length=dispatch.MAX_FORMAT_LENGTH,
                                                          description="fatturapa, facturae, finvoice or ubl; "
                                                                      "default: the company's")] = None
                      ) -> Response:
    """The document's e-invoice, written from its events: the same bytes every time. The format is the
    company's (its country's, or the one its configuration names) unless ``format`` asks for another;
    ``X-E-Invoice-Format`` names the one written."""
    written = dispatch.write(svc.app, invoice_number, format)
    headers = {"Content-Disposition": f'attachment; filename="{written.file_name}"',
               "X-E-Invoice-Format": written.format}
    return Response(written.content, media_type=written.media_type, headers=headers)


# -- delivery (issue 13 item 6): the outbox per channel and the send run ---------------------------------


@router.post("/deliveries", status_code=201, tags=["billing"])
def queue_deliveries(body: QueueIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                     response: Response) -> QueueOut:
    """Put documents into a channel's outbox, recording the rendering each will send. A document already
    in that outbox is not queued again; one that cannot be (a partner without an e-mail address) is
    reported in ``errors`` and the others go ahead."""
    result = runs.queue(svc.app, body.numbers, body.channel, key, actor)
    replayed = [d.pop("replayed") for d in result["deliveries"]]
    response.headers["Idempotent-Replayed"] = "true" if replayed and all(replayed) else "false"
    svc.projections.catch_up()
    return QueueOut.model_validate(result)


@router.post("/deliveries/runs", status_code=201, tags=["billing"])
def send_deliveries(body: SendRunIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                    response: Response) -> SendRunOut:
    """Send every due delivery of the channels: queued ones, and failed ones whose backoff has passed (up
    to the attempt limit). A delivery that succeeded is never sent again; the same request again answers
    the first run's counts and sends nothing."""
    result = runs.send_run(svc.app, svc.transports, body.channels, key, actor=actor)
    response.headers["Idempotent-Replayed"] = "true" if result.pop("replayed") else "false"
    svc.projections.catch_up()
    return SendRunOut.model_validate(result)


@router.get("/deliveries", tags=["billing"])
def list_deliveries(svc: ServicesDep, channel: Channel | None = None, status: DeliveryStatus | None = None,
                    limit: int = Query(100, ge=1, le=runs.MAX_LISTED_DELIVERIES)) -> list[DeliveryOut]:
    """The deliveries, latest queued first, of one channel and one status if asked."""
    return [DeliveryOut.model_validate(d) for d in runs.deliveries(svc.app, channel, status, limit)]
