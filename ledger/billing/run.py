"""Billing runs: select the contracts due, rate them in vectorised batches, issue the invoices.

A run over the days [start, end] works through the portfolio in chunks of contract accounts:

1. **Select.** Contracts come from the store's log (``Contract.Signed``); their due periods from
   :func:`ledger.billing.decisions.contract_periods` (by the frequency in force). A period that the
   contract's billing history already covers is skipped (``already_billed``): a re-run, or a resumed
   run after a crash, bills nothing twice. Billed periods that may now rate differently (estimated, or
   their readings corrected) are checked for a **true-up**.
2. **Load** the chunk's histories, readings, load curves, tariffs and spot prices, a query per kind.
3. **Rate** (:mod:`ledger.billing.rating_step`): contracts sharing a period, grid and tariff versions are
   priced in one call of the numpy kernel.
4. **Issue** (:mod:`ledger.billing.drafts`, :mod:`ledger.billing.issuing`): one invoice per contract,
   or one **collective invoice** per contract account when several of its contracts are due for the
   same period, with the ledger's own ``IssueInvoice`` under the key
   ``bill:<contract or account>:<first day>:<last day>``, and the history entry and the run's record of
   the batch in the same transaction. A true-up credits the lines of the old invoice
   (``IssueCreditNote``) and re-bills the original service period, the cause on every line.
   A **simulation** builds the same drafts and totals and writes nothing.

A run (``run_id``) that died is resumed by running it again: a new attempt (see
:class:`~ledger.billing.records.BillingRun`) that bills what is still due, and whose report is the run's
own record — every attempt's documents, exactly as the ledger holds them. A finished run is not run
again: its report is returned as recorded.

Errors are data: a contract that cannot be billed (no tariff, bad readings, missing spot prices, a
refused command) becomes a :class:`~ledger.billing.records.RunIssue` and the run goes on.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract
from ledger.billing import commands as b
from ledger.billing.decisions import DAY, BillingSettings, contract_periods, needs_true_up_check
from ledger.billing.drafts import Draft, Drafted, drafts_for
from ledger.billing.issuing import Record, issue_drafts
from ledger.billing.load_curves import LoadCurveMonth, month_key
from ledger.billing.partitions import PARTITION_CONTRACTS, account_chunks, partitions, rate_and_draft
from ledger.billing.rating_step import Job, RatingContext, prepare_and_rate
from ledger.billing.readings import MeterReadings, supply_point_key
from ledger.billing.records import BillingRun, ContractBilling, RunBatch, RunIssue
from ledger.core.actor import SYSTEM, Actor, Channel
from ledger.core.money import ZERO
from ledger.core.topics import stored_topics
from ledger.parties.company import company_of, run_company

if TYPE_CHECKING:
    from ledger.billing.ports import BillingService, PartitionMapper, Pending

A = TypeVar("A", bound=Aggregate)

#: Contracts rated and issued per chunk (and per transaction): big enough to amortise a commit and to
#: fill the kernel, small enough to keep a transaction short.
CHUNK_CONTRACTS = 1000
#: Notifications read per query while listing the contracts.
LIST_PAGE = 10_000

Progress = Callable[[int, int, "RunReport"], None]


@dataclass
class RunReport:
    """What a run did (or, simulated, would do). Money is the run's effect: invoices less credit notes."""

    period_start: date
    period_end: date
    simulate: bool
    run_id: str | None = None
    contracts: int = 0
    contracts_due: int = 0
    invoices: int = 0
    credit_notes: int = 0
    already_billed: int = 0
    nothing_to_bill: int = 0
    errors: int = 0
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    issues: list[RunIssue] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)

    def add(self, batch: RunBatch) -> None:
        self.contracts += batch.contracts
        self.invoices += batch.invoices
        self.credit_notes += batch.credit_notes
        self.already_billed += batch.already_billed
        self.nothing_to_bill += batch.nothing_to_bill
        self.errors += batch.errors
        self.net += batch.net
        self.vat += batch.vat
        self.gross += batch.gross
        self.issues += batch.issues

    @classmethod
    def of_run(cls, run: BillingRun) -> RunReport:
        """The run's report as its record in the store has it (every attempt's documents)."""
        totals = run.totals()
        report = cls(run.period_start, run.period_end, False, str(run.id), contracts_due=run.contracts_due,
                     issues=run.issues())
        for name in ("contracts", "invoices", "credit_notes", "already_billed", "nothing_to_bill", "errors"):
            setattr(report, name, int(str(totals[name])))
        for name in ("net", "vat", "gross"):
            setattr(report, name, Decimal(str(totals[name])))
        return report

    def as_dict(self, drafts: int = 0) -> dict[str, Any]:
        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "simulate": self.simulate,
            "run_id": self.run_id,
            "contracts": self.contracts,
            "contracts_due": self.contracts_due,
            "invoices": self.invoices,
            "credit_notes": self.credit_notes,
            "already_billed": self.already_billed,
            "nothing_to_bill": self.nothing_to_bill,
            "errors": self.errors,
            "net": str(self.net),
            "vat": str(self.vat),
            "gross": str(self.gross),
            "issues": [issue_dict(i) for i in self.issues],
            "drafts": [d.as_dict() for d in self.drafts[:drafts]],
        }


