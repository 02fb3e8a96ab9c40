"""The one search box for finance: ``GET /search?q=`` over names, tax ids, supply points, IBANs, invoice
numbers, payment references, mandate references and payment ids, each compacted as python-stdnum and
schwifty compact it (:func:`projections.catalog.search_key`), answered from one indexed table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.bootstrap import Services
from api.deps import ServicesDep
from api.listing import Format, list_response
from api.schemas import limits as n
from api.schemas import lists as s
from api.spreadsheets import XLSX_MEDIA_TYPE
from projections.lists import MAX_SEARCH_RESULTS, SearchHit

router = APIRouter(tags=["lists"])


def _where(svc: Services, hit: SearchHit) -> tuple[str, str | None, str]:
    """(id, contract account, path to read it) of a hit."""
    if hit.entity == "partner":
        return hit.entity_id, None, f"/partners/{hit.entity_id}"
    if hit.entity == "account":
        return hit.entity_id, hit.entity_id, f"/accounts/{hit.entity_id}/balance"
    if hit.entity == "mandate":
        return hit.entity_id, hit.entity_id, f"/accounts/{hit.entity_id}/direct-debit"
    if hit.entity == "payment":
        account, payment = hit.entity_id.split("/", 1)
        return payment, account, f"/accounts/{account}/payments"
    listing = "contracts" if hit.entity == "contract" else "documents"
    row = svc.view.one(listing, hit.entity_id)  # at most MAX_SEARCH_RESULTS primary-key reads
    owner: str | None = None if row is None else str(row[1] if listing == "contracts" else row[3])
    path = (f"/contracts/{hit.entity_id}" if listing == "contracts"
            else f"/accounts/{owner}/invoices")
    return hit.entity_id, owner, path


@router.get("/search", response_model=None,
            responses={200: {"model": s.SearchOut, "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def search(svc: ServicesDep,
           q: Annotated[str, Query(min_length=1, max_length=n.MAX_NAME_LENGTH,
                                   description="a name, tax id, POD/PDR/CUPS/GSRN, IBAN, invoice number, "
                                               "payment or mandate reference, however it is typed")],
           limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS)] = MAX_SEARCH_RESULTS,
           format: Format = "json") -> s.SearchOut | Response:
    """What ``q`` finds, each result naming what matched (``matched``, ``key``) and where (``path``);
    ``format=csv``: the results, one line each."""
    svc.catalog.catch_up()
    results = []
    for hit in svc.view.search(q, limit):
        entity_id, account, path = _where(svc, hit)
        results.append(s.SearchHitOut(matched=hit.kind, key=hit.key, entity=hit.entity, id=entity_id,
                                      label=hit.label, account_id=account, path=path))
    if format != "json":
        return list_response(results, s.SearchHitOut, None, format, "search")
    return s.SearchOut(query=q, results=results)
