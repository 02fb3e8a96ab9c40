"""The HTTP API: thin endpoints that turn requests into commands and read the projections.

Endpoints are plain ``def`` (not ``async``): the eventsourcing library is synchronous, so FastAPI runs
them in its thread pool (https://fastapi.tiangolo.com/async/#path-operation-functions).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI, Query, Response
from fastapi.responses import StreamingResponse

from api.bootstrap import Services
from api.deps import IdempotencyKey, ServicesDep, account_row, money, parse_decimal, run_command
from api.journal import JOURNAL_COLUMNS, journal_record
from api.problems import install_problem_handlers
from api.schemas import accounts as s
from api.schemas import ops
from api.schemas import payments as pay
from ledger.accounts import commands as ac
from ledger.core.errors import InvalidInput
from ledger.parties import commands as pc
from ledger.parties.partner import PostalAddress
from ledger.payments import commands as pmt

#: Most journal lines one request returns; the accounting system pages on with ``since=<next cursor>``.
MAX_JOURNAL_PAGE = 10_000

def _lines(lines: list[s.LineIn]) -> tuple[ac.LineInput, ...]:
    return tuple(ac.LineInput(li.description, li.component,
                              parse_decimal(li.quantity, f"lines[{i}].quantity"), li.unit,
                              parse_decimal(li.unit_price, f"lines[{i}].unit_price"),
                              parse_decimal(li.vat_rate, f"lines[{i}].vat_rate"))
                 for i, li in enumerate(lines))


def create_app(svc: Services) -> FastAPI:
    app = FastAPI(title="Saldo", version="0.1.0",
                  description="Event-sourced receivables ledger for utilities. Every POST takes an "
                              "`Idempotency-Key` header; errors are RFC 9457 `application/problem+json`.")
    app.state.services = svc
    install_problem_handlers(app)

    @app.get("/health", tags=["ops"])
    def health(svc: ServicesDep) -> ops.HealthOut:
        return ops.HealthOut(status="ok", store=svc.database_url.split(":", 1)[0],
                           events_position=svc.app.recorder.max_notification_id(),
                           projection_position=svc.projections.position())

    @app.post("/partners", status_code=201, tags=["master data"])
    def register_partner(body: s.PartnerIn, key: IdempotencyKey, svc: ServicesDep,
                         response: Response) -> s.PartnerOut:
        address = PostalAddress(**body.address.model_dump()) if body.address else None
        cmd = pc.RegisterPartner(body.name, body.kind, tuple((t.scheme, t.value) for t in body.tax_ids),
                                body.email, body.language, address)
        return s.PartnerOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/accounts", status_code=201, tags=["master data"])
    def open_account(body: s.AccountIn, key: IdempotencyKey, svc: ServicesDep,
                     response: Response) -> s.AccountOut:
        cmd = ac.OpenContractAccount(body.partner_id, body.name, body.currency, body.payment_terms_days,
                                    body.payment_method)
        return s.AccountOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/contracts", status_code=201, tags=["master data"])
    def sign_contract(body: s.ContractIn, key: IdempotencyKey, svc: ServicesDep,
                      response: Response) -> s.ContractOut:
        cmd = ac.SignContract(body.account_id, body.supply_point_scheme, body.supply_point_id,
                             body.commodity, body.tariff_code, body.billing_frequency, body.start_date,
                             body.end_date, body.time_zone)
        return s.ContractOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/accounts/{account_id}/invoices", status_code=201, tags=["billing"])
    def issue_invoice(account_id: UUID, body: s.InvoiceIn, key: IdempotencyKey, svc: ServicesDep,
                      response: Response) -> s.InvoiceOut:
        if (body.period_start is None) != (body.period_end is None):
            raise InvalidInput("give both period_start and period_end, or neither", "period_end")
        period = (body.period_start, body.period_end) if body.period_start and body.period_end else None
        cmd = ac.IssueInvoice(account_id, _lines(body.lines), body.issue_date, body.due_date,
                             body.contract_id, period, body.number)
        return s.InvoiceOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/invoices/{invoice_number}/credit-notes", status_code=201, tags=["billing"])
    def issue_credit_note(invoice_number: str, body: s.CreditNoteIn, key: IdempotencyKey,
                          svc: ServicesDep, response: Response) -> s.CreditNoteOut:
        cmd = ac.IssueCreditNote(invoice_number, body.reason, _lines(body.lines), body.issue_date)
        return s.CreditNoteOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/accounts/{account_id}/payments", status_code=201, tags=["payments"])
    def record_payment(account_id: UUID, body: pay.PaymentIn, key: IdempotencyKey, svc: ServicesDep,
                       response: Response) -> pay.PaymentOut:
        cmd = pmt.RecordPayment(account_id, Decimal(body.amount), body.received_on, body.currency,
                              body.bank_account, tuple(body.invoice_numbers), body.payer_name,
                              body.payer_iban, body.reference, body.note)
        return pay.PaymentOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/accounts/{account_id}/payments/{payment_id}/reversal", status_code=201,
              tags=["payments"])
    def reverse_payment(account_id: UUID, payment_id: str, body: pay.ReversalIn, key: IdempotencyKey,
                        svc: ServicesDep, response: Response) -> pay.ReversalOut:
        cmd = pmt.ReversePayment(account_id, payment_id, body.reason, body.on)
        return pay.ReversalOut.model_validate(run_command(svc, cmd, key, response))

    @app.post("/accounts/{account_id}/payments/{payment_id}/clearing-reset", status_code=201,
              tags=["payments"])
    def reset_clearing(account_id: UUID, payment_id: str, body: pay.ReversalIn, key: IdempotencyKey,
                       svc: ServicesDep, response: Response) -> pay.ReversalOut:
        cmd = pmt.ResetClearing(account_id, payment_id, body.reason, body.on)
        return pay.ReversalOut.model_validate(run_command(svc, cmd, key, response))

    _install_read_paths(app)
    from api.bank_http import install_bank_paths
    from api.dd_http import install_dd_paths

    install_bank_paths(app)
    from api.dunning_http import install_dunning_paths

    install_dunning_paths(app)
    from api.billing_http import install_billing_paths

    install_billing_paths(app)
    install_dd_paths(app)
    return app


def _install_read_paths(app: FastAPI) -> None:
    @app.get("/accounts/{account_id}/balance", tags=["portal"])
    def balance(account_id: UUID, svc: ServicesDep) -> s.BalanceOut:
        row = account_row(svc, account_id)
        today = svc.app.today()
        overdue, next_due = svc.view.due_summary(str(account_id), today.isoformat())
        return s.BalanceOut(account_id=row[0], partner_id=row[1], name=row[2], currency=row[3],
                            balance=money(row[4] - row[5]), open_items_total=money(row[4]),
                            overdue=money(overdue), credit=money(row[5]),
                            next_due_date=date.fromisoformat(next_due) if next_due else None, as_of=today)

    @app.get("/accounts/{account_id}/open-items", tags=["portal"])
    def open_items(account_id: UUID, svc: ServicesDep) -> list[s.OpenItemOut]:
        account_row(svc, account_id)
        today = svc.app.today().isoformat()
        return [s.OpenItemOut(item_id=r[0], document_number=r[1], kind=r[2], amount=money(r[3]),
                              open_amount=money(r[4]), due_date=r[5], posted_on=r[6],
                              payment_reference=r[7], overdue=r[5] < today)
                for r in svc.view.open_items(str(account_id))]

    @app.get("/accounts/{account_id}/statement", tags=["portal"])
    def statement(account_id: UUID, svc: ServicesDep) -> list[s.StatementLineOut]:
        account_row(svc, account_id)
        return [s.StatementLineOut(position=r[0], booking_date=r[1], movement=r[2], document=r[3],
                                   amount=money(r[4]), running_balance=money(r[5]))
                for r in svc.view.statement(str(account_id))]

    @app.get("/journal", tags=["accounting"],
             responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                              "description": "one posting per line, in store order"}})
    def journal(svc: ServicesDep, since: Annotated[int, Query(ge=0)] = 0,
                limit: Annotated[int, Query(ge=1, le=MAX_JOURNAL_PAGE)] = 1000,
                format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl") -> Response:
        rows = svc.view.journal(since, limit)
        next_cursor = str(rows[-1][0]) if rows else str(since)
        headers = {"X-Next-Cursor": next_cursor}
        records = [dict(zip(JOURNAL_COLUMNS, journal_record(r), strict=True)) for r in rows]
        if format == "csv":
            return StreamingResponse(_csv(records), media_type="text/csv; charset=utf-8", headers=headers)
        body = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
        return Response(body, media_type="application/x-ndjson", headers=headers)


def _csv(records: list[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=JOURNAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    yield buffer.getvalue()
