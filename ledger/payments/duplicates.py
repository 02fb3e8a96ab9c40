"""Receipts without a bank reference: one payment, or two that look alike? (issue 9, finding 6)

A receipt the bank gave no reference of its own is known by its content: account, amount, dates, payer,
text (:meth:`~ledger.payments.bank_entries.BankEntry.content_hash`, with ``#n`` for the n-th identical
one of a file). The same content is the same payment only when it comes in statements of the same
account whose **periods overlap** (:class:`~ledger.payments.bank_entries.StatementPeriod`): the same
file again, a statement re-sent, a monthly statement over the daily ones. In a statement of another
period it is another payment (a customer paying the same 25.00 twice, two intraday notifications):
it is booked, and since a person should look, it waits in the clarification worklist (suspense) as a
**possible duplicate**, naming where the look-alike was booked, instead of being allocated blind.

:class:`ReceiptContent` remembers, per content and occurrence, every statement period it was booked in.
It is saved in the transaction of the booking, so two imports racing on the same content cannot both
decide "new": one loses the optimistic-concurrency race, its batch is run again, and then it sees the
other's period.

Content imported before periods were kept (under the key ``bank:sha256:<hash>#n``) counts as seen in an
overlapping period: that is how it was deduplicated then, and it keeps a re-import from booking it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.idempotency import record_id
from ledger.core.ids import name_id
from ledger.payments.bank_entries import StatementPeriod

__all__ = ["DUPLICATE", "POSSIBLE_DUPLICATE", "ContentClaim", "ReceiptContent", "Sighting",
           "legacy_record_id", "possible_duplicate_reason"]

#: The rule of an imported receipt found to be one booked already (same content, overlapping period).
DUPLICATE = "duplicate"
#: How the reason of a receipt parked as a possible duplicate begins (the worklist can filter on it).
POSSIBLE_DUPLICATE = "possible duplicate"

#: Longest description of where a receipt was read (file, line, element path, statement), in characters.
MAX_WHERE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class ContentClaim:
    """What an imported receipt without a bank reference says about itself, for the duplicate check.

    ``content_key`` is the entry's content fingerprint with its occurrence (``sha256:<hash>#n``);
    ``where`` is the file, line and statement it was read from, for the person who compares.
    """

    content_key: str
    period: StatementPeriod
    where: str

    def __post_init__(self) -> None:
        if not self.content_key.startswith("sha256:"):
            raise ValueError(f"a content claim needs a content fingerprint, got {self.content_key!r}")
        if len(self.where) > MAX_WHERE_LENGTH:
            object.__setattr__(self, "where", self.where[: MAX_WHERE_LENGTH - 1] + "…")

    @property
    def aggregate_id(self) -> UUID:
        return ReceiptContent.id_for(self.content_key)

    @property
    def legacy_record_id(self) -> UUID:
        return legacy_record_id(self.content_key)


def legacy_record_id(content_key: str) -> UUID:
    """The idempotency record older imports wrote for this content (key ``bank:sha256:<hash>#n``)."""
    return record_id("ImportReceipt", f"bank:{content_key}")


@dataclass(frozen=True, slots=True)
class Sighting:
    """One statement period in which a receipt of this content was booked, and where it was read."""

    start: datetime
    end: datetime
    where: str

    @property
    def period(self) -> StatementPeriod:
        return StatementPeriod(self.start, self.end)


class ReceiptContent(Aggregate):
    """Every statement period in which a receipt with one content (and occurrence number) was booked."""

    class FirstBooked(Aggregate.Created):
        content_key: str
        start: datetime
        end: datetime
        where: str

    class BookedAgain(Aggregate.Event):
        start: datetime
        end: datetime
        where: str

    @event(FirstBooked)
    def __init__(self, id: UUID, content_key: str, start: datetime, end: datetime, where: str) -> None:
        self.content_key = content_key
        self.sightings: list[Sighting] = [Sighting(start, end, where)]

    @staticmethod
    def id_for(content_key: str) -> UUID:
        return name_id("receipt-content", content_key)

    @classmethod
    def first(cls, claim: ContentClaim) -> ReceiptContent:
        return cls(claim.aggregate_id, claim.content_key, claim.period.start, claim.period.end, claim.where)

    def overlapping(self, period: StatementPeriod) -> Sighting | None:
        """The booking of this content in a statement whose period overlaps ``period``, if any."""
        return next((s for s in self.sightings if s.period.overlaps(period)), None)

    def book_again(self, claim: ContentClaim) -> None:
        """Another payment with this content, from a statement of a period not seen before."""
        self._booked_again(claim.period.start, claim.period.end, claim.where)

    @event(BookedAgain)
    def _booked_again(self, start: datetime, end: datetime, where: str) -> None:
        self.sightings.append(Sighting(start, end, where))


def possible_duplicate_reason(claim: ContentClaim, earlier: Sighting, cascade: str) -> str:
    """Why a receipt waits in the worklist although it may be matched: a person compares the two."""
    return (f"{POSSIBLE_DUPLICATE}: a receipt with the same amount, dates, payer and text was booked from "
            f"{earlier.where}; that statement's period does not overlap this one ({claim.where}), so this "
            f"is booked as another payment and waits here to be confirmed. The matching cascade said: "
            f"{cascade}")
