"""Lists to find and read everything: partners, accounts, contracts, invoices and credit notes, payments,
mandates, dunning steps — paged with a cursor, filtered, sorted, as JSON or ``format=csv``
(:mod:`api.listing`).

Global lists are the staff's; the portal reads its own account's contracts, documents and payments through
the routes that name ``{account_id}`` (the gate checks the account is the token's partner's). Every list
reads the catalog (:mod:`projections.catalog`), brought up to date first: never aggregates in a loop.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.bootstrap import Services
from api.deps import ServicesDep, account_row, money
from api.listing import After, Filter, Format, Limit, Page, Sort, page_request, respond
from api.schemas import lists as s
from ledger.core.errors import InvalidInput, NotFound
from ledger.parties.partner import BusinessPartner
from projections.dunning_history import DEFAULT_COMPANY_KEY

router = APIRouter(tags=["lists"])


def _partner(r: tuple[Any, ...]) -> s.PartnerItem:
    return s.PartnerItem(partner_id=r[0], name=r[1], kind=r[2], tax_ids=r[3], email=r[4], language=r[5])


def _account(r: tuple[Any, ...]) -> s.AccountItem:
    return s.AccountItem(account_id=r[0], partner_id=r[1], name=r[2], currency=r[3],
                         balance=money(r[4] - r[5]), open_items_total=money(r[4]), credit=money(r[5]),
                         payment_method=r[6], payment_terms_days=r[7])


def _contract(r: tuple[Any, ...]) -> s.ContractItem:
    return s.ContractItem(contract_id=r[0], account_id=r[1],
                          supply_point=s.SupplyPointOut(scheme=r[2], id=r[3]), commodity=r[4],
                          tariff_code=r[5], billing_frequency=r[6], start_date=r[7],
                          end_date=r[8])


def _document(r: tuple[Any, ...]) -> s.DocumentItem:
    return s.DocumentItem(document_id=r[0], number=r[1], kind=r[2], account_id=r[3], contract_id=r[4],
                          issue_date=r[5], due_date=r[6], currency=r[7], net=money(r[8]), vat=money(r[9]),
                          gross=money(r[10]), payment_reference=r[11], corrects=r[12], credited=money(r[13]),
                          open_amount=money(int(r[14])))


def _payment(r: tuple[Any, ...]) -> s.PaymentItem:
    allocations = [s.AllocationOut(item_id=i, amount=a) for i, a in json.loads(r[8])]
    return s.PaymentItem(payment_id=r[0], account_id=r[1], amount=money(r[2]), received_on=r[3],
                         source_account=r[4], payer_iban=r[5], rule=r[6], evidence=r[7],
                         allocations=allocations, to_credit=money(r[9]), reversed_on=r[10])


def _mandate(r: tuple[Any, ...]) -> s.MandateItem:
    return s.MandateItem(account_id=r[0], reference=r[1], status=r[2], debtor_iban=r[3], signed_on=r[4])


def _dunning_step(r: tuple[Any, ...]) -> s.DunningStepItem:
    return s.DunningStepItem(
        step_id=r[0], account_id=r[1], company=r[2], run_id=r[3], procedure=r[4], procedure_version=r[5],
        level=r[6], level_name=r[7], letter=r[8], rule=r[9], stepped_on=r[10], payment_deadline=r[11],
        invoices=r[12], overdue_total=money(r[13]), fee=money(r[14]), interest=money(r[15]),
        reversed_on=r[16], reversal_reason=r[17])


ITEMS: dict[str, tuple[Callable[[tuple[Any, ...]], BaseModel], type[BaseModel]]] = {
    "partners": (_partner, s.PartnerItem), "accounts": (_account, s.AccountItem),
    "contracts": (_contract, s.ContractItem), "documents": (_document, s.DocumentItem),
    "payments": (_payment, s.PaymentItem), "mandates": (_mandate, s.MandateItem),
    "dunning_steps": (_dunning_step, s.DunningStepItem),
}


def _list(svc: Services, listing: str, sort: str | None, after: str | None, limit: int, fmt: str,
          filters: Mapping[str, str | tuple[str, ...] | None]) -> Page | Response:
    request = page_request(listing, sort, after, limit, filters)
    if listing == "dunning_steps":
        svc.dunning_history.catch_up()
    else:
        svc.catalog.catch_up()
    rows, last = svc.view.page(listing, request)
    convert, model = ITEMS[listing]
    items = [convert(r) for r in rows]
    if listing == "dunning_steps":  # an account that names no company is the default company's: say which
        default = svc.app.companies.default.code
        items = [i.model_copy(update={"company": default})
                 if isinstance(i, s.DunningStepItem) and i.company == DEFAULT_COMPANY_KEY else i
                 for i in items]
    return respond(items, model, request, last, fmt, listing)


@router.get("/partners", response_model=None)
def partners(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
             format: Format = "json", kind: Filter = None, language: Filter = None) -> Page | Response:
    """Business partners; sort by ``name`` or ``registered``."""
    return _list(svc, "partners", sort, after, limit, format, {"kind": kind, "language": language})


@router.get("/partners/{partner_id}")
def partner(partner_id: UUID, svc: ServicesDep) -> s.PartnerDetail:
    """The partner as listed, with its address and contact (read from the partner itself: one read)."""
    svc.catalog.catch_up()
    row = svc.view.one("partners", str(partner_id))
    found = svc.app.find(BusinessPartner, partner_id)
    if row is None or found is None:
        raise NotFound(f"business partner {partner_id} does not exist", "partner_id")
    address = None if found.address is None else s.AddressOut(**dataclasses.asdict(found.address))
    return s.PartnerDetail(**_partner(row).model_dump(), address=address, contact=found.contact)


@router.get("/accounts", response_model=None)
def accounts(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
             format: Format = "json", partner_id: Filter = None, currency: Filter = None,
             payment_method: Filter = None) -> Page | Response:
    """Contract accounts with their balance; sort by ``name``, ``opened`` or ``balance``."""
    return _list(svc, "accounts", sort, after, limit, format,
                 {"partner_id": partner_id, "currency": currency, "payment_method": payment_method})


@router.get("/contracts", response_model=None)
def contracts(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
              format: Format = "json", account_id: Filter = None, commodity: Filter = None,
              tariff_code: Filter = None, supply_point_scheme: Filter = None) -> Page | Response:
    """Contracts with their supply point; sort by ``signed`` or ``start_date``."""
    return _list(svc, "contracts", sort, after, limit, format,
                 {"account_id": account_id, "commodity": commodity, "tariff_code": tariff_code,
                  "supply_point_scheme": supply_point_scheme})


@router.get("/contracts/{contract_id}")
def contract(contract_id: UUID, svc: ServicesDep) -> s.ContractItem:
    svc.catalog.catch_up()
    row = svc.view.one("contracts", str(contract_id))
    if row is None:
        raise NotFound(f"contract {contract_id} does not exist", "contract_id")
    return _contract(row)


@router.get("/invoices", response_model=None)
def invoices(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
             format: Format = "json", account_id: Filter = None, contract_id: Filter = None,
             kind: Filter = None, currency: Filter = None) -> Page | Response:
    """Invoices and credit notes; sort by ``issued``, ``issue_date``, ``due_date``, ``number``, ``gross``."""
    return _list(svc, "documents", sort, after, limit, format,
                 {"account_id": account_id, "contract_id": contract_id, "kind": kind, "currency": currency})


@router.get("/payments", response_model=None)
def payments(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
             format: Format = "json", account_id: Filter = None, rule: Filter = None) -> Page | Response:
    """Payments with their matching rule, evidence and allocations; sort by ``received``, ``received_on``,
    ``amount``."""
    return _list(svc, "payments", sort, after, limit, format, {"account_id": account_id, "rule": rule})


@router.get("/mandates", response_model=None)
def mandates(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
             format: Format = "json", status: Filter = None) -> Page | Response:
    """SEPA mandates (the latest per account); sort by ``signed_on`` or ``reference``."""
    return _list(svc, "mandates", sort, after, limit, format, {"status": status})


@router.get("/accounts/{account_id}/contracts", response_model=None)
def account_contracts(account_id: UUID, svc: ServicesDep, sort: Sort = None, after: After = None,
                      limit: Limit = 100, format: Format = "json") -> Page | Response:
    account_row(svc, account_id)
    return _list(svc, "contracts", sort, after, limit, format, {"account_id": str(account_id)})


@router.get("/accounts/{account_id}/invoices", response_model=None)
def account_invoices(account_id: UUID, svc: ServicesDep, sort: Sort = None, after: After = None,
                     limit: Limit = 100, format: Format = "json", kind: Filter = None) -> Page | Response:
    account_row(svc, account_id)
    return _list(svc, "documents", sort, after, limit, format, {"account_id": str(account_id), "kind": kind})


@router.get("/accounts/{account_id}/payments", response_model=None)
def account_payments(account_id: UUID, svc: ServicesDep, sort: Sort = None, after: After = None,
                     limit: Limit = 100, format: Format = "json") -> Page | Response:
    account_row(svc, account_id)
    return _list(svc, "payments", sort, after, limit, format, {"account_id": str(account_id)})


# -- the dunning history (issue 11): every step on an account, and across accounts for finance ------------


def _company(svc: Services, code: str | None) -> tuple[str, ...] | None:
    """The company keys of ``code`` in the history: the default company is also ``''`` (accounts that
    name no company); an unknown code is a 422 naming ``company``."""
    if code is None:
        return None
    companies = svc.app.companies
    found = companies.named(code)
    if found is None:
        codes = ", ".join(c.code for c in companies.companies)
        raise InvalidInput(f"there is no company {code!r} on this installation (there are: {codes})",
                           "company")
    return (DEFAULT_COMPANY_KEY, found.code) if found.code == companies.default.code else (found.code,)


def _range(start: date | None, end: date | None) -> dict[str, str | None]:
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"to ({end}) is before from ({start})", "to")
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}


Level = Annotated[int | None, Query(ge=1, le=99)]
From = Annotated[date | None, Query(alias="from", description="steps sent on or after this day")]
To = Annotated[date | None, Query(description="steps sent on or before this day")]


@router.get("/dunning/history", response_model=None)
def dunning_history(svc: ServicesDep, sort: Sort = None, after: After = None, limit: Limit = 100,
                    format: Format = "json", company: Filter = None, level: Level = None,
                    start: From = None, to: To = None, account_id: UUID | None = None,
                    procedure: Filter = None, letter: Filter = None) -> Page | Response:
    """Every dunning step of every account (reversed ones too, with the day and why); filter by company,
    level, the day sent (``from``, ``to``), account, procedure, letter; sort by ``stepped_on``,
    ``recorded``, ``level`` or ``fee``."""
    return _list(svc, "dunning_steps", sort, after, limit, format, {
        "company": _company(svc, company), "level": None if level is None else str(level),
        "account_id": None if account_id is None else str(account_id), "procedure": procedure,
        "template": letter, **_range(start, to)})


@router.get("/accounts/{account_id}/dunning/history", response_model=None)
def account_dunning_history(account_id: UUID, svc: ServicesDep, sort: Sort = None, after: After = None,
                            limit: Limit = 100, format: Format = "json", level: Level = None,
                            start: From = None, to: To = None) -> Page | Response:
    """Every dunning step taken on the account, oldest first by default."""
    account_row(svc, account_id)
    return _list(svc, "dunning_steps", sort, after, limit, format, {
        "account_id": str(account_id), "level": None if level is None else str(level), **_range(start, to)})
