"""The runs pages: billing, collection (SEPA direct debit) and dunning runs, proposal → review → execute or
discard, each decision one click and a confirmation (:mod:`api.web.run_pages` does the work).

``/ui/runs`` holds the three proposal forms. A billing proposal is its simulation, reviewed on the page the
form posts to; collection and dunning proposals are recorded, and the browser is sent to the run's review
page (``/ui/runs/collection/{id}``, ``/ui/runs/dunning/{id}``): totals, exceptions, the items, and the two
buttons. Finance proposes and decides; an auditor reads the review pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Form, Request
from starlette.responses import Response

import api.web.run_pages as rp
from api.bootstrap import Services
from api.deps import ActorDep, ServicesDep
from api.web.commands import ConfirmedField, KeyField, PageError, command_router
from api.web.forms import FormError, form_key, key_or_new
from api.web.render import after_post, confirm, page
from ledger.core.actor import MAX_REASON_LENGTH, Actor

router = APIRouter(include_in_schema=False)
#: The pages' commands (POST): each request's CSRF token is checked before its handler runs.
commands = command_router()

#: A date field of a run form (YYYY-MM-DD; checked by the page, refused on the field if not one).
DateField = Annotated[str, Form(max_length=20)]
CompanyField = Annotated[str, Form(max_length=rp.MAX_COMPANY_FIELD)]
ReasonField = Annotated[str, Form(max_length=MAX_REASON_LENGTH)]
#: The run kinds whose proposals are recorded, with their review page's loader and wording.
KINDS = {"collection": ("Collection run", rp.collection_run), "dunning": ("Dunning run", rp.dunning_run)}


def confirmed_key(key: str) -> str:
    """The confirmation's Idempotency-Key: a decision is never run without the key its page made."""
    if not key.strip():
        raise PageError(422, "Not done", "The confirmation carried no Idempotency-Key: open the page again.")
    return key.strip()


def _runs_page(request: Request, status: int = 200, errors: dict[str, str] | None = None,
               **values: str) -> Response:
    return page(request, "runs/index.html", status=status, title="Runs", errors=errors or {},
                values=values, keys={kind: form_key() for kind in ("billing", "collection", "dunning")})


@router.get("/ui/runs")
def runs(request: Request) -> Response:
    return _runs_page(request)


# -- billing -------------------------------------------------------------------------------------------

@commands.post("/ui/runs/billing/simulation")
def billing_review(request: Request, svc: ServicesDep, actor: ActorDep, key: KeyField = "",
                   period_start: DateField = "", period_end: DateField = "",
                   issue_date: DateField = "", company: CompanyField = "") -> Response:
    """The billing proposal reviewed: the simulation's totals, its exceptions and the draft invoices."""
    values = {"period_start": period_start, "period_end": period_end, "issue_date": issue_date,
              "company": company}
    try:
        form = rp.billing_form(**values)
        report = rp.simulate_billing(svc, actor, form, key_or_new(key))
    except FormError as error:
        return _runs_page(request, 422, {error.field: error.message}, **values)
    return page(request, "runs/billing_review.html", title="Billing run: review", report=report,
                values=values)


@commands.post("/ui/runs/billing")
def billing_start(request: Request, svc: ServicesDep, actor: ActorDep, background: BackgroundTasks,
                  key: KeyField = "", confirmed: ConfirmedField = "",
                  period_start: DateField = "", period_end: DateField = "", issue_date: DateField = "",
                  company: CompanyField = "") -> Response:
    """Execute the reviewed billing proposal (after its confirmation): the run starts and goes on."""
    values = {"period_start": period_start, "period_end": period_end, "issue_date": issue_date,
              "company": company}
    try:
        form = rp.billing_form(**values)
        if not confirmed:
            return confirm(request, title="Start the billing run", action="/ui/runs/billing",
                           summary=[f"Bill the period {period_start} to {period_end}",
                                    "Invoices are issued for real: a run cannot be undone, only corrected "
                                    "by credit notes."],
                           fields=values, back="/ui/runs", button="Start the billing run")
        run_id = rp.start_billing(svc, actor, form, confirmed_key(key), background)
    except FormError as error:
        return _runs_page(request, 422, {error.field: error.message}, **values)
    return after_post(request, f"/ui/runs/billing/{run_id}", "Billing run started.")


@router.get("/ui/runs/billing/{run_id}")
def billing_run(request: Request, run_id: UUID, svc: ServicesDep) -> Response:
    return page(request, "runs/billing_run.html", title="Billing run", run=rp.billing_run(svc, run_id))


# -- collection and dunning runs -----------------------------------------------------------------------

@commands.post("/ui/runs/collection")
def collection_propose(request: Request, svc: ServicesDep, actor: ActorDep, key: KeyField = "",
                       due_by: DateField = "", collection_date: DateField = "",
                       company: CompanyField = "") -> Response:
    try:
        run_id = rp.propose_collection(svc, actor, due_by, collection_date, company, key_or_new(key))
    except FormError as error:
        field = "collection_company" if error.field == "company" else error.field
        return _runs_page(request, 422, {field: error.message}, due_by=due_by,
                          collection_date=collection_date, collection_company=company)
    return after_post(request, f"/ui/runs/collection/{run_id}", "Collection run proposed: review it.")


