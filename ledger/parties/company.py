"""The company (the legal entity behind every document) and what differs between utilities.

A :class:`CompanyConfig` is one legal entity: VAT id, name, address, bank accounts per purpose (collections,
receipts, refunds), SEPA creditor id and name, reference scheme and number series, payment terms, dunning
pack, fees, interest table and GL account mapping. :class:`Companies` is the installation's set of them, as a
versioned configuration file (``SALDO_CONFIG``, loaded by :mod:`api.company_file`) gives it; without a file
the environment settings make the single default company.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol, cast, runtime_checkable

from ledger.accounts.deposits import DEFAULT_DEPOSIT_RULES, DepositRule, check_rules
from ledger.accounts.payment_references import ReferenceScheme, check_prefix
from ledger.collections.returns import DEFAULT_POLICY, ReturnPolicy
from ledger.core import chart
from ledger.core.errors import Conflict, InvalidInput
from ledger.documents.messages import DEFAULT_MESSAGE_RULES, MessageRule

#: The company's collection account in the demo and in tests (the standard Italian example IBAN).
DEFAULT_BANK_ACCOUNT = "IT60X0542811101000000123456"

#: Default small-difference tolerance (finance configures it; 0 turns write-offs off).
DEFAULT_PAYMENT_TOLERANCE = Decimal("0.50")


@dataclass(frozen=True, slots=True)
class CompanyAddress:
    """The company's registered postal address, as SEPA files carry it (structured)."""

    town: str
    country: str
    street_name: str | None = None
    building_number: str | None = None
    postcode: str | None = None


#: The demo company's address when none is configured.
DEFAULT_ADDRESS = CompanyAddress("Messina", "IT", street_name="Via Demo", postcode="98122")

#: The code of the company built from environment settings (no configuration file).
DEFAULT_COMPANY = "default"
#: A company's code is at most this long (lower-case letters, digits and hyphens).
MAX_COMPANY_CODE_LENGTH = 32
#: Payment terms of a company that configures none, and of an account opened without its own: what accounts
#: got before companies had terms (the 20 of OpenContractAccount and of the API), so the default company's
#: invoices fall due as they did.
DEFAULT_PAYMENT_TERMS_DAYS = 20

#: The fees a company may configure (``[companies.fees]``), by the step they are charged for: the dunning
#: levels (architecture.md §4: reminder → formal notice → disconnection notice) and a returned direct debit.
DUNNING_FEE_LEVELS = {"reminder": 1, "formal_notice": 2, "disconnection_notice": 3}
RETURNED_DEBIT_FEE = "returned_debit"
FEE_KINDS = (*DUNNING_FEE_LEVELS, RETURNED_DEBIT_FEE)

#: The e-invoice formats a company may name (their writers are in api/documents/einvoice/).
EINVOICE_FORMATS = ("fatturapa", "facturae", "finvoice", "ubl")

#: GL accounts that take a name after a colon (``bank:<iban>``, ``revenue:<component>``,
#: ``vat-output:<rate>``): a company maps each one, or the whole family by its name before the colon.
GL_FAMILIES = ("bank", "revenue", "vat-output")
#: The ledger's accounts without a name part (ledger/core/chart.py).
GL_ACCOUNTS = (chart.RECEIVABLES, chart.CUSTOMER_CREDIT, chart.SUSPENSE, chart.DD_CLEARING, chart.EXCISE,
               chart.FEES, chart.INTEREST_INCOME, chart.BAD_DEBT, chart.SECURITY_DEPOSITS,
               chart.DEPOSIT_INTEREST, chart.PAYMENT_DIFFERENCES)


def check_gl_key(key: str) -> str:
    """``key`` if it names a ledger account or a family of them (for a company's GL mapping), else
    InvalidInput listing what may be mapped."""
    family, colon, name = key.partition(":")
    if key in GL_ACCOUNTS or key in GL_FAMILIES or (colon and family in GL_FAMILIES and name):
        return key
    known = ", ".join((*GL_ACCOUNTS, *GL_FAMILIES, *(f"{f}:<name>" for f in GL_FAMILIES)))
    raise InvalidInput(f"{key!r} is not a ledger account (map one of: {known})", "gl_accounts")


def returned_debit_policy(policy: ReturnPolicy, fee: Decimal) -> ReturnPolicy:
    """``policy`` with the company's own fee ``fee`` for every return reason that charges one."""
    rules = {code: replace(rule, return_fee=fee) for code, rule in policy.rules.items() if rule.return_fee}
    suffix = f" (returned_debit fee {fee})"
    return policy.with_rules(rules, policy.name if policy.name.endswith(suffix) else policy.name + suffix)


