"""Command handlers of readings, tariffs and billing runs (the billing capability's registry).

Each ``@handles(Command)`` method takes the command and its request id and returns the aggregates to save
and the result (:mod:`ledger.core.handling`).

Billing histories are touched by every invoice of a run; :meth:`BillingHandlers.prefetching` tells the
batch which ones it will need, so they are read in one query per batch (and again if the batch is
re-run after losing a race), not one query per contract.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from eventsourcing.domain import Aggregate

from ledger.accounts.contract import Contract
from ledger.billing import commands as b
from ledger.billing import reading_handlers as reads
from ledger.billing.load_curves import (
    RESOLUTIONS,
    LoadCurveMonth,
    local_month_of,
    month_start_utc,
    utc_seconds,
)
from ledger.billing.reading_reviews import MAX_REVIEWS_LISTED, ReviewEntry
from ledger.billing.readings import supply_point_key
from ledger.billing.records import BilledPeriod, BillingRun, ContractBilling
from ledger.billing.tariffs import SpotPriceMonth, Tariff, parse_price_unit
from ledger.core.errors import InvalidInput, NotFound
from ledger.core.handling import Capability, Handled, handles
from ledger.core.idempotency import IdempotencyRecord, record_id
from ledger.core.ids import child_id
from ledger.parties.company import CompanyConfig, company_named

A = TypeVar("A", bound=Aggregate)

#: A self-reading implying more than this many times (or less than 1/this of) the expected daily
#: consumption is held for review (ledger.billing.reading_reviews). ``SALDO_SELF_READING_FACTOR``
#: overrides it.
DEFAULT_SELF_READING_FACTOR = Decimal("3")
#: Most intervals one load-curve or spot-price command may carry (a month of 15-minute values is 2,976).
MAX_INTERVALS = 3000


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}", "time_zone") from None
    return name


class BillingHandlers(Capability[CompanyConfig]):
    @property
    def self_reading_factor(self) -> Decimal:
        text = os.environ.get("SALDO_SELF_READING_FACTOR", "")
        try:
            factor = Decimal(text) if text else DEFAULT_SELF_READING_FACTOR
        except InvalidOperation:
            raise InvalidInput(f"SALDO_SELF_READING_FACTOR {text!r} is not a number") from None
        return factor if factor > 1 else DEFAULT_SELF_READING_FACTOR

    # -- prefetching for batches ---------------------------------------------------------------------

    @contextmanager
    def prefetching(self, ids: Iterable[UUID]) -> Iterator[None]:
        """Within the block, the first billing-history look-up of a batch loads all of ``ids`` at once."""
        self._local.prefetch = list(ids)
        try:
            yield
        finally:
            self._local.prefetch = None

    def _billing_of(self, contract_id: UUID) -> ContractBilling:
        history_id = ContractBilling.id_for(contract_id)
        hint: list[UUID] | None = getattr(self._local, "prefetch", None)
        if hint and not self.ws.is_loaded(history_id):
            self.prefetch(hint)
        return self.find(ContractBilling, history_id) or ContractBilling(history_id, contract_id)

    # -- readings (ledger.billing.reading_handlers) ---------------------------------------------------

    @handles(b.RecordReading)
    def record_reading(self, cmd: b.RecordReading, rid: UUID) -> Handled:
        return reads.record_reading(self.ws, cmd, self.self_reading_factor)

    @handles(b.SubmitSelfReading)
    def submit_self_reading(self, cmd: b.SubmitSelfReading, rid: UUID) -> Handled:
        return reads.submit_self_reading(self.ws, cmd, self.self_reading_factor)

    @handles(b.AcceptHeldReading)
    def accept_held_reading(self, cmd: b.AcceptHeldReading, rid: UUID) -> Handled:
        return reads.accept_held_reading(self.ws, cmd)

    @handles(b.RejectHeldReading)
    def reject_held_reading(self, cmd: b.RejectHeldReading, rid: UUID) -> Handled:
        return reads.reject_held_reading(self.ws, cmd)

    def reading_reviews(self, limit: int = MAX_REVIEWS_LISTED, after: tuple[date, str] | None = None,
                        supply_point: str | None = None) -> list[ReviewEntry]:
        """The readings held for review (not plausible), oldest first: the clerk's list; from the one
        after ``after`` (day held, reading id), of one ``supply_point`` if named."""
        return reads.reading_reviews(self.ws, limit, after, supply_point)

    @handles(b.RecordLoadCurve)
    def record_load_curve(self, cmd: b.RecordLoadCurve, rid: UUID) -> Handled:
        if cmd.resolution_min not in RESOLUTIONS:
            raise InvalidInput(f"resolution must be one of {RESOLUTIONS} minutes", "resolution_min")
        if not cmd.values or len(cmd.values) > MAX_INTERVALS:
            raise InvalidInput(f"send 1..{MAX_INTERVALS} interval values", "values")
        zone = _zone(cmd.time_zone)
        start_s = utc_seconds(cmd.start)
        month = local_month_of(cmd.start, zone)
        first_s, next_s = month_start_utc(month, zone)
        step = cmd.resolution_min * 60
        if (start_s - first_s) % step:
            raise InvalidInput(
                f"{cmd.start.isoformat()} is not on the {cmd.resolution_min}-minute grid", "start"
            )
        key = supply_point_key(cmd.supply_point)
        curve = self.find(LoadCurveMonth, LoadCurveMonth.id_for(key, month))
        if curve is None:
            curve = LoadCurveMonth(
                LoadCurveMonth.id_for(key, month),
                key,
                month,
                zone,
                cmd.resolution_min,
                cmd.unit,
                first_s,
                (next_s - first_s) // step,
            )
        elif (curve.resolution_min, curve.unit) != (cmd.resolution_min, cmd.unit):
            raise InvalidInput(
                f"{key} {month} is recorded at {curve.resolution_min} minutes in {curve.unit}",
                "resolution_min",
            )
        values = np.array([np.nan if v is None else float(v) for v in cmd.values], dtype=np.float64)
        changed = curve.record(
            (start_s - curve.first_utc_s) // step, values, cmd.source, self.today(), cmd.note.strip()
        )
        return [curve], {
            "supply_point": key,
            "month": month,
            "block": curve.blocks,
            "changed": changed,
            "missing": curve.missing,
        }

    # -- tariffs and prices --------------------------------------------------------------------------

    @handles(b.DefineTariffVersion)
    def define_tariff_version(self, cmd: b.DefineTariffVersion, rid: UUID) -> Handled:
        code = cmd.version.code
        # Each names the revenue it books to. A tariff is the installation's, no account's: its components
        # are checked against the default company's (an invoice checks them again against its account's).
        for i, component in enumerate(cmd.version.components):
            self.config.revenue_component(component.name, f"version.components[{i}].name")
        tariff = self.find(Tariff, Tariff.id_for(code)) or Tariff(Tariff.id_for(code), code)
        new = tariff.define(cmd.version, cmd.spot_index, self.today())
        return [tariff], {
            "code": code,
            "version_id": cmd.version.version_id,
            "new": new,
            "versions": len(tariff.versions),
        }

    @handles(b.RecordSpotPrices)
    def record_spot_prices(self, cmd: b.RecordSpotPrices, rid: UUID) -> Handled:
        if cmd.resolution_min not in RESOLUTIONS:
            raise InvalidInput(f"resolution must be one of {RESOLUTIONS} minutes", "resolution_min")
        if not cmd.index.strip() or not cmd.prices or len(cmd.prices) > MAX_INTERVALS:
            raise InvalidInput(f"name the index and send 1..{MAX_INTERVALS} prices", "prices")
        parse_price_unit(cmd.unit)
        step = cmd.resolution_min * 60
        start_s = utc_seconds(cmd.start)
        if start_s % step:
            raise InvalidInput(
                f"{cmd.start.isoformat()} is not on the {cmd.resolution_min}-minute grid", "start"
            )
        changed: list[Aggregate] = []
        count = 0
        position = 0
        while position < len(cmd.prices):
            at = start_s + position * step
            month = local_month_of(datetime.fromtimestamp(at, UTC), "UTC")
            first_s, next_s = month_start_utc(month, "UTC")
            spot = self.find(SpotPriceMonth, SpotPriceMonth.id_for(cmd.index, month))
            if spot is None:
                spot = SpotPriceMonth(
                    SpotPriceMonth.id_for(cmd.index, month),
                    cmd.index,
                    month,
                    cmd.resolution_min,
                    cmd.unit,
                    first_s,
                    (next_s - first_s) // step,
                )
            elif (spot.resolution_min, spot.unit) != (cmd.resolution_min, cmd.unit):
                raise InvalidInput(
                    f"{cmd.index} {month} is recorded at {spot.resolution_min} minutes in {spot.unit}",
                    "resolution_min",
                )
            take = min(len(cmd.prices) - position, (next_s - at) // step)
            count += spot.record((at - first_s) // step, cmd.prices[position : position + take], self.today())
            changed.append(spot)
            position += take
        return changed, {"index": cmd.index, "changed": count}

    # -- billing records -----------------------------------------------------------------------------

    @handles(b.SetBillingVatRate)
    def set_billing_vat_rate(self, cmd: b.SetBillingVatRate, rid: UUID) -> Handled:
        self.get(Contract, cmd.contract_id, "contract", "contract_id")
        if not cmd.reason.strip():
            raise InvalidInput("say why the contract has its own VAT rate", "reason")
        history = self._billing_of(cmd.contract_id)
        history.set_vat_rate(cmd.vat_rate, cmd.reason.strip())
        return [history], {
            "contract_id": str(cmd.contract_id),
            "vat_rate": None if cmd.vat_rate is None else str(cmd.vat_rate),
        }

    def _issued(self, command: str, key: str, what: str) -> dict[str, Any]:
        record = self.find(IdempotencyRecord, record_id(command, key))
        if record is None:
            raise InvalidInput(f"no {what} was issued under {key!r} in this batch", "key")
        return record.result

    @handles(b.RecordBilledPeriods)
    def record_billed_periods(self, cmd: b.RecordBilledPeriods, rid: UUID) -> Handled:
        number = str(self._issued("IssueInvoice", cmd.invoice_key, "invoice")["number"])
        histories: list[Aggregate] = []
        for contract_id, entry in cmd.entries:
            history = self._billing_of(contract_id)
            history.bill(_numbered(entry, number))
            histories.append(history)
        return histories, {"invoice": number, "contracts": len(histories)}

    @handles(b.RecordTrueUp)
    def record_true_up(self, cmd: b.RecordTrueUp, rid: UUID) -> Handled:
        history = self._billing_of(cmd.contract_id)
        before = history.periods.get(cmd.entry.period)
        if before is None:
            raise NotFound(f"{cmd.entry.period_start}..{cmd.entry.period_end} was never billed", "period")
        credit = (
            str(self._issued("IssueCreditNote", cmd.credit_note_key, "credit note")["number"])
            if cmd.credit_note_key
            else None
        )
        invoice = (
            str(self._issued("IssueInvoice", cmd.invoice_key, "invoice")["number"])
            if cmd.invoice_key
            else None
        )
        entry = BilledPeriod(
            cmd.entry.period_start,
            cmd.entry.period_end,
            invoice or (before.invoice_number if credit is None else ""),
            cmd.entry.estimated,
            cmd.entry.basis,
            cmd.entry.tariffs,
            cmd.entry.net,
            credit,
            cmd.entry.cause,
        )
        history.correct(cmd.sequence, entry)
        return [history], {"contract_id": str(cmd.contract_id), "credit_note": credit, "invoice": invoice}

    # -- runs ------------------------------------------------------------------------------------------

    @handles(b.StartBillingRun)
    def start_billing_run(self, cmd: b.StartBillingRun, rid: UUID) -> Handled:
        if cmd.period_end < cmd.period_start:
            raise InvalidInput("the billing period ends before it starts", "period_end")
        if (cmd.period_end - cmd.period_start).days > 366:
            raise InvalidInput("a billing run covers at most a year", "period_end")
        run = BillingRun(
            child_id(rid, "billing-run"),
            cmd.period_start,
            cmd.period_end,
            cmd.issue_date,
            self.today(),
            tuple(cmd.contracts),
            None if cmd.company is None else company_named(self.ws, cmd.company).code,
        )
        return [run], {"run_id": str(run.id)}

    @handles(b.RecordRunBatch)
    def record_run_batch(self, cmd: b.RecordRunBatch, rid: UUID) -> Handled:
        run = self.get(BillingRun, cmd.run_id, "billing run", "run_id")
        run.record_batch(cmd.batch)
        return [run], {"run_id": str(run.id), "batches": run.batch_count}

    @handles(b.FinishBillingRun)
    def finish_billing_run(self, cmd: b.FinishBillingRun, rid: UUID) -> Handled:
        run = self.get(BillingRun, cmd.run_id, "billing run", "run_id")
        if run.finished_on is None:
            run.finish(self.today(), cmd.contracts_due)
        return [run], {"run_id": str(run.id), "status": run.status}


def _numbered(entry: BilledPeriod, number: str) -> BilledPeriod:
    return BilledPeriod(
        entry.period_start,
        entry.period_end,
        number,
        entry.estimated,
        entry.basis,
        entry.tariffs,
        entry.net,
        entry.credit_note,
        entry.cause,
    )
