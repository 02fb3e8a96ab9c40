"""Supply points: the list (occupied and vacant points, by scheme and commodity) and one point's holders.

A supply point has no row of its own: it is the point of its latest contract (:mod:`projections.lists`),
so points signed before holder changes existed are listed too. The staff read them; the portal reads its
contracts through ``/accounts/{account_id}/contracts``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import ServicesDep
from api.listing import After, Filter, Format, Limit, Page, Sort, page_request, respond
from api.schemas import limits as n
from api.schemas import supply_points as s
from ledger.core.errors import InvalidInput, NotFound
from ledger.parties.identifiers import SUPPLY_POINT_SCHEMES, InvalidIdentifier, validate_supply_point

router = APIRouter(tags=["supply points"])

Scheme = Annotated[str, Path(max_length=n.MAX_CODE_LENGTH, description=", ".join(SUPPLY_POINT_SCHEMES))]
PointId = Annotated[str, Path(max_length=n.MAX_CODE_LENGTH)]


def _item(r: tuple[Any, ...]) -> s.SupplyPointItem:
    until = date.fromisoformat(r[9]) if r[9] else None
    return s.SupplyPointItem(scheme=r[0], supply_point_id=r[1], commodity=r[2], status=r[3], contract_id=r[4],
                             account_id=r[5], partner_id=r[6], tariff_code=r[7], since=r[8], until=until,
                             vacant_from=until + timedelta(days=1) if until else None)


def _tenure(r: tuple[Any, ...]) -> s.TenureOut:
    return s.TenureOut(contract_id=r[4], account_id=r[5], partner_id=r[6], commodity=r[2], tariff_code=r[7],
                       start_date=r[8], end_date=r[9])


@router.get("/supply-points", response_model=None)
def supply_points(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
                  format: Format = "json", scheme: Filter = None, commodity: Filter = None,
                  status: Filter = None) -> Page | Response:
    """Supply points with their latest contract; filter by ``scheme``, ``commodity``, ``status``
    (``occupied``, ``vacant``); sort by ``supply_point`` or ``since``."""
    request = page_request("supply_points", sort, after, limit,
                           {"scheme": scheme, "commodity": commodity, "status": status})
    svc.catalog.catch_up()
    rows, last = svc.view.page("supply_points", request)
    return respond([_item(r) for r in rows], s.SupplyPointItem, request, last, format, "supply-points")


@router.get("/supply-points/{scheme}/{supply_point_id}")
def supply_point(scheme: Scheme, supply_point_id: PointId, svc: ServicesDep) -> s.SupplyPointDetail:
    """One supply point: its state and every holder it had, oldest first (the id in any spacing or case)."""
    try:  # normalised as the contract was signed with it (python-stdnum's compact for the scheme)
        compact = validate_supply_point(scheme, supply_point_id)
    except InvalidIdentifier as e:
        raise InvalidInput(str(e), "supply_point_id" if scheme in SUPPLY_POINT_SCHEMES else "scheme") from e
    svc.catalog.catch_up()
    rows = svc.view.supply_point_history(scheme, compact)
    if not rows:
        raise NotFound(f"no contract was ever signed at {scheme} supply point {supply_point_id}",
                       "supply_point_id")
    last = rows[-1]
    current = _item((*last[:3], "vacant" if last[9] else "occupied", *last[4:]))
    return s.SupplyPointDetail(current=current, holders=[_tenure(r) for r in rows])
