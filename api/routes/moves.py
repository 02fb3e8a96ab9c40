"""A customer's life at a supply point over HTTP: security deposits, holder change (voltura / subentro),
move-out and move-in, and the regularisation of irregular holders (finance; the reads also auditors, and
an account's deposits also its portal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep, account_row, parse_decimal, run_command
from api.schemas import moves as s
from importers.bank.deposit_refunds import deposit_refund_file
from ledger.accounts import life_commands as lc
from ledger.accounts.account import ContractAccount
from ledger.accounts.holder_change import Regularisations
from ledger.billing.final_bill import EndOfSupply, end_supply
from ledger.billing.final_bill import lapse_regularisations as rescind_lapsed
from ledger.core.errors import InvalidInput

router = APIRouter()


@router.post("/contracts/{contract_id}/deposit", status_code=201, tags=["master data"])
def bill_deposit(contract_id: UUID, body: s.DepositIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                 response: Response) -> dict[str, Any]:
    """Bill the security deposit the company's rule asks of the contract, as its own open item; with
    ``with_first_invoice``, the billing run bills it with the contract's first invoice instead."""
    size = parse_decimal(body.size, "size")
    cmd: object = lc.BillDeposit(contract_id, body.customer_kind, size, body.issue_date, body.due_date)
    if body.with_first_invoice:
        if body.issue_date is not None or body.due_date is not None:
            raise InvalidInput("a deposit billed with the first invoice takes that invoice's dates",
                               "issue_date" if body.issue_date is not None else "due_date")
        cmd = lc.RequireDeposit(contract_id, body.customer_kind, size)
    return run_command(svc, cmd, key, response, actor)


