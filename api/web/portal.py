"""The customer portal's page of a contract account, for a portal token (and the staff, who see what the
customer sees): balance, documents, consumption by month and band, the self-reading and IBAN forms.

Each path names the account, contract, partner or document it shows or changes, so the gate scopes a
portal token to its business partner's: another customer's id is the 404 of one that does not exist
(:mod:`api.access`). :mod:`api.web.portal_view` gathers the page and runs the two commands. The documents
are linked to ``/ui/invoices/{number}.pdf`` (:mod:`api.web.staff`), the API's PDF served as a page so the
session cookie opens it (the JSON API never reads the cookie); the gate scopes it by the invoice number.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

import api.web.portal_view as pv
from api.bootstrap import Services
from api.deps import ActorDep, ServicesDep
from api.schemas.limits import MAX_IBAN_LENGTH
from api.web.chart import consumption_svg, legend
from api.web.commands import KeyField, command_router
from api.web.forms import FormError, form_key, key_or_new
from api.web.render import after_post, page
from ledger.accounts.contract import Contract
from ledger.core.actor import Actor

router = APIRouter(include_in_schema=False)
#: The pages' commands (POST): each request's CSRF token is checked before its handler runs.
commands = command_router()

#: The longest meter index the form takes (digits, a decimal point), and a date's text.
MAX_INDEX_FIELD, MAX_DATE_FIELD = 24, 20
#: An IBAN as people write it: grouped by four with spaces (the spaces are dropped before it is checked).
MAX_IBAN_FIELD = MAX_IBAN_LENGTH + MAX_IBAN_LENGTH // 4


def _page(request: Request, svc: Services, actor: Actor, account_id: UUID, status: int = 200,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
    view = pv.portal_page(svc, actor, account_id)
    charts = {p.contract_id: consumption_svg(p.months, p.bands, p.unit) for p in view.contracts}
    legends = {p.contract_id: legend(p.bands) for p in view.contracts}
    return page(request, "portal/account.html", status=status, title=f"Your account: {view.balance.name}",
                view=view, charts=charts, legends=legends, errors=errors or {}, values=values or {},
                key=form_key())


@router.get("/portal/partners/{partner_id}")
def partner(request: Request, partner_id: UUID, svc: ServicesDep) -> Response:
    """Where a portal login lands: the partner's one account, or the list to choose from."""
    found = pv.partner_accounts(svc, partner_id)
    if len(found) == 1:
        return RedirectResponse(f"/portal/accounts/{found[0].account_id}", status_code=303)
    return page(request, "portal/partner.html", title="Your accounts", accounts=found)


@router.get("/portal/accounts/{account_id}")
def account(request: Request, account_id: UUID, svc: ServicesDep, actor: ActorDep) -> Response:
    return _page(request, svc, actor, account_id)


@commands.post("/portal/contracts/{contract_id}/self-readings")
def self_reading(request: Request, contract_id: UUID, svc: ServicesDep, actor: ActorDep, key: KeyField = "",
                 read_on: Annotated[str, Form(max_length=MAX_DATE_FIELD)] = "",
                 index: Annotated[str, Form(max_length=MAX_INDEX_FIELD)] = "") -> Response:
    """The customer's own meter reading (autolettura), as ``POST /contracts/{id}/self-readings``."""
    contract = svc.app.get(Contract, contract_id, "contract", "contract_id")
    try:
        result = pv.submit_self_reading(svc, actor, contract_id, read_on, index, key_or_new(key))
    except FormError as error:
        return _page(request, svc, actor, contract.account_id, 422,
                     {f"{contract_id}:{error.field}": error.message},
                     {f"{contract_id}:read_on": read_on, f"{contract_id}:index": index})
    said = ("Reading received; it looks unusual, so a clerk will check it before it counts."
            if result.get("held_for_review") else "Reading received, thank you.")
    return after_post(request, f"/portal/accounts/{contract.account_id}", said)


@commands.post("/portal/accounts/{account_id}/iban")
def iban(request: Request, account_id: UUID, svc: ServicesDep, actor: ActorDep, key: KeyField = "",
         new_iban: Annotated[str, Form(max_length=MAX_IBAN_FIELD)] = "") -> Response:
    """The direct-debit mandate's new IBAN, as ``POST /accounts/{id}/mandate/iban``."""
    try:
        result = pv.change_iban(svc, actor, account_id, new_iban, key_or_new(key))
    except FormError as error:
        return _page(request, svc, actor, account_id, 422, {error.field: error.message},
                     {"new_iban": new_iban})
    said = f"Direct debit will be collected from {result['debtor_iban']} from the next collection."
    return after_post(request, f"/portal/accounts/{account_id}", said)
