"""Issue 11 item 2: the three demo companies (config/companies.demo.toml), and a Finnish household that is a
customer of both Finnish companies and pays each by direct debit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.collections.returns import DEFAULT_POLICY, ReturnAction, ReturnCategory, ReturnRule
from ledger.parties import commands as pc
from ledger.parties.company import Companies, CompanyConfig
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
POWER_IBAN = "IT60X0542811101000000123456"
NETWORK_IBAN = "FI2112345600000785"
HEAT_IBAN = "FI7815723500012349"
HEAT_REFUNDS_IBAN = "FI1080001234567890"
#: The household's own bank account (the mandates debit it).
DEBTOR_IBAN = "FI1410093000123458"
#: The heat company does not re-present a debit refused for insufficient funds: it switches the customer to
#: bank transfer at once, with its own fees. The network company keeps the default policy (retry, 3.50 +
#: 5.00).
HEAT_POLICY = DEFAULT_POLICY.with_rules({"AM04": ReturnRule(
    ReturnCategory.INSUFFICIENT_FUNDS, ReturnAction.STOP_DD_SWITCH_TO_TRANSFER, "heat: no second attempt", 0,
    Decimal("1.00"), Decimal("9.00"))}, "fi-heat")


def with_company(clerk: Clerk, code: str, **changes: Any) -> CompanyConfig:
    """Change the configuration of company ``code`` (what finance sets that the file does not carry)."""
    companies = clerk.services.app.companies
    changed = tuple(replace(c, **changes) if c.code == code else c for c in companies.companies)
    clerk.services.app.companies = Companies(changed)
    found = clerk.services.app.companies.named(code)
    assert found is not None
    return found


def household(clerk: Clerk, name: str = "Maija Meikäläinen") -> UUID:
    partner = clerk.run(pc.RegisterPartner(
        name, PartnerKind.PERSON, address=PostalAddress("Mannerheimintie 1", "00100", "Helsinki", "FI")))
    return UUID(partner["partner_id"])


def dd_account(clerk: Clerk, partner: UUID, company: str | None, umr: str) -> UUID:
    """An account of ``company`` (None: the default one) paying by direct debit from DEBTOR_IBAN."""
    account = UUID(clerk.run(ac.OpenContractAccount(partner, f"home {umr}", company=company))["account_id"])
    clerk.run(d.RegisterMandate(account, umr, date(2026, 1, 15), "Maija Meikalainen", DEBTOR_IBAN))
    return account


def run_of(clerk: Clerk, company: str | None, key: str) -> tuple[dict[str, Any], UUID]:
    """A run of ``company`` of everything due today, collected today, proposed and executed."""
    today = clerk.clock.today
    proposal = dd.propose_run(clerk.services, today, today, key, company=company)
    run_id = UUID(proposal["run_id"])
    dd.execute_run(clerk.services, run_id)
    return proposal, run_id


def bank_cents(clerk: Clerk, iban: str, account: UUID | None = None) -> int:
    """Debit less credit of ``bank:<iban>`` in the journal (of one contract account, if named)."""
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100_000)
               if r[8] == f"bank:{iban}" and (account is None or r[7] == str(account)))
