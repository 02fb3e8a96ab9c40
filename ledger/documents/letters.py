"""What a letter or notice prints: a pure, immutable, language-neutral value built from its causing event.

A :class:`Letter` names its texts by their English message ids (:mod:`ledger.documents.letter_texts`) with
the typed values of their fields — amounts as :class:`Money`, days as :class:`~datetime.date`, nested
texts as :class:`Phrase` — and the customer's language; the renderer (``api/documents/letter_pdf.py``)
translates and formats them, so one model prints in any of Saldo's languages and nothing is computed
there. Every letter cites the rule that caused it (``rule``: the dunning procedure, level and rule text;
the plan agreement; the SEPA rulebook; the return policy) and names the event (``cause``), so a reader can
find why it was sent.

One function per kind of letter builds it from the facts the loader (:mod:`ledger.documents.letter_loading`)
read from the store: :func:`dunning_letter` (reminder, formal notice, disconnection warning, by the step's
template), and, in :mod:`ledger.documents.notices`, the instalment plan, the SEPA pre-notification, the
returned direct debit and the holder change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.accounts.clearing import OpenItem
from ledger.documents import letter_texts as t
from ledger.documents.invoice_document import Party

#: Bumped whenever the model prints something differently (part of the letter renderer's version).
MODEL_VERSION = 1
#: Every Saldo account is kept in euros (ledger.core.money works in cents of one currency).
CURRENCY = "EUR"
#: The suspension date a letter gives when its level is the procedure's last one (no next step to wait
#: for): ARERA's TIMOE reduces a low-voltage supply's power to 15 % for 15 days before it is suspended.
LAST_LEVEL_SUSPENSION_DAYS = 15


class LetterKind(enum.Enum):
    REMINDER = "reminder"  # sollecito / recordatorio / maksumuistutus
    FORMAL_NOTICE = "formal-notice"  # costituzione in mora / requerimiento fehaciente
    DISCONNECTION_WARNING = "disconnection-warning"  # preavviso di sospensione / katkaisuvaroitus
    INSTALMENT_PLAN = "instalment-plan"  # piano di rateizzazione
    PRE_NOTIFICATION = "pre-notification"  # preavviso di addebito SEPA
    DIRECT_DEBIT_RETURN = "direct-debit-return"  # insoluto RID/SDD
    HOLDER_CHANGE = "holder-change"  # conferma di voltura


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = CURRENCY


@dataclass(frozen=True, slots=True)
class Phrase:
    """A text of the ``letters`` catalogue and its fields' values, to be translated when printed."""

    msgid: str
    fields: tuple[tuple[str, Value], ...] = ()


Value = str | int | Decimal | date | Money | Phrase


def phrase(msgid: str, **fields: Value) -> Phrase:
    return Phrase(msgid, tuple(sorted(fields.items())))


@dataclass(frozen=True, slots=True)
class Table:
    """A table the letter carries (the items dunned, a plan's schedule): headers are message ids."""

    header: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]


@dataclass(frozen=True, slots=True)
class LetterHead:
    """Who writes to whom, about which account, in which language, and where to pay."""

    language: str
    company: Party
    addressee: Party
    account: str
    pay_to: str | None  # the company's IBAN, printed when the letter asks for a transfer


@dataclass(frozen=True, slots=True)
class Letter:
    kind: LetterKind
    number: str  # our reference, printed and in the footer
    head: LetterHead
    dated: date
    subject: Phrase
    paragraphs: tuple[Phrase, ...]
    table: Table | None
    amount_due: Money | None
    deadline: date | None
    payment_reference: str | None
    rule: Phrase
    cause: Phrase
    asks_transfer: bool = False


@dataclass(frozen=True, slots=True)
class StepFacts:
    """A dunning step as its event recorded it, with the items it dunned as they were after it."""

    step_id: str
    run_id: str
    procedure: str
    country: str
    level: int
    level_name: str
    template: str
    rule: str
    stepped_on: date
    items: tuple[OpenItem, ...]
    overdue_total: Decimal
    fee: Decimal
    interest: Decimal
    interest_until: date | None
    payment_deadline: date | None
    earliest_next_step: date | None
    business: bool  # the partner is an organisation: d.lgs. 231/2002 applies in Italy