@commands.post("/ui/runs/dunning")
def dunning_propose(request: Request, svc: ServicesDep, actor: ActorDep, key: KeyField = "",
                    run_on: DateField = "", company: CompanyField = "") -> Response:
    try:
        run_ids = rp.propose_dunning(svc, actor, run_on, company, key_or_new(key))
    except FormError as error:
        field = "dunning_company" if error.field == "company" else error.field
        return _runs_page(request, 422, {field: error.message}, run_on=run_on, dunning_company=company)
    if len(run_ids) == 1:
        return after_post(request, f"/ui/runs/dunning/{run_ids[0]}", "Dunning run proposed: review it.")
    return page(request, "runs/dunning_proposed.html", title="Dunning runs proposed", run_ids=run_ids)


def _review(request: Request, kind: str, svc: Services, run_id: UUID, status: int = 200,
            errors: dict[str, str] | None = None, reason: str = "") -> Response:
    title, load = KINDS[kind]
    return page(request, f"runs/{kind}_run.html", status=status, title=title, run=load(svc, run_id),
                kind=kind, errors=errors or {}, reason=reason)


@router.get("/ui/runs/collection/{run_id}")
def collection_run(request: Request, run_id: UUID, svc: ServicesDep) -> Response:
    return _review(request, "collection", svc, run_id)


@router.get("/ui/runs/dunning/{run_id}")
def dunning_run(request: Request, run_id: UUID, svc: ServicesDep) -> Response:
    return _review(request, "dunning", svc, run_id)


def _decide(request: Request, kind: str, decision: str, svc: Services, actor: Actor, run_id: UUID,
            key: str, confirmed: str, reason: str,
            command: Callable[[Services, Actor, UUID, str], dict[str, Any]]) -> Response:
    """Execute or discard a run: the confirmation first, then the command, then back to the run's page."""
    title, load = KINDS[kind]
    back = f"/ui/runs/{kind}/{run_id}"
    if decision == "discard" and not reason.strip():
        return _review(request, kind, svc, run_id, 422, {"reason": "say why the run is discarded"})
    if not confirmed:
        run = load(svc, run_id)
        summary = [f"{title} {run_id} ({run['status']})"]
        summary.append(f"Discard it: {reason.strip()}" if decision == "discard" else
                       "Execute it: every proposed item is booked, and it cannot be proposed again.")
        return confirm(request, title=f"{decision.capitalize()} the {title.lower()}",
                       action=f"{back}/{'discard' if decision == 'discard' else 'execution'}",
                       summary=summary, fields={"reason": reason} if decision == "discard" else {},
                       back=back, button=f"{decision.capitalize()} the run")
    try:
        result = command(svc, actor, run_id, confirmed_key(key))
    except FormError as error:
        return _review(request, kind, svc, run_id, 409, {error.field: error.message}, reason)
    word = "discarded" if decision == "discard" else "executed"
    return after_post(request, back, f"{title} {result.get('status', word)}.")


@commands.post("/ui/runs/collection/{run_id}/execution")
def collection_execute(request: Request, run_id: UUID, svc: ServicesDep, actor: ActorDep,
                       key: KeyField = "", confirmed: ConfirmedField = "") -> Response:
    return _decide(request, "collection", "execute", svc, actor, run_id, key, confirmed, "",
                   rp.execute_collection)


@commands.post("/ui/runs/collection/{run_id}/discard")
def collection_discard(request: Request, run_id: UUID, svc: ServicesDep, actor: ActorDep,
                       key: KeyField = "", confirmed: ConfirmedField = "",
                       reason: ReasonField = "") -> Response:
    return _decide(request, "collection", "discard", svc, actor, run_id, key, confirmed, reason,
                   lambda s, a, r, k: rp.discard_collection(s, a, r, reason, k))


@commands.post("/ui/runs/dunning/{run_id}/execution")
def dunning_execute(request: Request, run_id: UUID, svc: ServicesDep, actor: ActorDep,
                    key: KeyField = "", confirmed: ConfirmedField = "") -> Response:
    return _decide(request, "dunning", "execute", svc, actor, run_id, key, confirmed, "",
                   rp.execute_dunning)


@commands.post("/ui/runs/dunning/{run_id}/discard")
def dunning_discard(request: Request, run_id: UUID, svc: ServicesDep, actor: ActorDep,
                    key: KeyField = "", confirmed: ConfirmedField = "",
                    reason: ReasonField = "") -> Response:
    return _decide(request, "dunning", "discard", svc, actor, run_id, key, confirmed, reason,
                   lambda s, a, r, k: rp.discard_dunning(s, a, r, reason, k))
