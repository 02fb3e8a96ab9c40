"""The chart of accounts (architecture.md §3): names of general-ledger accounts Saldo posts to."""

from __future__ import annotations

from decimal import Decimal

RECEIVABLES = "receivables"
CUSTOMER_CREDIT = "customer-credit"
SUSPENSE = "suspense"
DD_CLEARING = "dd-clearing"
EXCISE = "excise"
FEES = "fees"
INTEREST_INCOME = "interest-income"
BAD_DEBT = "bad-debt"
#: Small differences written off when a payment falls short of an invoice by less than the tolerance.
PAYMENT_DIFFERENCES = "payment-differences"


def bank(iban: str) -> str:
    """The bank account the money moved on, e.g. ``bank:IT60X0542811101000000123456``."""
    return f"bank:{iban}"


def revenue(component: str) -> str:
    """Revenue by tariff component; excise is a liability, not revenue, so it has its own account.

    >>> revenue("energy"), revenue("excise")
    ('revenue:energy', 'excise')
    """
    return EXCISE if component == "excise" else f"revenue:{component}"


def vat_output(rate_percent: Decimal) -> str:
    """Output VAT by rate, e.g. ``vat-output:22`` or ``vat-output:25.5`` (normalised, no trailing zeros).

    >>> vat_output(Decimal("22.00")), vat_output(Decimal("25.50")), vat_output(Decimal("0"))
    ('vat-output:22', 'vat-output:25.5', 'vat-output:0')
    """
    text = format(rate_percent.normalize(), "f")
    return f"vat-output:{text}"
