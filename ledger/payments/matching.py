"""Matching a bank receipt to the invoices it pays (abbinamento / conciliació / kohdistus).

The cascade (architecture.md §4.2), first rule that finds something wins, and the decision records which
rule matched and why:

1. ``structured-reference``: the creditor reference the payer's bank sent in a structured field, with
   valid check digits, that is the payment reference of one of our invoices;
2. ``reference-in-text``: references with valid check digits found in the free-text remittance;
   a reference (structured, or in the text with none of ours) of another company's invoice (the payer
   used the wrong company's IBAN) stops the cascade: the money goes to suspense saying whose invoice it is;
3. ``invoice-number``: our invoice numbers named in the referred documents or the free text;
4. ``payer-iban``: the payer's IBAN (a valid one: ``NOTPROVIDED`` is no one's) is known on exactly one
   contract account and the amount fits: the open amount of an item, the one due first when several fit
   (any kind: an invoice, a fee, the shortfall of a reversal), or the account's whole open total. Known
   on several accounts, it is ambiguous and goes to suspense with that reason;
5. otherwise ``suspense``: the money waits on the clarification worklist.

A pure function over prefetched lookups (:class:`MatchIndex`), so a statement of 100k entries is decided
with a handful of queries, and the decision is a value that can be tested, stored and explained.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from uuid import UUID

from ledger.accounts.references import SCHEMES, detect
from ledger.parties.identifiers import known_iban

STRUCTURED = "structured-reference"
IN_TEXT = "reference-in-text"
INVOICE_NUMBER = "invoice-number"
PAYER_IBAN = "payer-iban"
SUSPENSE = "suspense"

#: Our invoice numbers as payers type them: "INV-2026-000123", "inv 2026 000123", "INV2026000123".
INVOICE_NUMBER_PATTERN = re.compile(r"\b(INV|CN)[\s\-/.]?(\d{4})[\s\-/.]?(\d{6})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What matching needs to know of an incoming payment."""

    amount: Decimal
    currency: str
    received_on: date
    payer_name: str | None = None
    payer_iban: str | None = None
    structured_reference: str | None = None
    remittance: tuple[str, ...] = ()
    referred_documents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InvoiceRef:
    number: str
    account_id: UUID
    open_amount: Decimal


@dataclass(frozen=True, slots=True)
class MatchIndex:
    """Lookups prefetched for a batch of receipts (see :func:`lookups_needed`)."""

    by_reference: Mapping[str, InvoiceRef] = field(default_factory=dict)
    by_number: Mapping[str, InvoiceRef] = field(default_factory=dict)
    accounts_by_iban: Mapping[str, tuple[UUID, ...]] = field(default_factory=dict)
    #: Open items of each account, in clearing order: oldest due first, then as posted.
    open_items_by_account: Mapping[UUID, tuple[InvoiceRef, ...]] = field(default_factory=dict)
    #: References of invoices of other companies than the statement's, with the company's code (issue 11).
    elsewhere: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatchDecision:
    rule: str
    account_id: UUID | None
    invoice_numbers: tuple[str, ...]
    evidence: str


@dataclass(frozen=True, slots=True)
class Lookups:
    references: frozenset[str]
    numbers: frozenset[str]
    ibans: frozenset[str]


@functools.lru_cache(maxsize=4096)  # the importer asks twice per receipt: for lookups, then to decide
def references_in(receipt: Receipt) -> tuple[list[str], list[str]]:
    """(valid structured references, valid references found in the text), compact, in order."""
    structured = []
    if receipt.structured_reference:
        for _, value in detect(receipt.structured_reference):
            structured.append(value)
    in_text = [value for _, value in detect(" ".join(receipt.remittance))]
    return structured, in_text


def invoice_numbers_in(receipt: Receipt) -> list[str]:
    """Our invoice numbers named by the payer, normalised to ``INV-2026-000123``, without repeats."""
    found: list[str] = []
    for text in (*receipt.referred_documents, *receipt.remittance):
        for series, year, serial in INVOICE_NUMBER_PATTERN.findall(text):
            number = f"{series.upper()}-{year}-{serial}"
            if number not in found:
                found.append(number)
    return found


def lookups_needed(receipts: Sequence[Receipt]) -> Lookups:
    references: set[str] = set()
    numbers: set[str] = set()
    ibans: set[str] = set()
    for receipt in receipts:
        structured, in_text = references_in(receipt)
        references.update(structured, in_text)
        numbers.update(invoice_numbers_in(receipt))
        iban = known_iban(receipt.payer_iban)  # a junk IBAN matches nothing
        if iban is not None:
            ibans.add(iban)
    return Lookups(frozenset(references), frozenset(numbers), frozenset(ibans))


def _one_account(rule: str, refs: list[InvoiceRef], evidence: str) -> MatchDecision | None:
    if not refs:
        return None
    accounts = {r.account_id for r in refs}
    if len(accounts) > 1:
        return MatchDecision(SUSPENSE, None, (), f"{evidence} belong to {len(accounts)} different accounts")
    numbers = tuple(dict.fromkeys(r.number for r in refs))
    return MatchDecision(rule, refs[0].account_id, numbers, evidence)


