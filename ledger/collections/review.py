"""Returns waiting for a person (insoluti da verificare, devolucions per revisar, selvitettävät palautukset).

A return or reject names the collection it undoes by our end-to-end id (or, when the bank gave none, by
mandate, amount and date). When what the bank says does not agree with what we sent (another amount,
another mandate, an end-to-end id or message we never wrote, a rejected block whose count or sum is not
ours), reversing a collection on the strength of it could reopen the wrong customer's invoices or charge a
fee to someone whose debit went through. Such a return is not applied: it becomes a
:class:`ReturnReview`, with what the bank said, why it was held and the collections it could be, and
waits on the finance clerk's direct-debit worklist until the clerk applies it to a collection or
dismisses it with a reason.

A review moves no money: the money moves when the return is applied (the account's
``CollectionReturned``), or never, if the clerk dismisses it. That keeps it apart from the suspense
worklist of :mod:`ledger.payments.receipts`, which holds receipts (money in) waiting for an invoice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput

#: Most candidate collections a review lists (the clerk narrows them down; the rest are in the view).
MAX_REVIEW_CANDIDATES = 20
#: Longest free text a clerk or the import writes on a review.
MAX_REVIEW_TEXT = 500


class ReviewProblem(enum.Enum):
    """Why a return was not applied on its own."""

    UNKNOWN_COLLECTION = "unknown-collection"  # an end-to-end id we never wrote
    UNKNOWN_MESSAGE = "unknown-message"  # a group or block reject of a message or block we did not send
    AMOUNT_DIFFERS = "amount-differs"
    MANDATE_DIFFERS = "mandate-differs"
    CURRENCY_DIFFERS = "currency-differs"
    NO_MATCH = "no-match"  # no end-to-end id, and no live collection by mandate, amount and date
    SEVERAL_MATCH = "several-match"  # no end-to-end id, and several collections could be it
    TOTALS_DIFFER = "totals-differ"  # a rejected group or block whose count or control sum is not ours
    ALREADY_RETURNED = "already-returned"  # the collection came back before, with another reason


@dataclass(frozen=True, slots=True)
class ReportedReturn:
    """What the bank said about one return, reject or rejected block, and where in which file.

    ``level`` is ``transaction``, ``payment`` (a ``PmtInf`` block) or ``group`` (a whole message).
    ``collection_date`` is the collection date the bank quotes (a pain.002's ``ReqdColltnDt``), if any.
    """

    source: str
    file_name: str
    where: str
    reason_code: str
    returned_on: date
    level: str = "transaction"
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    original_message_id: str | None = None
    payment_information_id: str | None = None
    collection_date: date | None = None

    def identity(self) -> tuple[object, ...]:
        """What makes two reports the same return, wherever they sit: not the file or place."""
        return (self.source.split(".")[0], self.level, self.reason_code, self.end_to_end_id, self.mandate_id,
                None if self.amount is None else str(self.amount), self.currency, self.original_message_id,
                self.payment_information_id)


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_REVIEW_TEXT:
        raise InvalidInput(f"{field} must be 1..{MAX_REVIEW_TEXT} characters", field)
    return value


class ReturnReview(Aggregate):
    """One return held for a person: open, then applied to a collection or dismissed."""

    class Opened(Aggregate.Created):
        reported: ReportedReturn
        problem: ReviewProblem
        detail: str
        candidates: tuple[str, ...]

    class Applied(Aggregate.Event):
        account_id: UUID
        end_to_end_id: str
        note: str
        applied_on: date

    class Dismissed(Aggregate.Event):
        reason: str
        dismissed_on: date

    @event(Opened)
    def __init__(self, id: UUID, reported: ReportedReturn, problem: ReviewProblem, detail: str,
                 candidates: tuple[str, ...]) -> None:
        self.reported = reported
        self.problem = problem
        self.detail = detail
        self.candidates = candidates
        self.status = "open"

    @classmethod
    def open(cls, review_id: UUID, reported: ReportedReturn, problem: ReviewProblem, detail: str,
             candidates: tuple[str, ...]) -> ReturnReview:
        return cls(review_id, reported, problem, detail[:MAX_REVIEW_TEXT],
                   tuple(candidates[:MAX_REVIEW_CANDIDATES]))

    def _check_open(self) -> None:
        if self.status != "open":
            raise Conflict(f"return review {self.id} is already {self.status}", "review_id")

    def apply_to(self, account_id: UUID, end_to_end_id: str, note: str, applied_on: date) -> None:
        """The clerk names the collection this return undoes; the account books the return itself."""
        self._check_open()
        self._applied(account_id, end_to_end_id, _text(note, "note"), applied_on)

    @event(Applied)
    def _applied(self, account_id: UUID, end_to_end_id: str, note: str, applied_on: date) -> None:
        self.status = "applied"

    def dismiss(self, reason: str, dismissed_on: date) -> None:
        """Not ours, or settled outside Saldo: nothing is booked, the reason is kept."""
        self._check_open()
        self._dismissed(_text(reason, "reason"), dismissed_on)

    @event(Dismissed)
    def _dismissed(self, reason: str, dismissed_on: date) -> None:
        self.status = "dismissed"
