"""The letters that are not dunning steps: an instalment plan's schedule, the SEPA pre-notification, a
returned direct debit, and the confirmation of a holder change (voltura). Built like
:func:`ledger.documents.letters.dunning_letter`: pure functions of the facts their event recorded.

- **Pre-notification** (SEPA Direct Debit Core Rulebook, EPC016-09, the creditor's advance notice of the
  amount and day of each collection, 14 calendar days before it unless the parties agreed another term,
  https://www.europeanpaymentscouncil.eu/what-we-do/epc-payment-schemes/sepa-direct-debit/sdd-rulebooks):
  one per collection of a proposed run, with the mandate reference and the creditor identifier. The IBAN
  is masked (the customer knows it; a letter that goes astray should not carry it).
- **Returned direct debit**: what the return policy decided (:mod:`ledger.collections.returns`), said to
  the customer: collect again, pay by transfer, or sign a new mandate.
- **Holder change**: sent to the new holder only, naming nothing of the old one (GDPR art. 5(1)(c)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.accounts.clearing import OpenItem
from ledger.core.money import ZERO
from ledger.documents import letter_texts as t
from ledger.documents.invoice_document import masked_iban
from ledger.documents.letters import Letter, LetterHead, LetterKind, Money, Phrase, Table, Value, phrase
from ledger.dunning.account_plans import PlannedInstalment


@dataclass(frozen=True, slots=True)
class PlanFacts:
    plan_id: str
    number: str
    created_on: date
    originals: tuple[str, ...]  # the documents the plan replaced
    instalments: tuple[PlannedInstalment, ...]
    grace_days: int
    interest_rate: Decimal | None


def plan_letter(head: LetterHead, plan: PlanFacts) -> Letter:
    """The plan's schedule: each instalment's due date, principal, interest, amount and reference, and
    their totals; the amount due and deadline the letter asks for are the first instalment's."""
    rows: list[tuple[Value, ...]] = [(i.number, i.due_date, Money(i.principal), Money(i.interest),
                                      Money(i.amount), i.payment_reference or "—") for i in plan.instalments]
    rows.append((phrase(t.ROW_TOTAL), "", *(Money(sum((getattr(i, part) for i in plan.instalments), ZERO))
                                           for part in ("principal", "interest", "amount")), ""))
    paragraphs = [phrase(t.PLAN_BODY, date=plan.created_on, documents=", ".join(plan.originals),
                         count=len(plan.instalments))]
    if plan.interest_rate:
        paragraphs.append(phrase(t.PLAN_INTEREST, rate=plan.interest_rate))
    paragraphs.append(phrase(t.PLAN_GRACE, days=plan.grace_days))
    first = plan.instalments[0]
    return Letter(
        LetterKind.INSTALMENT_PLAN, plan.number, head, plan.created_on,
        phrase(t.SUBJECT_PLAN, number=plan.number), tuple(paragraphs),
        Table((t.COL_NUMBER, t.COL_DUE, t.COL_PRINCIPAL, t.COL_INTEREST, t.COL_AMOUNT, t.COL_REFERENCE),
              tuple(rows)),
        Money(first.amount), first.due_date, first.payment_reference,  # what to pay first, and by when
        phrase(t.RULE_PLAN, number=plan.number, date=plan.created_on),
        phrase(t.CAUSE_PLAN, number=plan.number), asks_transfer=True)


@dataclass(frozen=True, slots=True)
class CollectionFacts:
    run_id: str
    end_to_end_id: str
    proposed_on: date
    collection_date: date
    amount: Decimal
    documents: tuple[OpenItem, ...]
    mandate_reference: str
    debtor_iban: str
    creditor_id: str


def _items(items: tuple[OpenItem, ...], open_amounts: bool) -> Table:
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (i.document_number, i.due_date, i.payment_reference or "—",
         Money(i.open_amount if open_amounts else i.amount)) for i in items)
    return Table((t.COL_DOCUMENT, t.COL_DUE, t.COL_REFERENCE, t.COL_AMOUNT), rows)


