"""From rated jobs to documents: invoice drafts, collective invoices, true-ups, and issuing them.

A draft is exactly what will be issued: its lines and the totals ``IssueInvoice`` will compute from
them (same functions, same rounding), so a simulation shows the very totals a run books.

* **Bill drafts.** The jobs of one contract account and one period: one job gives an invoice for that
  contract; several give one **collective invoice** (``contract_id=None``), its lines in sections by
  supply point, with one open item.
* **True-up drafts.** A billed period whose data changed: if the new lines equal the old ones the
  period is only confirmed; otherwise a credit note for the old lines of that contract and an invoice
  with the new lines for the original service period, the cause in the note of every line of both. An
  old line that does not add up (issued before issue 9's rule) is credited as a lump sum of exactly its
  amount (:func:`ledger.accounts.invoice.credit_line`), so the credit note's lines add up too.

Keys (idempotency): ``bill:<contract or account>:<first>:<last>`` for an invoice and
``billed:...`` for its history entry, ``deposit:<contract>:bill:...`` for a deposit billed with it;
``trueup-credit|trueup-invoice|trueup:<contract>:<first>:<last>:<n>`` for the n-th true-up of a period.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.accounts import commands as ac
from ledger.accounts import life_commands as lc
from ledger.accounts.invoice import (
    MAX_INVOICE_LINES,
    Invoice,
    InvoiceLine,
    Totals,
    compute_totals,
    credit_line,
    document_id,
    price_line,
)
from ledger.billing import commands as b
from ledger.billing.decisions import true_up_cause
from ledger.billing.rating_step import Job
from ledger.billing.readings import supply_point_key
from ledger.billing.records import RunIssue
from ledger.core.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from ledger.billing.ports import Lookup

def document_totals(lines: tuple[ac.LineInput, ...]) -> Totals:
    """The totals ``IssueInvoice`` will compute for these lines (see :mod:`ledger.accounts.invoice`)."""
    if len(lines) > MAX_INVOICE_LINES:
        raise InvalidInput(f"a document may have at most {MAX_INVOICE_LINES} lines", "lines")
    return compute_totals(
        [
            price_line(
                li.description,
                li.component,
                li.quantity,
                li.unit,
                li.unit_price,
                li.vat_rate,
                i,
                amount=li.amount,
                site=li.site,
                period=li.period,
                sources=li.sources,
                note=li.note,
            )
            for i, li in enumerate(lines)
        ]
    )


@dataclass(eq=False)
class Draft:
    key: str
    account_id: UUID
    contract_id: UUID | None
    period: tuple[date, date]
    issue_date: date
    jobs: list[Job]
    lines: tuple[ac.LineInput, ...] = ()
    totals: Totals | None = None
    credit_of: str | None = None
    credit_lines: tuple[ac.LineInput, ...] = ()
    credit_totals: Totals | None = None
    cause: str = ""
    commands: list[tuple[object, str]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.jobs[0].previous is not None:
            return "true-up" if self.credit_totals is not None or self.totals is not None else "confirmation"
        return "collective-invoice" if self.contract_id is None else "invoice"

    def stored_bytes(self) -> int:
        """About how much issuing this draft stores: measured ~3 kB a document plus ~0.9 kB a line.

        See :data:`ledger.billing.issuing.MAX_BATCH_BYTES`."""
        return (
            (3000 + 900 * len(self.lines)) * (self.totals is not None)
            + (3000 + 900 * len(self.credit_lines)) * (self.credit_totals is not None)
            + 1000
        )

    @property
    def nothing_to_bill(self) -> bool:
        return self.kind in ("invoice", "collective-invoice") and self.totals is None

    def as_dict(self) -> dict[str, Any]:
        def money(t: Totals | None) -> dict[str, str] | None:
            return None if t is None else {"net": str(t.net), "vat": str(t.vat), "gross": str(t.gross)}

        return {
            "key": self.key,
            "kind": self.kind,
            "account_id": str(self.account_id),
            "contract_id": None if self.contract_id is None else str(self.contract_id),
            "sites": [j.site for j in self.jobs],
            "period_start": self.period[0].isoformat(),
            "period_end": self.period[1].isoformat(),
            "estimated": any(j.usage is not None and j.usage.estimated for j in self.jobs),
            "totals": money(self.totals),
            "lines": [line_dict(li) for li in self.lines],
            "credit_of": self.credit_of,
            "credit_totals": money(self.credit_totals),
            "cause": self.cause,
        }


def line_dict(li: ac.LineInput | InvoiceLine) -> dict[str, Any]:
    return {
        "description": li.description,
        "component": li.component,
        "quantity": str(li.quantity),
        "unit": li.unit,
        "unit_price": str(li.unit_price),
        "amount": str(li.amount),
        "vat_rate": str(li.vat_rate),
        "site": li.site,
        "period": None if li.period is None else [li.period[0].isoformat(), li.period[1].isoformat()],
        "sources": list(li.sources),
        "note": li.note,
    }


def _as_input(old: InvoiceLine, note: str) -> ac.LineInput:
    """A line of the credit note that reverses ``old``: as it is, or a lump sum if it does not add up."""
    line = credit_line(old)
    return ac.LineInput(
        line.description,
        line.component,
        line.quantity,
        line.unit,
        line.unit_price,
        line.vat_rate,
        line.amount,
        line.site,
        line.period,
        line.sources,
        note,
    )


def _same(old: list[InvoiceLine], new: tuple[ac.LineInput, ...]) -> bool:
    def key(li: ac.LineInput | InvoiceLine) -> tuple[object, ...]:
        return (
            li.component,
            li.description,
            li.quantity,
            li.unit,
            li.unit_price,
            li.amount,
            li.vat_rate,
            li.period,
        )

    return [key(x) for x in old] == [key(x) for x in new]


def _bill_draft(jobs: list[Job], issue_date: date) -> Draft:
    jobs = sorted(jobs, key=lambda j: (j.site, str(j.contract.id)))
    first = jobs[0]
    collective = len(jobs) > 1
    owner = first.contract.account_id if collective else first.contract.id
    key = f"bill:{owner}:{first.start}:{first.end}"
    draft = Draft(
        key,
        first.contract.account_id,
        None if collective else first.contract.id,
        (first.start, first.end),
        issue_date,
        jobs,
        tuple(li for j in jobs for li in j.lines),
    )
    if draft.lines:
        draft.totals = document_totals(draft.lines)
        if draft.totals.gross <= 0:
            raise InvalidInput(f"the invoice would total {draft.totals.gross}", "lines")
        draft.commands = [
            (
                ac.IssueInvoice(
                    draft.account_id, draft.lines, issue_date, None, draft.contract_id, draft.period
                ),
                key,
            ),
            (b.RecordBilledPeriods(key, tuple((j.contract.id, j.entry()) for j in jobs)), "billed" + key[4:]),
            # A deposit required of a new contract is billed with its first invoice, in the same transaction
            # and dated alike; the handler bills nothing once it is billed, so later invoices carry none.
            *((lc.BillRequiredDeposit(j.contract.id, issue_date), f"deposit:{j.contract.id}:{key}")
              for j in jobs if j.contract.deposit_requirement is not None),
        ]
    return draft


def _old_lines(source: Lookup, job: Job) -> tuple[Invoice | None, list[InvoiceLine]]:
    previous = job.previous
    if previous is None or not previous.invoice_number:
        return None, []
    invoice = source.find(Invoice, document_id(previous.invoice_number))
    if invoice is None:
        raise InvalidInput(f"billed invoice {previous.invoice_number} is missing", "invoice")
    if invoice.contract_id == job.contract.id:
        return invoice, list(invoice.lines)
    key = supply_point_key(job.site)
    return invoice, [li for li in invoice.lines if li.site is not None and supply_point_key(li.site) == key]


def _true_up_draft(source: Lookup, job: Job, issue_date: date) -> Draft | None:
    previous, usage = job.previous, job.usage
    if previous is None or usage is None or usage.estimated:
        return None  # still no actual data: the estimate stands
    base = f"{job.contract.id}:{job.start}:{job.end}:{job.sequence}"
    invoice, old = _old_lines(source, job)
    draft = Draft(
        f"trueup:{base}", job.contract.account_id, job.contract.id, (job.start, job.end), issue_date, [job]
    )
    entry = job.entry()
    if _same(old, job.lines):
        draft.commands = [
            (
                b.RecordTrueUp(
                    job.contract.id,
                    job.sequence,
                    dataclasses.replace(entry, cause="confirmed: the new data rate the same"),
                    None,
                    None,
                ),
                draft.key,
            )
        ]
        return draft
    draft.cause = true_up_cause(previous, usage, job.readings)
    credit_key = invoice_key = None
    commands: list[tuple[object, str]] = []
    if invoice is not None and old:
        draft.credit_of = invoice.number
        draft.credit_lines = tuple(_as_input(li, draft.cause) for li in old)
        draft.credit_totals = document_totals(draft.credit_lines)
        if invoice.credited + draft.credit_totals.gross > invoice.totals.gross:
            raise InvalidInput(
                f"{invoice.number} has {invoice.credited} credited already: cannot credit "
                f"{draft.credit_totals.gross} more",
                "invoice",
            )
        credit_key = f"trueup-credit:{base}"
        commands.append(
            (ac.IssueCreditNote(invoice.number, draft.cause, draft.credit_lines, issue_date), credit_key)
        )
    draft.lines = tuple(dataclasses.replace(li, note=f"{draft.cause}; {li.note}") for li in job.lines)
    if draft.lines:
        draft.totals = document_totals(draft.lines)
        if draft.totals.gross <= 0:
            raise InvalidInput(f"the corrected invoice would total {draft.totals.gross}", "lines")
        invoice_key = f"trueup-invoice:{base}"
        commands.append(
            (
                ac.IssueInvoice(
                    draft.account_id, draft.lines, issue_date, None, job.contract.id, draft.period
                ),
                invoice_key,
            )
        )
    entry = dataclasses.replace(entry, cause=draft.cause)
    commands.append(
        (b.RecordTrueUp(job.contract.id, job.sequence, entry, credit_key, invoice_key), draft.key)
    )
    draft.commands = commands
    return draft


@dataclass
class Drafted:
    """The drafts and problems of some jobs, by kind, so that the parts of a chunk (its partitions, rated
    wherever) merge into exactly the order the whole chunk drafted at once has: see :meth:`merged`."""

    bill_issues: list[RunIssue] = field(default_factory=list)  # rating problems of periods to bill
    check_issues: list[RunIssue] = field(default_factory=list)  # rating problems of true-up checks
    true_ups: list[Draft] = field(default_factory=list)
    true_up_problems: list[RunIssue] = field(default_factory=list)
    bills: list[Draft] = field(default_factory=list)
    bill_problems: list[RunIssue] = field(default_factory=list)

    @staticmethod
    def merged(parts: Sequence[Drafted]) -> tuple[list[Draft], list[RunIssue]]:
        """The drafts (true-ups first) and the problems (rating, true-up, billing) of the parts in order.

        Why by kind and not part after part: the documents are numbered as they are issued, in this
        order, and the problems are stored in the run's record; a chunk cut into partitions must give
        the very numbers and bytes of the chunk drafted whole (tests/test_distributed_billing.py).
        """
        drafts = [d for p in parts for d in p.true_ups] + [d for p in parts for d in p.bills]
        problems = [i for name in ("bill_issues", "check_issues", "true_up_problems", "bill_problems")
                    for p in parts for i in getattr(p, name)]
        return drafts, problems


def draft_jobs(source: Lookup, jobs: Sequence[Job], issue_date: date) -> Drafted:
    """Drafts of the rated jobs (periods to bill, then true-up checks), and the problems of the jobs
    that cannot be billed. True-ups come first: an old period is corrected before the next one is billed.
    """
    out = Drafted(
        bill_issues=[j.issue for j in jobs if j.issue is not None and j.previous is None],
        check_issues=[j.issue for j in jobs if j.issue is not None and j.previous is not None],
    )
    groups: dict[tuple[UUID, date, date], list[Job]] = defaultdict(list)
    for job in jobs:
        if job.issue is None and job.previous is not None:
            try:
                draft = _true_up_draft(source, job, issue_date)
            except DomainError as e:
                out.true_up_problems.append(fail_job(job, "true-up", str(e)))
                continue
            if draft is not None:
                out.true_ups.append(draft)
    for job in jobs:
        if job.issue is None and job.previous is None:
            groups[(job.contract.account_id, job.start, job.end)].append(job)
    for members in groups.values():
        try:
            out.bills.append(_bill_draft(members, issue_date))
        except DomainError as e:
            out.bill_problems += [fail_job(j, "not-billable", str(e)) for j in members]
    return out


def drafts_for(source: Lookup, jobs: list[Job], issue_date: date) -> tuple[list[Draft], list[RunIssue]]:
    """:func:`draft_jobs` of one chunk, merged: its drafts in the order they are issued, its problems."""
    return Drafted.merged([draft_jobs(source, jobs, issue_date)])


def fail_job(job: Job, code: str, reason: str) -> RunIssue:
    """Mark the job as not billable, with why; its problem (errors as data)."""
    job.fail(code, reason)
    if job.issue is None:  # pragma: no cover - fail() always sets it
        raise ValueError(reason)
    return job.issue
