"""Direct-debit operations between the ledger and the bank's files.

- :func:`propose_run` / :func:`execute_run`: a collection run over the accounts the view says have an
  active mandate and something due, as a proposal, then booked and written as pain.008;
- :func:`run_file`: the pain.008 of an executed run, re-created byte for byte from its events;
- :func:`settle_due`: collections whose date has come are settled (Dr bank / Cr dd-clearing);
- :func:`import_returns`: pain.002 rejects and camt.054/053 R-transactions reverse their collections,
  idempotent by (end-to-end id, reason); returns of collections we do not know are listed for a person.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from importers.bank.camt import read_camt
from importers.sepa.pain002 import read_pain002
from importers.sepa.pain008 import Collection, Pain008File, write_pain008
from importers.sepa.parties import Company, PostalAddress
from ledger.collections import commands as d
from ledger.collections.run import CollectionRun
from ledger.core.errors import NotFound

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services

#: Settlements and returns saved per transaction.
DD_BATCH = 2000


def propose_run(svc: Services, due_by: date, collection_date: date, key: str) -> dict[str, Any]:
    svc.projections.catch_up()
    candidates = tuple(UUID(a) for a in svc.view.dd_candidates(due_by.isoformat()))
    return svc.app.execute(d.ProposeCollectionRun(due_by, collection_date, candidates), key)


def execute_run(svc: Services, run_id: UUID) -> dict[str, Any]:
    result = svc.app.execute(d.ExecuteCollectionRun(run_id), f"execute:{run_id}")
    svc.projections.catch_up()
    return result


def load_run(svc: Services, run_id: UUID) -> CollectionRun:
    run: CollectionRun = svc.app.get(CollectionRun, run_id, "collection run", "run_id")
    return run


def run_file(svc: Services, run_id: UUID) -> Pain008File:
    """The pain.008.001.08 of an executed run (deterministic: message id and time come from the run)."""
    run = load_run(svc, run_id)
    if run.status != "executed" or run.executed_at is None:
        raise NotFound(f"collection run {run_id} has no file: it is {run.status}", "run_id")
    config = svc.app.config
    creditor = Company(
        config.creditor_name,
        config.bank_account,
        creditor_id=config.creditor_id,
        address=PostalAddress("Messina", "IT", street_name="Via Demo", postcode="98122"),
    )
    collections = [
        Collection(
            b.end_to_end_id,
            b.amount,
            run.collection_date,
            b.sequence_type,
            b.mandate_reference,
            b.mandate_signed_on,
            b.debtor_name,
            b.debtor_iban,
            PostalAddress(
                b.debtor_town, b.debtor_country, street_name=b.debtor_street, postcode=b.debtor_postcode
            ),
            debtor_bic=b.debtor_bic,
            remittance_text=b.remittance or None,
            amendment=b.amendment,
        )
        for b in run.booked
    ]
    return write_pain008(
        creditor, collections, message_id=f"SALDO-{run.id.hex[:20]}", created_at=run.executed_at
    )


def settle_due(svc: Services, on: date) -> int:
    svc.projections.catch_up()
    pending = svc.view.pending_collections(on.isoformat())
    settled = 0
    for start in range(0, len(pending), DD_BATCH):
        batch = [
            (d.SettleCollection(UUID(account), e2e, on), f"settle:{e2e}")
            for e2e, account in pending[start : start + DD_BATCH]
        ]
        settled += sum(
            1 for item in svc.app.execute_many(batch) if item.result and not item.result["replayed"]
        )
    svc.projections.catch_up()
    return settled


@dataclass
class ReturnsReport:
    file_name: str
    items: int = 0
    returned: int = 0
    duplicates: int = 0
    by_action: dict[str, int] = field(default_factory=dict)
    unknown: list[dict[str, str]] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class _Return:
    end_to_end_id: str
    reason_code: str
    returned_on: date
    where: str


def _returns_in(data: bytes, file_name: str, today: date) -> tuple[list[_Return], list[dict[str, str]]]:
    """(returns with an end-to-end id and a reason, other lines) of a pain.002 or camt.053/054."""
    found, ignored = [], []
    if b"pain.002" in data[:2000]:
        for item in read_pain002(io.BytesIO(data), file_name):
            where = f"line {item.line}, {item.element_path}"
            if item.is_rejected and item.original_end_to_end_id:
                found.append(
                    _Return(
                        item.original_end_to_end_id,
                        item.reason_code or "NARR",
                        item.requested_collection_date or today,
                        where,
                    )
                )
            else:
                ignored.append({"where": where, "reason": f"status {item.status} at {item.level} level"})
        return found, ignored
    for entry in read_camt(io.BytesIO(data), file_name):
        where = f"line {entry.line}, {entry.element_path}"
        is_return = entry.is_reversal or (entry.bank_transaction_code or "").endswith("UPDD")
        if is_return and entry.end_to_end_id:
            found.append(
                _Return(
                    entry.end_to_end_id, entry.return_reason or "NARR", entry.booking_date or today, where
                )
            )
        else:
            ignored.append({"where": where, "reason": "not a direct-debit return"})
    return found, ignored


def import_returns(svc: Services, data: bytes, file_name: str) -> ReturnsReport:
    """Apply every return in the file; the whole file is read and checked before anything is booked."""
    returns, ignored = _returns_in(data, file_name, svc.app.today())
    report = ReturnsReport(file_name, items=len(returns), ignored=ignored)
    svc.projections.catch_up()
    known = svc.view.collections_by_e2e([r.end_to_end_id for r in returns])
    commands = []
    for r in returns:
        row = known.get(r.end_to_end_id)
        if row is None:
            report.unknown.append(
                {"where": r.where, "end_to_end_id": r.end_to_end_id, "reason": r.reason_code}
            )
            continue
        commands.append(
            (
                r,
                (
                    d.ReturnCollection(UUID(row[1]), r.end_to_end_id, r.reason_code, r.returned_on),
                    f"return:{r.end_to_end_id}:{r.reason_code}",
                ),
            )
        )
    for start in range(0, len(commands), DD_BATCH):
        chunk = commands[start : start + DD_BATCH]
        for (r, _), item in zip(chunk, svc.app.execute_many([c for _, c in chunk]), strict=True):
            if item.error is not None or item.result is None:
                report.refused.append({"where": r.where, "reason": str(item.error)})
            elif item.result["replayed"]:
                report.duplicates += 1
            else:
                report.returned += 1
                action = item.result["action"]
                report.by_action[action] = report.by_action.get(action, 0) + 1
    svc.projections.catch_up()
    return report


__all__ = [
    "ReturnsReport",
    "execute_run",
    "import_returns",
    "propose_run",
    "run_file",
    "settle_due",
]
