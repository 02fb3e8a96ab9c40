"""The staff's pages on receivables: the search box and the account page (with its documents).

Each reads through the functions the API's routes answer with (:mod:`api.routes`), called as they are:
what a page shows is what the API says, as of the same point in time.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.bootstrap import Services
from api.deps import ServicesDep
from api.listing import Page
from api.routes import accounts, collections, documents, dunning, lists, search
from api.schemas import limits as n
from api.schemas.lists import SearchOut
from api.web.pick import PickedText, picked
from api.web.render import page
from ledger.core.errors import NotFound
from ledger.documents.letter_loading import LetterSource
from projections.as_of import PointInTime
from projections.lists import MAX_SEARCH_RESULTS

router = APIRouter(include_in_schema=False)

#: Rows of each list shown on the account page (the API's lists page on; the page links to nothing more).
MAX_ROWS = 100


@router.get("/ui/search")
def search_page(request: Request, svc: ServicesDep,
                q: Annotated[str, Query(max_length=n.MAX_NAME_LENGTH)] = "") -> Response:
    """The one search box (``GET /search``): each result links to its account's page."""
    q = q.strip()
    results: list[dict[str, Any]] = []
    if q:
        found = search.search(svc, q, MAX_SEARCH_RESULTS, "json")
        assert isinstance(found, SearchOut)
        for hit in found.results:
            results.append({"hit": hit, "accounts": _accounts_of(svc, hit.entity, hit.id, hit.account_id)})
    return page(request, "search.html", title="Search", q=q, results=results)


def _accounts_of(svc: Services, entity: str, entity_id: str, account_id: str | None) -> list[Any]:
    """The accounts a hit leads to: its own, or (a partner) those of the partner."""
    if account_id is not None:
        return [account_id]
    if entity == "partner":
        return [a.account_id for a in _items(lists.accounts(svc, None, None, MAX_ROWS, "json", entity_id))]
    return []


@router.get("/ui/accounts/{account_id}")
def account_page(request: Request, account_id: UUID, svc: ServicesDep, as_of: PickedText = "",
                 known_at: PickedText = "") -> Response:
    """Everything about one account, live or as of a date and as known at a moment (the picker)."""
    pick = picked(svc, as_of, known_at)
    error = pick.error
    try:
        views = _as_of_views(svc, account_id, pick.at)
    except NotFound as e:
        if pick.at is None:
            raise
        error, pick = f"{e}.", picked(svc, "", "")  # not yet recorded then: the live page, and why
        views = _as_of_views(svc, account_id, None)
    views.update(_live_views(svc, account_id))
    views["item_names"] = item_names(views)
    return page(request, "account.html", title=views["balance"].name, pick=pick, pick_error=error,
                account_id=account_id, letters=letters(account_id, views), **views)


def _as_of_views(svc: Services, account_id: UUID, at: PointInTime | None) -> dict[str, Any]:
    """What the API answers as of a point in time (``as_of``/``known_at``): balance, items, statement,
    dunning state and plans."""
    return {"balance": accounts.balance(account_id, svc, at),
            "open_items": accounts.open_items(account_id, svc, at),
            "statement": accounts.statement(account_id, svc, at),
            "dunning": dunning.get_dunning_state(account_id, svc, at),
            "plans": dunning.list_plans(account_id, svc, at)}


def _live_views(svc: Services, account_id: UUID) -> dict[str, Any]:
    """What the API answers only live: payments (with rule and evidence), documents, dunning history,
    direct debit."""
    return {"payments": _items(lists.account_payments(account_id, svc, None, None, MAX_ROWS, "json")),
            "documents": _items(lists.account_invoices(account_id, svc, None, None, MAX_ROWS, "json")),
            "history": _items(lists.account_dunning_history(account_id, svc, None, None, MAX_ROWS, "json")),
            "direct_debit": collections.direct_debit(account_id, svc)}


def item_names(views: dict[str, Any]) -> dict[str, str]:
    """Open item id → the document number a person knows it by (an invoice's item id is its document id)."""
    names = {UUID(d.document_id).hex: d.number for d in views["documents"]}
    names.update({i.item_id: i.document_number for i in views["open_items"]})
    return names


def letters(account_id: UUID, views: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, link) of each letter the account's events caused that the page's lists name: dunning
    letters, instalment plans, direct-debit return notices."""
    base = f"/ui/accounts/{account_id}/letters"
    found = [(f"{step.level_name} of {step.stepped_on}",
              f"{base}/{LetterSource.DUNNING_STEP.value}/{step.step_id}.pdf") for step in views["history"]]
    found += [(f"Instalment plan {p.number}", f"{base}/{LetterSource.INSTALMENT_PLAN.value}/{p.number}.pdf")
              for p in views["plans"]]
    found += [(f"Direct-debit return of {c.collection_date}",
               f"{base}/{LetterSource.DIRECT_DEBIT_RETURN.value}/{c.end_to_end_id}.pdf")
              for c in views["direct_debit"].returned]
    return found


def _items(answer: Page | Response) -> list[Any]:
    """The items of a list the API answered as JSON (a page; never CSV here)."""
    assert isinstance(answer, Page)
    return answer.items


@router.get("/ui/invoices/{invoice_number}.pdf")
def invoice_pdf(invoice_number: Annotated[str, Path(max_length=n.MAX_REFERENCE_LENGTH)], svc: ServicesDep
                ) -> Response:
    """The invoice or credit note as the API serves it (``GET /invoices/{invoice_number}.pdf``)."""
    return documents.invoice_pdf(invoice_number, svc)


@router.get("/ui/accounts/{account_id}/letters/{kind}/{source_id}.pdf")
def letter_pdf(account_id: UUID, kind: LetterSource,
               source_id: Annotated[str, Path(max_length=n.MAX_IDENTIFIER_LENGTH)], svc: ServicesDep
               ) -> Response:
    """A letter or notice as the API serves it (``GET /accounts/{account_id}/letters/...``)."""
    return documents.letter_pdf(account_id, kind, source_id, svc)