def pre_notification_letter(head: LetterHead, c: CollectionFacts) -> Letter:
    """The advance notice of one collection: its amount, day, mandate and creditor identifier."""
    body = phrase(t.PRENOTICE_BODY, date=c.collection_date, amount=Money(c.amount),
                  iban=masked_iban(c.debtor_iban), mandate=c.mandate_reference, creditor=c.creditor_id)
    return Letter(
        LetterKind.PRE_NOTIFICATION, c.end_to_end_id, head, c.proposed_on, phrase(t.SUBJECT_PRENOTICE),
        (body, phrase(t.PRENOTICE_ITEMS)), _items(c.documents, open_amounts=True), Money(c.amount),
        c.collection_date, c.end_to_end_id, phrase(t.RULE_PRENOTICE),
        phrase(t.CAUSE_PRENOTICE, collection=c.end_to_end_id, run=c.run_id))


@dataclass(frozen=True, slots=True)
class ReturnFacts:
    end_to_end_id: str
    collection_date: date
    returned_on: date
    reason_code: str
    action: str  # a ReturnAction value
    policy: str
    amount: Decimal
    fee: Decimal
    documents: tuple[OpenItem, ...]


#: What the customer is told, and how the rule is named, per ReturnAction value.
_NEXT: dict[str, tuple[str, str, bool]] = {
    "retry": (t.RETURN_RETRY, t.ACTION_RETRY, False),
    "no-retry-contact": (t.RETURN_PAY, t.ACTION_CONTACT, True),
    "stop-dd-switch-to-transfer": (t.RETURN_PAY, t.ACTION_SWITCH, True),
    "stop-mandate-new-needed": (t.RETURN_NEW_MANDATE, t.ACTION_MANDATE, True),
    "refund-no-recollect": (t.RETURN_REFUND, t.ACTION_REFUND, True),
    "fix-data-resubmit": (t.RETURN_RETRY, t.ACTION_FIX, False),
    "investigate": (t.RETURN_CHECK, t.ACTION_INVESTIGATE, False),
}


def return_letter(head: LetterHead, r: ReturnFacts) -> Letter:
    """The notice of a returned direct debit: the reason code, the fee, and what happens next."""
    told, action, transfer = _NEXT.get(r.action, _NEXT["investigate"])
    paragraphs: list[Phrase] = [phrase(t.RETURN_BODY, amount=Money(r.amount), date=r.collection_date,
                                       collection=r.end_to_end_id, returned=r.returned_on,
                                       code=r.reason_code)]
    if r.fee > 0:
        paragraphs.append(phrase(t.RETURN_FEE, amount=Money(r.fee)))
    paragraphs.append(phrase(told))
    references = {i.payment_reference for i in r.documents}
    return Letter(
        LetterKind.DIRECT_DEBIT_RETURN, f"RET-{r.end_to_end_id}", head, r.returned_on,
        phrase(t.SUBJECT_RETURN),
        tuple(paragraphs), _items(r.documents, open_amounts=False), Money(r.amount + r.fee), None,
        references.pop() if len(references) == 1 else None,
        phrase(t.RULE_RETURN, policy=r.policy, code=r.reason_code, action=phrase(action)),
        phrase(t.CAUSE_RETURN, collection=r.end_to_end_id), asks_transfer=transfer)


@dataclass(frozen=True, slots=True)
class HolderFacts:
    contract_id: str
    recorded_on: date
    start_date: date
    supply_point: str
    commodity: str  # a Commodity value
    tariff: str
    country: str  # of the company: Italy cites ARERA's voltura rules


def holder_change_letter(head: LetterHead, h: HolderFacts) -> Letter:
    """The new holder's confirmation: from which day the supply point's supply is theirs."""
    commodity = t.COMMODITIES.get(h.commodity)
    body = phrase(t.HOLDER_BODY, date=h.start_date, point=h.supply_point,
                  commodity=phrase(commodity) if commodity else h.commodity, contract=h.contract_id,
                  tariff=h.tariff)
    rule = t.IT_RULE_HOLDER if h.country == "IT" else t.RULE_HOLDER
    return Letter(
        LetterKind.HOLDER_CHANGE, f"VOL-{h.contract_id[:8].upper()}", head, h.recorded_on,
        phrase(t.SUBJECT_HOLDER), (body, phrase(t.HOLDER_SPLIT)), None, None, None, None,
        phrase(rule, date=h.recorded_on), phrase(t.CAUSE_HOLDER, contract=h.contract_id))