@dataclass(frozen=True, slots=True)
class CompanyConfig:
    """What differs between utilities: reference scheme, bank account, document series."""

    reference_scheme: ReferenceScheme = ReferenceScheme.RF
    #: Digits put in front of the number before the check digit of every reference the company issues, so
    #: two companies never issue the same one (issue 11); None: the number alone, as before.
    reference_prefix: str | None = None
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
    #: The company's short code: what accounts and files name it by.
    code: str = DEFAULT_COMPANY
    #: The legal entity's name and VAT id (compact, with its country prefix).
    legal_name: str = "Saldo Demo Energia"
    vat_id: str | None = None
    address: CompanyAddress = DEFAULT_ADDRESS
    #: The BIC of the company's bank (optional in SEPA since 2016).
    bic: str | None = None
    #: The account refunds are paid from (the collection account if none).
    refund_account: str | None = None
    #: Days from issue to due date of the invoices of accounts opened without terms of their own.
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    #: What duns the company's accounts that name no procedure: a dunning procedure's code, or a country
    #: whose pack duns every commodity with one procedure (ledger/dunning/company_rules.py); none: the
    #: installation's default procedure.
    dunning_pack: str | None = None
    #: The late-interest rate table (by its key in the dunning settings, e.g. ``IT``) for the company's
    #: accounts; none: the table of the procedure's country.
    interest_table: str | None = None
    #: Fees by kind (:data:`FEE_KINDS`), in EUR; a kind not configured keeps the procedure's or policy's fee.
    fees: tuple[tuple[str, Decimal], ...] = ()
    #: The ledger's accounts (``receivables``, ``revenue:energy``, or a family such as ``bank``) to the
    #: company's GL account numbers; empty: the company's journal carries no GL numbers.
    gl_accounts: tuple[tuple[str, str], ...] = ()
    #: The e-invoice the company sends (``fatturapa``, ``facturae``, ``finvoice``, ``ubl``); none: its
    #: country's (api/documents/einvoice/dispatch.py).
    einvoice_format: str | None = None
    #: The personal messages its invoices may print (ledger/documents/messages.py), by priority.
    messages: tuple[MessageRule, ...] = DEFAULT_MESSAGE_RULES

    def __post_init__(self) -> None:
        chart.check_configuration(self.house_bank_accounts, self.revenue_components)
        check_rules(self.deposit_rules)
        check_prefix(self.reference_prefix, self.reference_scheme, self.invoice_series)
        for kind, amount in self.fees:
            if kind not in FEE_KINDS:
                raise InvalidInput(f"{kind!r} is not a fee kind (known: {', '.join(FEE_KINDS)})", "fees")
            if amount < 0 or amount != amount.quantize(Decimal("0.01")):
                raise InvalidInput(f"fee {kind} must be a non-negative amount in cents", "fees")
        for key, _ in self.gl_accounts:
            check_gl_key(key)
        if self.einvoice_format is not None and self.einvoice_format not in EINVOICE_FORMATS:
            raise InvalidInput(f"{self.einvoice_format!r} is not an e-invoice format (known: "
                               f"{', '.join(EINVOICE_FORMATS)})", "einvoice_format")
        returned = self.fee(RETURNED_DEBIT_FEE)
        if returned is not None:  # the company's own return fee replaces the policy's (frozen: set once here)
            object.__setattr__(self, "return_policy", returned_debit_policy(self.return_policy, returned))

    def fee(self, kind: str) -> Decimal | None:
        """The company's fee of ``kind``, if it configures one."""
        return dict(self.fees).get(kind)

    def dunning_fee(self, level: int) -> Decimal | None:
        """The company's fee for a dunning step of ``level`` (1 reminder, 2 formal notice...), if any."""
        kind = next((k for k, n in DUNNING_FEE_LEVELS.items() if n == level), None)
        return None if kind is None else self.fee(kind)

    def gl_number(self, account: str) -> str | None:
        """The company's GL account number for the ledger's ``account``: its own entry, else its family's
        (``bank`` for ``bank:<iban>``); None if the company maps neither."""
        mapping = dict(self.gl_accounts)
        return mapping.get(account) or mapping.get(account.partition(":")[0] if ":" in account else "")

    @property
    def house_bank_accounts(self) -> tuple[str, ...]:
        """Every bank account of the company, the collection account first: the only ``bank:<iban>``."""
        extra = () if self.refund_account is None else (self.refund_account,)
        return tuple(dict.fromkeys((self.bank_account, *self.bank_accounts, *extra)))

    @property
    def refunds_account(self) -> str:
        """The IBAN refunds are paid from: the configured refund account, else the collection account."""
        return self.refund_account or self.bank_account

    def bank_account_named(self, text: str | None, field: str = "bank_account") -> str:
        """The company's bank account ``text`` names (the collection account if none), or InvalidInput."""
        if text is None:
            return self.bank_account
        return chart.house_bank_account(text, self.house_bank_accounts, field)

    def revenue_component(self, name: str, field: str) -> str:
        """``name`` if the company books revenue to it, else InvalidInput naming ``field`` and the list."""
        return chart.revenue_component(name, self.revenue_components, field)