@router.post("/contracts/{contract_id}/deposit/settlement", status_code=201, tags=["master data"])
def settle_deposit(contract_id: UUID, body: s.SettleDepositIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> dict[str, Any]:
    """Offset the contract's deposit with its interest against the account's open items; refund the rest
    to the IBAN given (a pain.001), or keep it as credit on account without one."""
    cmd = lc.SettleDeposit(contract_id, body.settled_on or svc.app.today(), body.refund_name,
                           body.refund_iban, body.refund_town, body.refund_country)
    result = run_command(svc, cmd, key, response, actor)
    if result.get("refunded") not in (None, "0", "0.00"):
        result["pain001"] = f"/contracts/{contract_id}/deposit-refund.pain001.xml"
    return result


@router.get("/accounts/{account_id}/deposits", tags=["portal"])
def account_deposits(account_id: UUID, svc: ServicesDep) -> s.DepositsOut:
    """The security deposits the account holds or held, and what became of each."""
    account_row(svc, account_id)
    account = svc.app.get(ContractAccount, account_id, "contract account", "account_id")
    out = []
    for d in account.deposits:
        item = account.items.get(d.item_id)
        out.append(s.DepositOut(contract_id=d.contract_id, number=d.number, amount=d.amount,
                                billed_on=d.billed_on,
                                annual_interest_percent=d.annual_interest_percent,
                                paid=item is None or item.open_amount == 0, settled_on=d.settled_on,
                                interest=d.interest, refunded=d.refunded, moved_to=d.moved_to or None,
                                moved_from=d.moved_from or None, consent=d.consent or None))
    held = sum((d.amount for d in account.deposits if d.settled_on is None), Decimal(0))
    return s.DepositsOut(account_id=account_id, held=held, deposits=out)


def _end(svc: ServicesDep, contract_id: UUID, body: s.EndOfSupplyIn, key: str,
         actor: ActorDep) -> dict[str, Any]:
    index = None if body.final_index is None else parse_decimal(body.final_index, "final_index")
    change = body if isinstance(body, s.HolderChangeIn) else None
    end = EndOfSupply(contract_id, body.end_date, change.new_account_id if change else None, index,
                      body.final_source, body.refund_name, body.refund_iban, body.refund_town,
                      body.refund_country, change.move_deposit if change else False,
                      change.deposit_consent if change else "")
    result = end_supply(svc.app, end, f"end-of-supply:{key}", actor)
    svc.projections.catch_up()
    if "deposit" in result:
        result["deposit"].pop("replayed", None)
        if result["deposit"].get("refunded") not in (None, "0", "0.00"):
            result["pain001"] = f"/contracts/{contract_id}/deposit-refund.pain001.xml"
    return result


@router.post("/contracts/{contract_id}/holder-change", status_code=201, tags=["master data"])
def change_holder(contract_id: UUID, body: s.HolderChangeIn, key: IdempotencyKey, svc: ServicesDep,
                  actor: ActorDep) -> dict[str, Any]:
    """End the contract on ``end_date`` with the final reading, bill the final period, settle the deposit
    (or, with ``move_deposit`` and the old holder's consent, move it to the new holder), and open the new
    holder's contract at the same supply point from the next day."""
    return _end(svc, contract_id, body, key, actor)


@router.post("/contracts/{contract_id}/move-out", status_code=201, tags=["master data"])
def move_out(contract_id: UUID, body: s.EndOfSupplyIn, key: IdempotencyKey, svc: ServicesDep,
             actor: ActorDep) -> dict[str, Any]:
    """End the contract without successor (final reading, final bill, deposit): the point is vacant."""
    return _end(svc, contract_id, body, key, actor)


@router.post("/move-ins", status_code=201, tags=["master data"])
def move_in(body: s.MoveInIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
            response: Response) -> dict[str, Any]:
    cmd = lc.MoveIn(body.account_id, body.supply_point_scheme, body.supply_point_id, body.commodity,
                    body.tariff_code, body.billing_frequency, body.start_date, body.time_zone)
    return run_command(svc, cmd, key, response, actor)


@router.get("/contracts/{contract_id}/deposit-refund.pain001.xml", tags=["finance"],
            responses={200: {"content": {"application/xml": {}}}})
def deposit_refund(contract_id: UUID, svc: ServicesDep) -> Response:
    """The pain.001 credit transfer returning what was left of the contract's deposit."""
    file = deposit_refund_file(svc, contract_id)
    return Response(file.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{file.message_id}.xml"'})


@router.post("/contracts/{contract_id}/regularisation", status_code=201, tags=["master data"])
def require_regularisation(contract_id: UUID, body: s.RegularisationIn, key: IdempotencyKey, svc: ServicesDep,
                           actor: ActorDep, response: Response) -> dict[str, Any]:
    """The holder is not who uses the supply: they have ``days`` (60) to change holder."""
    cmd = lc.RequireRegularisation(contract_id, body.notified_on, body.reason, body.days)
    return run_command(svc, cmd, key, response, actor)


@router.get("/regularisations", tags=["master data"])
def pending_regularisations(svc: ServicesDep) -> dict[str, Any]:
    """Pending regularisations with their due dates, the earliest first."""
    found = svc.app.find(Regularisations, Regularisations.ID)
    pending = sorted(found.pending if found else (), key=lambda p: (p.due_on, p.contract_id))
    return {"items": [{"contract_id": p.contract_id, "supply_point_id": p.supply_point_id,
                       "notified_on": p.notified_on.isoformat(), "due_on": p.due_on.isoformat(),
                       "reason": p.reason} for p in pending]}


@router.post("/regularisations/lapse", status_code=201, tags=["master data"])
def lapse_regularisations(body: s.LapseIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                          response: Response) -> dict[str, Any]:
    """End every contract whose regularisation fell due before ``as_of`` (today by default; never later):
    rescission, the point is vacant; each such contract's final period is billed and its deposit offset
    against the account's open items (the rest kept as credit on account)."""
    result = rescind_lapsed(svc.app, body.as_of, f"lapse:{key}", actor)
    response.headers["Idempotent-Replayed"] = "true" if result.pop("replayed") else "false"
    svc.projections.catch_up()
    return result