def issue_dict(issue: RunIssue) -> dict[str, str]:
    return {
        "contract_id": issue.contract_id,
        "supply_point": issue.supply_point,
        "period": issue.period,
        "code": issue.code,
        "reason": issue.reason,
    }


def load_many(app: BillingService, cls: type[A], ids: Sequence[UUID]) -> dict[UUID, A]:
    """Aggregates by id in one round trip per 2,000 ids where the store allows (else one by one)."""
    wanted = list(dict.fromkeys(ids))
    if app.bulk_loader is not None:
        loaded: dict[UUID, Aggregate] = app.bulk_loader(wanted)
    else:
        loaded = {}
        for i in wanted:
            try:
                loaded[i] = app.repository.get(i)
            except AggregateNotFoundError:
                continue
    return {i: a for i, a in loaded.items() if isinstance(a, cls)}


def contract_ids(app: BillingService) -> list[UUID]:
    """Every contract ever signed, from the store's log (the ``Contract.Signed`` events), in log order."""
    # Under every topic the event was ever stored with: old stores hold it under its old module's name.
    topics = stored_topics(f"{Contract.__module__}:{Contract.__qualname__}.Signed")
    ids: list[UUID] = []
    position = 0
    while True:
        page = app.recorder.select_notifications(position + 1, LIST_PAGE, topics=list(topics))
        if not page:
            return ids
        ids += [n.originator_id for n in page]  # type: ignore[misc]  # our ids are UUIDs
        position = page[-1].id


def of_company(app: BillingService, contracts: list[Contract], company: str | None) -> list[Contract]:
    """The contracts whose account belongs to ``company`` (all if None), their accounts read in bulk."""
    if company is None:
        return contracts
    code = run_company(app, company).code  # an unknown code: InvalidInput naming ``company``
    kept: list[Contract] = []
    # A page of accounts at a time: the portfolio's accounts are never all in memory at once.
    for start in range(0, len(contracts), CHUNK_CONTRACTS):
        page = contracts[start:start + CHUNK_CONTRACTS]
        accounts = load_many(app, ContractAccount, [c.account_id for c in page])
        kept += [c for c in page
                 if c.account_id in accounts and company_of(app, accounts[c.account_id]).code == code]
    return kept


