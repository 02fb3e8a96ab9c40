"""Contract account (conto contrattuale): the receivables side of a customer.

Open items, credit on account and the payments received live together on one aggregate, so that
clearing changes the balance and the open items in one event, atomically. Every event here that moves
money carries balanced postings (architecture.md §3); the sub-ledger (items, credit) and the general
ledger (postings) are recorded side by side so that each can be checked against the other.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.accounts import archiving
from ledger.accounts.clearing import (
    Allocation,
    ItemKind,
    OpenItem,
    allocate,
    apply_allocations,
    clearing_order,
    total,
)
from ledger.accounts.credit_refunds import CreditRefunds
from ledger.accounts.deposits import Deposits
from ledger.accounts.payments_received import (
    ReceivedPayment,
    receipt_postings,
    reset_postings,
    reversal_postings,
    shortfall_item,
    within_tolerance,
)
from ledger.accounts.terms import PaymentMethod
from ledger.accounts.write_offs import WriteOffs
from ledger.collections.account_part import DirectDebit
from ledger.core import chart
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.money import ZERO, Posting, entry
from ledger.dunning.account_part import Dunning
from ledger.dunning.account_plans import InstalmentPlans


class ContractAccount(CreditRefunds, WriteOffs, Deposits, Dunning, InstalmentPlans, DirectDebit):
    # Events are declared explicitly: they are the read models' and the auditors' contract, so their
    # fields are written down here rather than inferred from method signatures.
    class Opened(Aggregate.Created):
        partner_id: UUID
        name: str
        currency: str
        payment_terms_days: int
        payment_method: PaymentMethod
        company: str | None = None  # issue 11; None (and every older event): the default company

    class InvoicePosted(Aggregate.Event):
        item: OpenItem
        postings: tuple[Posting, ...]

    class CreditNotePosted(Aggregate.Event):
        document_id: str
        number: str
        gross: Decimal
        corrects_item_id: str
        allocations: tuple[Allocation, ...]
        to_credit: Decimal
        posted_on: date
        postings: tuple[Posting, ...]

    class PaymentReceived(Aggregate.Event):
        payment_id: str
        amount: Decimal
        received_on: date
        source_account: str  # GL account debited: bank:<iban>, or suspense when allocated from there
        payer_iban: str | None
        allocations: tuple[Allocation, ...]
        written_off: tuple[Allocation, ...]  # small differences cleared within the tolerance
        to_credit: Decimal
        rule: str
        evidence: str
        postings: tuple[Posting, ...]

    class PaymentReversed(Aggregate.Event):
        payment_id: str
        reversed_on: date
        reason: str
        reopened: tuple[Allocation, ...]
        credit_back: Decimal
        shortfall_item: OpenItem | None
        postings: tuple[Posting, ...]

    class ClearingReset(Aggregate.Event):
        payment_id: str
        reset_on: date
        reason: str
        reopened: tuple[Allocation, ...]
        credit_added: Decimal
        postings: tuple[Posting, ...]

    class CreditApplied(Aggregate.Event):
        applied_on: date
        allocations: tuple[Allocation, ...]
        postings: tuple[Posting, ...]

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        partner_id: UUID,
        name: str,
        currency: str,
        payment_terms_days: int,
        payment_method: PaymentMethod,
        company: str | None = None,
    ) -> None:
        self.company = company
        self.partner_id = partner_id
        self.name = name
        self.currency = currency
        self.payment_terms_days = payment_terms_days
        self.payment_method = payment_method
        self.items: dict[str, OpenItem] = {}
        self.credit = ZERO
        self.payments: dict[str, ReceivedPayment] = {}
        self.item_seq = 0
        self.mandate = None
        self.collections = {}
        self.dd_attempts = {}
        self.dd_blocked = frozenset()
        self.mandate_history = ()

    # -- queries ---------------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        """This account's id as it appears on postings."""
        return str(self.id)

    settled_for_good, archive_names = archiving.settled_for_good, archiving.ARCHIVE_NAMES  # kept out of
    compact_records = archiving.COMPACT_RECORDS  # snapshots: cleared items; open ones kept as rows
    @property
    def open_total(self) -> Decimal:
        return sum((i.open_amount for i in archiving.live_values(self.items)), ZERO)

    @property
    def balance(self) -> Decimal:
        """What the customer owes: open items less credit on account (negative: we owe them)."""
        return self.open_total - self.credit

    def open_items(self) -> list[OpenItem]:
        return clearing_order(archiving.live_values(self.items))

    def item_by_number(self, document_number: str) -> OpenItem:
        return archiving.item_by_number(self.items, document_number, self.id)

    def _check_currency(self, currency: str) -> None:
        if currency != self.currency:
            raise InvalidInput(f"account {self.id} is kept in {self.currency}, not {currency}", "currency")

    # -- invoices and credit notes ---------------------------------------------------------------------

    def post_invoice(
        self,
        document_id: UUID,
        number: str,
        gross: Decimal,
        gl_credits: tuple[Posting, ...],
        posted_on: date,
        due_date: date,
        payment_reference: str | None,
        kind: ItemKind = ItemKind.INVOICE,
    ) -> None:
        """Open a receivable for an issued invoice: Dr receivables / Cr revenue, VAT (``gl_credits``)."""
        item_id = document_id.hex
        if item_id in self.items:
            raise Conflict(f"document {number} is already posted on this account")
        item = OpenItem(
            item_id, number, kind, gross, gross, due_date, posted_on, payment_reference, self.item_seq + 1
        )
        postings = entry(Posting.debit(chart.RECEIVABLES, gross, self.key, number), *gl_credits)
        self._invoice_posted(item, postings)
        if self.credit > 0:
            self.apply_credit(posted_on)

    @event(InvoicePosted)
    def _invoice_posted(self, item: OpenItem, postings: tuple[Posting, ...]) -> None:
        self.items[item.item_id] = item
        self.item_seq = item.seq

    def post_credit_note(
        self,
        document_id: UUID,
        number: str,
        gross: Decimal,
        gl_debits: tuple[Posting, ...],
        corrects_item_id: str,
        posted_on: date,
    ) -> None:
        """Book a credit note against the invoice it corrects; what it no longer owes goes to credit.

        Dr revenue, VAT (``gl_debits``) / Cr receivables (the corrected item, as far as it is open)
        / Cr customer-credit (the rest, e.g. the invoice was already paid).
        """
        corrected = self.items.get(corrects_item_id)
        if corrected is None:
            raise InvalidInput("the corrected invoice is not on this account", "corrects")
        allocations, to_credit = allocate(gross, [corrected], named=[corrects_item_id])
        postings = entry(
            *gl_debits,
            Posting.credit(chart.RECEIVABLES, total(allocations), self.key, number),
            Posting.credit(chart.CUSTOMER_CREDIT, to_credit, self.key, number),
        )
        self._credit_note_posted(
            document_id.hex, number, gross, corrects_item_id, allocations, to_credit, posted_on, postings
        )

    @event(CreditNotePosted)
    def _credit_note_posted(
        self,
        document_id: str,
        number: str,
        gross: Decimal,
        corrects_item_id: str,
        allocations: tuple[Allocation, ...],
        to_credit: Decimal,
        posted_on: date,
        postings: tuple[Posting, ...],
    ) -> None:
        apply_allocations(self.items, allocations, -1)
        self.credit += to_credit

    # -- payments --------------------------------------------------------------------------------------

    def receive_payment(
        self,
        payment_id: str,
        amount: Decimal,
        currency: str,
        received_on: date,
        source_account: str,
        named_items: tuple[str, ...] = (),
        rule: str = "manual",
        evidence: str = "",
        payer_iban: str | None = None,
        tolerance: Decimal = ZERO,
        on_account_only: bool = False,
    ) -> None:
        """Record an incoming payment and clear open items: Dr bank / Cr receivables, excess to credit.

        ``source_account`` is the GL account the money is on (``bank:<iban>``, or ``suspense`` when a clerk
        allocates a parked receipt). When the payment falls short of the items it pays by no more than
        ``tolerance``, the difference is written off to ``payment-differences`` so no cent-sized item is
        left to dun.
        """
        self._check_currency(currency)
        if payment_id in self.payments:
            raise Conflict(f"payment {payment_id} is already recorded on this account")
        allocations: tuple[Allocation, ...]
        if on_account_only:  # the clerk wants the money kept as credit, clearing nothing yet
            allocations, to_credit = (), amount
        else:
            # Named: those items, live or not; unnamed: oldest due first, read as far as the money goes.
            in_order = None if named_items else archiving.in_order(self.items)
            allocations, to_credit = allocate(amount, archiving.among(self.items, named_items), named_items,
                                              in_order=in_order)
        written_off = within_tolerance(self.items, allocations, named_items, to_credit, tolerance)
        document = f"PAY-{payment_id[:12]}"
        postings = receipt_postings(
            self.key, document, source_account, amount, allocations, written_off, to_credit
        )
        self._payment_received(
            payment_id,
            amount,
            received_on,
            source_account,
            payer_iban,
            allocations,
            written_off,
            to_credit,
            rule,
            evidence,
            postings,
        )

    @event(PaymentReceived)
    def _payment_received(
        self,
        payment_id: str,
        amount: Decimal,
        received_on: date,
        source_account: str,
        payer_iban: str | None,
        allocations: tuple[Allocation, ...],
        written_off: tuple[Allocation, ...],
        to_credit: Decimal,
        rule: str,
        evidence: str,
        postings: tuple[Posting, ...],
    ) -> None:
        apply_allocations(self.items, allocations, -1)
        apply_allocations(self.items, written_off, -1)
        self.credit += to_credit
        self.payments[payment_id] = ReceivedPayment(
            payment_id, amount, source_account, allocations, to_credit, written_off
        )

    def _live_payment(self, payment_id: str) -> ReceivedPayment:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise InvalidInput(f"payment {payment_id} is not on account {self.id}", "payment_id")
        if payment.reversed:
            raise Conflict(f"payment {payment_id} is already reversed", "payment_id")
        return payment

    def reverse_payment(self, payment_id: str, reversed_on: date, reason: str) -> None:
        """Undo a payment (bank recall, booked on the wrong account): its items reopen, its credit goes.

        Credit the payment left that was since used on other bills cannot be taken back from them; that
        part opens a new item of kind REVERSAL, due at once, so the customer still owes exactly the money
        that never arrived.
        """
        payment = self._live_payment(payment_id)
        credit_back = min(payment.to_credit, self.credit)
        shortfall = payment.to_credit - credit_back
        document = f"REV-{payment_id[:12]}"
        owed = None
        if shortfall > 0:
            owed = shortfall_item(payment_id, document, shortfall, reversed_on, self.item_seq + 1)
        reopened = (*payment.allocations, *payment.written_off)
        postings = reversal_postings(self.key, document, payment, reopened, credit_back, shortfall)
        self._payment_reversed(payment_id, reversed_on, reason, reopened, credit_back, owed, postings)

    @event(PaymentReversed)
    def _payment_reversed(
        self,
        payment_id: str,
        reversed_on: date,
        reason: str,
        reopened: tuple[Allocation, ...],
        credit_back: Decimal,
        shortfall_item: OpenItem | None,
        postings: tuple[Posting, ...],
    ) -> None:
        apply_allocations(self.items, reopened, +1)
        self.credit -= credit_back
        if shortfall_item is not None:
            self.items[shortfall_item.item_id] = shortfall_item
            self.item_seq = shortfall_item.seq
        self.payments[payment_id] = self.payments[payment_id].after_reversal()

    def reset_clearing(self, payment_id: str, reset_on: date, reason: str) -> None:
        """Un-clear a payment but keep the money (ripristino pareggio): items reopen, money is credit."""
        payment = self._live_payment(payment_id)
        if not payment.allocations:
            raise Conflict(f"payment {payment_id} has no clearing to reset", "payment_id")
        amount = total(payment.allocations)
        document = f"RST-{payment_id[:12]}"
        postings = reset_postings(self.key, document, payment, amount)
        self._clearing_reset(
            payment_id, reset_on, reason, (*payment.allocations, *payment.written_off), amount, postings
        )

    @event(ClearingReset)
    def _clearing_reset(
        self,
        payment_id: str,
        reset_on: date,
        reason: str,
        reopened: tuple[Allocation, ...],
        credit_added: Decimal,
        postings: tuple[Posting, ...],
    ) -> None:
        apply_allocations(self.items, reopened, +1)
        self.credit += credit_added
        self.payments[payment_id] = self.payments[payment_id].after_reset(credit_added)

    def apply_credit(self, applied_on: date) -> None:
        """Settle open items from credit on account, oldest due first.

        Dr customer-credit / Cr receivables.
        """
        allocations, _ = allocate(self.credit, (), in_order=archiving.in_order(self.items))
        if not allocations:
            return
        amount = total(allocations)
        document = f"CRA-{self.item_seq}"
        postings = entry(
            Posting.debit(chart.CUSTOMER_CREDIT, amount, self.key, document),
            Posting.credit(chart.RECEIVABLES, amount, self.key, document),
        )
        self._credit_applied(applied_on, allocations, postings)

    @event(CreditApplied)
    def _credit_applied(
        self, applied_on: date, allocations: tuple[Allocation, ...], postings: tuple[Posting, ...]
    ) -> None:
        apply_allocations(self.items, allocations, -1)
        self.credit -= total(allocations)
