"""The billing cycle: readings, self-readings, tariffs, spot prices, runs, documents.

Writes take an ``Idempotency-Key`` like every other ``POST`` (a file upload is keyed by its content);
a simulation writes nothing and needs none. A real billing run is started in the background and
answers ``202`` with the run's id: ``GET /billing/runs/{id}`` reports its status and totals as they are
recorded, batch by batch, from any process.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Query, Response, UploadFile

from api.body_limits import MAX_READINGS_UPLOAD_BYTES, upload_limit
from api.bootstrap import Services
from api.deps import ActorDep, IdempotencyKey, ServicesDep, parse_decimal, run_command
from api.distributed import partition_mapper
from api.operations import counted_readings, followed_run
from api.replay import answered, file_digest
from api.schemas.billing import (
    LoadCurveIn,
    ReadingsIn,
    RunIn,
    SelfReadingIn,
    SimulationIn,
    SpotPricesIn,
    TariffIn,
)
from api.schemas.limits import MAX_TIME_ZONE_LENGTH
from importers.readings import import_readings, load_curve_commands
from ledger.accounts.contract import Contract
from ledger.accounts.invoice import Invoice, document_id
from ledger.billing import commands as b
from ledger.billing.drafts import line_dict
from ledger.billing.rating import TariffError, TariffVersion
from ledger.billing.records import BillingRun, ContractBilling
from ledger.billing.run import issue_dict, run_billing
from ledger.billing.tariffs import Tariff
from ledger.core.actor import Actor
from ledger.core.errors import InvalidInput

#: The zone of the file's local dates and times, an IANA name.
TimeZoneQuery = Annotated[str, Query(max_length=MAX_TIME_ZONE_LENGTH)]

router = APIRouter()


def _batch(svc: Services, commands: list[object], key: str, response: Response,
           actor: Actor) -> dict[str, Any]:
    """Run a request's commands as one batch, each under ``<key>:<i>``; refusals are reported per item."""
    items = svc.app.execute_many([(cmd, f"{key}:{i}") for i, cmd in enumerate(commands)], actor=actor)
    svc.projections.catch_up()
    response.headers["Idempotent-Replayed"] = (
        "true" if items and all(i.result and i.result.get("replayed") for i in items) else "false"
    )
    return {
        "results": [
            {"index": i, **(item.result or {})}
            if item.error is None
            else {"index": i, "error": str(item.error), "field": getattr(item.error, "field", None)}
            for i, item in enumerate(items)
        ]
    }


def _contract(svc: Services, contract_id: UUID) -> Contract:
    return svc.app.get(Contract, contract_id, "contract", "contract_id")


def _document(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "kind": invoice.kind.value,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "period": None if invoice.period is None else [d.isoformat() for d in invoice.period],
        "contract_id": None if invoice.contract_id is None else str(invoice.contract_id),
        "corrects": invoice.corrects,
        "payment_reference": invoice.payment_reference,
        "net": str(invoice.totals.net),
        "vat": str(invoice.totals.vat),
        "gross": str(invoice.totals.gross),
        "credited": str(invoice.credited),
        "lines": [line_dict(li) for li in invoice.lines],
    }


def _run_in_background(svc: Services, run_id: UUID, actor: Actor) -> None:
    run = svc.app.get(BillingRun, run_id, "billing run", "run_id")
    # The run's batches are recorded with who started it; it is rated on SALDO_DASK_SCHEDULER's cluster
    # if that is set (api/distributed.py), else in this process.
    with (svc.app.acting_as(actor), partition_mapper() as mapper,
          followed_run(svc.app, "billing", str(run_id), len(run.contracts)) as done):
        run_billing(
            svc.app,
            run.period_start,
            run.period_end,
            issue_date=run.issue_date,
            run_id=run_id,
            contracts=run.contracts,
            company=run.company,
            mapper=mapper,
            progress=lambda count, of, _report: done(count, of),
        )
    svc.projections.catch_up()


@router.post("/readings", status_code=201, tags=["readings"])
def post_readings(
    body: ReadingsIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, response: Response
) -> dict[str, Any]:
    """Register readings as JSON; each is recorded or refused on its own (see ``results``)."""
    commands: list[object] = [
        b.RecordReading(
            r.supply_point,
            r.read_on,
            Decimal(r.index),
            r.source,
            Decimal(r.multiplier),
            r.digits,
            r.supersedes,
            r.note,
        )
        for r in body.readings
    ]
    return _batch(svc, commands, key, response, actor)


@router.post("/readings/files", status_code=201, tags=["readings"],
             openapi_extra=upload_limit("MAX_READINGS_UPLOAD_BYTES", MAX_READINGS_UPLOAD_BYTES))
def upload_readings(
    file: UploadFile, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, response: Response,
    time_zone: TimeZoneQuery = "Europe/Rome"
) -> dict[str, Any]:
    """A readings or load-curve CSV (see ``importers.readings``); a bad row rejects the file whole."""
    name = file.filename or "readings.csv"

    def work() -> tuple[int, dict[str, Any]]:
        with svc.app.acting_as(actor):
            report = import_readings(svc.app, file.file, name, time_zone=time_zone)
        counted_readings(svc.app, report.as_dict())
        return 201, report.as_dict()

    digest = file_digest(file.file, name, time_zone)
    return answered(svc, "POST /readings/files", key, digest, actor, response, work)


