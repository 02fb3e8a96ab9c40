"""Dunning locks: what stops dunning, for the whole account or for one open item, until when.

>>> from datetime import date
>>> lock = Lock(LockKind.DISPUTE, "customer disputes the June bill", date(2026, 7, 31), "item-7")
>>> lock.active_on(date(2026, 7, 31)), lock.active_on(date(2026, 8, 1)), lock.covers_account
(True, False, False)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class LockKind(enum.Enum):
    DISPUTE = "dispute"
    INSTALMENT_PLAN = "instalment_plan"
    COLLECTION_IN_TRANSIT = "collection_in_transit"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Lock:
    """A reason not to dun. ``until`` is the last locked day (``None``: until lifted);
    ``item_id`` limits the lock to one open item (``None``: the whole account)."""

    kind: LockKind
    reason: str
    until: date | None = None
    item_id: str | None = None

    def active_on(self, day: date) -> bool:
        return self.until is None or day <= self.until

    @property
    def covers_account(self) -> bool:
        return self.item_id is None
