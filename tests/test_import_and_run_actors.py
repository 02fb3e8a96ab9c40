"""Imports and runs record who started them (issue 10 §3): each command of a bank import, a readings
import, a returns file, a collection run, a settlement, a billing run and a dunning run is recorded as
the person who asked, through the ``import`` or ``run`` channel and tied to the file or the run."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.dunning_run import run_dunning
from importers.bank import service as bank
from importers.bank.synth import SynthEntry, write_camt053
from importers.readings import import_readings
from importers.sepa import service as dd
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy, StandingCharge
from ledger.billing.run import run_billing
from ledger.core.actor import SYSTEM, Actor, Channel, Role
from ledger.core.idempotency import IdempotencyRecord
from tests.billing.helpers import BillingClerk, D, pod
from tests.clerk import Clerk
from tests.dd_scenario import dd_customer

CARLA = Actor("carla@example.com", Role.FINANCE, Channel.HTTP, request_id="req-42")
OUR_IBAN = "IT60X0542811101000000123456"


def _recorded_since(app: Any, position: int) -> list[tuple[str, dict[str, Any]]]:
    """(command, actor) of every command recorded after ``position``."""
    return [(e.command_name, e.actor) for n in app.recorder.select_notifications(position + 1, 100_000)
            if isinstance(e := app.mapper.to_domain_event(n), IdempotencyRecord.Recorded)]


@pytest.fixture
def biller(clerk: Clerk) -> BillingClerk:
    return BillingClerk(clerk)


def _position(clerk: Clerk) -> int:
    return int(clerk.services.app.recorder.max_notification_id() or 0)


def _as(actor: Actor, channel: Channel, request_id: str | None) -> dict[str, Any]:
    return {**actor.as_dict(), "channel": channel.value, "request_id": request_id}


def test_a_bank_import_records_the_uploader_through_the_import_channel(clerk: Clerk, tmp_path: Path) -> None:
    account = clerk.customer("Anna")
    invoice = clerk.bill(account, "100.00", vat="0")
    path = tmp_path / "camt.xml"
    paid = SynthEntry(Decimal("100.00"), reference=invoice["payment_reference"])
    write_camt053(path, [paid], account_iban=OUR_IBAN, booking_date=date(2026, 3, 20))
    data = path.read_bytes()
    before = _position(clerk)
    report = bank.import_statement(clerk.services, data, "camt.xml", actor=CARLA)
    assert report.booked == 1
    recorded = _recorded_since(clerk.services.app, before)
    assert [c for c, _ in recorded] == ["ImportReceipt", "RecordStatementFile"]
    assert all(actor == _as(CARLA, Channel.IMPORT, "req-42") for _, actor in recorded)


def test_an_import_without_a_request_id_is_tied_to_its_file(biller: BillingClerk) -> None:
    csv = f"supply_point;read_on;index;source\n{pod()};2026-02-28;1590;actual\n".encode()
    clerk = biller.clerk
    before = _position(clerk)
    anna = Actor("anna", Role.FINANCE, Channel.CLI, host="desk-7")
    import_readings(biller.app, io.BytesIO(csv), "letture.csv", actor=anna)
    ((command, actor),) = _recorded_since(biller.app, before)
    assert command == "RecordReading"
    assert actor == _as(anna, Channel.IMPORT, f"sha256:{hashlib.sha256(csv).hexdigest()}")


def test_collection_runs_and_settlement_record_who_ran_them(clerk: Clerk) -> None:
    account = dd_customer(clerk, "dd-actor", "Mario Rossi", "UMR-ACTOR-1", "IT60X0542811101000000123456")
    clerk.bill(account, "80.00", vat="0", due=clerk.clock.today)
    before = _position(clerk)
    today = clerk.clock.today
    run_id = UUID(dd.propose_run(clerk.services, today, today, "run-1", actor=CARLA)["run_id"])
    dd.execute_run(clerk.services, run_id, actor=CARLA)
    assert dd.settle_due(clerk.services, today, actor=CARLA) == 1
    recorded = _recorded_since(clerk.services.app, before)
    assert [c for c, _ in recorded] == ["ProposeCollectionRun", "ExecuteCollectionRun", "SettleCollection"]
    assert {a["channel"] for _, a in recorded} == {"run"}
    assert {(a["subject"], a["role"], a["request_id"]) for _, a in recorded} == {
        ("carla@example.com", "finance", "req-42")}


def test_a_run_started_by_saldo_itself_is_tied_to_the_run(clerk: Clerk) -> None:
    account = clerk.customer("Bruno")
    clerk.bill(account, "100.00", vat="0")
    clerk.clock.advance(60)
    before = _position(clerk)
    results = run_dunning(clerk.services, clerk.clock.today, True)
    assert sum(r["steps"] for r in results) == 1
    recorded = _recorded_since(clerk.services.app, before)
    assert [c for c, _ in recorded] == ["ProposeDunningRun", "ExecuteDunningRun"]
    assert {a["request_id"] for _, a in recorded} == {f"dunning-run:{clerk.clock.today}:{before}"}
    assert all(a == _as(SYSTEM, Channel.RUN, a["request_id"]) for _, a in recorded)


def test_a_billing_run_records_who_started_it(biller: BillingClerk) -> None:
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    biller.contract(biller.customer(), sp, "FLAT")
    biller.read(sp, date(2025, 12, 31), "100")
    biller.read(sp, date(2026, 2, 28), "300")
    run_id = UUID(biller.run(b.StartBillingRun(date(2026, 1, 1), date(2026, 2, 28), None), "run")["run_id"])
    before = _position(biller.clerk)
    report = run_billing(biller.app, date(2026, 1, 1), date(2026, 2, 28), run_id=run_id, actor=CARLA)
    assert report.invoices == 1
    recorded = _recorded_since(biller.app, before)
    assert "IssueInvoice" in {c for c, _ in recorded} and recorded[-1][0] == "FinishBillingRun"
    assert all(a == _as(CARLA, Channel.RUN, "req-42") for _, a in recorded)