#: The configuration file format this code reads (``version`` in the file).
CONFIG_VERSION = 1


@dataclass(frozen=True, slots=True)
class Companies:
    """Every company of one installation; the first is the default one (old accounts belong to it)."""

    companies: tuple[CompanyConfig, ...]
    version: int = CONFIG_VERSION

    def __post_init__(self) -> None:
        if not self.companies:
            raise ValueError("an installation has at least one company")

    @property
    def default(self) -> CompanyConfig:
        return self.companies[0]

    def named(self, code: str) -> CompanyConfig | None:
        return next((c for c in self.companies if c.code == code), None)

    def owning(self, iban: str) -> CompanyConfig | None:
        """The company whose bank account ``iban`` (compact) is, if any."""
        return next((c for c in self.companies if iban in c.house_bank_accounts), None)

    @property
    def house_bank_accounts(self) -> tuple[str, ...]:
        """Every bank account of every company (an IBAN is one company's: api/company_file checks it)."""
        return tuple(iban for c in self.companies for iban in c.house_bank_accounts)

    def bank_account_named(self, text: str | None, field: str = "bank_account") -> tuple[CompanyConfig, str]:
        """The company and bank account ``text`` names (the default company's collection account if none)."""
        if text is None:
            return self.default, self.default.bank_account
        iban = chart.house_bank_account(text, self.house_bank_accounts, field)
        owner = self.owning(iban)
        if owner is None:  # house_bank_account accepted only the accounts listed above
            raise InvalidInput(f"{field}: {iban} is no company's bank account", field)
        return owner, iban


@runtime_checkable
class HasCompanies(Protocol):
    """A workspace that knows the installation's companies (the application does)."""

    companies: Companies


class BelongsToCompany(Protocol):
    company: str | None


_ABSENT = object()


def companies_of(ws: object, default: CompanyConfig) -> Companies:
    """The companies ``ws`` knows, or only ``default`` (a workspace of one company)."""
    # What isinstance(ws, HasCompanies) tests (the attribute is there), without the runtime protocol check:
    # it looks up the protocol's members on every call, and this runs for every command that moves money.
    companies = getattr(ws, "companies", _ABSENT)
    return Companies((default,)) if companies is _ABSENT else cast(Companies, companies)


def _config_of(ws: object) -> CompanyConfig:
    """``ws``'s own configuration, else the default one (made only then)."""
    config = getattr(ws, "config", _ABSENT)
    return CompanyConfig() if config is _ABSENT else cast(CompanyConfig, config)


def company_named(ws: object, code: str) -> CompanyConfig:
    """The company of code ``code``, or InvalidInput naming ``company`` and the codes there are."""
    default = _config_of(ws)
    companies = companies_of(ws, default)
    found = companies.named(code)
    if found is None:
        codes = ", ".join(c.code for c in companies.companies)
        raise InvalidInput(f"there is no company {code!r} on this installation (there are: {codes})",
                           "company")
    return found


def run_company(ws: object, code: str | None) -> CompanyConfig:
    """The company a run is for: the one of code ``code``, or the default company when a run names none (the
    only company of a one-company installation, and what every run before issue 11 was for)."""
    if code is None:
        return companies_of(ws, _config_of(ws)).default
    return company_named(ws, code)


def company_of(ws: object, owner: BelongsToCompany) -> CompanyConfig:
    """The company an account (or anything naming one) belongs to: the default if it names none."""
    default = _config_of(ws)
    companies = companies_of(ws, default)
    if owner.company is None:
        return companies.default
    found = companies.named(owner.company)
    if found is None:  # a company taken out of the configuration while its accounts remain: never guess
        raise Conflict(f"the account belongs to company {owner.company!r}, which the configuration no longer "
                       "has: put it back in SALDO_CONFIG", "company")
    return found
