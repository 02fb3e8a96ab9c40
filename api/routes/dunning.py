"""Dunning and instalment plans: locks, procedures, runs, the dunning state, plans, the portal summary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.as_of import AsOfDep, replayed_account
from api.bootstrap import Services
from api.deps import ActorDep, IdempotencyKey, ServicesDep, account_row, money, run_command
from api.dunning_run import dunning_candidates
from api.listing import Format, dicts_response, list_response
from api.operations import followed_run
from api.schemas import ReasonIn
from api.schemas.dunning import (
    DunningStateOut,
    EligibilityOut,
    InstalmentOut,
    LockIn,
    LockOut,
    NextStepOut,
    PlanIn,
    PlanOut,
    PortalSummaryOut,
    ProcedureIn,
    ProposedStepOut,
    ReturnedDebitOut,
    RunIn,
    RunsOut,
    StepOut,
)
from api.schemas.dunning_config import (
    DunningDefinedOut,
    DunningLevelOut,
    DunningPackHistoryOut,
    DunningPackIn,
    DunningPackOut,
    DunningProcedureHistoryOut,
    DunningProcedureIn,
    DunningProcedureOut,
    PackAssignmentIO,
)
from api.schemas.limits import MAX_REFERENCE_LENGTH
from api.spreadsheets import XLSX_MEDIA_TYPE
from ledger.core.money import CENT
from ledger.dunning import DunningLevel, LockKind, Procedure
from ledger.dunning import commands as dc
from ledger.dunning.account_part import LockView, StepRecord
from ledger.dunning.account_plans import PlanState
from ledger.dunning.configuration import PackVersion, ProcedureVersion
from ledger.dunning.run import MAX_RUN_ACCOUNTS, DunningRun
from projections.as_of import PointInTime

router = APIRouter()


# -- rendering -----------------------------------------------------------------------------------------

def _lock(view: LockView, documents: dict[str, str]) -> LockOut:
    return LockOut(kind=view.kind.value, reason=view.reason, until=view.until,
                   invoice_number=documents.get(view.item_id) if view.item_id else None,
                   source=view.source, lock_id=view.lock_id)


def _step(step: StepRecord, documents: dict[str, str]) -> StepOut:
    return StepOut(step_id=step.step_id, run_id=step.run_id, level=step.level, name=step.level_name,
                   rule=step.rule, template=step.template, sent_on=step.stepped_on,
                   items=[documents.get(i, i) for i in step.item_ids], overdue_total=step.overdue_total,
                   fee=step.fee, interest=step.interest, payment_deadline=step.payment_deadline,
                   reversed=step.reversed)


def _plan(plan: PlanState, items: dict[str, Any]) -> PlanOut:
    return PlanOut(
        plan_id=plan.plan_id, number=plan.number, status=plan.status, created_on=plan.created_on,
        originals=[items[a.item_id].document_number for a in plan.originals], grace_days=plan.grace_days,
        interest_rate=plan.interest_rate, ended_on=plan.ended_on, end_reason=plan.end_reason,
        missed=list(plan.missed),
        instalments=[InstalmentOut(number=i.number, document=i.document_number, due_date=i.due_date,
                                   amount=i.amount, principal=i.principal, interest=i.interest,
                                   open_amount=items[i.item_id].open_amount,
                                   payment_reference=i.payment_reference) for i in plan.instalments])


def _run_detail(run: DunningRun) -> dict[str, Any]:
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    def proposed(s: Any) -> dict[str, Any]:
        return {"account_id": str(s.account_id), "procedure": s.procedure,
                "procedure_version": s.procedure_version, "level": s.level, "name": s.level_name,
                "rule": s.rule,
                "template": s.template, "items": list(s.documents), "overdue": str(s.overdue_total),
                "fee": str(s.fee), "interest": str(s.interest), "payment_deadline": day(s.payment_deadline),
                "earliest_next_step": day(s.earliest_next_step)}

    def executed(s: Any) -> dict[str, Any]:
        return {"account_id": str(s.account_id), "step_id": s.step_id, "procedure": s.procedure,
                "procedure_version": s.procedure_version, "level": s.level, "fee": str(s.fee),
                "interest": str(s.interest)}

    def action(a: Any) -> dict[str, Any]:
        return {"account_id": str(a.account_id), "plan": a.plan_number, "action": a.action,
                "missed": list(a.missed), "reason": a.reason}

    def locked(entry: Any) -> dict[str, Any]:
        return {"account_id": str(entry.account_id), "locks": [
            {"kind": lock.kind.value, "reason": lock.reason, "until": day(lock.until),
             "invoice_number": lock.document, "source": lock.source, "lock_id": lock.lock_id}
            for lock in entry.locks]}

    done = run.status in ("executed", "reversed")
    return {"run_id": str(run.id), "run_on": run.run_on.isoformat(), "status": run.status,
            "company": getattr(run, "company", None), "accounts_reviewed": run.accounts_reviewed,
            "executed_on": run.executed_on.isoformat() if run.executed_on else None,
            "proposed_steps": [proposed(s) for s in run.proposed_steps],
            "proposed_plan_actions": [action(a) for a in run.proposed_plan_actions],
            "steps": [executed(s) for s in run.steps] if done else [],
            "plan_actions": [action(a) for a in run.plan_actions] if done else [],
            "skipped": list(run.skipped), "problems": list(run.problems),
            "locked": [locked(entry) for entry in run.locked],
            "fees": str(run.fees), "interest": str(run.interest),
            "reversed_steps": list(run.reversed_steps), "not_reversed": list(run.not_reversed)}


def dunning_state(svc: Services, account_id: UUID, day: date | None = None,
                  at: PointInTime | None = None) -> DunningStateOut:
    """The dunning state of an account, from its events (the same after any replay); with ``at``, the
    account replayed as of that business date and as known at that moment (:mod:`projections.history`)."""
    if at is not None:
        today = at.as_of
        account = replayed_account(svc, account_id, at)
        o = svc.app.dunning.overview_of(account, today)
    else:
        today = day or svc.app.today()
        account, o = svc.app.dunning.dunning_overview(account_id, today)
    # Only the items the answer names: a walk over every item would fetch an old account's archived ones
    # back from its events (ledger.core.archive), for numbers it does not show.
    named = [*(v.item_id for v in o.locks if v.item_id), *(i for step in o.steps for i in step.item_ids)]
    documents = {i: account.items[i].document_number for i in dict.fromkeys(named) if i in account.items}
    next_step = None
    if o.next_level is not None and o.next_level_name is not None and o.next_rule is not None:
        next_step = NextStepOut(level=o.next_level, name=o.next_level_name, earliest_date=o.next_step_on,
                                rule=o.next_rule)
    return DunningStateOut(
        account_id=account_id, as_of=today, procedure=o.procedure, level=o.level, level_name=o.level_name,
        last_step_on=o.last_step_on, next_step=next_step, overdue=o.overdue, overdue_items=o.overdue_items,
        fees=o.fees_open, interest=o.interest_open, interest_accrued=o.interest_accrued,
        locks=[_lock(v, documents) for v in o.locks], steps=[_step(s, documents) for s in o.steps],
        plan=_plan(o.plan, account.items) if o.plan else None)


# -- locks and procedure -------------------------------------------------------------------------------

@router.post("/accounts/{account_id}/dunning/locks", status_code=201, tags=["dunning"])
def set_lock(account_id: UUID, body: LockIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
             response: Response) -> dict[str, Any]:
    cmd = dc.SetDunningLock(account_id, LockKind(body.kind), body.reason, body.until, body.invoice_number)
    return run_command(svc, cmd, key, response, actor)


@router.post("/accounts/{account_id}/dunning/locks/{lock_id}/release", status_code=201, tags=["dunning"])
def release_lock(account_id: UUID, lock_id: str, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep,
                 actor: ActorDep, response: Response) -> dict[str, Any]:
    return run_command(svc, dc.ReleaseDunningLock(account_id, lock_id, body.reason), key, response, actor)


@router.post("/accounts/{account_id}/dunning/procedure", status_code=201, tags=["dunning"])
def assign_procedure(account_id: UUID, body: ProcedureIn, key: IdempotencyKey, svc: ServicesDep,
                     actor: ActorDep, response: Response) -> dict[str, Any]:
    cmd = dc.AssignDunningProcedure(account_id, body.procedure, body.country, body.commodity)
    return run_command(svc, cmd, key, response, actor)


@router.get("/accounts/{account_id}/dunning", tags=["dunning"])
def get_dunning_state(account_id: UUID, svc: ServicesDep, at: AsOfDep) -> DunningStateOut:
    """Level, next step and its earliest date, amounts overdue, fees, interest, locks, steps, plan; with
    ``as_of``/``known_at``, as they stood on that business date as known at that moment."""
    return dunning_state(svc, account_id, at=at)


@router.post("/accounts/{account_id}/dunning/steps/{step_id}/reversal", status_code=201, tags=["dunning"])
def reverse_step(account_id: UUID, step_id: str, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep,
                 actor: ActorDep, response: Response) -> dict[str, Any]:
    return run_command(svc, dc.ReverseDunningStep(account_id, step_id, body.reason), key, response, actor)


# -- runs ----------------------------------------------------------------------------------------------

@router.post("/dunning/runs", status_code=201, tags=["dunning"])
def propose_runs(body: RunIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                 response: Response) -> RunsOut:
    """Propose the day's run: per account the step due (level, rule, items, fee, interest) and the plans
    to end. The candidates (default: every overdue account and every plan to review) are split into runs
    of at most ``MAX_RUN_ACCOUNTS``; inspect each with GET, then execute or discard it."""
    day = body.run_on or svc.app.today()
    accounts = (body.account_ids if body.account_ids is not None
                else dunning_candidates(svc, day, body.company))
    runs: list[dict[str, Any]] = []
    replayed = True
    for part, start in enumerate(range(0, len(accounts), MAX_RUN_ACCOUNTS)):
        cmd = dc.ProposeDunningRun(tuple(accounts[start:start + MAX_RUN_ACCOUNTS]), day, body.company)
        result = svc.app.execute(cmd, f"{key}#{part}" if part else key, actor=actor)
        replayed &= result.pop("replayed")
        runs.append(result)
    response.headers["Idempotent-Replayed"] = "true" if runs and replayed else "false"
    return RunsOut(accounts=len(accounts), steps=sum(r["steps"] for r in runs), runs=runs)


@router.get("/dunning/runs/{run_id}", tags=["dunning"], name="get_run", response_model=None,
            responses={200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def run_view(run_id: UUID, svc: ServicesDep, format: Format = "json") -> dict[str, Any] | Response:
    """The run: what it proposed and, once executed, what it did; ``format=csv`` or ``xlsx``: its
    proposed steps (``proposed_steps``), one line each."""
    detail = get_run(run_id, svc)
    return detail if format == "json" else dicts_response(detail["proposed_steps"], ProposedStepOut, format,
                                                           "dunning-run")


def get_run(run_id: UUID, svc: Services) -> dict[str, Any]:
    """The run's JSON answer (also the workplace's run review)."""
    return _run_detail(svc.app.get(DunningRun, run_id, "dunning run", "run_id"))


@router.post("/dunning/runs/{run_id}/execution", status_code=201, tags=["dunning"])
def execute_run(run_id: UUID, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                response: Response) -> dict[str, Any]:
    steps = len(svc.app.get(DunningRun, run_id, "dunning run", "run_id").proposed_steps)
    with followed_run(svc.app, "dunning", str(run_id), steps) as done:
        result = run_command(svc, dc.ExecuteDunningRun(run_id), key, response, actor)
        done(steps, steps)
    return result


@router.post("/dunning/runs/{run_id}/discard", status_code=201, tags=["dunning"])
def discard_run(run_id: UUID, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                response: Response) -> dict[str, Any]:
    return run_command(svc, dc.DiscardDunningRun(run_id, body.reason), key, response, actor)


@router.post("/dunning/runs/{run_id}/reversal", status_code=201, tags=["dunning"])
def reverse_run(run_id: UUID, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                response: Response) -> dict[str, Any]:
    return run_command(svc, dc.ReverseDunningRun(run_id, body.reason), key, response, actor)


# -- instalment plans ----------------------------------------------------------------------------------

@router.post("/accounts/{account_id}/instalment-plans", status_code=201, tags=["instalment plans"])
def create_plan(account_id: UUID, body: PlanIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                response: Response) -> dict[str, Any]:
    cmd = dc.CreateInstalmentPlan(
        account_id, tuple(body.invoice_numbers), body.instalments, body.first_due, body.interval_months,
        body.interval_days, Decimal(body.interest_rate) if body.interest_rate is not None else None,
        tuple(Decimal(a) for a in body.custom_amounts) if body.custom_amounts is not None else None,
        body.grace_days)
    return run_command(svc, cmd, key, response, actor)


@router.get("/accounts/{account_id}/instalment-plans", tags=["instalment plans"], response_model=None,
            responses={200: {"model": list[PlanOut], "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def list_plans(account_id: UUID, svc: ServicesDep, at: AsOfDep,
               format: Format = "json") -> list[PlanOut] | Response:
    """The live plan (if any) first, then the ended ones, newest first; with ``as_of``/``known_at``, the
    plans as they stood then, as known at that moment; ``format=csv``/``xlsx``: a line a plan."""
    if at is not None:
        account = replayed_account(svc, account_id, at)
    else:
        account, _ = svc.app.dunning.dunning_overview(account_id)
    plans = [*([account.plan] if account.plan else []), *reversed(account.past_plans)]
    out = [_plan(p, account.items) for p in plans]
    return out if format == "json" else list_response(out, PlanOut, None, format, "instalment-plans")


@router.post("/accounts/{account_id}/instalment-plans/{plan_id}/cancellation", status_code=201,
             tags=["instalment plans"])
def cancel_plan(account_id: UUID, plan_id: str, body: ReasonIn, key: IdempotencyKey, svc: ServicesDep,
                actor: ActorDep, response: Response) -> dict[str, Any]:
    return run_command(svc, dc.CancelInstalmentPlan(account_id, body.reason, plan_id), key, response, actor)


@router.get("/accounts/{account_id}/instalment-eligibility", tags=["instalment plans"])
def eligibility(account_id: UUID, invoice_number: Annotated[str, Query(max_length=MAX_REFERENCE_LENGTH)],
                svc: ServicesDep,
                domestic: Annotated[bool | None, Query(description="default: persons are")] = None
                ) -> EligibilityOut:
    """Italy: must a plan be offered for this bill (≥ 150 % / 250 % of the 12-month average)?"""
    result = svc.app.dunning.instalment_eligibility(account_id, invoice_number, domestic)
    return EligibilityOut.model_validate(result)


# -- portal --------------------------------------------------------------------------------------------

@router.get("/accounts/{account_id}/portal-summary", tags=["portal"])
def portal_summary(account_id: UUID, svc: ServicesDep) -> PortalSummaryOut:
    """Returned direct debits, unpaid invoices, the active plan and next instalment, level, mandate."""
    account_row(svc, account_id)
    today = svc.app.today()
    account, overview = svc.app.dunning.dunning_overview(account_id, today)
    _, collections = svc.view.direct_debit_of(str(account_id))
    unpaid = [r for r in svc.view.open_items(str(account_id)) if r[2] == "invoice"]
    next_instalment = None
    if account.plan is not None:
        plan = _plan(account.plan, account.items)
        next_instalment = next((i for i in plan.instalments if i.open_amount > 0), None)
    row = account_row(svc, account_id)
    return PortalSummaryOut(
        account_id=account_id, as_of=today,
        returned_direct_debits=[ReturnedDebitOut(end_to_end_id=c[0], collection_date=c[1],
                                                 amount=money(c[2]), reason_code=c[5])
                                for c in collections if c[4] == "returned"],
        unpaid_invoices=len(unpaid), unpaid_invoices_amount=money(sum(r[4] for r in unpaid)),
        open_total=money(row[4]),
        active_plan=account.plan.number if account.plan else None, next_instalment=next_instalment,
        dunning_level=overview.level, dunning_level_name=overview.level_name,
        # From the account, not the view's mandate row: a return that stops direct debit revokes the
        # mandate on the account without a MandateSet event.
        mandate_reference=account.mandate.reference if account.mandate else None,
        mandate_status=account.mandate.status.value if account.mandate else None)


# -- procedures and packs as data (roles: admin writes; finance and auditor read) ------------------------

def _procedure_out(entry: ProcedureVersion) -> DunningProcedureOut:
    p = entry.procedure
    levels = [DunningLevelOut(level=lv.level, name=lv.name, days_after_due=lv.days_after_due,
                              min_amount=lv.min_amount, fee=lv.fee, template=lv.template,
                              charges_interest=lv.charges_interest,
                              min_days_since_previous=lv.min_days_since_previous,
                              min_months_since_previous=lv.min_months_since_previous,
                              days_to_pay=lv.days_to_pay, rule=lv.rule, note=lv.note) for lv in p.levels]
    return DunningProcedureOut(code=p.code, version=entry.version, defined_on=entry.defined_on,
                               reason=entry.reason, country=p.country, grace_days=p.grace_days,
                               interest_free_days=p.interest_free_days, description=p.description,
                               levels=levels)


def _pack_out(entry: PackVersion) -> DunningPackOut:
    return DunningPackOut(country=entry.pack.country, version=entry.version, defined_on=entry.defined_on,
                          reason=entry.reason, description=entry.pack.description,
                          assignments=[PackAssignmentIO(commodity=a.commodity, procedure=a.procedure)
                                       for a in entry.pack.assignments])


@router.get("/dunning/procedures", tags=["dunning configuration"])
def list_procedures(svc: ServicesDep) -> list[DunningProcedureOut]:
    """Every dunning procedure in force, with its version (0: as shipped). Roles: finance, auditor, admin."""
    return [_procedure_out(v) for v in svc.app.dunning.dunning_procedures()]


@router.get("/dunning/procedures/{code}", tags=["dunning configuration"])
def get_procedure(code: str, svc: ServicesDep) -> DunningProcedureHistoryOut:
    """One procedure: the version in force and every version before it. Roles: finance, auditor, admin."""
    versions = [_procedure_out(v) for v in svc.app.dunning.dunning_procedure(code)]
    return DunningProcedureHistoryOut(code=code, current=versions[-1], versions=versions)


@router.put("/dunning/procedures/{code}", tags=["dunning configuration"])
def put_procedure(code: str, body: DunningProcedureIn, key: IdempotencyKey, svc: ServicesDep,
                  actor: ActorDep, response: Response) -> DunningDefinedOut:
    """Define the next version of a procedure (or its first). The next dunning run uses it, and each step
    records the version it was taken under. Sending what is in force records nothing. Role: admin."""
    levels = tuple(DunningLevel(
        level=lv.level, name=lv.name, days_after_due=lv.days_after_due,
        min_amount=Decimal(lv.min_amount).quantize(CENT), fee=Decimal(lv.fee).quantize(CENT),
        template=lv.template, charges_interest=lv.charges_interest,
        min_days_since_previous=lv.min_days_since_previous, rule=lv.rule,
        min_months_since_previous=lv.min_months_since_previous, days_to_pay=lv.days_to_pay, note=lv.note)
        for lv in body.levels)
    procedure = Procedure(code, body.country, levels, body.grace_days, body.description,
                          body.interest_free_days)
    cmd = dc.DefineDunningProcedure(procedure, body.reason, body.expected_version)
    return DunningDefinedOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.get("/dunning/packs", tags=["dunning configuration"])
def list_packs(svc: ServicesDep) -> list[DunningPackOut]:
    """Every country's pack in force: which procedure duns each commodity. Roles: finance, auditor, admin."""
    return [_pack_out(v) for v in svc.app.dunning.dunning_packs()]


@router.get("/dunning/packs/{country}", tags=["dunning configuration"])
def get_pack(country: str, svc: ServicesDep) -> DunningPackHistoryOut:
    """One country's pack: the version in force and every one before it. Roles: finance, auditor, admin."""
    versions = [_pack_out(v) for v in svc.app.dunning.dunning_pack(country)]
    return DunningPackHistoryOut(country=country, current=versions[-1], versions=versions)


@router.put("/dunning/packs/{country}", tags=["dunning configuration"])
def put_pack(country: str, body: DunningPackIn, key: IdempotencyKey, svc: ServicesDep,
             actor: ActorDep, response: Response) -> DunningDefinedOut:
    """Define the next version of a country's pack; its procedures must exist and be that country's.
    Role: admin."""
    cmd = dc.DefineDunningPack(country, tuple((a.commodity, a.procedure) for a in body.assignments),
                               body.reason, body.description, body.expected_version)
    return DunningDefinedOut.model_validate(run_command(svc, cmd, key, response, actor))
