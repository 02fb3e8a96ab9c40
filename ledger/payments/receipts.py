"""Receipts waiting for a person (sospesi / partides pendents / selvittelytili).

A receipt the matching cascade could not place is booked Dr bank / Cr suspense and waits here. A clerk
then allocates it to a contract account (the account books Dr suspense / Cr receivables), or refunds it
(Dr suspense / Cr bank, with a credit transfer file).

A refund goes back to the IBAN the money came from (:meth:`SuspenseItem.refund`). One to any other IBAN is
only requested (:meth:`SuspenseItem.request_refund`, naming who asked): a second finance user approves it
(:meth:`SuspenseItem.approve_refund`, naming who approved), and only then is the money booked out and the
transfer written; or the request is rejected and the receipt waits again. Four-eyes, as two events, so
money cannot leave to an account one person chose alone (issue 10; the rule on who may approve is the
handler's, which knows the actor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core import chart
from ledger.core.errors import Conflict
from ledger.core.ids import name_id
from ledger.core.money import Posting, entry
from ledger.parties.identifiers import known_iban
from ledger.payments.matching import Receipt

#: The statuses of a parked receipt: waiting, placed on an account, refunded, or a refund awaiting approval.
OPEN, ALLOCATED, REFUNDED, AWAITING_APPROVAL = "open", "allocated", "refunded", "awaiting-approval"


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """A refund to an IBAN the money did not come from, as requested, until a second person decides."""

    to_iban: str
    to_name: str
    to_town: str
    to_country: str
    reason: str
    requested_on: date
    requested_by: str
    requested_role: str | None


class SuspenseItem(Aggregate):
    class Parked(Aggregate.Created):
        receipt: Receipt
        bank_account: str
        reason: str
        postings: tuple[Posting, ...]

    class Allocated(Aggregate.Event):
        account_id: UUID
        payment_id: str
        allocated_on: date
        note: str

    class Refunded(Aggregate.Event):
        currency: str
        to_iban: str
        to_name: str
        to_town: str
        to_country: str
        refunded_on: date
        reason: str
        postings: tuple[Posting, ...]

    class RefundRequested(Aggregate.Event):
        """A refund to another IBAN than the payer's was asked for, by ``requested_by``: no money moves."""

        to_iban: str
        to_name: str
        to_town: str
        to_country: str
        reason: str
        requested_on: date
        requested_by: str
        requested_role: str | None

    class RefundApproved(Aggregate.Event):
        """A second finance user approved the requested refund: the money leaves (Dr suspense / Cr bank)."""

        currency: str
        refunded_on: date
        approved_by: str
        note: str
        postings: tuple[Posting, ...]

    class RefundRejected(Aggregate.Event):
        """The requested refund is not made; the receipt waits for a person again."""

        rejected_on: date
        rejected_by: str
        reason: str

    @event(Parked)
    def __init__(
        self,
        id: UUID,
        receipt: Receipt,
        bank_account: str,
        reason: str,
        postings: tuple[Posting, ...],
    ) -> None:
        self.receipt = receipt
        self.bank_account = bank_account
        self.reason = reason
        self.status = OPEN
        self.refund_to: tuple[str, str, str, str, date] | None = None
        self.refund_request: RefundRequest | None = None
        self.approved_by: str | None = None

    @classmethod
    def park(cls, item_id: UUID, receipt: Receipt, bank_account: str, reason: str) -> SuspenseItem:
        document = f"SUS-{item_id.hex[:12]}"
        postings = entry(
            Posting.debit(chart.bank(bank_account), receipt.amount, None, document),
            Posting.credit(chart.SUSPENSE, receipt.amount, None, document),
        )
        return cls(item_id, receipt, bank_account, reason, postings)

    @property
    def amount(self) -> Decimal:
        return self.receipt.amount

    @property
    def paid_from(self) -> str | None:
        """The IBAN the money came from, in electronic form, if the bank gave a valid one."""
        return known_iban(self.receipt.payer_iban)

    def _check_open(self) -> None:
        if self.status != OPEN:
            raise Conflict(f"receipt {self.id} is already {self.status}", "suspense_id")

    def allocate(self, account_id: UUID, payment_id: str, allocated_on: date, note: str) -> None:
        """Hand the money to a contract account; the account's PaymentReceived books it out of suspense."""
        self._check_open()
        self._allocated(account_id, payment_id, allocated_on, note)

    @event(Allocated)
    def _allocated(self, account_id: UUID, payment_id: str, allocated_on: date, note: str) -> None:
        self.status = ALLOCATED

    def refund(self, to_iban: str, to_name: str, to_town: str, to_country: str, refunded_on: date,
               reason: str) -> None:
        """Send the money back to the IBAN it came from (a pain.001 transfer): Dr suspense / Cr bank."""
        self._check_open()
        if to_iban != self.paid_from:
            came_from = self.paid_from or "an unknown IBAN"
            raise Conflict(f"receipt {self.id} came from {came_from}, not {to_iban}: a refund elsewhere "
                           "needs a second finance user's approval", "to_iban")
        self._refunded(self.receipt.currency, to_iban, to_name, to_town, to_country, refunded_on, reason,
                       self._refund_postings())

    def _refund_postings(self) -> tuple[Posting, ...]:
        document = f"RFD-{self.id.hex[:12]}"
        return entry(Posting.debit(chart.SUSPENSE, self.amount, None, document),
                     Posting.credit(chart.bank(self.bank_account), self.amount, None, document))

    @event(Refunded)
    def _refunded(self, currency: str, to_iban: str, to_name: str, to_town: str, to_country: str,
                  refunded_on: date, reason: str, postings: tuple[Posting, ...]) -> None:
        self.status = REFUNDED
        self.refund_to = (to_name, to_iban, to_town, to_country, refunded_on)

    def request_refund(self, request: RefundRequest) -> None:
        """Ask for a refund to an IBAN the money did not come from; it waits for a second person."""
        self._check_open()
        self._refund_requested(request.to_iban, request.to_name, request.to_town, request.to_country,
                               request.reason, request.requested_on, request.requested_by,
                               request.requested_role)

    @event(RefundRequested)
    def _refund_requested(self, to_iban: str, to_name: str, to_town: str, to_country: str, reason: str,
                          requested_on: date, requested_by: str, requested_role: str | None) -> None:
        self.status = AWAITING_APPROVAL
        self.refund_request = RefundRequest(to_iban, to_name, to_town, to_country, reason, requested_on,
                                            requested_by, requested_role)

    def awaiting_refund(self) -> RefundRequest:
        """The refund awaiting approval, or a Conflict if there is none."""
        if self.status != AWAITING_APPROVAL or self.refund_request is None:
            raise Conflict(f"receipt {self.id} has no refund awaiting approval (it is {self.status})",
                           "suspense_id")
        return self.refund_request

    def approve_refund(self, approved_by: str, refunded_on: date, note: str) -> RefundRequest:
        """The requested refund is approved (who may approve is the handler's rule): the money leaves."""
        request = self.awaiting_refund()
        self._refund_approved(self.receipt.currency, refunded_on, approved_by, note, self._refund_postings())
        return request

    @event(RefundApproved)
    def _refund_approved(self, currency: str, refunded_on: date, approved_by: str, note: str,
                         postings: tuple[Posting, ...]) -> None:
        request = self.refund_request
        if request is None:  # an approval always follows its request in the stream
            raise Conflict(f"receipt {self.id}: an approval without a request", "suspense_id")
        self.status = REFUNDED
        self.refund_to = (request.to_name, request.to_iban, request.to_town, request.to_country, refunded_on)
        self.approved_by = approved_by

    def reject_refund(self, rejected_by: str, rejected_on: date, reason: str) -> None:
        """The requested refund is not made: the receipt waits again, for an allocation or another refund."""
        self.awaiting_refund()
        self._refund_rejected(rejected_on, rejected_by, reason)

    @event(RefundRejected)
    def _refund_rejected(self, rejected_on: date, rejected_by: str, reason: str) -> None:
        self.status = OPEN
        self.refund_request = None


