"""Master data (partners, contract accounts, contracts), invoices and credit notes, and what the portal
reads of an account: its balance, open items and statement."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.as_of import AsOfDep, not_yet_known
from api.deps import ActorDep, IdempotencyKey, ServicesDep, account_row, money, parse_decimal, run_command
from api.listing import Format, list_response
from api.schemas import accounts as s
from api.spreadsheets import XLSX_MEDIA_TYPE
from ledger.accounts import commands as ac
from ledger.core.errors import InvalidInput, NotFound
from ledger.parties import commands as pc
from ledger.parties.partner import PostalAddress
from projections.as_of import PointInTime

router = APIRouter()


def _lines(lines: list[s.LineIn]) -> tuple[ac.LineInput, ...]:
    return tuple(ac.LineInput(li.description, li.component,
                              parse_decimal(li.quantity, f"lines[{i}].quantity"), li.unit,
                              parse_decimal(li.unit_price, f"lines[{i}].unit_price"),
                              parse_decimal(li.vat_rate, f"lines[{i}].vat_rate"))
                 for i, li in enumerate(lines))


@router.post("/partners", status_code=201, tags=["master data"])
def register_partner(body: s.PartnerIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                     response: Response) -> s.PartnerOut:
    address = PostalAddress(**body.address.model_dump()) if body.address else None
    cmd = pc.RegisterPartner(body.name, body.kind, tuple((t.scheme, t.value) for t in body.tax_ids),
                             body.email, body.language, address)
    return s.PartnerOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/accounts", status_code=201, tags=["master data"])
def open_account(body: s.AccountIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                 response: Response) -> s.AccountOut:
    company = svc.app.config.code if body.company is None and svc.company_store else body.company
    cmd = ac.OpenContractAccount(body.partner_id, body.name, body.currency, body.payment_terms_days,
                                 body.payment_method, company)
    return s.AccountOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/contracts", status_code=201, tags=["master data"])
def sign_contract(body: s.ContractIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                  response: Response) -> s.ContractOut:
    cmd = ac.SignContract(body.account_id, body.supply_point_scheme, body.supply_point_id,
                          body.commodity, body.tariff_code, body.billing_frequency, body.start_date,
                          body.end_date, body.time_zone)
    return s.ContractOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/accounts/{account_id}/invoices", status_code=201, tags=["billing"])
def issue_invoice(account_id: UUID, body: s.InvoiceIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
                  response: Response) -> s.InvoiceOut:
    if (body.period_start is None) != (body.period_end is None):
        raise InvalidInput("give both period_start and period_end, or neither", "period_end")
    period = (body.period_start, body.period_end) if body.period_start and body.period_end else None
    cmd = ac.IssueInvoice(account_id, _lines(body.lines), body.issue_date, body.due_date,
                          body.contract_id, period, body.number)
    return s.InvoiceOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/invoices/{invoice_number}/credit-notes", status_code=201, tags=["billing"])
def issue_credit_note(invoice_number: str, body: s.CreditNoteIn, key: IdempotencyKey,
                      svc: ServicesDep, actor: ActorDep, response: Response) -> s.CreditNoteOut:
    cmd = ac.IssueCreditNote(invoice_number, body.reason, _lines(body.lines), body.issue_date)
    return s.CreditNoteOut.model_validate(run_command(svc, cmd, key, response, actor))


def _known(svc: ServicesDep, account_id: UUID, at: PointInTime) -> None:
    """404 if the account never existed, or was not yet recorded at ``at.known_at``."""
    account_row(svc, account_id)
    if not svc.view.known(str(account_id), at):
        raise not_yet_known(account_id, at)


@router.get("/accounts/{account_id}/balance", tags=["portal"])
def balance(account_id: UUID, svc: ServicesDep, at: AsOfDep) -> s.BalanceOut:
    """What the customer owes; with ``as_of``/``known_at``, on that business date as known at that moment."""
    if at is None:
        day = svc.app.today()
        live = svc.view.balance_row(str(account_id), day.isoformat())
        if live is None:
            raise NotFound(f"contract account {account_id} does not exist", "account_id")
        return _balance_out(live, day, live[4], live[5], live[6], live[7])
    row = account_row(svc, account_id)
    state = svc.view.balance_as_of(str(account_id), at)
    if state is None:
        raise not_yet_known(account_id, at)
    return _balance_out(row, at.as_of, state.open_cents, state.credit_cents, state.overdue_cents,
                        state.next_due)


def _balance_out(row: tuple[Any, ...], day: date, open_cents: int, credit_cents: int, overdue: int,
                 next_due: str | None) -> s.BalanceOut:
    return s.BalanceOut(account_id=row[0], partner_id=row[1], name=row[2], currency=row[3],
                        balance=money(open_cents - credit_cents), open_items_total=money(open_cents),
                        overdue=money(overdue), credit=money(credit_cents),
                        next_due_date=date.fromisoformat(next_due) if next_due else None, as_of=day)


@router.get("/accounts/{account_id}/open-items", tags=["portal"], response_model=None,
            responses={200: {"model": list[s.OpenItemOut], "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def open_items(account_id: UUID, svc: ServicesDep, at: AsOfDep,
               format: Format = "json") -> list[s.OpenItemOut] | Response:
    """Items still open, oldest due first; with ``as_of``/``known_at``, those open then;
    ``format=csv`` or ``xlsx``: the same items, one line each."""
    if at is not None:
        _known(svc, account_id, at)
        day, rows = at.as_of.isoformat(), svc.view.open_items_as_of(str(account_id), at)
    else:
        account_row(svc, account_id)
        day, rows = svc.app.today().isoformat(), svc.view.open_items(str(account_id))
    items = [s.OpenItemOut(item_id=r[0], document_number=r[1], kind=r[2], amount=money(r[3]),
                           open_amount=money(r[4]), due_date=r[5], posted_on=r[6],
                           payment_reference=r[7], overdue=r[5] < day)
             for r in rows]
    return items if format == "json" else list_response(items, s.OpenItemOut, None, format, "open-items")


@router.get("/accounts/{account_id}/statement", tags=["portal"])
def statement(account_id: UUID, svc: ServicesDep, at: AsOfDep) -> list[s.StatementLineOut]:
    """Movements with the running balance; with ``as_of``/``known_at``, those booked and recorded by then."""
    if at is not None:
        _known(svc, account_id, at)
        rows = svc.view.statement_as_of(str(account_id), at)
    else:
        account_row(svc, account_id)
        rows = svc.view.statement(str(account_id))
    return [s.StatementLineOut(position=r[0], booking_date=r[1], movement=r[2], document=r[3],
                               amount=money(r[4]), running_balance=money(r[5]))
            for r in rows]
