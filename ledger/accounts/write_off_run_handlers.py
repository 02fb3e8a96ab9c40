"""Commands and handlers of bulk write-off runs (:mod:`ledger.accounts.write_off_runs`): finance only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import OpenItem
from ledger.accounts.write_off_handlers import finance_only
from ledger.accounts.write_off_runs import (
    ExecutedWriteOff,
    ProposedWriteOff,
    WriteOffRun,
)
from ledger.accounts.write_offs import MAX_SMALL_BALANCE, WriteOffReason, note_text, prescribed_on
from ledger.core.errors import InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.core.money import ZERO
from ledger.core.transcoding import as_before
from ledger.parties.company import CompanyConfig, company_named, company_of


@dataclass(frozen=True, slots=True)
class ProposeWriteOffRun:
    """Propose writing off what ``reason`` allows on ``on`` among ``account_ids`` (the view's candidates),
    of ``company``'s accounts only if one is named (None: every company's, as before issue 11)."""

    reason: str
    on: date
    account_ids: tuple[UUID, ...]
    company: str | None = None

    def preload_ids(self) -> tuple[UUID, ...]:
        return self.account_ids

    def idempotency_payload(self) -> object:
        return as_before(self, "company")


@dataclass(frozen=True, slots=True)
class ExecuteWriteOffRun:
    run_id: UUID


@dataclass(frozen=True, slots=True)
class DiscardWriteOffRun:
    run_id: UUID
    reason: str


def _chosen(account: ContractAccount, reason: str, on: date) -> list[OpenItem]:
    items = [i for i in account.open_items() if i.is_open]
    if reason == WriteOffReason.STATUTE_OF_LIMITATIONS.value:
        return [i for i in items if prescribed_on(i) <= on]
    open_total = sum((i.open_amount for i in items), ZERO)
    return items if account.credit == 0 and 0 < open_total <= MAX_SMALL_BALANCE else []


def with_something_to_write_off(accounts: Iterable[ContractAccount], reason: str, on: date) -> list[UUID]:
    """The ids of ``accounts`` a run for ``reason`` on ``on`` would propose: what the proposal's handler
    decides, asked beforehand of one batch of accounts at a time, so a run over many overdue accounts never
    holds them all (:mod:`api.write_off_run`)."""
    return [a.id for a in accounts if _chosen(a, reason, on)]


def run_dict(run: WriteOffRun) -> dict[str, Any]:
    return {"run_id": str(run.id), "reason": run.reason, "status": run.status, "company": run.company,
            "proposed_on": run.proposed_on.isoformat(), "accounts": len(run.proposals),
            "amount": str(sum((p.amount for p in run.proposals), ZERO.quantize(ZERO))),
            "written_off": sum(1 for o in run.outcomes if o.write_off_id is not None),
            "skipped": [{"account_id": str(o.account_id), "why": o.note}
                        for o in run.outcomes if o.write_off_id is None]}


class WriteOffRunHandlers(Capability[CompanyConfig]):
    @handles(ProposeWriteOffRun)
    def propose(self, cmd: ProposeWriteOffRun, rid: UUID) -> Handled:
        finance_only(self.actor(), "propose a write-off run")
        if cmd.on > self.today():
            raise InvalidInput("a write-off run is not proposed for a future day", "on")
        company = None if cmd.company is None else company_named(self.ws, cmd.company).code
        proposals = []
        for account_id in sorted(set(cmd.account_ids)):
            account = self.get(ContractAccount, account_id, "contract account", "account_ids")
            if company is not None and company_of(self.ws, account).code != company:
                continue  # another company's: its own write-off run decides on it
            chosen = _chosen(account, cmd.reason, cmd.on)
            if chosen:
                proposals.append(ProposedWriteOff(account_id, tuple(i.item_id for i in chosen),
                                                  tuple(i.document_number for i in chosen),
                                                  tuple(i.open_amount for i in chosen)))
        WriteOffRun.check(cmd.reason, proposals)
        run = WriteOffRun(child_id(rid, "write-off-run"), cmd.reason, cmd.on, tuple(proposals), company)
        return [run], run_dict(run)

    @handles(ExecuteWriteOffRun)
    def execute(self, cmd: ExecuteWriteOffRun, rid: UUID) -> Handled:
        finance_only(self.actor(), "execute a write-off run")
        run = self.get(WriteOffRun, cmd.run_id, "write-off run", "run_id")
        self.prefetch(p.account_id for p in run.proposals)
        today: date = self.today()
        reason = WriteOffReason(run.reason)
        changed: list[Any] = []
        outcomes = []
        for p in run.proposals:
            account = self.get(ContractAccount, p.account_id, "contract account", "run_id")
            now_open = tuple(account.items[i].open_amount for i in p.item_ids)
            if now_open != p.amounts:
                outcomes.append(ExecutedWriteOff(p.account_id, None, "changed since the proposal"))
                continue
            # The proposal's day decides what is prescribed: it is what finance approved.
            state = account.write_off_items(child_id(run.id, str(p.account_id)).hex, p.item_ids, reason,
                                            f"write-off run {run.id}", max(run.proposed_on, today))
            outcomes.append(ExecutedWriteOff(p.account_id, state.write_off_id, ""))
            changed.append(account)
        run.execute(today, tuple(outcomes))
        return [run, *changed], run_dict(run)

    @handles(DiscardWriteOffRun)
    def discard(self, cmd: DiscardWriteOffRun, rid: UUID) -> Handled:
        finance_only(self.actor(), "discard a write-off run")
        reason = note_text(cmd.reason, "reason")
        if not reason:
            raise InvalidInput("say why the run is discarded", "reason")
        run = self.get(WriteOffRun, cmd.run_id, "write-off run", "run_id")
        run.discard(self.today(), reason)
        return [run], run_dict(run)
