"""Write-offs of receivables and their reversal (issue 11 item 5): finance only (api/access.py)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep, run_command
from api.schemas.write_offs import WriteOffIn, WriteOffOut, WriteOffReversalIn
from ledger.accounts.account import ContractAccount
from ledger.accounts.write_off_handlers import ReverseWriteOff, WriteOff, write_off_dict

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
