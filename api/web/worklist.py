"""The clarification worklist: receipts in suspense with their ranked candidates and the reasons
(``GET /worklist``), and what a person does with one — allocate it to named items or oldest first, post it
on account, refund it — each one click and a confirmation, running the API's own commands
(:func:`api.routes.payments.allocation_command`, :func:`~api.routes.payments.refund_command`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from api.bootstrap import Services
from api.deps import ServicesDep, money
from api.routes import accounts, payments
from api.schemas import limits as n
from api.schemas import payments as s
from api.web.commands import ConfirmedField, KeyField, PageError, command_router, execute
from api.web.render import after_post, confirm, formats, page
from ledger.core.errors import NotFound

pages = APIRouter(include_in_schema=False)
router = command_router()  # the commands: each POST's CSRF token checked
#: Receipts shown on the worklist page (the API's page size).
MAX_SHOWN = 100
#: Longest list of invoice numbers typed into the allocation form (at most 100 numbers, as the API takes).
MAX_INVOICES_TEXT = 100 * (n.MAX_REFERENCE_LENGTH + 1)
Mode = Literal["items", "oldest", "on-account"]
WORKLIST = "/ui/worklist"


@pages.get(WORKLIST)
def worklist_page(request: Request, svc: ServicesDep) -> Response:
    return page(request, "worklist.html", title="Clarification worklist",
                items=payments.worklist(svc, MAX_SHOWN))


def _parked(svc: Services, suspense_id: UUID) -> tuple[Decimal, str, str, str]:
    """(amount, currency, received on, payer) of a parked receipt; 404 if there is none."""
    rows = svc.view.suspense(None, str(suspense_id))
    if not rows:
        raise NotFound(f"suspended receipt {suspense_id} does not exist", "suspense_id")
    r = rows[0]
    return money(r[1]), r[2], r[3], r[4] or "an unknown payer"


def _valid(model: type[Any], **fields: Any) -> Any:
    """The API's request body from the form's fields; what it refuses is a page naming the field."""
    try:
        return model(**fields)
    except ValidationError as e:
        said = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise PageError(422, "Not accepted", said) from None


@router.post(WORKLIST + "/{suspense_id}/allocation")
def allocate(request: Request, suspense_id: UUID, svc: ServicesDep,
             account_id: Annotated[UUID, Form()], mode: Annotated[Mode, Form()] = "items",
             invoice_numbers: Annotated[str, Form(max_length=MAX_INVOICES_TEXT)] = "",
             note: Annotated[str, Form(max_length=n.MAX_NOTE_LENGTH)] = "",
             key: KeyField = "", confirmed: ConfirmedField = "") -> Response:
    numbers = invoice_numbers.replace(",", " ").split() if mode == "items" else []
    if mode == "items" and not numbers:
        raise PageError(422, "Not accepted", "Name the invoices to allocate to, or choose oldest first.")
    body = _valid(s.AllocationIn, account_id=account_id, invoice_numbers=numbers,
                  on_account_only=mode == "on-account", note=note)
    command = payments.allocation_command(svc, suspense_id, body)
    amount, currency, received, payer = _parked(svc, suspense_id)
    account = accounts.balance(account_id, svc, None)
    f = formats(request)
    what = {"items": f"to {', '.join(numbers)}", "oldest": "to its open items, oldest due first",
            "on-account": "as credit on account"}[mode]
    if not confirmed:
        return confirm(request, title="Allocate the receipt", action=request.url.path, back=WORKLIST,
                       summary=[f"Receipt of {f.money(amount, currency)} from {payer}, received {received}.",
                                f"Placed on account {account.name} {what}.",
                                f"Its balance is {f.money(account.balance, account.currency)} now."],
                       fields={"account_id": str(account_id), "mode": mode,
                               "invoice_numbers": " ".join(numbers), "note": note},
                       button="Allocate")
    execute(request, svc, command, key)
    after = accounts.balance(account_id, svc, None)
    return after_post(request, WORKLIST, f"Receipt of {f.money(amount, currency)} from {payer} placed on "
                                         f"{account.name} {what}; its balance is now "
                                         f"{f.money(after.balance, after.currency)}.")


@router.post(WORKLIST + "/{suspense_id}/refund")
def refund(request: Request, suspense_id: UUID, svc: ServicesDep,
           to_iban: Annotated[str, Form(max_length=n.MAX_IBAN_LENGTH)] = "",
           to_name: Annotated[str, Form(max_length=n.MAX_PARTY_NAME_LENGTH)] = "",
           to_town: Annotated[str, Form(max_length=n.MAX_TOWN_LENGTH)] = "",
           to_country: Annotated[str, Form(max_length=2)] = "",
           reason: Annotated[str, Form(max_length=n.MAX_REASON_LENGTH)] = "",
           key: KeyField = "", confirmed: ConfirmedField = "") -> Response:
    body = _valid(s.RefundIn, to_iban=to_iban, to_name=to_name, to_town=to_town,
                  to_country=to_country.upper(), reason=reason)
    command = payments.refund_command(suspense_id, body)
    amount, currency, received, payer = _parked(svc, suspense_id)
    f = formats(request)
    if not confirmed:
        return confirm(request, title="Refund the receipt", action=request.url.path, back=WORKLIST,
                       summary=[f"Receipt of {f.money(amount, currency)} from {payer}, received {received}.",
                                f"Sent back to {body.to_name}, {body.to_iban} ({body.to_town}, "
                                f"{body.to_country}), because: {body.reason}.",
                                "To the IBAN it came from it is paid at once; to any other it waits for a "
                                "second finance user's approval."],
                       fields=body.model_dump(), button="Refund")
    result = execute(request, svc, command, key)
    done = ("refunded: the transfer is ready" if result.get("status", "refunded") == "refunded"
            else "requested: a second finance user approves it")
    return after_post(request, WORKLIST, f"Receipt of {f.money(amount, currency)} from {payer} {done}.")
