"""Security deposits (deposito cauzionale): what a company asks, and how the account holds and returns it.

The rule is data in the company's configuration (:attr:`ledger.parties.company.CompanyConfig.deposit_rules`):
the first :class:`DepositRule` that fits the contract's commodity, size (contracted power in kW, or yearly
volume) and customer kind gives the amount; a rule may waive it when the customer pays by direct debit, as
ARERA's rules for Italian household supplies do (TIV art. 11, https://www.arera.it/atti-e-provvedimenti/
dettaglio/16/491-20; gas TIVG art. 21). :data:`DEFAULT_DEPOSIT_RULES` are those rules.

A mixin of :class:`ledger.accounts.account.ContractAccount`, like :mod:`ledger.dunning.account_part`: the
deposit opens and clears the account's items, so it lives on the account and changes them atomically.
Money moves (architecture.md §3), each event with balanced postings and the ledger view's item-change
protocol (``opened_items``, ``cleared``):

- billed: its own open item (kind ``deposit``), Dr receivables / Cr security-deposits. The liability is
  recognised when billed; an unpaid deposit item is cleared against the deposit itself when it is settled,
  so nothing is refunded that was never paid;
- settled (the contract ended): the interest the rule pays for the days held, Dr deposit-interest /
  Cr security-deposits; then the deposit with its interest clears the account's open items (the final bill
  first among them, oldest due first), Dr security-deposits / Cr receivables; the rest goes back to the
  customer's IBAN, Dr security-deposits / Cr bank (a pain.001, :mod:`importers.bank.deposit_refunds`);
  with no IBAN given it stays as credit on the account, Dr security-deposits / Cr customer-credit;
- moved to the new holder on a holder change, with the old holder's consent (a field of the event): the
  interest for the days held, as when settled, then the whole deposit from the old account's liability to
  the new one's through the transfer account: Dr security-deposits / Cr deposit-transfers on the old
  account, Dr deposit-transfers / Cr security-deposits on the new one, both events saved in one
  transaction (so each account's journal shows its own side, and deposit-transfers stays at zero). Only
  a paid deposit moves (an unpaid one would leave the old holder owing what the new one is credited with).

Choices where the issue was silent: interest is simple, on actual days over 365, from the day billed to the
day settled, rounded half up to the cent once; a deposit is settled once, whole; a refund below one cent is
none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from ledger.accounts.clearing import Allocation, ItemKind, OpenItem, allocate, apply_allocations, total
from ledger.core import chart
from ledger.core.archive import live_values
from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.core.money import ZERO, Posting, entry

CENT = Decimal("0.01")
#: A rule that fits every commodity, customer kind or size.
ANY = "*"
#: Most rules a company may configure.
MAX_DEPOSIT_RULES = 100
#: Largest deposit a rule may ask (a named limit on every amount).
MAX_DEPOSIT_EUR = Decimal("100000")


@dataclass(frozen=True, slots=True)
class DepositRule:
    """``fixed_eur`` plus ``per_unit_eur`` × size, for contracts of ``commodity`` and ``customer_kind`` whose
    size (kW contracted, or m³/Smc a year) lies in [``min_size``, ``max_size``)."""

    commodity: str = ANY
    customer_kind: str = ANY
    fixed_eur: Decimal = ZERO
    per_unit_eur: Decimal = ZERO
    min_size: Decimal = ZERO
    max_size: Decimal | None = None
    waived_with_direct_debit: bool = False
    annual_interest_percent: Decimal = ZERO

    def fits(self, commodity: str, customer_kind: str, size: Decimal) -> bool:
        return (self.commodity in (ANY, commodity) and self.customer_kind in (ANY, customer_kind)
                and self.min_size <= size and (self.max_size is None or size < self.max_size))

    def amount(self, size: Decimal) -> Decimal:
        # Rounded half up to the cent once, as a tariff's charge (architecture.md §3).
        return (self.fixed_eur + self.per_unit_eur * size).quantize(CENT, ROUND_HALF_UP)


#: ARERA's household rules: power 11.50 EUR per contracted kW (TIV), gas by yearly volume (TIVG: 25 EUR
#: up to 500 Smc, 77 EUR up to 5000 Smc), both waived with direct debit; interest at the legal rate (2 %).
DEFAULT_DEPOSIT_RULES: tuple[DepositRule, ...] = (
    DepositRule("electricity", "household", per_unit_eur=Decimal("11.50"), waived_with_direct_debit=True,
                annual_interest_percent=Decimal("2")),
    DepositRule("gas", "household", fixed_eur=Decimal("25"), max_size=Decimal("500"),
                waived_with_direct_debit=True, annual_interest_percent=Decimal("2")),
    DepositRule("gas", "household", fixed_eur=Decimal("77"), min_size=Decimal("500"),
                max_size=Decimal("5000"), waived_with_direct_debit=True,
                annual_interest_percent=Decimal("2")),
)


def check_rules(rules: Sequence[DepositRule]) -> None:
    if len(rules) > MAX_DEPOSIT_RULES:
        raise InvalidInput(f"at most {MAX_DEPOSIT_RULES} deposit rules", "deposit_rules")
    for i, r in enumerate(rules):
        if min(r.fixed_eur, r.per_unit_eur, r.min_size, r.annual_interest_percent) < 0:
            raise InvalidInput("amounts, sizes and interest of a deposit rule are never negative",
                               f"deposit_rules[{i}]")


def required_deposit(rules: Sequence[DepositRule], commodity: str, customer_kind: str, size: Decimal,
                     direct_debit: bool) -> tuple[Decimal, DepositRule | None]:
    """The deposit the first fitting rule asks (zero if it is waived or none fits), and that rule."""
    for rule in rules:
        if rule.fits(commodity, customer_kind, size):
            if rule.waived_with_direct_debit and direct_debit:
                return ZERO, rule
            amount = rule.amount(size)
            if amount > MAX_DEPOSIT_EUR:
                raise InvalidInput(f"a deposit of {amount} exceeds {MAX_DEPOSIT_EUR}", "size")
            return amount, rule
    return ZERO, None


@dataclass(frozen=True, slots=True)
class DepositPayee:
    """Whom the rest of a deposit goes back to."""

    name: str
    iban: str
    town: str = ""
    country: str = "IT"


@dataclass(frozen=True, slots=True)
class HeldDeposit:
    """A deposit the account holds for one contract: its item, amount, and the interest its rule pays."""

    contract_id: str
    item_id: str
    number: str
    amount: Decimal
    billed_on: date
    annual_interest_percent: Decimal = ZERO
    settled_on: date | None = None
    interest: Decimal = ZERO
    refunded: Decimal = ZERO
    payee: DepositPayee | None = None
    moved_to: str = ""  #: the contract it was moved to on a holder change (then settled_on is that day)
    moved_from: str = ""  #: the contract it was moved from (the old holder's)
    consent: str = ""  #: the old holder's consent to the move, as recorded


def deposit_interest(amount: Decimal, percent: Decimal, start: date, end: date) -> Decimal:
    """Simple interest on actual days / 365, half up to the cent.

    >>> deposit_interest(Decimal("34.50"), Decimal("2"), date(2025, 3, 1), date(2026, 3, 1))
    Decimal('0.69')
    """
    days = max((end - start).days, 0)
    return (amount * percent * days / Decimal(36500)).quantize(CENT, ROUND_HALF_UP)


class Deposits(Aggregate):
    """The deposit part of the contract account. Class-level immutable defaults, so old accounts load as
    "no deposit" and the account's ``__init__`` needs no change."""

    deposits: tuple[HeldDeposit, ...] = ()

    if TYPE_CHECKING:  # provided by ContractAccount
        items: dict[str, OpenItem]
        item_seq: int
        credit: Decimal

        @property
        def key(self) -> str: ...

    class DepositBilled(Aggregate.Event):
        deposit: HeldDeposit
        opened_items: tuple[OpenItem, ...]
        posted_on: date
        postings: tuple[Posting, ...]

    class DepositSettled(Aggregate.Event):
        contract_id: str
        settled_on: date
        interest: Decimal
        cleared: tuple[Allocation, ...]
        refunded: Decimal
        payee: DepositPayee | None
        bank_account: str
        to_credit: Decimal
        postings: tuple[Posting, ...]

    class DepositMovedOut(Aggregate.Event):
        contract_id: str
        to_contract_id: str
        to_account_id: str
        posted_on: date
        interest: Decimal
        amount: Decimal
        consent: str
        postings: tuple[Posting, ...]

    class DepositMovedIn(Aggregate.Event):
        deposit: HeldDeposit
        posted_on: date
        postings: tuple[Posting, ...]

    def deposit_for(self, contract_id: str) -> HeldDeposit | None:
        return next((d for d in self.deposits if d.contract_id == contract_id), None)

    def bill_deposit(self, contract_id: str, item_id: str, number: str, amount: Decimal, billed_on: date,
                     due_date: date, reference: str | None, interest_percent: Decimal) -> None:
        if self.deposit_for(contract_id) is not None:
            raise Conflict(f"contract {contract_id} already has a deposit on this account", "contract_id")
        if amount <= 0:
            raise InvalidInput("a deposit must be more than zero", "amount")
        item = OpenItem(item_id, number, ItemKind.DEPOSIT, amount, amount, due_date, billed_on, reference,
                        self.item_seq + 1)
        postings = entry(Posting.debit(chart.RECEIVABLES, amount, self.key, number),
                         Posting.credit(chart.SECURITY_DEPOSITS, amount, self.key, number))
        held = HeldDeposit(contract_id, item_id, number, amount, billed_on, interest_percent)
        self._deposit_billed(held, (item,), billed_on, postings)

    @event(DepositBilled)
    def _deposit_billed(self, deposit: HeldDeposit, opened_items: tuple[OpenItem, ...], posted_on: date,
                        postings: tuple[Posting, ...]) -> None:
        for item in opened_items:
            self.items[item.item_id] = item
            self.item_seq = item.seq
        self.deposits = (*self.deposits, deposit)

    def settle_deposit(self, contract_id: str, settled_on: date, payee: DepositPayee | None,
                       bank_account: str) -> tuple[Decimal, Decimal]:
        """Offset the deposit and its interest against the open items; refund the rest to ``payee``.
        Return the interest and the refund."""
        held = self.deposit_for(contract_id)
        if held is None:
            raise NotFound(f"contract {contract_id} has no deposit on this account", "contract_id")
        if held.settled_on is not None:
            raise Conflict(f"the deposit of contract {contract_id} was settled on {held.settled_on}",
                           "contract_id")
        interest = deposit_interest(held.amount, held.annual_interest_percent, held.billed_on, settled_on)
        # Oldest due first: never an archived item (those are cleared), so the live ones only.
        cleared, rest = allocate(held.amount + interest, live_values(self.items))
        doc = held.number
        # Without a payee the rest stays with the customer as credit on account, to be refunded later.
        out_to = chart.bank(bank_account) if payee is not None else chart.CUSTOMER_CREDIT
        out_key = None if payee is not None else self.key
        postings = entry(
            Posting.debit(chart.DEPOSIT_INTEREST, interest, None, doc),
            Posting.credit(chart.SECURITY_DEPOSITS, interest, self.key, doc),
            Posting.debit(chart.SECURITY_DEPOSITS, total(cleared), self.key, doc),
            Posting.credit(chart.RECEIVABLES, total(cleared), self.key, doc),
            Posting.debit(chart.SECURITY_DEPOSITS, rest, self.key, doc),
            Posting.credit(out_to, rest, out_key, doc),
        )
        refunded, to_credit = (rest, ZERO) if payee is not None else (ZERO, rest)
        self._deposit_settled(contract_id, settled_on, interest, cleared, refunded,
                              payee if refunded > 0 else None, bank_account, to_credit, postings)
        return interest, refunded

    @event(DepositSettled)
    def _deposit_settled(self, contract_id: str, settled_on: date, interest: Decimal,
                         cleared: tuple[Allocation, ...], refunded: Decimal, payee: DepositPayee | None,
                         bank_account: str, to_credit: Decimal, postings: tuple[Posting, ...]) -> None:
        apply_allocations(self.items, cleared, -1)
        self.credit += to_credit
        self.deposits = tuple(d if d.contract_id != contract_id else
                              replace(d, settled_on=settled_on, interest=interest, refunded=refunded,
                                      payee=payee)
                              for d in self.deposits)

    def movable_deposit(self, contract_id: str) -> HeldDeposit:
        """The deposit of ``contract_id`` if it may move to another holder: held, not settled, paid."""
        held = self.deposit_for(contract_id)
        if held is None:
            raise NotFound(f"contract {contract_id} has no deposit on this account", "contract_id")
        if held.settled_on is not None:
            raise Conflict(f"the deposit of contract {contract_id} was settled on {held.settled_on}",
                           "contract_id")
        item = self.items.get(held.item_id)
        if item is not None and item.open_amount > 0:
            raise Conflict(f"the deposit {held.number} is not paid ({item.open_amount} open): it cannot move "
                           "to another holder; offset it against the final bill instead", "move_deposit")
        return held

    def move_deposit_out(self, contract_id: str, to: Deposits, to_contract_id: str, to_key: str,
                         moved_on: date, consent: str) -> Decimal:
        """Move the deposit with its interest to date to ``to`` (the new holder's account); return the amount
        moved. Both accounts change: save them together."""
        held = self.movable_deposit(contract_id)
        if to.deposit_for(to_contract_id) is not None:
            raise Conflict(f"contract {to_contract_id} already has a deposit", "new_contract_id")
        interest = deposit_interest(held.amount, held.annual_interest_percent, held.billed_on, moved_on)
        amount = held.amount + interest
        doc = held.number
        postings = entry(
            Posting.debit(chart.DEPOSIT_INTEREST, interest, None, doc),
            Posting.credit(chart.SECURITY_DEPOSITS, interest, self.key, doc),
            Posting.debit(chart.SECURITY_DEPOSITS, amount, self.key, doc),
            Posting.credit(chart.DEPOSIT_TRANSFERS, amount, self.key, doc),
        )
        arriving = entry(Posting.debit(chart.DEPOSIT_TRANSFERS, amount, to_key, doc),
                         Posting.credit(chart.SECURITY_DEPOSITS, amount, to_key, doc))
        self._deposit_moved_out(contract_id, to_contract_id, str(to.id), moved_on, interest, amount, consent,
                                postings)
        # The new holder's deposit counts its interest from the day it moved (the old one's up to it, so
        # no day counts twice or never), at the same rule's rate.
        to._deposit_moved_in(HeldDeposit(to_contract_id, "", doc, amount, moved_on,
                                         held.annual_interest_percent, moved_from=contract_id,
                                         consent=consent), moved_on, arriving)
        return amount

    @event(DepositMovedOut)
    def _deposit_moved_out(self, contract_id: str, to_contract_id: str, to_account_id: str, posted_on: date,
                           interest: Decimal, amount: Decimal, consent: str,
                           postings: tuple[Posting, ...]) -> None:
        self.deposits = tuple(d if d.contract_id != contract_id else
                              replace(d, settled_on=posted_on, interest=interest, moved_to=to_contract_id,
                                      consent=consent)
                              for d in self.deposits)

    @event(DepositMovedIn)
    def _deposit_moved_in(self, deposit: HeldDeposit, posted_on: date, postings: tuple[Posting, ...]) -> None:
        self.deposits = (*self.deposits, deposit)
