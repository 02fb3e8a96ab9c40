"""Commands of direct debit: mandates, collection runs, settlement and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ledger.accounts.terms import PaymentMethod
from ledger.collections.review import ReportedReturn, ReviewProblem


@dataclass(frozen=True, slots=True)
class RegisterMandate:
    account_id: UUID
    reference: str
    signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None = None
    scheme: str = "CORE"


@dataclass(frozen=True, slots=True)
class ChangePaymentMethod:
    """How the account's items are paid: by bank transfer, or collected by direct debit (which needs an
    active mandate). The payment method lives on the contract account, not the contract: the account's
    items are what is paid or collected."""

    account_id: UUID
    payment_method: PaymentMethod


@dataclass(frozen=True, slots=True)
class ChangeMandateIban:
    """The portal's "change my IBAN": the next collection carries the amendment."""

    account_id: UUID
    new_iban: str
    new_bic: str | None = None


@dataclass(frozen=True, slots=True)
class RevokeMandate:
    account_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class ProposeCollectionRun:
    """Select, on the candidate accounts of ``company`` (the default company if None), the open items due
    by ``due_by`` for ``collection_date``: a run is one company's, as its pain.008 has one creditor."""

    due_by: date
    collection_date: date
    candidate_account_ids: tuple[UUID, ...]
    company: str | None = None

    def idempotency_payload(self) -> object:
        """The candidates come from the view and change as the run books: the key covers the dates (and the
        company when one is named, so that a run of the default company keys as it always did)."""
        if self.company is None:
            return (self.due_by, self.collection_date)
        return (self.due_by, self.collection_date, self.company)


@dataclass(frozen=True, slots=True)
class ExecuteCollectionRun:
    run_id: UUID


@dataclass(frozen=True, slots=True)
class DiscardCollectionRun:
    run_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class SettleCollection:
    account_id: UUID
    end_to_end_id: str
    settled_on: date


@dataclass(frozen=True, slots=True)
class ReturnCollection:
    """A reject (pain.002) or return (camt.054, R-transaction) of one collection, with its reason."""

    account_id: UUID
    end_to_end_id: str
    reason_code: str
    returned_on: date


@dataclass(frozen=True, slots=True)
class HoldReturnForReview:
    """A return the import would not apply on its own: it waits on the worklist for a person."""

    reported: ReportedReturn
    problem: ReviewProblem
    detail: str
    candidates: tuple[str, ...] = ()

    def idempotency_payload(self) -> object:
        """The same return reported again (another file, another place in it) is the same review."""
        return self.reported.identity()


@dataclass(frozen=True, slots=True)
class ApplyReviewedReturn:
    """The clerk names the collection a held return undoes: it is returned as if it had matched."""

    review_id: UUID
    account_id: UUID
    end_to_end_id: str
    note: str


@dataclass(frozen=True, slots=True)
class DismissReturnReview:
    """The clerk decides a held return is not to be booked (not ours, handled elsewhere), and why."""

    review_id: UUID
    reason: str
