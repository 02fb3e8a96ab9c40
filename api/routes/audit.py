"""The audit trail: each command that touched an account or a document, who asked for it, what it wrote.

Roles: auditor and finance (declared with the others in ``api/access.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ServicesDep
from api.schemas import audit as s
from ledger.accounts.account import ContractAccount
from ledger.accounts.invoice import document_id
from ledger.core.errors import InvalidInput, NotFound
from projections.trail import MAX_TRAIL_ENTRIES, TrailEntry, account_subjects, document_subjects

#: Longest document number accepted (invoice and credit-note numbers, payment ids).
MAX_DOCUMENT_LENGTH = 100

router = APIRouter()


def _entry(e: TrailEntry) -> s.TrailEntryOut:
    return s.TrailEntryOut(
        position=e.position, recorded_at=datetime.fromisoformat(e.recorded_at), command=e.command,
        idempotency_key=e.idempotency_key,
        actor=None if e.actor is None else s.ActorOut.model_validate(e.actor),
        events=[s.TrailEventOut(aggregate_id=UUID(a), version=v, topic=t) for a, v, t in e.events])


@router.get("/audit/trail", tags=["audit"])
def trail(svc: ServicesDep, account: UUID | None = None,
          document: Annotated[str | None, Query(min_length=1, max_length=MAX_DOCUMENT_LENGTH)] = None,
          after: Annotated[int, Query(ge=0, description="last position already received")] = 0,
          limit: Annotated[int, Query(ge=1, le=MAX_TRAIL_ENTRIES)] = 100) -> s.TrailOut:
    """In store order, each command that touched the account (changed it), or the document (changed it,
    booked postings on it, or cleared or reopened its open item)."""
    if (account is None) == (document is None):
        raise InvalidInput("give exactly one of account or document", "account")
    if account is not None:
        # The store, not the ledger view: the trail must not depend on how far the view has got.
        if svc.app.find(ContractAccount, account) is None:
            raise NotFound(f"contract account {account} does not exist", "account")
        entries = svc.trail.entries(account_subjects(account), after, limit)
    else:
        number = (document or "").strip()
        entries = svc.trail.entries(document_subjects(number), after, limit)
        if not entries and after == 0 and not svc.app.exists(document_id(number)):
            raise NotFound(f"document {number!r} does not exist", "document")
    return s.TrailOut(account_id=account, document=document, entries=[_entry(e) for e in entries],
                      next_after=entries[-1].position if len(entries) == limit else None)
