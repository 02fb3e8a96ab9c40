"""What the run pages do and show: a statement's import report, and the billing, collection and dunning
runs from proposal through review to execution or discard.

Every action calls the API route's own function (``POST /bank/statements``, ``/billing/simulations``,
``/billing/runs``, ``/collection-runs``, ``/dunning/runs`` and their execution and discard), under the
Idempotency-Key the page generated when it drew the form, so a form sent twice is one command and the page
does exactly what the API does. What they refuse comes back as a :class:`FormError` naming the form's
field; an id that does not exist stays a NotFound (the page's 404).

A billing run's proposal is its simulation (pre-invoicing: the same run writing nothing): reviewed, then
started for real or discarded, which writes nothing either. Collection and dunning runs are proposals in
the store, executed or discarded by events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO
from uuid import UUID

from fastapi import BackgroundTasks, Response, UploadFile

from api.bootstrap import Services
from api.routes import billing, collections, dunning, payments
from api.schemas import ReasonIn
from api.schemas.billing import RunIn as BillingRunIn
from api.schemas.billing import SimulationIn
from api.schemas.collections import RunIn as CollectionRunIn
from api.schemas.dunning import RunIn as DunningRunIn
from api.web.forms import FormError
from importers.bank.errors import BankFileError, UnbalancedStatement
from ledger.core.actor import MAX_REASON_LENGTH, Actor
from ledger.core.errors import DomainError, NotFound

#: Draft invoices a billing review lists (the totals count them all).
MAX_REVIEW_DRAFTS = 50
#: Lines of a run's items a review page lists (the totals count them all).
MAX_REVIEW_ITEMS = 500
#: Longest company code a run form takes (the API's own bound is checked again by its schema).
MAX_COMPANY_FIELD = 32


def _day(text: str, name: str, *, required: bool = True) -> date | None:
    text = text.strip()
    if not text:
        if required:
            raise FormError(name, "a date is required (YYYY-MM-DD)")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormError(name, f"{text[:20]!r} is not a date (YYYY-MM-DD)") from None


def _company(text: str) -> str | None:
    text = text.strip()
    if len(text) > MAX_COMPANY_FIELD:
        raise FormError("company", f"a company code has at most {MAX_COMPANY_FIELD} characters")
    return text or None


def _reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise FormError("reason", "say why the run is discarded")
    if len(text) > MAX_REASON_LENGTH:
        raise FormError("reason", f"at most {MAX_REASON_LENGTH} characters")
    return text


def _refused(error: DomainError, default: str, fields: tuple[str, ...]) -> FormError:
    """The command's refusal on the form's field it names (else on ``default``)."""
    return FormError(error.field if error.field in fields else default, str(error))


def _schema(model: Any, default: str, **values: Any) -> Any:
    """The API's request body, or FormError naming the field pydantic refused."""
    try:
        return model(**values)
    except ValueError as error:
        found: list[dict[str, Any]] = list(getattr(error, "errors", lambda: [])())
        where = str(found[0]["loc"][0]) if found and found[0].get("loc") else default
        reason = str(found[0].get("msg")) if found else str(error)
        raise FormError(where if where in values else default, reason) from None


# -- bank statements -----------------------------------------------------------------------------------

def import_upload(svc: Services, actor: Actor, upload: UploadFile | None, key: str,
                  override_reason: str = "") -> dict[str, Any]:
    """Import the uploaded statement as ``POST /bank/statements`` does; its import report."""
    if upload is None or (not upload.filename and _is_empty(upload.file)):
        raise FormError("file", "choose a statement file (camt.053/054, MT940, CSV or a ZIP of them)")
    try:
        return dict(payments.upload_statement(upload, key, svc, actor, Response(),
                                              override_reason.strip() or None).model_dump(mode="json"))
    except UnbalancedStatement as error:
        raise FormError("override_reason", f"{error} — give a reason to import it anyway") from None
    except BankFileError as error:
        raise FormError("file", str(error)) from None
    except DomainError as error:
        raise _refused(error, "file", ("file", "override_reason")) from None


def _is_empty(file: BinaryIO) -> bool:
    file.seek(0)
    empty = not file.read(1)
    file.seek(0)
    return empty


@dataclass(frozen=True, slots=True)
class ReportLine:
    where: str
    amount: str
    reason: str


