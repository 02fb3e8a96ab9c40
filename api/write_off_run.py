"""Which accounts a write-off run's proposal looks at, read from the view page by page.

The view names the accounts with something overdue before a cut-off (a superset); each is loaded and
asked what a run would write off (:func:`~ledger.accounts.write_off_run_handlers.with_something_to_write_off`,
the handler's own rule), :data:`WRITE_OFF_SCREEN_BATCH` accounts at a time, and only the accounts with
something to write off go into the proposal, whose handler decides again, exactly. So the result is the
one the proposal gives over every candidate at once, while no more than one batch of accounts is held.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import Services
from ledger.accounts.account import ContractAccount
from ledger.accounts.write_off_run_handlers import with_something_to_write_off
from ledger.accounts.write_off_runs import MAX_WRITE_OFF_RUN_ACCOUNTS
from ledger.accounts.write_offs import PRESCRIPTION_YEARS
from ledger.core.errors import InvalidInput

#: Accounts read from the view and loaded at once while a proposal looks through the candidates.
WRITE_OFF_SCREEN_BATCH = 500
#: The most candidate accounts one proposal looks through (each is loaded once, a batch at a time).
MAX_WRITE_OFF_RUN_CANDIDATES = 200_000


def cutoff(reason: str, on: date) -> date:
    """The day before which an item must be due for a run for ``reason`` on ``on`` to look at it."""
    if reason == "statute-of-limitations":
        # Items due up to ``on`` less the prescription; two days' margin for a due date of 29 February
        # (prescribed on 28 February two years later) and for an ``on`` of 29 February.
        day = 28 if (on.month, on.day) == (2, 29) else on.day
        return on.replace(year=on.year - PRESCRIPTION_YEARS, day=day) + timedelta(days=2)
    return on + timedelta(days=1)


def _load(svc: Services, ids: Sequence[UUID]) -> list[ContractAccount]:
    loader: Any = svc.app.bulk_loader
    loaded = loader(list(ids)) if loader is not None else {i: svc.app.find(ContractAccount, i) for i in ids}
    return [a for a in (loaded.get(i) for i in ids) if isinstance(a, ContractAccount)]


def write_off_candidates(svc: Services, reason: str, on: date, company: str | None = None,
                         batch: int = WRITE_OFF_SCREEN_BATCH) -> tuple[UUID, ...]:
    """The accounts a run for ``reason`` on ``on`` (of ``company``'s accounts, if named) proposes to write
    off, in id order."""
    svc.projections.catch_up()
    due_before = cutoff(reason, on).isoformat()
    size = max(1, batch)
    found: list[UUID] = []
    after, looked = "", 0
    while True:
        # Keyset pages in account id order: each page starts after the last id of the one before.
        page = svc.view.overdue_accounts(due_before, limit=size, after=after)
        looked += len(page)
        if looked > MAX_WRITE_OFF_RUN_CANDIDATES:
            raise InvalidInput(f"more than {MAX_WRITE_OFF_RUN_CANDIDATES} accounts to look at; choose an "
                               "earlier day", "on")
        accounts = _load(svc, [UUID(i) for i in page])
        if company is not None:  # the proposal's own test (ledger.parties.company.company_of)
            accounts = [a for a in accounts if svc.app.company_of(a).code == company]
        found += with_something_to_write_off(accounts, reason, on)
        # More than a run may hold: the proposal refuses it whatever the rest holds, so look no further.
        if len(page) < size or len(found) > MAX_WRITE_OFF_RUN_ACCOUNTS:
            return tuple(found)
        after = page[-1]
