"""The rating step of a billing run: consumption and tariff versions per contract, priced in batches.

Contracts whose periods share the same local days, interval grid, time zone and tariff versions form
one group, and the group is priced with one :func:`ledger.billing.rating.rate_batch` call: an (M, N) array of
interval consumption (load curves as they are, register totals spread by the tariff's profile), the
group's spot series, and the versions in force. A problem with one contract (no tariff, readings that
go backwards, a missing spot price) marks that contract's job; the others are rated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ledger.accounts.commands import LineInput
from ledger.accounts.contract import Contract
from ledger.billing.decisions import (
    DAY,
    BillingSettings,
    Usage,
    curve_usage,
    line_inputs,
    register_usage,
)
from ledger.billing.load_curves import LoadCurveMonth, month_key
from ledger.billing.rating import (
    DEFAULT_CALENDARS,
    BandProfile,
    CalendarError,
    FlatProfile,
    IntervalGrid,
    Profile,
    SpotIndexed,
    TariffError,
    TariffVersion,
    TimeOfUse,
    build_grid,
    profile_weights,
    rate_batch,
    split_by_versions,
)
from ledger.billing.rating.calendar import WeeklyBandCalendar
from ledger.billing.readings import MeterReadings, supply_point_key
from ledger.billing.records import BilledPeriod, ContractBilling, RunIssue
from ledger.billing.tariffs import SpotPriceMonth, Tariff
from ledger.core.errors import DomainError, NotFound
from ledger.core.money import ZERO

if TYPE_CHECKING:
    from ledger.billing.ports import Lookup

#: Problems rating may meet in one contract's data: reported for that contract, never raised.
RATING_PROBLEMS = (DomainError, TariffError, CalendarError, ValueError, ArithmeticError)


def problem_code(error: Exception) -> str:
    """A stable code for a rating problem: the domain's (``not-found``, ``invalid-input``), else its kind."""
    if isinstance(error, DomainError):
        return error.code
    if isinstance(error, TariffError):
        return "tariff"
    if isinstance(error, CalendarError):
        return "calendar"
    return "invalid-data"


@dataclass(eq=False)
class Job:
    """One contract and one period to rate: a new bill, or (with ``previous``) a true-up check."""

    contract: Contract
    start: date
    end: date  # last day included
    history: ContractBilling | None
    previous: BilledPeriod | None = None
    sequence: int = 0
    usage: Usage | None = None
    versions: tuple[TariffVersion, ...] = ()
    resolution_min: int = 60
    lines: tuple[LineInput, ...] = ()
    issue: RunIssue | None = None
    readings: MeterReadings | None = None

    @property
    def site(self) -> str:
        return self.contract.supply_point.id

    def fail(self, code: str, reason: str) -> None:
        if self.issue is None:
            self.issue = RunIssue(str(self.contract.id), self.site, f"{self.start}..{self.end}", code, reason)

    def entry(self) -> BilledPeriod:
        """The history entry this job's lines make (the invoice number is filled in when issued)."""
        if self.usage is None:
            raise ValueError("job was not rated")
        tariffs = tuple(sorted({s[7:] for li in self.lines for s in li.sources if s.startswith("tariff:")}))
        net = sum((li.amount for li in self.lines if li.amount is not None), ZERO)
        return BilledPeriod(self.start, self.end, "", self.usage.estimated, self.usage.basis, tariffs, net)