def match(receipt: Receipt, index: MatchIndex) -> MatchDecision:
    """Decide where a receipt goes; the first rule of the cascade that finds something wins."""
    structured, in_text = references_in(receipt)
    notes = []
    known = [index.by_reference[r] for r in structured if r in index.by_reference]
    decision = _one_account(STRUCTURED, known, f"creditor reference {', '.join(structured)}")
    if decision:
        return decision
    if structured:
        notes.append(f"structured reference {structured[0]} is valid but not ours")
    elif receipt.structured_reference:
        notes.append(f"structured reference {receipt.structured_reference!r} has invalid check digits")
    misrouted = _other_company(structured, index)
    if misrouted:
        return misrouted
    known = [index.by_reference[r] for r in in_text if r in index.by_reference]
    if not known and (misrouted := _other_company(in_text, index)):
        return misrouted
    decision = _one_account(
        IN_TEXT,
        known,
        f"reference {', '.join(r for r in in_text if r in index.by_reference)} in the remittance text",
    )
    if decision:
        return decision
    numbers = invoice_numbers_in(receipt)
    known = [index.by_number[n] for n in numbers if n in index.by_number]
    decision = _one_account(
        INVOICE_NUMBER, known, f"invoice number {', '.join(r.number for r in known)} named"
    )
    if decision:
        return decision
    return _by_iban(receipt, index, notes)


def _other_company(references: list[str], index: MatchIndex) -> MatchDecision | None:
    """Suspense, saying why, when the payer quoted a reference of another company's invoice.

    The money came to this company's account but pays the other's invoice: no rule below may give it to
    one of this company's customers by IBAN or amount; a person passes it on or pays it back.
    """
    for reference in references:
        if reference in index.elsewhere:
            return MatchDecision(SUSPENSE, None, (), f"reference {reference} is an invoice of company "
                                 f"{index.elsewhere[reference]}, not of the company whose account received "
                                 "the money: pass it on or refund it")
    return None


def _by_iban(receipt: Receipt, index: MatchIndex, notes: list[str]) -> MatchDecision:
    iban = known_iban(receipt.payer_iban)  # a junk IBAN matches nothing
    if receipt.payer_iban and iban is None:
        notes.append(f"payer IBAN {receipt.payer_iban!r} is not a valid IBAN")
    if iban is not None:
        accounts = index.accounts_by_iban.get(iban, ())
        if len(accounts) == 1:
            account = accounts[0]
            items = index.open_items_by_account.get(account, ())
            fitting = [i for i in items if i.open_amount == receipt.amount]  # in clearing order
            if fitting:
                return MatchDecision(
                    PAYER_IBAN,
                    account,
                    (fitting[0].number,),
                    f"payer IBAN {iban} known on one account; amount equals "
                    f"open item {fitting[0].number}",
                )
            if items and sum((i.open_amount for i in items), Decimal(0)) == receipt.amount:
                return MatchDecision(
                    PAYER_IBAN,
                    account,
                    (),
                    f"payer IBAN {iban} known on one account; amount equals its open total",
                )
            notes.append(f"payer IBAN known on account {account} but the amount fits no open item")
        elif len(accounts) > 1:
            notes.append(f"payer IBAN known on {len(accounts)} accounts")
    return MatchDecision(SUSPENSE, None, (), "; ".join(notes) or "no reference, invoice number or known IBAN")


# -- the clarification worklist: ranked suggestions for a person ------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidateItem:
    number: str
    account_id: UUID
    account_name: str
    open_amount: Decimal
    payment_reference: str | None
    known_ibans: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    item: CandidateItem
    score: float
    reasons: tuple[str, ...]


#: Weights of the evidence; a person sees the reasons, so the weights only order the list.
WEIGHTS = {"amount": 0.4, "reference": 0.3, "name": 0.15, "iban": 0.15}
#: Suggestions shown per receipt.
MAX_CANDIDATES = 5


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.upper(), b.upper()).ratio()


def rank_candidates(
    receipt: Receipt, items: Sequence[CandidateItem], limit: int = MAX_CANDIDATES
) -> list[Candidate]:
    """Score open items as the possible target of an unmatched receipt, best first, with reasons."""
    text = " ".join((*receipt.remittance, receipt.structured_reference or ""))
    tokens = [t for t in re.split(r"[\s,;:/]+", text) if len(t) >= 4]
    ranked = []
    for item in items:
        score, reasons = 0.0, []
        if item.open_amount == receipt.amount:
            score += WEIGHTS["amount"]
            reasons.append("same amount")
        elif receipt.amount > 0 and abs(item.open_amount - receipt.amount) <= receipt.amount / 20:
            score += WEIGHTS["amount"] / 2
            reasons.append("amount within 5 %")
        targets = [item.number]
        if item.payment_reference:
            targets.append(SCHEMES["rf"].compact(item.payment_reference))
        best = max((_similarity(tok, t) for tok in tokens for t in targets), default=0.0)
        if best >= 0.6:
            score += WEIGHTS["reference"] * best
            reasons.append(f"remittance resembles {item.number} ({best:.0%})")
        if receipt.payer_name:
            name = _similarity(receipt.payer_name, item.account_name)
            if name >= 0.5:
                score += WEIGHTS["name"] * name
                reasons.append(f"payer name resembles '{item.account_name}' ({name:.0%})")
        if receipt.payer_iban and receipt.payer_iban in item.known_ibans:
            score += WEIGHTS["iban"]
            reasons.append("payer IBAN paid this account before")
        if reasons:
            ranked.append(Candidate(item, round(score, 4), tuple(reasons)))
    ranked.sort(key=lambda c: (-c.score, c.item.number))
    return ranked[:limit]
