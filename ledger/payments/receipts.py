"""Receipts waiting for a person (sospesi / partides pendents / selvittelytili).

A receipt the matching cascade could not place is booked Dr bank / Cr suspense and waits here. A clerk
then allocates it to a contract account (the account books Dr suspense / Cr receivables), or refunds it
(Dr suspense / Cr bank, with a credit transfer file).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core import chart
from ledger.core.errors import Conflict
from ledger.core.ids import name_id
from ledger.core.money import Posting, entry
from ledger.payments.matching import Receipt


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
        self.status = "open"
        self.refund_to: tuple[str, str, str, str, date] | None = None

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

    def _check_open(self) -> None:
        if self.status != "open":
            raise Conflict(f"receipt {self.id} is already {self.status}", "suspense_id")

    def allocate(self, account_id: UUID, payment_id: str, allocated_on: date, note: str) -> None:
        """Hand the money to a contract account; the account's PaymentReceived books it out of suspense."""
        self._check_open()
        self._allocated(account_id, payment_id, allocated_on, note)

    @event(Allocated)
    def _allocated(self, account_id: UUID, payment_id: str, allocated_on: date, note: str) -> None:
        self.status = "allocated"

    def refund(self, to_iban: str, to_name: str, to_town: str, to_country: str, refunded_on: date,
               reason: str) -> None:
        """Send the money back (a pain.001 credit transfer): Dr suspense / Cr bank."""
        self._check_open()
        document = f"RFD-{self.id.hex[:12]}"
        postings = entry(Posting.debit(chart.SUSPENSE, self.amount, None, document),
                         Posting.credit(chart.bank(self.bank_account), self.amount, None, document))
        self._refunded(self.receipt.currency, to_iban, to_name, to_town, to_country, refunded_on, reason,
                       postings)

    @event(Refunded)
    def _refunded(self, currency: str, to_iban: str, to_name: str, to_town: str, to_country: str,
                  refunded_on: date, reason: str, postings: tuple[Posting, ...]) -> None:
        self.status = "refunded"
        self.refund_to = (to_name, to_iban, to_town, to_country, refunded_on)


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
