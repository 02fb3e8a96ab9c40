"""Documents as the customer gets them: the PDF of an invoice or credit note, and recording its hash."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep
from api.documents import service
from api.schemas.documents import RenderingOut

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
