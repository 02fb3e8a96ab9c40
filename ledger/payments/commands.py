"""Commands of payments: record, import, reverse and reset them; place or refund what waits in suspense.

Immutable value records, in the imperative.
"""


from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.payments.duplicates import ContentClaim
from ledger.payments.matching import MatchDecision, Receipt


@dataclass(frozen=True, slots=True)
class RecordPayment:
    """A payment a clerk records (counter, cheque, a bank line booked by hand).

    ``invoice_numbers`` are settled in the order given, each once: a number named twice counts once.
    ``payer_iban`` is kept in electronic form (spaces dropped, capitals); one that is not a valid IBAN is
    refused, naming the field, since a known IBAN routes the payer's later receipts.
    """

    account_id: UUID
    amount: Decimal
    received_on: date
    currency: str = "EUR"
    bank_account: str | None = None
    invoice_numbers: tuple[str, ...] = ()
    payer_name: str | None = None
    payer_iban: str | None = None
    reference: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReversePayment:
    account_id: UUID
    payment_id: str
    reason: str
    reversed_on: date | None = None


@dataclass(frozen=True, slots=True)
class ResetClearing:
    account_id: UUID
    payment_id: str
    reason: str
    reset_on: date | None = None


@dataclass(frozen=True, slots=True)
class ImportReceipt:
    """Book one receipt from a bank statement where the matching cascade decided (or park it in suspense).

    The idempotency fingerprint covers the receipt only, not the decision: importing the same entry again
    is a replay even if today's open items would be matched differently.

    ``content`` is given for a receipt the bank gave no reference of its own: the same content from an
    overlapping statement period is a duplicate and books nothing; from another period it is booked and
    parked as a possible duplicate (:mod:`ledger.payments.duplicates`). It is not part of the fingerprint
    either: the idempotency key already names the statement period.
    """

    receipt: Receipt
    bank_account: str
    decision: MatchDecision
    content: ContentClaim | None = None

    def idempotency_payload(self) -> Any:
        return (self.receipt, self.bank_account)

    def preload_ids(self) -> tuple[UUID, ...]:
        """What the handler will look up besides the matched account, loaded with the batch."""
        if self.content is None:
            return ()
        return (self.content.aggregate_id, self.content.legacy_record_id)


@dataclass(frozen=True, slots=True)
class AllocateSuspense:
    """A clerk places a parked receipt: on named invoices, oldest first, or only as credit on account.

    As on every other path, a shortfall within the company's ``payment_tolerance`` on the last item paid is
    written off; an invoice named twice counts once.
    """

    suspense_id: UUID
    account_id: UUID
    invoice_numbers: tuple[str, ...] = ()
    on_account_only: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class RefundSuspense:
    """Send a parked receipt back: to the IBAN it came from at once; to any other, once a second finance
    user approves (:class:`ApproveRefund`), until then it is only requested."""

    suspense_id: UUID
    to_iban: str
    to_name: str
    reason: str
    to_town: str = ""  # a payee address (town and country at least) is required on SEPA transfers
    to_country: str = ""


@dataclass(frozen=True, slots=True)
class ApproveRefund:
    """A finance user other than the one who asked approves a refund to another IBAN: the money leaves."""

    suspense_id: UUID
    note: str = ""


@dataclass(frozen=True, slots=True)
class RejectRefund:
    """A refund to another IBAN is not made, and why: the receipt waits on the worklist again."""

    suspense_id: UUID
    reason: str


#: Longest note or reason given when approving or rejecting a refund.
MAX_REFUND_NOTE_CHARS = 500


@dataclass(frozen=True, slots=True)
class RecordStatementFile:
    """Remember that a bank file was imported in full: nothing in it was refused (its key is its SHA-256).

    A replay is a replay whatever the file was called and whatever the report says: the bytes are the file.
    """

    sha256: str
    file_name: str
    report: tuple[tuple[str, str], ...]

    def idempotency_payload(self) -> Any:
        return self.sha256


#: Longest reason a clerk may give for accepting a statement whose balances do not add up.
MAX_OVERRIDE_REASON_CHARS = 500


@dataclass(frozen=True, slots=True)
class AcceptUnbalancedStatement:
    """A clerk imports a bank file whose balances do not add up (opening + booked ≠ closing), and says why.

    The statement readers refuse such a file: what the ledger books from it would not reconcile with what
    the bank says the account holds. A clerk who has checked with the bank (a fee booked on the next
    statement, a bank's own error) may accept it: this records on the file's record (keyed by its SHA-256)
    who accepted it, through which channel, why, and each mismatch the reader found, before anything of the
    file is booked. The first acceptance of a file stands: accepting the same bytes again replays it.
    """

    sha256: str
    file_name: str
    mismatches: tuple[str, ...]
    reason: str
    accepted_by: str
    channel: str

    def idempotency_payload(self) -> Any:
        return self.sha256
