"""Direct-debit operations between the ledger and the bank's files.

- :func:`propose_run` / :func:`execute_run`: a collection run over the accounts the view says have an
  active mandate and something due, as a proposal, then booked and written as pain.008;
- :func:`run_file`: the pain.008 of an executed run, re-created byte for byte from its events;
- :func:`settle_due`: collections whose date has come are settled (Dr bank / Cr dd-clearing);
- :func:`import_returns` (:mod:`importers.sepa.returns`): pain.002 rejects and camt.054/053
  R-transactions reverse their collections, idempotent by (end-to-end id, reason); returns that do not
  agree with what we sent are held for a person.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from importers.sepa.keys import run_message_id
from importers.sepa.pain008 import Collection, Pain008File, write_pain008
from importers.sepa.parties import PostalAddress, our_company
from importers.sepa.returns import ReturnsReport, import_returns
from ledger.collections import commands as d
from ledger.collections.run import CollectionRun
from ledger.core.actor import SYSTEM, Actor, Channel
from ledger.core.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services

#: Settlements and returns saved per transaction.
DD_BATCH = 2000


def _run_actor(actor: Actor, run: str) -> Actor:
    """``actor`` (who started or executed the run) through the run channel, tied to the run."""
    return replace(actor, channel=Channel.RUN, request_id=actor.request_id or run)


def propose_run(svc: Services, due_by: date, collection_date: date, key: str,
                actor: Actor = SYSTEM, company: str | None = None) -> dict[str, Any]:
    """Propose a run of ``company`` (the default company if None): the handler keeps, of the view's
    candidates, only that company's accounts (a pain.008 has one creditor)."""
    svc.projections.catch_up()
    candidates = tuple(UUID(a) for a in svc.view.dd_candidates(due_by.isoformat()))
    return svc.app.execute(d.ProposeCollectionRun(due_by, collection_date, candidates, company), key,
                           actor=_run_actor(actor, f"collection-run:{key}"))


def execute_run(svc: Services, run_id: UUID, actor: Actor = SYSTEM) -> dict[str, Any]:
    result = svc.app.execute(d.ExecuteCollectionRun(run_id), f"execute:{run_id}",
                             actor=_run_actor(actor, f"collection-run:{run_id}"))
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
    creditor = our_company(svc.app.company_of(run))  # the run's company; older runs: the default one
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
        creditor, collections, message_id=run_message_id(run.id), created_at=run.executed_at
    )


def settle_due(svc: Services, on: date, actor: Actor = SYSTEM) -> int:
    """Settle every collection in transit whose date is ``on`` or earlier; ``on`` may not be after today."""
    today = svc.app.today()
    if on > today:
        raise InvalidInput(f"settlement on {on} is after today ({today}): the bank cannot have credited "
                           "it yet", "on")
    svc.projections.catch_up()
    actor = _run_actor(actor, f"settlement:{on.isoformat()}")
    pending = svc.view.pending_collections(on.isoformat())
    settled = 0
    for start in range(0, len(pending), DD_BATCH):
        batch = [
            (d.SettleCollection(UUID(account), e2e, on), f"settle:{e2e}")
            for e2e, account in pending[start : start + DD_BATCH]
        ]
        settled += sum(
            1 for item in svc.app.execute_many(batch, actor=actor)
            if item.result and not item.result["replayed"]
        )
    svc.projections.catch_up()
    return settled


__all__ = [
    "ReturnsReport",
    "execute_run",
    "import_returns",
    "propose_run",
    "run_file",
    "settle_due",
]
