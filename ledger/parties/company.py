"""The company (the legal entity behind every document) and what differs between utilities.

For now one company per installation, configured by :class:`CompanyConfig`; several companies on one
installation are issue 11.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ledger.accounts.deposits import DEFAULT_DEPOSIT_RULES, DepositRule, check_rules
from ledger.accounts.invoice import ReferenceScheme
from ledger.collections.returns import DEFAULT_POLICY, ReturnPolicy
from ledger.core import chart

#: The company's collection account in the demo and in tests (the standard Italian example IBAN).
DEFAULT_BANK_ACCOUNT = "IT60X0542811101000000123456"

#: Default small-difference tolerance (finance configures it; 0 turns write-offs off).
DEFAULT_PAYMENT_TOLERANCE = Decimal("0.50")


@dataclass(frozen=True, slots=True)
class CompanyConfig:
    """What differs between utilities: reference scheme, bank account, document series."""

    reference_scheme: ReferenceScheme = ReferenceScheme.RF
    bank_account: str = DEFAULT_BANK_ACCOUNT
    #: A payment short of the items it pays by at most this much clears them; the rest is written off.
    payment_tolerance: Decimal = DEFAULT_PAYMENT_TOLERANCE
    #: SEPA creditor identifier and name on collection files (the default is the EPC example id).
    creditor_id: str = "DE98ZZZ09999999999"
    creditor_name: str = "Saldo Demo Energia"
    #: What to do with each direct-debit return reason (architecture.md §5); finance may replace it.
    return_policy: ReturnPolicy = DEFAULT_POLICY
    invoice_series: str = "INV"
    credit_note_series: str = "CN"
    #: The company's other bank accounts (IBANs), besides ``bank_account``: statements and payments may book
    #: only to these and to it.
    bank_accounts: tuple[str, ...] = ()
    #: The revenue components invoice lines and tariffs may book to (``revenue:<component>``).
    revenue_components: tuple[str, ...] = chart.DEFAULT_REVENUE_COMPONENTS
    #: Security deposits by commodity, size and customer kind; the first rule that fits applies.
    deposit_rules: tuple[DepositRule, ...] = DEFAULT_DEPOSIT_RULES

    def __post_init__(self) -> None:
        chart.check_configuration(self.house_bank_accounts, self.revenue_components)
        check_rules(self.deposit_rules)

    @property
    def house_bank_accounts(self) -> tuple[str, ...]:
        """Every bank account of the company, the collection account first: the only ``bank:<iban>``."""
        return tuple(dict.fromkeys((self.bank_account, *self.bank_accounts)))

    def bank_account_named(self, text: str | None, field: str = "bank_account") -> str:
        """The company's bank account ``text`` names (the collection account if none), or InvalidInput."""
        if text is None:
            return self.bank_account
        return chart.house_bank_account(text, self.house_bank_accounts, field)

    def revenue_component(self, name: str, field: str) -> str:
        """``name`` if the company books revenue to it, else InvalidInput naming ``field`` and the list."""
        return chart.revenue_component(name, self.revenue_components, field)
