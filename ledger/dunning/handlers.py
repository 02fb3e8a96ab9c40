"""Command handlers of dunning and instalment plans (the dunning capability's registry).

Dunning runs (dunning levels: reminders, formal notices), dunning locks and procedures are handled here;
instalment plans (rateizzazione) in :mod:`ledger.dunning.plan_handlers`, which this capability delegates
to. The company's dunning configuration is :class:`~ledger.dunning.settings.DunningSettings`. Also the
queries the API asks of the aggregates (the dunning state of an account, the Italian instalment
eligibility).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.core.errors import Conflict, DomainError, InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.core.money import ZERO
from ledger.dunning import DunningProposal, InterestRateTable, Lock, Procedure, propose_step
from ledger.dunning import commands as dc
from ledger.dunning import config_handlers as configs
from ledger.dunning import plan_handlers as plans
from ledger.dunning.company_rules import company_procedure
from ledger.dunning.configuration import InForce, PackVersion, ProcedureVersion, in_force
from ledger.dunning.overview import DunningOverview, dunning_overview
from ledger.dunning.proposal import holding_locks
from ledger.dunning.run import (
    MAX_RUN_ACCOUNTS,
    DunningRun,
    ExecutedStep,
    LockedAccount,
    PlanAction,
    ProposedStep,
    SkippedLock,
)
from ledger.dunning.settings import DunningSettings
from ledger.parties.company import CompanyConfig, company_named, company_of


def _proposed(account_id: UUID, p: DunningProposal, version: int) -> ProposedStep:
    return ProposedStep(account_id, p.procedure, p.level.level, p.level.name, p.level.template, p.rule,
                        tuple(i.item_id for i in p.items), tuple(i.document_number for i in p.items),
                        p.overdue_total, p.fee, p.interest, p.payment_deadline, p.earliest_next_step_date,
                        version)


class DunningHandlers(Capability[CompanyConfig]):
    #: The company's dunning configuration; an instance may replace it.
    dunning_settings: DunningSettings = DunningSettings()

    def _dunned_account(self, account_id: UUID) -> ContractAccount:
        account: ContractAccount = self.get(ContractAccount, account_id, "contract account", "account_id")
        return account

    # -- the configuration in force ---------------------------------------------------------------------

    def in_force(self) -> InForce:
        """The settings with every procedure and pack defined as events (ledger.dunning.configuration)."""
        settings = self.dunning_settings
        configuration = configs.configuration(self.ws)
        version = configuration.version if configuration is not None else 0
        cached: tuple[DunningSettings, int, InForce] | None = getattr(self._local, "in_force", None)
        if cached is not None and cached[0] is settings and cached[1] == version:
            return cached[2]
        resolved = in_force(settings, configuration)
        self._local.in_force = (settings, version, resolved)
        return resolved

    def procedure_of(self, account: ContractAccount) -> tuple[Procedure, int]:
        """The procedure that duns ``account`` (with its company's fees) and its version."""
        procedure, version, _ = self.rules_of(account)
        return procedure, version

    def rules_of(self, account: ContractAccount) -> tuple[Procedure, int, InterestRateTable | None]:
        """Procedure, version and interest table for ``account``: its own procedure, else its company's
        pack; its company's fees and interest table (ledger/dunning/company_rules.py)."""
        return company_procedure(self.in_force(), company_of(self.ws, account), account.dunning_procedure)

    # -- decisions ---------------------------------------------------------------------------------------

    def propose_for(self, account: ContractAccount, day: date, without_plan: bool = False
                    ) -> DunningProposal | None:
        """The next step :func:`ledger.dunning.propose_step` allows for ``account`` on ``day``."""
        resolved = self.in_force()
        settings = resolved.settings
        # A run proposed and executed in one batch asks twice for the same account in the same version:
        # the answer is a pure function of (account version, day, configuration), so it is computed once.
        cache: dict[tuple[Any, ...], DunningProposal | None] | None = getattr(self._local, "dunning", None)
        cache_key = (account.id, account.version, day, without_plan, id(resolved))
        if cache is not None and cache_key in cache:
            return cache[cache_key]
        procedure, _, rates = self.rules_of(account)
        proposal = propose_step(account.dunning_state(day, without_plan), procedure, day, rates,
                                settings.day_count)
        if cache is not None:
            cache[cache_key] = proposal
        return proposal

    def locked_for(self, account: ContractAccount, day: date, without_plan: bool = False
                   ) -> LockedAccount | None:
        """The locks that stop the step ``account`` would otherwise get on ``day`` (the run skips it)."""
        settings = self.in_force().settings
        procedure, _, rates = self.rules_of(account)
        holding = holding_locks(account.dunning_state(day, without_plan), procedure, day, rates,
                                settings.day_count)
        if not holding:
            return None
        views = [v for v in account.dunning_locks(day) if not (without_plan and v.source == "plan")
                 and Lock(v.kind, v.reason, v.until, v.item_id) in holding]
        return LockedAccount(account.id, tuple(
            SkippedLock(v.kind, v.reason, v.until, account.items[v.item_id].document_number if v.item_id
                        else None, v.source, v.lock_id) for v in views))

    # -- queries -----------------------------------------------------------------------------------------

    def dunning_overview(self, account_id: UUID, day: date | None = None
                         ) -> tuple[ContractAccount, DunningOverview]:
        account = self._dunned_account(account_id)
        return account, self.overview_of(account, day or self.today())

    def overview_of(self, account: ContractAccount, day: date) -> DunningOverview:
        """The dunning state on ``day`` of ``account`` as given (live, or replayed as of a date)."""
        settings = self.in_force().settings
        procedure, _, rates = self.rules_of(account)
        return dunning_overview(account, procedure, day, rates, settings.day_count)

    def dunning_procedures(self) -> list[ProcedureVersion]:
        """The version in force of every dunning procedure."""
        return configs.procedures(self.ws, self.dunning_settings)

    def dunning_procedure(self, code: str) -> tuple[ProcedureVersion, ...]:
        """Every version of one procedure, oldest first (0: as shipped); the last is in force."""
        return configs.procedure(self.ws, self.dunning_settings, code)

    def dunning_packs(self) -> list[PackVersion]:
        return configs.packs(self.ws, self.dunning_settings)

    def dunning_pack(self, country: str) -> tuple[PackVersion, ...]:
        return configs.pack(self.ws, self.dunning_settings, country)

    def instalment_eligibility(self, account_id: UUID, invoice_number: str, domestic: bool | None = None
                               ) -> dict[str, Any]:
        """Italy's mandatory instalment offer for one bill, against the bills of the 12 months before it."""
        return plans.instalment_eligibility(self.ws, account_id, invoice_number, domestic)

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

    @handles(dc.DefineDunningProcedure)
    def define_dunning_procedure(self, cmd: dc.DefineDunningProcedure, rid: UUID) -> Handled:
        return configs.define_procedure(self.ws, self.dunning_settings, cmd, rid)

    @handles(dc.DefineDunningPack)
    def define_dunning_pack(self, cmd: dc.DefineDunningPack, rid: UUID) -> Handled:
        return configs.define_pack(self.ws, self.dunning_settings, cmd, rid)

    @handles(dc.AssignDunningProcedure)
    def assign_dunning_procedure(self, cmd: dc.AssignDunningProcedure, rid: UUID) -> Handled:
        account = self._dunned_account(cmd.account_id)
        settings = self.in_force().settings
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
        only = None if cmd.company is None else company_named(self.ws, cmd.company).code
        self.prefetch(accounts)
        steps: list[ProposedStep] = []
        actions: list[PlanAction] = []
        problems: list[str] = []
        locked: list[LockedAccount] = []
        for account_id in accounts:
            account = self.find(ContractAccount, account_id)
            if account is None:
                problems.append(f"{account_id}: no such contract account")
                continue
            if only is not None and (owner := company_of(self.ws, account).code) != only:
                problems.append(f"{account_id}: belongs to company {owner!r}, not {only!r} (the run's)")
                continue
            try:
                action = plans.review_plan(self.ws, account, run_on)
                proposal = self.propose_for(account, run_on, without_plan=action is not None)
                held = None if proposal else self.locked_for(account, run_on, without_plan=action is not None)
                version = self.procedure_of(account)[1]
            except DomainError as e:  # one account's bad data never stops the run
                problems.append(f"{account_id}: {e}")
                continue
            if action is not None:
                actions.append(action)
            if proposal is not None:
                steps.append(_proposed(account.id, proposal, version))
            if held is not None:
                locked.append(held)
        run = DunningRun(child_id(rid, "dunning-run"), run_on, len(accounts), tuple(steps), tuple(actions),
                         tuple(problems), tuple(locked), only)
        return [run], self._run_result(run)

    @staticmethod
    def _run_result(run: DunningRun) -> dict[str, Any]:
        steps = run.steps if run.status in ("executed", "reversed") else run.proposed_steps
        actions = run.plan_actions if run.status in ("executed", "reversed") else run.proposed_plan_actions
        by_level: dict[str, int] = {}
        for step in steps:
            by_level[str(step.level)] = by_level.get(str(step.level), 0) + 1
        return {"run_id": str(run.id), "run_on": run.run_on.isoformat(), "status": run.status,
                "company": getattr(run, "company", None),  # a snapshot taken before runs named one
                "accounts": run.accounts_reviewed, "steps": len(steps), "by_level": by_level,
                "plans_cancelled": sum(1 for a in actions if a.action == "cancel"),
                "plans_completed": sum(1 for a in actions if a.action == "complete"),
                "fees": str(sum((s.fee for s in steps), ZERO)),
                "interest": str(sum((s.interest for s in steps), ZERO)),
                "skipped": len(run.skipped), "locked": len(run.locked), "problems": len(run.problems)}

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
            why_not = plans.end_plan(account, action, today)
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
            version = self.procedure_of(account)[1]
            step = account.record_dunning_step(child_id(run.id, f"step:{account.id}").hex, str(run.id),
                                               proposal, today, version)
            executed.append(ExecutedStep(account.id, step.step_id, step.level, step.fee, step.interest,
                                         step.procedure, version))
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

    # -- instalment plans (ledger.dunning.plan_handlers) -------------------------------------------------

    @handles(dc.CreateInstalmentPlan)
    def create_instalment_plan(self, cmd: dc.CreateInstalmentPlan, rid: UUID) -> Handled:
        return plans.create_instalment_plan(self.ws, self.dunning_settings, cmd, rid)

    @handles(dc.CancelInstalmentPlan)
    def cancel_instalment_plan(self, cmd: dc.CancelInstalmentPlan, rid: UUID) -> Handled:
        return plans.cancel_instalment_plan(self.ws, cmd)

    @handles(dc.ReviewInstalmentPlan)
    def review_instalment_plan(self, cmd: dc.ReviewInstalmentPlan, rid: UUID) -> Handled:
        return plans.review_instalment_plan(self.ws, cmd)