def dunning_kind(template: str, level: int) -> LetterKind:
    """The letter a step's template asks for: a procedure's own templates fall back on the level."""
    if "reminder" in template:
        return LetterKind.REMINDER
    if any(word in template for word in ("suspension", "disconnection")):
        return LetterKind.DISCONNECTION_WARNING
    if any(word in template for word in ("notice", "demand")) or level > 1:
        return LetterKind.FORMAL_NOTICE
    return LetterKind.REMINDER


def _dunned(step: StepFacts) -> Table:
    rows: list[tuple[Value, ...]] = [(i.document_number, i.due_date, i.payment_reference or "—",
                                      Money(i.open_amount)) for i in step.items]
    if step.fee > 0:
        rows.append((phrase(t.ROW_FEE), "", "", Money(step.fee)))
    if step.interest > 0:
        until = step.interest_until or step.stepped_on
        rows.append((phrase(t.ROW_INTEREST, date=until), "", "", Money(step.interest)))
    rows.append((phrase(t.ROW_TOTAL), "", "", Money(step.overdue_total + step.fee + step.interest)))
    return Table((t.COL_DOCUMENT, t.COL_DUE, t.COL_REFERENCE, t.COL_OPEN), tuple(rows))


def suspension_date(step: StepFacts) -> date:
    """The first day the supply may be suspended after this step: the next level's earliest day, or, at
    the last level, :data:`LAST_LEVEL_SUSPENSION_DAYS` after the step."""
    if step.earliest_next_step is not None:
        return step.earliest_next_step
    return step.stepped_on + timedelta(days=LAST_LEVEL_SUSPENSION_DAYS)


def _notice(step: StepFacts, due: Money, deadline: date) -> tuple[Phrase, tuple[Phrase, ...]]:
    days = (deadline - step.stepped_on).days
    if step.country == "IT":
        paragraphs = [phrase(t.IT_NOTICE_DEMAND, amount=due, date=deadline, days=days),
                      phrase(t.IT_NOTICE_SUSPENSION, date=suspension_date(step)),
                      phrase(t.IT_NOTICE_REDUCTION), phrase(t.IT_NOTICE_CHANNEL)]
        if step.business:
            paragraphs.append(phrase(t.IT_NOTICE_B2B))
        subject = phrase(t.SUBJECT_IT_NOTICE)
    else:
        paragraphs = [phrase(t.NOTICE_DEMAND, amount=due, date=deadline, days=days)]
        if step.country == "ES":
            paragraphs.append(phrase(t.ES_NOTICE_SUSPENSION, date=suspension_date(step)))
        subject = phrase(t.SUBJECT_NOTICE)
    if step.interest > 0:
        paragraphs.append(phrase(t.NOTICE_INTEREST, date=step.interest_until or step.stepped_on,
                                 amount=Money(step.interest)))
    return subject, (phrase(t.NOTICE_BODY), *paragraphs)


def dunning_letter(head: LetterHead, step: StepFacts) -> Letter:
    """The letter of a dunning step: a reminder, a formal notice or a disconnection warning."""
    kind = dunning_kind(step.template, step.level)
    due = Money(step.overdue_total + step.fee + step.interest)
    deadline = step.payment_deadline
    paragraphs: tuple[Phrase, ...]
    if kind is LetterKind.REMINDER:
        subject, paragraphs = phrase(t.SUBJECT_REMINDER), (phrase(t.REMINDER_BODY),)
    elif kind is LetterKind.FORMAL_NOTICE:
        deadline = deadline or step.stepped_on
        subject, paragraphs = _notice(step, due, deadline)
    else:
        deadline = deadline or suspension_date(step)
        warning = [phrase(t.DISCONNECTION_BODY)]
        if step.country == "IT":
            warning.append(phrase(t.IT_DISCONNECTION))
        warning.append(phrase(t.DISCONNECTION_DATE, amount=due, date=suspension_date(step)))
        subject, paragraphs = phrase(t.SUBJECT_DISCONNECTION), tuple(warning)
    references = {i.payment_reference for i in step.items}
    return Letter(
        kind, f"DUN-{step.step_id[:12].upper()}", head, step.stepped_on, subject,
        (*paragraphs, phrase(t.ALREADY_PAID)), _dunned(step), due, deadline,
        references.pop() if len(references) == 1 else None,
        phrase(t.RULE_DUNNING, procedure=step.procedure, level=step.level, name=step.level_name,
               rule=step.rule),
        phrase(t.CAUSE_DUNNING, step=step.step_id, run=step.run_id), asks_transfer=True)
