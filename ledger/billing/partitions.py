"""A chunk of a billing run rated and drafted in partitions, in this process or on a cluster.

Rating and drafting are pure: given a partition's jobs (contracts, their billing histories and periods)
and the data they read (readings, load curves, tariffs, spot prices, the invoices a true-up credits),
:func:`rate_and_draft` gives its drafts and problems, and touches no store. So a run can hand them to
any :class:`~ledger.billing.ports.PartitionMapper` — :class:`InProcess` here, a Dask cluster in
``api.distributed`` — while the run's own process keeps loading and issuing: the documents are still
numbered and written by it alone, chunk after chunk, in the order of a local run.

Partitions are cut deterministically: the chunk's contracts in their order (by account, then supply
point; see :func:`account_chunks`), at most ``size`` contracts each, never splitting an account (a
collective invoice needs all of its sites). The results do not depend on the cut: the kernel rates each
meter alike whatever else is in its batch (:mod:`ledger.billing.rating.kernel`), and the parts merge
back into the order of the whole chunk (:meth:`ledger.billing.drafts.Drafted.merged`).

Each partition carries everything it reads (:class:`Prefetched`); a look-up of anything not sent is a
bug and raises :class:`LookupError`, never a silent "not found" that would rate differently.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.accounts.contract import Contract
from ledger.accounts.invoice import Invoice, document_id
from ledger.billing.decisions import DAY, BillingSettings
from ledger.billing.drafts import Drafted, draft_jobs
from ledger.billing.load_curves import LoadCurveMonth, month_key
from ledger.billing.ports import BillingService, Pending
from ledger.billing.rating_step import Job, RatingContext, prepare_and_rate
from ledger.billing.readings import MeterReadings, supply_point_key
from ledger.billing.tariffs import SpotPriceMonth, Tariff

A = TypeVar("A", bound=Aggregate)
P = TypeVar("P")
R = TypeVar("R")

#: Contracts per partition: a quarter of a run's chunk, so that two workers have work while the run's
#: process issues the previous chunk.
PARTITION_CONTRACTS = 250


@dataclass(frozen=True)
class Done(Pending[R]):
    """Results computed already."""

    results: list[R]

    def result(self) -> list[R]:
        return self.results


class InProcess:
    """The local mapper: each partition in turn, in this process."""

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> Pending[R]:
        return Done([fn(p) for p in partitions])


@dataclass(frozen=True)
class Prefetched:
    """A :class:`~ledger.billing.ports.Lookup` of the aggregates sent with a partition (None: none stored)."""

    found: Mapping[UUID, Aggregate | None]

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        if aggregate_id not in self.found:
            raise LookupError(f"{cls.__name__} {aggregate_id} was not sent with the partition")
        aggregate = self.found[aggregate_id]
        return aggregate if isinstance(aggregate, cls) else None


@dataclass(frozen=True)
class Partition:
    """One partition's jobs (periods to bill first, then true-up checks) and all that rating them reads."""

    jobs: tuple[Job, ...]
    readings: dict[str, MeterReadings]
    curves: dict[str, dict[str, LoadCurveMonth]]
    found: dict[UUID, Aggregate | None]
    settings: BillingSettings
    issue_date: date


def rate_and_draft(partition: Partition) -> Drafted:
    """Rate and draft one partition: a pure function of it, run wherever the mapper runs it.

    Its jobs come back without what only rating and drafting read (the billing history, the readings,
    the load curve, the tariff versions): issuing reads the drafts' commands and of their jobs only the
    contract, the period, what the period was and the problem. Half the bytes to send back and unpickle
    in the run's process, which is the one that cannot be spread.
    """
    source = Prefetched(partition.found)
    ctx = RatingContext(source, partition.settings, dict(partition.readings), dict(partition.curves))
    jobs = list(partition.jobs)
    prepare_and_rate(ctx, jobs)
    drafted = draft_jobs(source, jobs, partition.issue_date)
    for job in jobs:
        job.history, job.readings, job.versions = None, None, ()
        if job.usage is not None and job.usage.curve is not None:
            job.usage = dataclasses.replace(job.usage, curve=None)
    return drafted


def account_chunks(contracts: Sequence[Contract], size: int) -> list[list[Contract]]:
    """Contracts grouped by account (a collective invoice needs all its sites together), in chunks of at
    most ``size`` contracts (more only for one account with more sites), accounts in id order."""
    by_account: dict[UUID, list[Contract]] = defaultdict(list)
    for contract in contracts:
        by_account[contract.account_id].append(contract)
    chunks: list[list[Contract]] = [[]]
    for account in sorted(by_account):
        group = sorted(by_account[account], key=lambda c: (c.supply_point.id, str(c.id)))
        if chunks[-1] and len(chunks[-1]) + len(group) > size:
            chunks.append([])
        chunks[-1].extend(group)
    return [c for c in chunks if c]


def partitions(
    app: BillingService, ctx: RatingContext, chunk: Sequence[Contract], jobs: Sequence[Job], issue_date: date,
    size: int = PARTITION_CONTRACTS,
) -> list[Partition]:
    """The chunk's jobs cut into partitions of whole accounts, each with what it reads (see the module
    docstring). ``ctx`` is the run's: it has the chunk's readings and curves, and its tariffs and spot
    prices are loaded once per run whatever the number of partitions."""
    where = {c.id: i for i, part in enumerate(account_chunks(chunk, size)) for c in part}
    cut: dict[int, list[Job]] = defaultdict(list)
    for job in jobs:  # in the chunk's order: each part keeps it (periods to bill, then true-up checks)
        cut[where[job.contract.id]].append(job)
    return [_partition(app, ctx, cut[i], issue_date) for i in sorted(cut)]


def _partition(app: BillingService, ctx: RatingContext, jobs: list[Job], issue_date: date) -> Partition:
    keys = {supply_point_key(j.site) for j in jobs}
    found: dict[UUID, Aggregate | None] = {}
    for job in jobs:
        for assignment in job.contract.tariffs:
            tariff = ctx.tariff(assignment.tariff_code)
            found[Tariff.id_for(assignment.tariff_code)] = tariff
            indexes = sorted({i for i in (tariff.spot_indexes.values() if tariff else ()) if i})
            # The spot months the period's intervals can fall in: its local days are at most a day
            # off in UTC, whatever the time zone.
            for index in indexes:
                for month in _months(job.start - DAY, job.end + DAY):
                    found[SpotPriceMonth.id_for(index, month)] = ctx.spot_month(index, month)
        if job.previous is not None and job.previous.invoice_number:
            number = document_id(job.previous.invoice_number)
            found[number] = app.find(Invoice, number)
    return Partition(
        tuple(jobs),
        {k: r for k, r in ctx.readings.items() if k in keys},
        {k: c for k, c in ctx.curves.items() if k in keys},
        found,
        ctx.settings,
        issue_date,
    )


def _months(first: date, last: date) -> list[str]:
    out, month, stop = [], month_key(first), month_key(last)
    while month <= stop:
        out.append(month)
        year, mon = int(month[:4]), int(month[5:])
        month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
    return out
