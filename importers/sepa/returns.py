"""Direct-debit returns in: pain.002 status reports and camt.053/054 R-transactions, exactly once.

1. The whole file is read and checked before anything is booked (a bad file raises BankFileError).
2. Every status the bank states, per group, block and transaction, is in the report with its meaning.
3. Rejects (``RJCT`` of a transaction, a block or a whole message) and returned debits are matched to
   the collections they undo (:mod:`importers.sepa._match`); those that agree with what we sent are
   applied: the clearing is reversed, the items reopen, the return fee is charged and the reason's
   policy applies (architecture.md §4.3, §5). Idempotent by (end-to-end id, reason).
4. Those that do not agree (another amount or mandate, an id we never wrote, totals that are not ours)
   are held for a person: a :class:`~ledger.collections.review.ReturnReview` on the direct-debit
   worklist, ``GET /direct-debit/returns/reviews``. Reporting the same return again holds nothing new.

The statement import (:mod:`importers.bank.service`) sends its return entries here too, so a return
booked in a camt.053 is handled like one in a camt.054 or a pain.002.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, BinaryIO
from uuid import UUID

from importers.bank.camt import read_camt
from importers.bank.reading import file_sha256
from importers.sepa._match import Apply, Hold, PolicyOf, plan_returns
from importers.sepa._reported import StatusFacts, camt_facts, pain002_facts
from ledger.accounts.account import ContractAccount
from ledger.collections import commands as d
from ledger.collections.returns import ReturnPolicy
from ledger.core.actor import SYSTEM, Actor, Channel
from ledger.payments.bank_entries import BankEntry

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services

#: Returns and held returns saved per transaction.
RETURNS_BATCH = 2000
#: How much of the start of a file is searched for the pain.002 namespace.
SNIFF_BYTES = 2000


@dataclass
class ReturnsReport:
    """What one returns file did: applied, duplicates, held for a person, refused, and every status."""

    file_name: str
    items: int = 0
    returned: int = 0
    duplicates: int = 0
    by_action: dict[str, int] = field(default_factory=dict)
    matched_by: dict[str, int] = field(default_factory=dict)
    statuses: list[dict[str, str]] = field(default_factory=list)
    reviews: list[dict[str, str]] = field(default_factory=list)
    unknown: list[dict[str, str]] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_returns(svc: Services, data: bytes | BinaryIO, file_name: str, *,
                   actor: Actor = SYSTEM) -> ReturnsReport:
    """Apply every return in a pain.002 or camt.053/054 file (see the module docstring), given as bytes or
    as a seekable stream at its start (an upload spooled to disk is read from there), as ``actor``'s
    commands through the import channel (tied to the file's SHA-256 where it brings no request id)."""
    actor = replace(actor, channel=Channel.IMPORT,
                    request_id=actor.request_id or f"sha256:{file_sha256(data)}")
    today = svc.app.today()
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    here = stream.tell()
    head = stream.read(SNIFF_BYTES)
    stream.seek(here)
    if b"pain.002" in head:
        facts = pain002_facts(stream, file_name, today)
    else:
        reader = read_camt(stream, file_name)
        entries = reader.read_all()
        facts = camt_facts(entries, reader.message_type or "camt", today)
    return apply_returns(svc, facts, file_name, actor=actor)


def import_entry_returns(svc: Services, entries: Sequence[BankEntry], file_name: str, *,
                         actor: Actor = SYSTEM) -> ReturnsReport:
    """The direct-debit returns of a bank statement the statement import has read and checked."""
    return apply_returns(svc, camt_facts(entries, "camt", svc.app.today()), file_name,
                         actor=replace(actor, channel=Channel.IMPORT))


def _policy_of(svc: Services) -> PolicyOf:
    """The return policy of each account's company, each account read once (the view has no company)."""
    seen: dict[str, ReturnPolicy] = {}

    def policy(account_id: str) -> ReturnPolicy:
        if account_id not in seen:
            account = svc.app.find(ContractAccount, UUID(account_id))
            # An account the view names but the store has not: no company in sight, the default's policy.
            company = svc.app.config if account is None else svc.app.company_of(account)
            seen[account_id] = company.return_policy
        return seen[account_id]

    return policy


def apply_returns(svc: Services, facts: StatusFacts, file_name: str, *, actor: Actor = SYSTEM
                  ) -> ReturnsReport:
    report = ReturnsReport(file_name, items=len(facts.transactions) + len(facts.levels),
                           statuses=facts.statuses, ignored=facts.ignored)
    svc.projections.catch_up()
    plan = plan_returns(svc.view, facts, _policy_of(svc))
    report.duplicates, report.unknown = plan.duplicates, plan.unknown
    work: list[tuple[Apply | Hold, tuple[object, str]]] = [(a, _return_command(a)) for a in plan.applies]
    work += [(h, _hold_command(h)) for h in plan.holds]
    for start in range(0, len(work), RETURNS_BATCH):
        chunk = work[start:start + RETURNS_BATCH]
        items = svc.app.execute_many([c for _, c in chunk], actor=actor)
        for (what, _), item in zip(chunk, items, strict=True):
            if item.error is not None or item.result is None:
                report.refused.append({"where": what.reported.where, "reason": str(item.error)})
            elif isinstance(what, Hold):
                report.reviews.append(_held(what, item.result))
            elif item.result["replayed"]:
                report.duplicates += 1
            else:
                _count(report, what, item.result)
    svc.projections.catch_up()
    return report


def _return_command(a: Apply) -> tuple[object, str]:
    r = a.reported
    return (d.ReturnCollection(UUID(a.row.account_id), a.row.end_to_end_id, r.reason_code, r.returned_on),
            f"return:{a.row.end_to_end_id}:{r.reason_code}")


def _hold_command(h: Hold) -> tuple[object, str]:
    identity = json.dumps(list(h.reported.identity()), separators=(",", ":"))
    key = "return-review:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:40]
    return d.HoldReturnForReview(h.reported, h.problem, h.detail, h.candidates), key


def _held(h: Hold, result: dict[str, Any]) -> dict[str, str]:
    row = {"review_id": result["review_id"], "where": h.reported.where, "problem": h.problem.value,
           "detail": h.detail, "reason": h.reported.reason_code,
           "held_before": "yes" if result["replayed"] else "no"}
    if h.reported.end_to_end_id:
        row["end_to_end_id"] = h.reported.end_to_end_id
    if h.candidates:
        row["candidates"] = " ".join(h.candidates)
    return row


def _count(report: ReturnsReport, a: Apply, result: dict[str, Any]) -> None:
    report.returned += 1
    action = result["action"]
    report.by_action[action] = report.by_action.get(action, 0) + 1
    report.matched_by[a.matched_by] = report.matched_by.get(a.matched_by, 0) + 1


__all__ = ["RETURNS_BATCH", "ReturnsReport", "apply_returns", "import_entry_returns", "import_returns"]
