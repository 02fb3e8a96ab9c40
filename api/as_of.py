"""The ``as_of`` and ``known_at`` query parameters of the account reads (issue 10, "as-of, both times").

``as_of`` is a business date (valid time): what was due and open on that day. ``known_at`` is a moment
(record time): only what had been recorded by then. Without either, a read is the live one, unchanged;
with one, the other defaults to today (the application's clock) or to now. See :mod:`projections.as_of`
for what each time filters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from api.deps import ServicesDep
from ledger.accounts.account import ContractAccount
from ledger.core.errors import InvalidInput, NotFound
from projections.as_of import PointInTime
from projections.history import account_as_of


def recorded_now() -> datetime:
    """The moment "now" in record time: the events' recording timestamps are UTC wall-clock times."""
    return datetime.now(UTC)


AS_OF_HELP = ("business date (YYYY-MM-DD): what was due and open on that day; default today when "
              "known_at is given")
KNOWN_AT_HELP = ("moment with a time zone (ISO 8601, e.g. 2027-01-15T09:00:00Z): using only what had been "
                 "recorded by then; default now when as_of is given")


def point_in_time(svc: ServicesDep,
                  as_of: Annotated[date | None, Query(description=AS_OF_HELP)] = None,
                  known_at: Annotated[datetime | None, Query(description=KNOWN_AT_HELP)] = None
                  ) -> PointInTime | None:
    """The point in time asked for, or None for the live answer; a moment in the future is refused."""
    if as_of is None and known_at is None:
        return None
    now = recorded_now()
    if known_at is not None:
        if known_at.tzinfo is None or known_at.utcoffset() is None:
            raise InvalidInput(f"known_at {known_at.isoformat()} needs a time zone (Z or an offset such as "
                               "+01:00)", "query.known_at")
        if known_at > now:
            raise InvalidInput(f"known_at {known_at.isoformat()} is in the future (now is "
                               f"{now.isoformat(timespec='seconds')}): nothing is known yet",
                               "query.known_at")
    return PointInTime(as_of or svc.app.today(), known_at or now)


AsOfDep = Annotated[PointInTime | None, Depends(point_in_time)]


def not_yet_known(account_id: UUID, at: PointInTime) -> NotFound:
    return NotFound(f"contract account {account_id} was not yet recorded at {at.known_at.isoformat()}",
                    "account_id")


def replayed_account(svc: ServicesDep, account_id: UUID, at: PointInTime) -> ContractAccount:
    """The account as of ``at`` from its events (dunning state, plans); 404 if unknown then or ever."""
    account = account_as_of(svc.app, account_id, at)
    if account is None:
        if svc.app.find(ContractAccount, account_id) is None:
            raise NotFound(f"contract account {account_id} does not exist", "account_id")
        raise not_yet_known(account_id, at)
    return account
