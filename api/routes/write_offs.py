"""Write-offs of receivables and their reversal (issue 11 item 5): finance only (api/access.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep, run_command
from api.schemas.write_offs import (
    WriteOffIn,
    WriteOffOut,
    WriteOffReversalIn,
    WriteOffRunDiscardIn,
    WriteOffRunIn,
)
from api.write_off_run import write_off_candidates
from ledger.accounts.account import ContractAccount
from ledger.accounts.write_off_handlers import ReverseWriteOff, WriteOff, write_off_dict
from ledger.accounts.write_off_run_handlers import (
    DiscardWriteOffRun,
    ExecuteWriteOffRun,
    ProposeWriteOffRun,
    run_dict,
)
from ledger.accounts.write_off_runs import WriteOffRun

#: The most proposals a run's read lists.
MAX_LISTED_PROPOSALS = 1_000

router = APIRouter()


@router.post("/accounts/{account_id}/write-offs", status_code=201, tags=["write-offs"])
def write_off(account_id: UUID, body: WriteOffIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
              response: Response) -> WriteOffOut:
    """Write off the named open items (none named: the account's balance) to ``bad-debt``."""
    cmd = WriteOff(account_id, body.reason, tuple(body.invoice_numbers), body.note, body.on)
    return WriteOffOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/accounts/{account_id}/write-offs/{write_off_id}/reversal", status_code=201,
             tags=["write-offs"])
def reverse_write_off(account_id: UUID, write_off_id: str, body: WriteOffReversalIn, key: IdempotencyKey,
                      svc: ServicesDep, actor: ActorDep, response: Response) -> WriteOffOut:
    """Reopen the items a write-off closed."""
    cmd = ReverseWriteOff(account_id, write_off_id, body.reason, body.on)
    return WriteOffOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.get("/accounts/{account_id}/write-offs", tags=["write-offs"])
def write_offs(account_id: UUID, svc: ServicesDep) -> list[WriteOffOut]:
    """The account's write-offs, oldest first, with the day each was reversed (if it was)."""
    account = svc.app.get(ContractAccount, account_id, "contract account", "account_id")
    return [WriteOffOut.model_validate(write_off_dict(account, w)) for w in account.write_offs]


# -- bulk runs: a proposal finance inspects, then its execution (a bulk money run) or discard -------------


@router.post("/write-off-runs", status_code=201, tags=["write-offs"])
def propose_run(body: WriteOffRunIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                response: Response) -> dict[str, Any]:
    """Propose writing off every item past the prescription, or every small balance, as of ``on``; with
    ``company``, only that company's accounts (default: every company's)."""
    on = body.on or svc.app.today()
    cmd = ProposeWriteOffRun(body.reason, on, write_off_candidates(svc, body.reason, on, body.company),
                             body.company)
    return run_command(svc, cmd, key, response, actor)


@router.get("/write-off-runs/{run_id}", tags=["write-offs"])
def read_run(run_id: UUID, svc: ServicesDep) -> dict[str, Any]:
    run = svc.app.get(WriteOffRun, run_id, "write-off run", "run_id")
    return {**run_dict(run), "proposals": [
        {"account_id": str(p.account_id), "invoices": list(p.documents), "amount": str(p.amount)}
        for p in run.proposals[:MAX_LISTED_PROPOSALS]]}


@router.post("/write-off-runs/{run_id}/execution", status_code=201, tags=["write-offs"])
def execute_run(run_id: UUID, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                response: Response) -> dict[str, Any]:
    """Write off what the proposal holds (accounts changed since are skipped, and named)."""
    return run_command(svc, ExecuteWriteOffRun(run_id), key, response, actor)


@router.post("/write-off-runs/{run_id}/discard", status_code=201, tags=["write-offs"])
def discard_run(run_id: UUID, body: WriteOffRunDiscardIn, key: IdempotencyKey, svc: ServicesDep,
                actor: ActorDep, response: Response) -> dict[str, Any]:
    return run_command(svc, DiscardWriteOffRun(run_id, body.reason), key, response, actor)