@router.post("/load-curves", status_code=201, tags=["readings"])
def post_load_curve(
    body: LoadCurveIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, response: Response
) -> dict[str, Any]:
    commands = load_curve_commands(
        body.supply_point,
        [(p.start, Decimal(p.value)) for p in body.points],
        time_zone=body.time_zone,
        unit=body.unit,
        resolution_min=body.resolution_min,
    )
    return _batch(svc, list(commands), key, response, actor)


@router.post("/contracts/{contract_id}/self-readings", status_code=201, tags=["portal"])
def self_reading(
    contract_id: UUID, body: SelfReadingIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
    response: Response
) -> dict[str, Any]:
    """The customer's own reading (autolettura). One that contradicts an actual read is refused with the
    reason (422); one that is not plausible is recorded but held for a clerk's review (``held_for_review``,
    ``problem``) and does not count until accepted."""
    cmd = b.SubmitSelfReading(contract_id, body.read_on, parse_decimal(body.index, "index"), body.note)
    return run_command(svc, cmd, key, response, actor)


@router.post("/tariffs", status_code=201, tags=["tariffs"])
def define_tariff(
    body: TariffIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, response: Response
) -> dict[str, Any]:
    try:
        version = TariffVersion.from_dict(body.version)
    except TariffError as e:
        raise InvalidInput(str(e), "version") from None
    return run_command(svc, b.DefineTariffVersion(version, body.spot_index), key, response, actor)


@router.get("/tariffs/{code}", tags=["tariffs"])
def get_tariff(code: str, svc: ServicesDep) -> dict[str, Any]:
    tariff = svc.app.get(Tariff, Tariff.id_for(code), "tariff", "code")
    return {
        "code": code,
        "versions": [
            {**v.to_dict(), "spot_index": tariff.spot_indexes[v.version_id]}
            for v in sorted(tariff.versions.values(), key=lambda v: v.valid_from)
        ],
    }


@router.post("/spot-prices", status_code=201, tags=["tariffs"])
def spot_prices(
    body: SpotPricesIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, response: Response
) -> dict[str, Any]:
    prices = tuple(None if p is None else Decimal(p) for p in body.prices)
    return run_command(
        svc,
        b.RecordSpotPrices(body.index, body.start, body.resolution_min, prices, body.unit),
        key,
        response,
        actor,
    )


@router.post("/billing/runs", status_code=202, tags=["billing"])
def start_run(
    body: RunIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, response: Response,
    background: BackgroundTasks
) -> dict[str, Any]:
    """Start (or, with the same key, resume) a billing run; it goes on after the answer."""
    result = run_command(
        svc, b.StartBillingRun(body.period_start, body.period_end, body.issue_date, company=body.company),
        key, response, actor
    )
    run_id = UUID(result["run_id"])
    run = svc.app.get(BillingRun, run_id, "billing run", "run_id")
    if run.status != "finished":
        background.add_task(_run_in_background, svc, run_id, actor)
    return {"run_id": str(run_id), "status": run.status, "status_url": f"/billing/runs/{run_id}"}


@router.get("/billing/runs/{run_id}", tags=["billing"])
def run_status(run_id: UUID, svc: ServicesDep) -> dict[str, Any]:
    run = svc.app.get(BillingRun, run_id, "billing run", "run_id")
    return {
        "run_id": str(run_id),
        "status": run.status,
        "company": run.company,
        "period_start": run.period_start.isoformat(),
        "period_end": run.period_end.isoformat(),
        "started_on": run.started_on.isoformat(),
        "finished_on": None if run.finished_on is None else run.finished_on.isoformat(),
        "contracts_due": run.contracts_due,
        **run.totals(),
        "issues": [issue_dict(i) for i in run.issues()],
    }


@router.post("/billing/simulations", tags=["billing"])
def simulate(body: SimulationIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
             response: Response) -> dict[str, Any]:
    """Pre-invoicing: the same run without writing anything; the drafts and the totals it would book. The
    same key gives the first answer again, even after readings changed (a new simulation: a new key)."""
    if body.period_end < body.period_start:
        raise InvalidInput("the billing period ends before it starts", "period_end")

    def work() -> tuple[int, dict[str, Any]]:
        report = run_billing(
            svc.app, body.period_start, body.period_end, simulate=True, issue_date=body.issue_date,
            company=body.company
        )
        return 200, report.as_dict(drafts=body.drafts)

    # Without a company the request fingerprints as before issue 11 (a key retried after the upgrade replays).
    request = body.model_dump_json(exclude={"company"} if body.company is None else None)
    return answered(svc, "POST /billing/simulations", key, request, actor, response, work)


@router.get("/contracts/{contract_id}/invoices", tags=["portal"])
def contract_invoices(
    contract_id: UUID, svc: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    """The contract's invoices and credit notes from billing runs, newest first, with their lines."""
    history = svc.app.find(ContractBilling, ContractBilling.id_for(contract_id))
    contract = _contract(svc, contract_id)
    history = svc.app.find(ContractBilling, ContractBilling.id_for(contract_id))
    numbers = list(reversed(history.documents()))[:limit] if history is not None else []
    out = []
    for number in numbers:
        document = _document(svc.app.get(Invoice, document_id(number), "invoice", "number"))
        if document["contract_id"] is None:  # a collective invoice: this contract's section
            document["collective"] = True
            document["lines"] = [li for li in document["lines"] if li["site"] == contract.supply_point.id]
        out.append(document)
    return out