def report_summary(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's counts, in the words of the page (entries, booked, to the worklist, duplicates ...)."""
    returns = report.get("direct_debit_returns") or {}
    return [("File", str(report.get("file_name", ""))),
            ("Entries", str(report.get("entries", 0))),
            ("Booked to accounts", f"{report.get('booked', 0)} ({report.get('amount_booked', '0.00')})"),
            ("To the worklist",
             f"{report.get('to_suspense', 0)} ({report.get('amount_to_suspense', '0.00')})"),
            ("Duplicates (imported before)", str(report.get("duplicates", 0))),
            ("Refused", str(len(report.get("refused", [])))),
            ("Not a receipt", str(len(report.get("not_allocated", [])))),
            ("Direct-debit returns", str(returns.get("returned", 0))),
            ("Imported in full",
             "yes" if report.get("imported_in_full") else "no: import it again after fixing"),
            ("Already imported", "yes" if report.get("file_already_imported") else "no")]


def report_lines(report: dict[str, Any], section: str) -> list[ReportLine]:
    """The entries of one section (``refused``, ``not_allocated``, ``possible_duplicates`` ...) with where
    in the file each is and why it is listed."""
    return [ReportLine(str(row.get("where", "")), str(row.get("amount", "")),
                       str(row.get("reason", row.get("why", ""))))
            for row in report.get(section) or []]


# -- billing runs --------------------------------------------------------------------------------------

def billing_form(period_start: str, period_end: str, issue_date: str, company: str) -> dict[str, Any]:
    start, end = _day(period_start, "period_start"), _day(period_end, "period_end")
    if start is not None and end is not None and end < start:
        raise FormError("period_end", "the billing period ends before it starts")
    return {"period_start": start, "period_end": end,
            "issue_date": _day(issue_date, "issue_date", required=False), "company": _company(company)}


def simulate_billing(svc: Services, actor: Actor, form: dict[str, Any], key: str) -> dict[str, Any]:
    """The billing run's proposal: ``POST /billing/simulations`` (writes nothing)."""
    body = _schema(SimulationIn, "period_start", drafts=MAX_REVIEW_DRAFTS, **form)
    try:
        return billing.simulate(body, key, svc, actor, Response())
    except DomainError as error:
        raise _refused(error, "period_start", tuple(form)) from None


def start_billing(svc: Services, actor: Actor, form: dict[str, Any], key: str,
                  background: BackgroundTasks) -> UUID:
    """Execute the reviewed proposal: ``POST /billing/runs`` (the run goes on after the answer)."""
    body = _schema(BillingRunIn, "period_start", **form)
    try:
        return UUID(billing.start_run(body, key, svc, actor, Response(), background)["run_id"])
    except DomainError as error:
        raise _refused(error, "period_start", tuple(form)) from None


def billing_run(svc: Services, run_id: UUID) -> dict[str, Any]:
    return billing.run_status(run_id, svc)


# -- collection runs (SEPA direct debit) ---------------------------------------------------------------

def propose_collection(svc: Services, actor: Actor, due_by: str, collection_date: str, company: str,
                       key: str) -> UUID:
    values = {"due_by": _day(due_by, "due_by"), "collection_date": _day(collection_date, "collection_date"),
              "company": _company(company)}
    body = _schema(CollectionRunIn, "due_by", **values)
    try:
        return UUID(collections.propose(body, key, svc, actor)["run_id"])
    except DomainError as error:
        raise _refused(error, "due_by", tuple(values)) from None


def collection_run(svc: Services, run_id: UUID) -> dict[str, Any]:
    """``GET /collection-runs/{id}`` with the proposal's items (at most :data:`MAX_REVIEW_ITEMS`)."""
    detail = collections.read_run(run_id, svc)
    detail["proposals"] = detail["proposals"][:MAX_REVIEW_ITEMS]
    return detail


def execute_collection(svc: Services, actor: Actor, run_id: UUID, key: str) -> dict[str, Any]:
    return _decided(lambda: collections.execute(run_id, key, svc, actor, Response()))


def discard_collection(svc: Services, actor: Actor, run_id: UUID, reason: str, key: str) -> dict[str, Any]:
    body = ReasonIn(reason=_reason(reason))
    return _decided(lambda: collections.discard(run_id, body, key, svc, actor, Response()))


# -- dunning runs --------------------------------------------------------------------------------------

def propose_dunning(svc: Services, actor: Actor, run_on: str, company: str, key: str) -> list[UUID]:
    """``POST /dunning/runs``: the day's proposal, in one or more runs (each at most MAX_RUN_ACCOUNTS)."""
    values = {"run_on": _day(run_on, "run_on", required=False), "company": _company(company)}
    body = _schema(DunningRunIn, "run_on", **values)
    try:
        proposed = dunning.propose_runs(body, key, svc, actor, Response())
    except DomainError as error:
        raise _refused(error, "run_on", tuple(values)) from None
    return [UUID(r["run_id"]) for r in proposed.runs]


def dunning_run(svc: Services, run_id: UUID) -> dict[str, Any]:
    """``GET /dunning/runs/{id}``, with the proposal's totals (steps, overdue, fees, interest)."""
    detail = dunning.get_run(run_id, svc)
    steps = detail["proposed_steps"]
    detail["totals"] = {
        "steps": len(steps),
        "overdue": str(sum((Decimal(s["overdue"]) for s in steps), Decimal("0.00"))),
        "fees": str(sum((Decimal(s["fee"]) for s in steps), Decimal("0.00"))),
        "interest": str(sum((Decimal(s["interest"]) for s in steps), Decimal("0.00"))),
    }
    detail["proposed_steps"] = steps[:MAX_REVIEW_ITEMS]
    return detail


def execute_dunning(svc: Services, actor: Actor, run_id: UUID, key: str) -> dict[str, Any]:
    return _decided(lambda: dunning.execute_run(run_id, key, svc, actor, Response()))


def discard_dunning(svc: Services, actor: Actor, run_id: UUID, reason: str, key: str) -> dict[str, Any]:
    body = ReasonIn(reason=_reason(reason))
    return _decided(lambda: dunning.discard_run(run_id, body, key, svc, actor, Response()))


def _decided(command: Any) -> dict[str, Any]:
    """Run an execution or discard; a run already decided is a message on the page, not an error page."""
    try:
        result: dict[str, Any] = command()
    except NotFound:
        raise
    except DomainError as error:
        field = "run_id" if error.field in (None, "run_id") else str(error.field)
        raise FormError(field, str(error)) from None
    return result
