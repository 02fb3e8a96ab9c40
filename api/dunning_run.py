"""The daily dunning run, shared by the HTTP API, ``saldo dunning run``, the demo and the benchmarks:
which accounts a run reviews (:func:`dunning_candidates`) and the run itself in parts (:func:`run_dunning`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import Services
from ledger.core.actor import SYSTEM, Actor, Channel
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.dunning import commands as dc
from ledger.dunning.run import MAX_RUN_ACCOUNTS
from ledger.parties.company import company_named

#: Accounts per run when a daily run is split: one transaction each, and a progress line between.
DEFAULT_RUN_BATCH = 1000
#: Instalment items due this many days back (or later) make their account a candidate even when nothing
#: is overdue, so a plan paid in full (or paid late) is reviewed by the daily run.
PLAN_REVIEW_DAYS = 62


def dunning_candidates(svc: Services, day: date, company: str | None = None) -> list[UUID]:
    """Accounts the run on ``day`` reviews: something open due before it, or an instalment plan to check;
    only ``company``'s (a code, checked) if given."""
    only = None if company is None else company_named(svc.app, company).code
    svc.projections.catch_up()
    overdue = svc.view.overdue_accounts(day.isoformat())
    since = (day - timedelta(days=PLAN_REVIEW_DAYS)).isoformat()
    found = {*overdue, *svc.view.instalment_accounts(since)}
    if only is not None:
        default = svc.app.companies.default.code
        owners = svc.view.account_companies(sorted(found))
        found = {a for a in found if owners.get(a, default) == only}
    return sorted(UUID(a) for a in found)


def run_dunning(svc: Services, day: date, execute: bool, batch: int = DEFAULT_RUN_BATCH,
                progress: Callable[[int, int, int], None] | None = None,
                key: str | None = None, actor: Actor = SYSTEM, company: str | None = None
                ) -> list[dict[str, Any]]:
    """Propose (and execute) the daily run in parts of ``batch`` accounts; one result per part.

    Each part's idempotency key is the day, the store's position when the run started and the part's
    accounts: a retried request replays, while a run started after anything changed (a lock released, a
    payment) looks again. Looking again never repeats a step: the next level waits its minimum days.
    A caller whose run is fully determined (the demo) passes its own ``key`` instead of the position.
    """
    candidates = dunning_candidates(svc, day, company)
    position = svc.app.recorder.max_notification_id() or 0
    # Recorded as who started the run, through the run channel, tied to the run.
    actor = replace(actor, channel=Channel.RUN,
                    request_id=actor.request_id or f"dunning-run:{day}:{position}")
    results: list[dict[str, Any]] = []
    steps = 0
    size = min(max(batch, 1), MAX_RUN_ACCOUNTS)
    for start in range(0, len(candidates), size):
        part = candidates[start:start + size]
        digest = hashlib.sha256(b"".join(a.bytes for a in part)).hexdigest()[:24]
        scope = f"{day}:{position}" if company is None else f"{day}:{position}:{company}"
        part_key = f"{key}:{digest}" if key else f"dunning:{scope}:{digest}"
        propose = dc.ProposeDunningRun(tuple(part), day, company)
        if execute:  # proposal and execution in one transaction: every account is loaded once
            run_id = child_id(record_id(type(propose).__name__, part_key), "dunning-run")
            execute_it = dc.ExecuteDunningRun(run_id)
            items = svc.app.execute_many([(propose, part_key), (execute_it, f"execute:{run_id}")],
                                         actor=actor)
            for item in items:
                if item.error is not None:
                    raise item.error
            result = items[1].result or {}
        else:
            result = svc.app.execute(propose, part_key, actor=actor)
        steps += result["steps"]
        results.append(result)
        if progress is not None:
            progress(start + len(part), len(candidates), steps)
    svc.projections.catch_up()
    return results