def run_billing(
    app: BillingService,
    start: date,
    end: date,
    *,
    simulate: bool = False,
    issue_date: date | None = None,
    run_id: UUID | None = None,
    progress: Progress | None = None,
    settings: BillingSettings | None = None,
    chunk_contracts: int = CHUNK_CONTRACTS,
    contracts: Sequence[UUID] = (),
    actor: Actor = SYSTEM,
    company: str | None = None,
    mapper: PartitionMapper | None = None,
    partition_contracts: int = PARTITION_CONTRACTS,
) -> RunReport:
    """Bill (or simulate billing) every contract due in the days [start, end]; see the module docstring.

    ``contracts`` limits the run to those (a portion of the portfolio); empty means all. ``company`` limits
    it to the contracts of that company's accounts (a recorded run: the company it was started for); None
    means every company's. Its commands are recorded as ``actor``'s (who started the run) through the run
    channel, tied to the run. With ``mapper``, each chunk is rated and drafted in partitions of
    ``partition_contracts`` by it (a cluster: :mod:`ledger.billing.partitions`), to the same documents.
    """
    tie = None if run_id is None else f"billing-run:{run_id}"
    actor = dataclasses.replace(actor, channel=Channel.RUN, request_id=actor.request_id or tie)
    report = RunReport(start, end, simulate, None if run_id is None else str(run_id))
    record: Record | None = None
    if run_id is not None and not simulate:
        run = app.get(BillingRun, run_id, "billing run", "run_id")
        if run.finished_on is not None:
            return RunReport.of_run(run)
        record = _recorder(app, run_id, run.attempt + 1)
        company = run.company
    ctx = RatingContext(app, settings or BillingSettings())
    ids = list(contracts) or contract_ids(app)
    selected = of_company(app, list(load_many(app, Contract, ids).values()), company)
    done = 0
    chunks = account_chunks(selected, chunk_contracts)
    day = issue_date or app.today()
    for chunk, batch, due, drafts, problems in _drafted(
        app, ctx, chunks, (start, end, day), mapper, partition_contracts
    ):
        report.contracts_due += due
        if simulate:
            outcome = _simulated(drafts, problems, batch)
            report.drafts += drafts
        else:
            outcome = issue_drafts(app, drafts, problems, batch, record, actor)
        report.add(outcome)
        done += len(chunk)
        if progress is not None:
            progress(done, len(selected), report)
    if run_id is None or simulate:
        return report
    app.execute(b.FinishBillingRun(run_id, report.contracts_due), f"run:{run_id}:finish", actor=actor)
    return RunReport.of_run(app.get(BillingRun, run_id, "billing run", "run_id"))


#: A chunk rated and drafted: its contracts, what selecting them found, how many were due, its drafts in
#: the order they are issued, and its problems.
Drafting = tuple[list[Contract], RunBatch, int, list[Draft], list[RunIssue]]


def _drafted(
    app: BillingService, ctx: RatingContext, chunks: list[list[Contract]], days: tuple[date, date, date],
    mapper: PartitionMapper | None, size: int,
) -> Iterator[Drafting]:
    """Each chunk selected, rated and drafted: here, or by ``mapper`` in partitions.

    With a mapper the next chunk is selected and handed over before this one is given to be issued, so
    that the workers rate it while this process writes. Why that is safe: chunks are whole accounts and
    disjoint, and issuing one writes only its own contracts' histories, invoices and accounts, so what the
    next one reads is the same before as after. Why the documents are the same: this process still issues
    the chunks one by one in their order (ledger.billing.partitions; tests/test_distributed_billing.py).
    """
    start, end, issue_date = days
    if mapper is None:
        for chunk in chunks:
            jobs, batch, due = _select(app, ctx, chunk, start, end)
            prepare_and_rate(ctx, jobs)
            yield chunk, batch, due, *drafts_for(app, jobs, issue_date)
        return
    ahead: tuple[list[Contract], RunBatch, int, Pending[Drafted]] | None = None
    for chunk in chunks:
        jobs, batch, due = _select(app, ctx, chunk, start, end)
        parts = partitions(app, ctx, chunk, jobs, issue_date, size)
        submitted = (chunk, batch, due, mapper.map(rate_and_draft, parts))
        if ahead is not None:
            yield _gathered(ahead)
        ahead = submitted
    if ahead is not None:
        yield _gathered(ahead)


def _gathered(ahead: tuple[list[Contract], RunBatch, int, Pending[Drafted]]) -> Drafting:
    chunk, batch, due, pending = ahead
    return chunk, batch, due, *Drafted.merged(pending.result())


