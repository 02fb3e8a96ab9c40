"""Refunds of credit on account to the customer's IBAN (issue 11 item 5): proposal → approval → execution.

A :class:`CreditRefund` is the request and its decision; the money moves only at execution, on the account
(:class:`CreditRefunds`, a mixin of :class:`~ledger.accounts.account.ContractAccount`): Dr customer-credit /
Cr bank:<the company's IBAN>, and the credit on account goes down by as much (``credit_taken``, the view's
item-change protocol in :func:`projections.moves.account_moves`).

Four-eyes, as for refunds out of suspense (issue 10): a refund to the IBAN of the account's mandate or of
its last payer is approved as it is proposed (the money goes back where it came from); to any other IBAN a
second finance user, not the one who asked, must approve it. A rejected refund moves nothing. Execution
checks the credit is still there (a payment may have used it since): it never takes more than there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core import chart
from ledger.core.errors import Conflict
from ledger.core.money import Posting, entry

AWAITING_APPROVAL, APPROVED, REFUNDED, REJECTED = "awaiting-approval", "approved", "refunded", "rejected"


@dataclass(frozen=True, slots=True)
class Payee:
    iban: str
    name: str
    town: str
    country: str


class CreditRefund(Aggregate):
    class Requested(Aggregate.Created):
        account_id: UUID
        amount: Decimal
        payee: Payee
        reason: str
        requested_on: date
        requested_by: str
        own_iban: bool  #: the mandate's or the last payer's IBAN: no second approver needed

    class Approved(Aggregate.Event):
        approved_by: str
        approved_on: date
        note: str

    class Rejected(Aggregate.Event):
        rejected_by: str
        rejected_on: date
        reason: str

    class Executed(Aggregate.Event):
        refunded_on: date
        from_iban: str

    @event(Requested)
    def __init__(self, id: UUID, account_id: UUID, amount: Decimal, payee: Payee, reason: str,
                 requested_on: date, requested_by: str, own_iban: bool) -> None:
        self.account_id = account_id
        self.amount = amount
        self.payee = payee
        self.reason = reason
        self.requested_on = requested_on
        self.requested_by = requested_by
        self.own_iban = own_iban
        self.status = APPROVED if own_iban else AWAITING_APPROVAL
        self.approved_by: str | None = requested_by if own_iban else None
        self.refunded_on: date | None = None
        self.from_iban: str | None = None

    def _expect(self, status: str) -> None:
        if self.status != status:
            raise Conflict(f"credit refund {self.id} is {self.status}, not {status}", "refund_id")

    @event(Approved)
    def _approved(self, approved_by: str, approved_on: date, note: str) -> None:
        self.status = APPROVED
        self.approved_by = approved_by

    def approve(self, approved_by: str, on: date, note: str) -> None:
        self._expect(AWAITING_APPROVAL)
        self._approved(approved_by, on, note)

    @event(Rejected)
    def _rejected(self, rejected_by: str, rejected_on: date, reason: str) -> None:
        self.status = REJECTED

    def reject(self, rejected_by: str, on: date, reason: str) -> None:
        if self.status not in (AWAITING_APPROVAL, APPROVED):
            raise Conflict(f"credit refund {self.id} is {self.status}", "refund_id")
        self._rejected(rejected_by, on, reason)

    @event(Executed)
    def _executed(self, refunded_on: date, from_iban: str) -> None:
        self.status = REFUNDED
        self.refunded_on = refunded_on
        self.from_iban = from_iban

    def executed(self, on: date, from_iban: str) -> None:
        self._expect(APPROVED)
        self._executed(on, from_iban)


class CreditRefunds(Aggregate):
    """The credit-refund part of the contract account; never created on its own."""

    if TYPE_CHECKING:  # provided by ContractAccount
        credit: Decimal

        @property
        def key(self) -> str: ...

    class CreditRefunded(Aggregate.Event):
        refund_id: str
        refunded_on: date
        to_iban: str
        credit_taken: Decimal
        postings: tuple[Posting, ...]

    def refund_credit(self, refund_id: str, amount: Decimal, to_iban: str, from_iban: str, on: date) -> None:
        if amount > self.credit:
            raise Conflict(f"the account holds {self.credit} of credit, less than the {amount} to refund",
                           "refund_id")
        postings = entry(Posting.debit(chart.CUSTOMER_CREDIT, amount, self.key, refund_id),
                         Posting.credit(chart.bank(from_iban), amount, None, refund_id))
        self._credit_refunded(refund_id, on, to_iban, amount, postings)

    @event(CreditRefunded)
    def _credit_refunded(self, refund_id: str, refunded_on: date, to_iban: str, credit_taken: Decimal,
                         postings: tuple[Posting, ...]) -> None:
        self.credit -= credit_taken
