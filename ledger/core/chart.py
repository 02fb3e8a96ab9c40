"""The chart of accounts (architecture.md §3): names of general-ledger accounts Saldo posts to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from ledger.core.errors import InvalidInput

RECEIVABLES = "receivables"
CUSTOMER_CREDIT = "customer-credit"
SUSPENSE = "suspense"
DD_CLEARING = "dd-clearing"
EXCISE = "excise"
FEES = "fees"
INTEREST_INCOME = "interest-income"
BAD_DEBT = "bad-debt"
#: Security deposits held for customers (deposito cauzionale): a liability until offset or refunded.
SECURITY_DEPOSITS = "security-deposits"
#: Deposits in transfer from one holder's account to the next one's (a holder change): each transfer
#: credits it on the old account and debits it on the new one in the same transaction, so it stays at zero.
DEPOSIT_TRANSFERS = "deposit-transfers"
#: Interest the company pays on the deposits it holds (an expense).
DEPOSIT_INTEREST = "deposit-interest"
#: Small differences written off when a payment falls short of an invoice by less than the tolerance.
PAYMENT_DIFFERENCES = "payment-differences"

#: The revenue components a company books to unless it configures its own: the names of tariff components
#: and of invoice lines (``revenue:<component>``; ``excise`` is a liability with its own account).
DEFAULT_REVENUE_COMPONENTS = ("standing", "energy", "demand", "network", "system", "water", "sewer", "excise")

# What a name inside a GL account may look like: a compact IBAN, a lower-case component name. Anything else
# (``../../x``, ``bank:…``, spaces) never reaches a posting, whatever configured it.
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_COMPONENT_SHAPE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def bank(iban: str) -> str:
    """The bank account the money moved on, e.g. ``bank:IT60X0542811101000000123456``.

    >>> bank("../../x")
    Traceback (most recent call last):
    ...
    ledger.core.errors.InvalidInput: '../../x' is not a bank account (a compact IBAN)
    """
    if not _IBAN_SHAPE.fullmatch(iban):
        raise InvalidInput(f"{iban!r} is not a bank account (a compact IBAN)", "bank_account")
    return f"bank:{iban}"


def revenue(component: str) -> str:
    """Revenue by tariff component; excise is a liability, not revenue, so it has its own account.

    >>> revenue("energy"), revenue("excise")
    ('revenue:energy', 'excise')
    """
    if not _COMPONENT_SHAPE.fullmatch(component):
        raise InvalidInput(f"{component!r} is not a revenue component name", "component")
    return EXCISE if component == "excise" else f"revenue:{component}"


def house_bank_account(text: str, configured: Sequence[str], field: str) -> str:
    """The compact IBAN of one of the company's ``configured`` bank accounts named by ``text``, in any spacing
    or case; any other is refused, naming ``field`` and listing the accounts.

    >>> ours = ("IT60X0542811101000000123456", "FI2112345600000785")
    >>> house_bank_account("it60 x054 2811 1010 0000 0123 456", ours, "bank_account")
    'IT60X0542811101000000123456'
    >>> house_bank_account("bank:../../x", ours, "bank_account")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ledger.core.errors.InvalidInput: 'bank:../../x' is not one of the company's bank accounts: IT60X...
    """
    compact = "".join(text.split()).upper()
    if compact not in configured:
        raise InvalidInput(f"{text!r} is not one of the company's bank accounts: {', '.join(configured)}",
                           field)
    return compact


def revenue_component(name: str, configured: Sequence[str], field: str) -> str:
    """``name`` if it is one of the company's ``configured`` revenue components; any other is refused,
    naming ``field`` and listing them (names are exact: ``Energy`` is not ``energy``).

    >>> revenue_component("network", DEFAULT_REVENUE_COMPONENTS, "lines[0].component")
    'network'
    """
    if name not in configured:
        allowed = ", ".join(configured)
        raise InvalidInput(f"{name!r} is not one of the company's revenue components: {allowed}", field)
    return name


def check_configuration(bank_accounts: Sequence[str], revenue_components: Sequence[str]) -> None:
    """Refuse a configuration whose bank accounts or components could not name a GL account."""
    for iban in bank_accounts:
        bank(iban)
    if not revenue_components:
        raise InvalidInput("configure at least one revenue component", "revenue_components")
    for component in revenue_components:
        revenue(component)


def vat_output(rate_percent: Decimal) -> str:
    """Output VAT by rate, e.g. ``vat-output:22`` or ``vat-output:25.5`` (normalised, no trailing zeros).

    >>> vat_output(Decimal("22.00")), vat_output(Decimal("25.50")), vat_output(Decimal("0"))
    ('vat-output:22', 'vat-output:25.5', 'vat-output:0')
    """
    text = format(rate_percent.normalize(), "f")
    return f"vat-output:{text}"