def _recorder(app: BillingService, run_id: UUID, attempt: int) -> Record:
    """How this attempt records a batch on its run (called inside the batch's unit of work)."""

    def record(batch: RunBatch) -> tuple[object, str]:
        run = app.get(BillingRun, run_id, "billing run", "run_id")
        return (b.RecordRunBatch(run_id, dataclasses.replace(batch, attempt=attempt)),
                f"run:{run_id}:batch:{run.batch_count + 1}")

    return record


def _simulated(drafts: list[Draft], problems: list[RunIssue], batch: RunBatch) -> RunBatch:
    net = vat = gross = ZERO
    invoices = credit_notes = 0
    for draft in drafts:
        for sign, totals in ((1, draft.totals), (-1, draft.credit_totals)):
            if totals is not None:
                net, vat, gross = (
                    net + sign * totals.net,
                    vat + sign * totals.vat,
                    gross + sign * totals.gross,
                )
                invoices, credit_notes = invoices + (sign > 0), credit_notes + (sign < 0)
    issues = (*batch.issues, *problems)
    return RunBatch(
        batch.contracts,
        invoices,
        credit_notes,
        batch.already_billed,
        batch.nothing_to_bill + sum(1 for d in drafts if d.nothing_to_bill),
        len(issues),
        net,
        vat,
        gross,
        issues,
    )


def _select(
    app: BillingService, ctx: RatingContext, chunk: list[Contract], start: date, end: date
) -> tuple[list[Job], RunBatch, int]:
    """The chunk's jobs: due periods not billed yet, and billed periods to check for a true-up."""
    histories = load_many(app, ContractBilling, [ContractBilling.id_for(c.id) for c in chunk])
    readings = load_many(app, MeterReadings, [MeterReadings.id_for(c.supply_point.id) for c in chunk])
    wanted: list[tuple[Contract, date, date, ContractBilling | None]] = []
    already = 0
    due: set[UUID] = set()
    for contract in chunk:
        history = histories.get(ContractBilling.id_for(contract.id))
        for s, e in contract_periods(contract, start, end):
            due.add(contract.id)
            if history is not None and history.overlapping(s, e) is not None:
                already += 1
            else:
                wanted.append((contract, s, e, history))
    curve_ids = [LoadCurveMonth.id_for(c.supply_point.id, m) for c, s, e, _ in wanted for m in _months(s, e)]
    for contract in chunk:
        history = histories.get(ContractBilling.id_for(contract.id))
        for entry in history.periods.values() if history is not None else ():
            curve_ids += [
                LoadCurveMonth.id_for(contract.supply_point.id, m)
                for m in _months(entry.period_start, entry.period_end)
            ]
    curves = load_many(app, LoadCurveMonth, curve_ids)
    ctx.readings = {r.supply_point: r for r in readings.values()}
    ctx.curves = defaultdict(dict)
    for curve in curves.values():
        ctx.curves[curve.supply_point][curve.month] = curve
    jobs = [Job(contract, s, e, history) for contract, s, e, history in wanted]
    for contract in chunk:
        history = histories.get(ContractBilling.id_for(contract.id))
        if history is None:
            continue
        key = supply_point_key(contract.supply_point.id)
        for entry in sorted(history.periods.values(), key=lambda p: p.period_start):
            if needs_true_up_check(entry, ctx.readings.get(key), ctx.curves.get(key, {})):
                jobs.append(
                    Job(
                        contract,
                        entry.period_start,
                        entry.period_end,
                        history,
                        entry,
                        history.corrections.get(entry.period, 0) + 1,
                    )
                )
    return jobs, RunBatch(len(chunk), 0, 0, already, 0, 0, ZERO, ZERO, ZERO), len(due)


def _months(start: date, end: date) -> list[str]:
    months = []
    day = start.replace(day=1)
    while day <= end:
        months.append(month_key(day))
        day = (day + 31 * DAY).replace(day=1)
    return months