class StatementFile(Aggregate):
    """A bank file that was imported, keyed by the SHA-256 of its bytes, with its import report.

    A file is recorded only once it is imported **in full**: every entry booked, parked in suspense, or
    not a receipt (outgoing, pending, another currency, a return), and none refused. A file with a refused
    entry (an amount of 12.345 or 0.00) is not recorded, so importing it again reads it again: what was
    booked replays, and the refused entries are reported again, never counted as duplicates.

    Records written before that rule (issue 9) were written whatever had been refused, and their report
    does not say; they are not :attr:`in_full`, so such a file is read once more, which books what was
    refused then (the second receipt of a reused bank reference) and replays the rest, and the record is
    then confirmed.

    A file whose balances do not add up is imported only once a clerk has accepted it
    (:meth:`accept_unbalanced`, before its entries are booked): the record then starts with an empty report
    (not in full) and the acceptance, naming who and why; :attr:`unbalanced_accepted` holds it, so an
    import that is re-run after a crash goes on under the same acceptance.
    """

    class Recorded(Aggregate.Created):
        sha256: str
        file_name: str
        report: dict[str, Any]

    class ConfirmedInFull(Aggregate.Event):
        report: dict[str, Any]

    class UnbalancedAccepted(Aggregate.Event):
        mismatches: tuple[str, ...]
        reason: str
        accepted_by: str
        channel: str
        accepted_on: date

    @event(Recorded)
    def __init__(self, id: UUID, sha256: str, file_name: str, report: dict[str, Any]) -> None:
        self.sha256 = sha256
        self.file_name = file_name
        self.report = report
        self.unbalanced_accepted: dict[str, Any] | None = None

    @staticmethod
    def id_for(sha256: str) -> UUID:
        return name_id("statement-file", sha256)

    @property
    def in_full(self) -> bool:
        """Whether the file is known to have been imported with nothing refused."""
        return self.report.get("refused") == "0"

    def confirm_in_full(self, report: dict[str, Any]) -> None:
        """An older record, read again with nothing refused this time."""
        if not self.in_full:
            self._confirmed_in_full(report)

    @event(ConfirmedInFull)
    def _confirmed_in_full(self, report: dict[str, Any]) -> None:
        self.report = report

    def accept_unbalanced(self, mismatches: tuple[str, ...], reason: str, accepted_by: str, channel: str,
                          accepted_on: date) -> None:
        """A clerk accepts the file although its balances do not add up; the first acceptance stands."""
        if self.unbalanced_accepted is None:
            self._unbalanced_accepted(mismatches, reason, accepted_by, channel, accepted_on)

    @event(UnbalancedAccepted)
    def _unbalanced_accepted(self, mismatches: tuple[str, ...], reason: str, accepted_by: str, channel: str,
                             accepted_on: date) -> None:
        self.unbalanced_accepted = {"mismatches": list(mismatches), "reason": reason,
                                    "accepted_by": accepted_by, "channel": channel,
                                    "accepted_on": accepted_on.isoformat()}
