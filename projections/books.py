"""Whose books a journal entry is in: the company of each posting, for the journal, trial balance and reports.

An entry of a contract account is in the books of the account's company (the one its ``Opened`` event
names; the default company's for accounts that name none, every account opened before companies). A
receipt in suspense belongs to no account: it is in the books of the company whose bank account the money
moved on (its ``bank:<iban>`` posting), which api/company_file makes one company's only. The view keeps the
company per entry (``saldo_entry_companies``, one row per event with postings) and per account
(``saldo_account_companies``), so the journal, the trial balance and the aged report filter by it in SQL.

The company of a bank account is configuration, not an event: the same configuration rebuilds the same view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ledger.core.money import Posting
from ledger.parties.company import DEFAULT_COMPANY, Companies

_BANK = "bank:"


@dataclass(frozen=True, slots=True)
class CompanyBooks:
    """What the projection needs of the configuration: the default company and who owns each bank account."""

    default: str = DEFAULT_COMPANY
    bank_owners: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, companies: Companies | None) -> CompanyBooks:
        if companies is None:
            return cls()
        owners = {iban: c.code for c in companies.companies for iban in c.house_bank_accounts}
        return cls(companies.default.code, MappingProxyType(owners))

    def of_account(self, company: str | None) -> str:
        """The code of an account's company as its ``Opened`` event names it (none: the default)."""
        return company or self.default

    def of_receipt(self, postings: Iterable[Posting]) -> str:
        """The company of a suspense entry: the owner of the bank account it books to (else the default)."""
        for p in postings:
            if p.account.startswith(_BANK):
                return self.bank_owners.get(p.account.removeprefix(_BANK), self.default)
        return self.default
