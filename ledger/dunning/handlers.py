"""Command handlers of dunning and instalment plans (the dunning capability's registry).

The company's dunning configuration is :class:`~ledger.dunning.settings.DunningSettings`. Also the queries
the API asks of the aggregates (the dunning state of an account, the Italian instalment eligibility).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import ItemKind
from ledger.accounts.handlers import draw_numbers
from ledger.accounts.invoice import document_id, payment_reference
from ledger.collections.account_part import DirectDebit
from ledger.core.errors import Conflict, DomainError, InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.core.money import ZERO, round_cents
from ledger.dunning import DunningProposal, Lock, propose_step
from ledger.dunning import commands as dc
from ledger.dunning.account_plans import PlannedInstalment
from ledger.dunning.instalments import (
    IT_MIN_AMOUNT,
    IT_RATIO_DOMESTIC,
    IT_RATIO_NON_DOMESTIC,
    Instalment,
    InstalmentPayment,
    is_eligible_it,
    missed_instalments,
    plan_instalments,
)
from ledger.dunning.overview import DunningOverview, dunning_overview
from ledger.dunning.run import MAX_RUN_ACCOUNTS, DunningRun, ExecutedStep, PlanAction, ProposedStep
from ledger.dunning.settings import DunningSettings
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import BusinessPartner, PartnerKind


def standing_plan_payments(events: Iterable[object], plan_items: frozenset[str]) -> list[InstalmentPayment]:
    """What was paid towards a plan's instalments and still stands, dated by when it was booked.

    Payments and credit (dated when received or applied) and direct-debit collections (dated on the
    collection date) count; a payment reversed or un-cleared, or a collection returned, does not, whenever
    that happened. This is the payment record :func:`ledger.dunning.instalments.missed_instalments` needs to
    decide by what happened in time.
    """
    sources: dict[str, tuple[date, Decimal]] = {}
    undone: set[str] = set()
    for e in events:
        if isinstance(e, ContractAccount.PaymentReceived):
            key, day, allocations = f"pay:{e.payment_id}", e.received_on, (*e.allocations, *e.written_off)
        elif isinstance(e, ContractAccount.PaymentReversed | ContractAccount.ClearingReset):
            undone.add(f"pay:{e.payment_id}")
            continue
        elif isinstance(e, DirectDebit.CollectionBooked):
            collection = e.collection
            key, day = f"dd:{collection.end_to_end_id}", collection.collection_date
            allocations = collection.allocations
        elif isinstance(e, DirectDebit.CollectionReturned):
            undone.add(f"dd:{e.end_to_end_id}")
            continue
        elif isinstance(e, ContractAccount.CreditApplied):
            key, day, allocations = f"credit:{e.originator_version}", e.applied_on, e.allocations
        elif isinstance(e, ContractAccount.CreditNotePosted):
            key, day, allocations = f"note:{e.document_id}", e.posted_on, e.allocations
        else:
            continue
        amount = sum((a.amount for a in allocations if a.item_id in plan_items), ZERO)
        if amount > 0:
            sources[key] = (day, amount)
    return [InstalmentPayment(day, amount) for key, (day, amount) in sources.items() if key not in undone]


def _proposed(account_id: UUID, p: DunningProposal) -> ProposedStep:
    return ProposedStep(account_id, p.procedure, p.level.level, p.level.name, p.level.template, p.rule,
                        tuple(i.item_id for i in p.items), tuple(i.document_number for i in p.items),
                        p.overdue_total, p.fee, p.interest, p.payment_deadline, p.earliest_next_step_date)


class DunningHandlers(Capability[CompanyConfig]):
    #: The company's dunning configuration; an instance may replace it.
    dunning_settings: DunningSettings = DunningSettings()

    def _dunned_account(self, account_id: UUID) -> ContractAccount:
        account: ContractAccount = self.get(ContractAccount, account_id, "contract account", "account_id")
        return account

    # -- decisions ---------------------------------------------------------------------------------------

    def propose_for(self, account: ContractAccount, day: date, without_plan: bool = False
                    ) -> DunningProposal | None:
        """The next step :func:`ledger.dunning.propose_step` allows for ``account`` on ``day``."""
        settings = self.dunning_settings
        # A run proposed and executed in one batch asks twice for the same account in the same version:
        # the answer is a pure function of (account version, day, settings), so it is computed once.
        cache: dict[tuple[Any, ...], DunningProposal | None] | None = getattr(self._local, "dunning", None)
        cache_key = (account.id, account.version, day, without_plan, id(settings))
        if cache is not None and cache_key in cache:
            return cache[cache_key]
        procedure = settings.procedure(account.dunning_procedure)
        proposal = propose_step(account.dunning_state(day, without_plan), procedure, day,
                                settings.rates_for(procedure), settings.day_count)
        if cache is not None:
            cache[cache_key] = proposal
        return proposal

    def review_plan(self, account: ContractAccount, day: date) -> PlanAction | None:
        """Whether the live plan ends on ``day``: an instalment missed past its grace, or all paid."""
        plan = account.plan
        if plan is None:
            return None
        if any(i.due_date + timedelta(days=plan.grace_days) < day for i in plan.instalments):
            stored = self.ws.events_after(account.id, plan.since_version)
            payments = standing_plan_payments([*stored, *account.pending_events], frozenset(plan.item_ids))
            schedule = [Instalment(i.number, i.due_date, i.principal, i.interest, i.amount)
                        for i in plan.instalments]
            missed = missed_instalments(schedule, payments, day, plan.grace_days)
            if missed:
                numbers = ", ".join(str(n) for n in missed)
                reason = f"instalment {numbers} not paid within {plan.grace_days} days of its due date"
                return PlanAction(account.id, plan.plan_id, plan.number, "cancel", missed, reason)
        if account.plan_paid():
            return PlanAction(account.id, plan.plan_id, plan.number, "complete", (), "every instalment paid")
        return None

    def _end_plan(self, account: ContractAccount, action: PlanAction, day: date) -> str | None:
        """Apply ``action``; the reason it no longer applies, if it does not."""
        if account.plan is None or account.plan.plan_id != action.plan_id:
            return f"plan {action.plan_number}: no longer live"
        if action.action == "cancel":
            account.cancel_instalment_plan(day, action.reason, action.missed, action.plan_id)
        elif account.plan_paid():
            account.complete_instalment_plan(day, action.plan_id)
        else:
            return f"plan {action.plan_number}: an instalment is open again"
        return None

    # -- queries -----------------------------------------------------------------------------------------

    def dunning_overview(self, account_id: UUID, day: date | None = None
                         ) -> tuple[ContractAccount, DunningOverview]:
        account = self._dunned_account(account_id)
        settings = self.dunning_settings
        procedure = settings.procedure(account.dunning_procedure)
        overview = dunning_overview(account, procedure, day or self.today(), settings.rates_for(procedure),
                                    settings.day_count)
        return account, overview

    def instalment_eligibility(self, account_id: UUID, invoice_number: str, domestic: bool | None = None
                               ) -> dict[str, Any]:
        """Italy's mandatory instalment offer for one bill, against the bills of the 12 months before it."""
        account = self._dunned_account(account_id)
        item = account.item_by_number(invoice_number.strip())
        if item.kind is not ItemKind.INVOICE:
            raise InvalidInput(f"{item.document_number} is not an invoice", "invoice_number")
        if domestic is None:
            partner = self.find(BusinessPartner, account.partner_id)
            domestic = partner is None or partner.kind is PartnerKind.PERSON
        since = item.posted_on - timedelta(days=365)
        history = [i.amount for i in account.items.values()
                   if i.kind is ItemKind.INVOICE and since <= i.posted_on < item.posted_on
                   and i.item_id != item.item_id]
        average = round_cents(sum(history, ZERO) / len(history)) if history else ZERO
        return {"invoice": item.document_number, "amount": item.amount, "average_12_months": average,
                "bills_in_average": len(history), "domestic": domestic,
                "ratio_required": IT_RATIO_DOMESTIC if domestic else IT_RATIO_NON_DOMESTIC,
                "minimum_amount": IT_MIN_AMOUNT,
                "eligible": is_eligible_it(item.amount, average, domestic),
                "rule": "IT-ARERA instalment offer: bill ≥ 150 % (domestic) / 250 % (non-domestic) of the "
                        "12-month average and over 50 EUR"}

    # -- locks and procedure -----------------------------------------------------------------------------

    @handles(dc.SetDunningLock)
    def set_dunning_lock(self, cmd: dc.SetDunningLock, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        item_id = account.item_by_number(cmd.invoice_number.strip()).item_id if cmd.invoice_number else None
        lock_id = child_id(rid, "dunning-lock").hex[:16]
        lock = Lock(cmd.kind, cmd.reason.strip(), cmd.until, item_id)
        account.set_dunning_lock(lock_id, lock, self.today())
        return [account], {"account_id": str(account.id), "lock_id": lock_id, "kind": cmd.kind.value,
                           "until": cmd.until.isoformat() if cmd.until else None}

    @handles(dc.ReleaseDunningLock)
    def release_dunning_lock(self, cmd: dc.ReleaseDunningLock, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        if not cmd.reason.strip():
            raise InvalidInput("a release needs a reason", "reason")
        account.release_dunning_lock(cmd.lock_id, self.today(), cmd.reason.strip())
        return [account], {"account_id": str(account.id), "lock_id": cmd.lock_id, "released": True}

    @handles(dc.AssignDunningProcedure)
    def assign_dunning_procedure(self, cmd: dc.AssignDunningProcedure, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        settings = self.dunning_settings
        if cmd.procedure is not None:
            code = cmd.procedure.strip()
        elif cmd.country and cmd.commodity:
            code = settings.procedure_for(cmd.country, cmd.commodity)
        else:
            raise InvalidInput("name a procedure, or a country and a commodity", "procedure")
        procedure = settings.procedure(code)
        account.assign_dunning_procedure(procedure.code, self.today())
        return [account], {"account_id": str(account.id), "procedure": procedure.code}

    # -- dunning runs ------------------------------------------------------------------------------------

    @handles(dc.ProposeDunningRun)
    def propose_dunning_run(self, cmd: dc.ProposeDunningRun, rid: UUID) -> Handled:
        run_on = cmd.run_on or self.today()
        self._local.dunning = {}  # for the execution, when it follows in the same batch
        accounts = sorted(set(cmd.candidate_account_ids))
        if len(accounts) > MAX_RUN_ACCOUNTS:
            raise InvalidInput(f"a run may review at most {MAX_RUN_ACCOUNTS} accounts",
                               "candidate_account_ids")
        self.prefetch(accounts)
        steps: list[ProposedStep] = []
        actions: list[PlanAction] = []
        problems: list[str] = []
        for account_id in accounts:
            account = self.find(ContractAccount, account_id)
            if account is None:
                problems.append(f"{account_id}: no such contract account")
                continue
            try:
                action = self.review_plan(account, run_on)
                proposal = self.propose_for(account, run_on, without_plan=action is not None)
            except DomainError as e:  # one account's bad data never stops the run
                problems.append(f"{account_id}: {e}")
                continue
            if action is not None:
                actions.append(action)
            if proposal is not None:
                steps.append(_proposed(account.id, proposal))
        run = DunningRun(child_id(rid, "dunning-run"), run_on, len(accounts), tuple(steps), tuple(actions),
                         tuple(problems))
        return [run], self._run_result(run)

    @staticmethod
    def _run_result(run: DunningRun) -> dict[str, Any]:
        steps = run.steps if run.status in ("executed", "reversed") else run.proposed_steps
        actions = run.plan_actions if run.status in ("executed", "reversed") else run.proposed_plan_actions
        by_level: dict[str, int] = {}
        for step in steps:
            by_level[str(step.level)] = by_level.get(str(step.level), 0) + 1
        return {"run_id": str(run.id), "run_on": run.run_on.isoformat(), "status": run.status,
                "accounts": run.accounts_reviewed, "steps": len(steps), "by_level": by_level,
                "plans_cancelled": sum(1 for a in actions if a.action == "cancel"),
                "plans_completed": sum(1 for a in actions if a.action == "complete"),
                "fees": str(sum((s.fee for s in steps), ZERO)),
                "interest": str(sum((s.interest for s in steps), ZERO)),
                "skipped": len(run.skipped), "problems": len(run.problems)}

    @handles(dc.ExecuteDunningRun)
    def execute_dunning_run(self, cmd: dc.ExecuteDunningRun, rid: UUID) -> Handled:
        run: DunningRun = self.get(DunningRun, cmd.run_id, "dunning run", "run_id")
        if run.status != "proposed":
            raise Conflict(f"dunning run {run.id} is {run.status}", "run_id")
        today: date = self.today()
        if today < run.run_on:
            raise Conflict(f"dunning run {run.id} is for {run.run_on}; it cannot be sent before", "run_id")
        self.prefetch(sorted({s.account_id for s in run.proposed_steps}
                             | {a.account_id for a in run.proposed_plan_actions}))
        changed: dict[UUID, ContractAccount] = {}
        skipped: list[str] = []
        done: list[PlanAction] = []
        for action in run.proposed_plan_actions:
            account = self.get(ContractAccount, action.account_id, "contract account", "account_id")
            why_not = self._end_plan(account, action, today)
            if why_not is not None:
                skipped.append(f"{account.id}: {why_not}")
                continue
            done.append(action)
            changed[account.id] = account
        executed: list[ExecutedStep] = []
        for proposed in run.proposed_steps:
            account = self.get(ContractAccount, proposed.account_id, "contract account", "account_id")
            try:
                proposal = self.propose_for(account, today)
            except DomainError as e:
                skipped.append(f"{account.id}: {e}")
                continue
            if proposal is None or proposal.level.level != proposed.level:
                now = ("nothing to dun any more" if proposal is None
                       else f"level {proposal.level.level} due now")
                skipped.append(f"{account.id}: level {proposed.level} was proposed, {now}")
                continue
            step = account.record_dunning_step(child_id(run.id, f"step:{account.id}").hex, str(run.id),
                                               proposal, today)
            executed.append(ExecutedStep(account.id, step.step_id, step.level, step.fee, step.interest))
            changed[account.id] = account
        run.execute(today, tuple(executed), tuple(done), tuple(skipped))
        return [run, *changed.values()], self._run_result(run)

    @handles(dc.DiscardDunningRun)
    def discard_dunning_run(self, cmd: dc.DiscardDunningRun, rid: UUID) -> Handled:
        run: DunningRun = self.get(DunningRun, cmd.run_id, "dunning run", "run_id")
        if not cmd.reason.strip():
            raise InvalidInput("a discard needs a reason", "reason")
        run.discard(cmd.reason.strip())
        return [run], {"run_id": str(run.id), "status": run.status}

    @handles(dc.ReverseDunningRun)
    def reverse_dunning_run(self, cmd: dc.ReverseDunningRun, rid: UUID) -> Handled:
        run: DunningRun = self.get(DunningRun, cmd.run_id, "dunning run", "run_id")
        if not cmd.reason.strip():
            raise InvalidInput("a reversal needs a reason", "reason")
        if run.status != "executed":
            raise Conflict(f"dunning run {run.id} is {run.status}", "run_id")
        today = self.today()
        self.prefetch(sorted({s.account_id for s in run.steps}))
        changed: dict[UUID, ContractAccount] = {}
        reversed_steps: list[str] = []
        not_reversed: list[str] = []
        # Latest first: should one account hold two steps of this run, the later one goes first.
        for step in reversed(run.steps):
            account = self.get(ContractAccount, step.account_id, "contract account", "account_id")
            try:
                account.reverse_dunning_step(step.step_id, today,
                                             f"dunning run reversed: {cmd.reason.strip()}")
            except DomainError as e:
                not_reversed.append(f"{step.step_id}: {e}")
                continue
            reversed_steps.append(step.step_id)
            changed[account.id] = account
        run.reverse(today, cmd.reason.strip(), tuple(reversed_steps), tuple(not_reversed))
        return [run, *changed.values()], {"run_id": str(run.id), "status": run.status,
                                          "reversed": len(reversed_steps), "not_reversed": not_reversed}

    @handles(dc.ReverseDunningStep)
    def reverse_dunning_step(self, cmd: dc.ReverseDunningStep, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        if not cmd.reason.strip():
            raise InvalidInput("a reversal needs a reason", "reason")
        account.reverse_dunning_step(cmd.step_id, self.today(), cmd.reason.strip())
        level, _, _ = account.effective_dunning()
        return [account], {"account_id": str(account.id), "step_id": cmd.step_id, "reversed": True,
                           "level": level}

    # -- instalment plans --------------------------------------------------------------------------------

    @handles(dc.CreateInstalmentPlan)
    def create_instalment_plan(self, cmd: dc.CreateInstalmentPlan, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        settings = self.dunning_settings
        today: date = self.today()
        if cmd.first_due < today:
            raise InvalidInput("the first instalment would be due in the past", "first_due")
        grace = settings.plan_grace_days if cmd.grace_days is None else cmd.grace_days
        if grace < 0:
            raise InvalidInput("grace_days must not be negative", "grace_days")
        item_ids = [account.item_by_number(n.strip()).item_id for n in cmd.invoice_numbers]
        principal = sum((account.items[i].open_amount for i in item_ids), ZERO)
        if principal <= 0:
            raise InvalidInput("the named items have nothing open", "invoice_numbers")
        schedule = plan_instalments(principal, cmd.instalments, cmd.first_due,
                                    interval_months=cmd.interval_months, interval_days=cmd.interval_days,
                                    interest_rate=cmd.interest_rate, custom_amounts=cmd.custom_amounts,
                                    start=today)
        number_range, (number,) = draw_numbers(self.ws, settings.plan_series, today.year, 1)
        planned = []
        for rate in schedule:
            document = f"{number}-{rate.number:03d}"
            planned.append(PlannedInstalment(rate.number, document_id(document).hex, document, rate.due_date,
                                             rate.principal, rate.interest, rate.amount,
                                             payment_reference(self.config.reference_scheme, document)))
        plan = account.create_instalment_plan(child_id(rid, "instalment-plan").hex, number, today, item_ids,
                                              planned, grace, cmd.interest_rate)
        return [number_range, account], {
            "account_id": str(account.id), "plan_id": plan.plan_id, "number": plan.number,
            "principal": str(principal), "interest": str(plan.interest_total), "grace_days": grace,
            "instalments": [{"number": i.number, "document": i.document_number,
                             "due_date": i.due_date.isoformat(), "amount": str(i.amount),
                             "principal": str(i.principal), "interest": str(i.interest),
                             "payment_reference": i.payment_reference} for i in plan.instalments]}

    @handles(dc.CancelInstalmentPlan)
    def cancel_instalment_plan(self, cmd: dc.CancelInstalmentPlan, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        plan = account.cancel_instalment_plan(self.today(), cmd.reason.strip(), (), cmd.plan_id)
        return [account], {"account_id": str(account.id), "plan_id": plan.plan_id, "status": plan.status}

    @handles(dc.ReviewInstalmentPlan)
    def review_instalment_plan(self, cmd: dc.ReviewInstalmentPlan, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        today = self.today()
        action = self.review_plan(account, today)
        if action is None:
            status = account.plan.status if account.plan else "none"
            return [], {"account_id": str(account.id), "action": None, "status": status}
        self._end_plan(account, action, today)
        return [account], {"account_id": str(account.id), "action": action.action, "plan_id": action.plan_id,
                           "missed": list(action.missed), "status": account.past_plans[-1].status}