@dataclass(eq=False)
class RatingContext:
    """What a run has loaded, shared by its chunks: tariffs and spot prices are read once per run.

    ``source`` is where tariffs and spot prices are found: the application in the run's own process, or
    what was sent with a partition to a worker (:mod:`ledger.billing.partitions`)."""

    source: Lookup
    settings: BillingSettings
    readings: dict[str, MeterReadings] = field(default_factory=dict)
    curves: dict[str, dict[str, LoadCurveMonth]] = field(default_factory=dict)
    tariffs: dict[str, Tariff | None] = field(default_factory=dict)
    spot_months: dict[tuple[str, str], SpotPriceMonth | None] = field(default_factory=dict)
    spot_values: dict[tuple[str, str], NDArray[np.float64]] = field(default_factory=dict)
    grids: dict[tuple[date, date, int, str], IntervalGrid] = field(default_factory=dict)

    def tariff(self, code: str) -> Tariff | None:
        if code not in self.tariffs:
            self.tariffs[code] = self.source.find(Tariff, Tariff.id_for(code))
        return self.tariffs[code]

    def spot_index(self, version: TariffVersion) -> str | None:
        tariff = self.tariff(version.code)
        return None if tariff is None else tariff.spot_indexes.get(version.version_id)

    def spot_month(self, index: str, month: str) -> SpotPriceMonth | None:
        if (index, month) not in self.spot_months:
            self.spot_months[(index, month)] = self.source.find(
                SpotPriceMonth, SpotPriceMonth.id_for(index, month)
            )
        return self.spot_months[(index, month)]

    def grid(self, start: date, end: date, resolution_min: int, zone: str) -> IntervalGrid:
        key = (start, end, resolution_min, zone)
        if key not in self.grids:
            self.grids[key] = build_grid(start, end, resolution_min, zone)
        return self.grids[key]


def _versions(ctx: RatingContext, contract: Contract, start: date, stop: date) -> tuple[TariffVersion, ...]:
    """The tariff versions of the days [start, stop): by the contract's assignments, then by version."""
    assignments = sorted(contract.tariffs, key=lambda a: a.effective_from)
    versions: list[TariffVersion] = []
    for i, assignment in enumerate(assignments):
        lo = max(assignment.effective_from, start)
        hi = min(assignments[i + 1].effective_from, stop) if i + 1 < len(assignments) else stop
        if lo >= hi:
            continue
        tariff = ctx.tariff(assignment.tariff_code)
        if tariff is None:
            raise NotFound(f"tariff {assignment.tariff_code} has no versions defined", "tariff_code")
        versions += tariff.versions_for(lo, hi)
    split_by_versions(start, stop, versions)  # every day exactly one version, else TariffError
    return tuple(versions)


def _spot_resolution(ctx: RatingContext, versions: tuple[TariffVersion, ...]) -> int | None:
    found = None
    for v in versions:
        index = ctx.spot_index(v)
        month = ctx.spot_month(index, month_key(v.valid_from)) if index else None
        if month is not None:
            found = month.resolution_min if found is None else min(found, month.resolution_min)
    return found


def _prepare(ctx: RatingContext, job: Job) -> None:
    stop = job.end + DAY
    job.versions = _versions(ctx, job.contract, job.start, stop)
    spot_res = _spot_resolution(ctx, job.versions)
    key = supply_point_key(job.site)
    job.readings = ctx.readings.get(key)
    zone = job.contract.supply_point.time_zone
    months = [
        m for m in ctx.curves.get(key, {}).values() if month_key(job.start) <= m.month <= month_key(job.end)
    ]
    suffix = ""
    if months:
        resolutions = {m.resolution_min for m in months}
        if len(resolutions) > 1:
            raise ValueError(f"the load curve changes resolution within the period: {sorted(resolutions)}")
        res = resolutions.pop()
        if spot_res is not None and spot_res < res:
            raise ValueError(
                f"spot prices every {spot_res} minutes are finer than the {res}-minute load curve"
            )
        usage, missing = curve_usage(months, ctx.grid(job.start, stop, res, zone).utc_start_s, res)
        if usage is not None:
            job.usage, job.resolution_min = usage, res
            return
        suffix = f"; load curve incomplete ({missing} intervals missing)"
    unit = job.versions[0].unit
    usage = register_usage(job.readings, job.start, job.end, job.contract.commodity, unit, ctx.settings)
    job.usage = Usage(usage.total, None, usage.estimated, usage.basis, usage.note + suffix)
    job.resolution_min = min(ctx.settings.register_resolution_min, spot_res or 60)


def _profile(ctx: RatingContext, versions: tuple[TariffVersion, ...]) -> Profile:
    for v in versions:
        for comp in v.components:
            if isinstance(comp, TimeOfUse) and comp.calendar in ctx.settings.band_profiles:
                return BandProfile(comp.calendar, ctx.settings.band_profiles[comp.calendar])
    return FlatProfile()


