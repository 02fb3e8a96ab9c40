"""The auditor's pages: the audit trail of an account or a document (``GET /audit/trail``) and the
verification of the store's hash chain (``saldo audit verify``, :mod:`projections.chain_sql`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import ServicesDep
from api.routes import audit
from api.schemas.audit import TrailOut
from api.web.render import page
from ledger.core.errors import InvalidInput, NotFound
from projections.chain_sql import chained, verify_chain
from projections.trail import MAX_TRAIL_ENTRIES

router = APIRouter(include_in_schema=False)
#: Longest text read from the trail's form fields (an account id is 36 characters).
MAX_FIELD_LENGTH = audit.MAX_DOCUMENT_LENGTH
#: Trail entries shown per page.
TRAIL_PAGE = min(100, MAX_TRAIL_ENTRIES)


@router.get("/ui/audit/trail")
def trail_page(request: Request, svc: ServicesDep,
               account: Annotated[str, Query(max_length=MAX_FIELD_LENGTH)] = "",
               document: Annotated[str, Query(max_length=MAX_FIELD_LENGTH)] = "",
               after: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Who did what to an account or a document, in store order; a bad field is a message on the form."""
    account, document = account.strip(), document.strip()
    found: TrailOut | None = None
    error = None
    if account or document:
        try:
            account_id = UUID(account) if account else None
        except ValueError:
            account_id, error = None, f"Account: {account!r} is not an account id."
        if error is None:
            try:
                found = audit.trail(svc, account_id, document or None, after, TRAIL_PAGE)
            except (InvalidInput, NotFound) as e:
                error = f"{str(e)[:1].upper()}{str(e)[1:]}."
    return page(request, "trail.html", title="Audit trail", account=account, document=document,
                trail=found, error=error)


@router.get("/ui/audit/chain")
def chain_page(request: Request, svc: ServicesDep) -> Response:
    """The hash chain recomputed over every stored event, as ``saldo audit verify`` does."""
    report = verify_chain(chained(svc.app.recorder))
    return page(request, "chain.html", title="Hash-chain verification", report=report)
