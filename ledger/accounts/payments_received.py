"""Payments received on a contract account (incassi): what the account remembers of each one, and the
bookkeeping that records it, reverses it (storno) or resets its clearing (ripristino pareggio).

Values and pure functions only: :class:`~ledger.accounts.account.ContractAccount` decides, records the
events and applies them; the postings built here are what those events carry (Dr bank / Cr receivables,
the excess to customer credit, small differences to payment-differences).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.accounts.clearing import Allocation, ItemKind, OpenItem, total
from ledger.core import chart
from ledger.core.money import ZERO, Posting, entry


@dataclass(frozen=True, slots=True)
class ReceivedPayment:
    """What the account remembers of a payment: enough to reverse it or reset its clearing."""

    payment_id: str
    amount: Decimal
    source_account: str
    allocations: tuple[Allocation, ...]
    to_credit: Decimal
    written_off: tuple[Allocation, ...] = ()
    reversed: bool = False

    def after_reversal(self) -> ReceivedPayment:
        """Reversed: it clears nothing and leaves no credit any more."""
        return ReceivedPayment(self.payment_id, self.amount, self.source_account, (), ZERO, reversed=True)

    def after_reset(self, credit_added: Decimal) -> ReceivedPayment:
        """Its clearing reset: it clears nothing, what it had cleared is credit on account."""
        return ReceivedPayment(
            self.payment_id, self.amount, self.source_account, (), self.to_credit + credit_added
        )


def within_tolerance(
    items: Mapping[str, OpenItem],
    allocations: tuple[Allocation, ...],
    named_items: tuple[str, ...],
    to_credit: Decimal,
    tolerance: Decimal,
) -> tuple[Allocation, ...]:
    """The rest of the last item paid, if it is small enough to write off."""
    if tolerance <= 0 or to_credit > 0 or not allocations:
        return ()
    last = allocations[-1]
    if named_items and last.item_id != named_items[-1]:
        return ()
    rest = items[last.item_id].open_amount - last.amount
    return (Allocation(last.item_id, rest),) if 0 < rest <= tolerance else ()


def receipt_postings(
    account: str,
    document: str,
    source_account: str,
    amount: Decimal,
    allocations: tuple[Allocation, ...],
    written_off: tuple[Allocation, ...],
    to_credit: Decimal,
) -> tuple[Posting, ...]:
    """Dr bank (or suspense), payment-differences / Cr receivables, customer-credit (the excess)."""
    return entry(
        Posting.debit(source_account, amount, None, document),
        Posting.debit(chart.PAYMENT_DIFFERENCES, total(written_off), account, document),
        Posting.credit(chart.RECEIVABLES, total(allocations) + total(written_off), account, document),
        Posting.credit(chart.CUSTOMER_CREDIT, to_credit, account, document),
    )


def shortfall_item(payment_id: str, document: str, shortfall: Decimal, on: date, seq: int) -> OpenItem:
    """The REVERSAL item for credit of a reversed payment that was since used on other bills, due at once."""
    return OpenItem(f"rev-{payment_id}", document, ItemKind.REVERSAL, shortfall, shortfall, on, on, None, seq)


def reversal_postings(
    account: str,
    document: str,
    payment: ReceivedPayment,
    reopened: tuple[Allocation, ...],
    credit_back: Decimal,
    shortfall: Decimal,
) -> tuple[Posting, ...]:
    """Dr receivables (reopened and shortfall), customer-credit / Cr bank, payment-differences."""
    return entry(
        Posting.debit(chart.RECEIVABLES, total(reopened) + shortfall, account, document),
        Posting.debit(chart.CUSTOMER_CREDIT, credit_back, account, document),
        Posting.credit(payment.source_account, payment.amount, None, document),
        Posting.credit(chart.PAYMENT_DIFFERENCES, total(payment.written_off), account, document),
    )


def reset_postings(
    account: str, document: str, payment: ReceivedPayment, amount: Decimal
) -> tuple[Posting, ...]:
    """Dr receivables / Cr customer-credit, payment-differences."""
    # A difference written off with the clearing goes back with it: the item is open in full again.
    return entry(
        Posting.debit(chart.RECEIVABLES, amount + total(payment.written_off), account, document),
        Posting.credit(chart.CUSTOMER_CREDIT, amount, account, document),
        Posting.credit(chart.PAYMENT_DIFFERENCES, total(payment.written_off), account, document),
    )