def _calendar_sources(versions: tuple[TariffVersion, ...]) -> tuple[str, ...]:
    names = sorted({c.calendar for v in versions for c in v.components if isinstance(c, TimeOfUse)})
    out = []
    for name in names:
        cal = DEFAULT_CALENDARS.get(name)
        version = cal.version if isinstance(cal, WeeklyBandCalendar) else "unknown"
        out.append(f"calendar:{name}@{version}")
    return tuple(out)


def _spot_series(
    ctx: RatingContext, grid: IntervalGrid, versions: tuple[TariffVersion, ...]
) -> NDArray[np.float64] | None:
    """Price per interval of the grid, from the spot index each version follows (NaN where unpublished)."""
    if not any(isinstance(c, SpotIndexed) for v in versions for c in v.components):
        return None
    series = np.full(grid.n_intervals, np.nan)
    for v in versions:
        index = ctx.spot_index(v)
        if index is None or v.valid_to is None:
            continue
        sl = grid.day_slice(v.valid_from, v.valid_to)
        t = grid.utc_start_s[sl]
        out = series[sl]
        month = month_key(datetime.fromtimestamp(int(t[0]), UTC).date())
        last = month_key(datetime.fromtimestamp(int(t[-1]), UTC).date())
        while month <= last:
            spot = ctx.spot_month(index, month)
            if spot is not None:
                step = spot.resolution_min * 60
                inside = (t >= spot.first_utc_s) & (t < spot.first_utc_s + spot.n_intervals * step)
                if (index, month) not in ctx.spot_values:
                    ctx.spot_values[(index, month)] = spot.per_unit(v.currency)
                out[inside] = ctx.spot_values[(index, month)][(t[inside] - spot.first_utc_s) // step]
            year, mon = int(month[:4]), int(month[5:])
            month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
    return series


def prepare_and_rate(ctx: RatingContext, jobs: list[Job]) -> None:
    """Fill every job's usage and lines, or its issue; contracts sharing a tariff are priced together."""
    groups: dict[tuple[date, date, int, str, tuple[object, ...]], list[Job]] = defaultdict(list)
    for job in jobs:
        try:
            _prepare(ctx, job)
        except RATING_PROBLEMS as e:
            job.fail(problem_code(e), str(e))
            continue
        vkey = tuple((v.code, v.version_id, v.valid_from, v.valid_to) for v in job.versions)
        groups[(job.start, job.end, job.resolution_min, job.contract.supply_point.time_zone, vkey)].append(
            job
        )
    for (start, end, res, zone, _), members in groups.items():
        try:
            _rate_group(ctx, members, ctx.grid(start, end + DAY, res, zone))
        except RATING_PROBLEMS as e:
            for job in members:
                job.fail(problem_code(e), str(e))


def _rate_group(ctx: RatingContext, jobs: list[Job], grid: IntervalGrid) -> None:
    versions = jobs[0].versions
    weights = profile_weights(grid, _profile(ctx, versions))
    matrix = np.empty((len(jobs), grid.n_intervals))
    for row, job in enumerate(jobs):
        usage = job.usage
        if usage is not None and usage.curve is not None:
            matrix[row] = usage.curve
        elif usage is not None and usage.total is not None:
            np.multiply(float(usage.total), weights, out=matrix[row])
    result = rate_batch(
        [str(i) for i in range(len(jobs))], matrix, grid, versions, _spot_series(ctx, grid, versions)
    )
    for error in result.errors:
        jobs[error.meter_index].fail(error.code, error.reason)
    calendars = _calendar_sources(versions)
    for row, meter in zip(result.meter_index.tolist(), result.meter_ids, strict=True):
        job = jobs[row]
        usage = job.usage
        if usage is None:  # pragma: no cover - every grouped job has a usage
            continue
        # The rate in force on the period's last day: a continuous supply is completed when each period it
        # is billed for expires (EU VAT directive 2006/112/EC art. 64(1),
        # https://eur-lex.europa.eu/eli/dir/2006/112/oj), so that day's rate applies to the whole period.
        vat = job.history.vat_rate_on(job.end) if job.history is not None else None
        job.lines = line_inputs(result.lines(meter), job.site, (*usage.basis, *calendars), usage.note, vat)
