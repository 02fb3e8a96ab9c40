"""Personal messages on an invoice (missatges personalitzats, issue 13 item 4): rules as data, chosen from
the account's state when the invoice was issued.

A utility such as Aigües de Reus prints a few lines addressed to the customer on each bill: "2 direct debits
were returned in the last 12 months", "you have 2 unpaid invoices of 161.40 €", "your next instalment of
the plan PLAN-1 is 50.00 € on 1 Apr 2026", "your remote reading (telemesura) is active: see your load
curve", "the social tariff was applied". Which ones, and in which order, is the company's configuration
(:class:`MessageRule`, ``[[companies.messages]]`` in the company file, :data:`DEFAULT_MESSAGE_RULES` when
it lists none); :func:`choose_messages` is a pure function of the rules and an :class:`AccountState`, so a
re-render from the events chooses the same messages.

A rule's ``message`` is an English msgid with ``{fields}`` (the gettext convention of ``api/i18n``): the
renderer translates it into the customer's language (domain ``messages``) and fills the fields, formatted
per locale from their machine form (:class:`MessageField`). A company may write its own text; a text
without a translation in the catalogue prints in English. The domain never formats for a language.

Why at most :data:`MAX_MESSAGES_PER_INVOICE`: a bill's message box is a few lines; more messages would
push the payment part off the page and bury the one that matters (priority orders them, lower first).
"""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO

#: The most messages one invoice prints.
MAX_MESSAGES_PER_INVOICE = 3
#: The most rules a company may configure, and the longest message text (characters).
MAX_MESSAGE_RULES = 50
MAX_MESSAGE_CHARS = 300
#: Returned direct debits are counted over this many days before the issue date ("the last 12 months").
RETURNS_WINDOW_DAYS = 365


class Condition(enum.Enum):
    """What in the account's state a rule looks at; each offers the fields of :data:`FIELDS`."""

    RETURNED_DEBITS = "returned_debits"
    UNPAID_INVOICES = "unpaid_invoices"
    INSTALMENT_PLAN = "instalment_plan"
    TELEMETERING = "telemetering"
    TARIFF = "tariff"


#: The ``{fields}`` a message of each condition may use.
FIELDS: dict[Condition, tuple[str, ...]] = {
    Condition.RETURNED_DEBITS: ("count",),
    Condition.UNPAID_INVOICES: ("count", "amount"),
    Condition.INSTALMENT_PLAN: ("plan", "date", "amount"),
    Condition.TELEMETERING: (),
    Condition.TARIFF: ("tariff",),
}


@dataclass(frozen=True, slots=True)
class MessageRule:
    """One message and when it is printed.

    ``min_count`` (returned debits, unpaid invoices) and ``min_amount`` (unpaid amount) are thresholds the
    state must reach; ``tariff`` (condition ``tariff``) is the tariff code that must have been applied;
    ``companies`` and ``commodities`` limit the rule (empty: every one).
    """

    rule_id: str
    condition: Condition
    message: str
    priority: int = 100
    min_count: int = 1
    min_amount: Decimal = ZERO
    tariff: str | None = None
    companies: tuple[str, ...] = ()
    commodities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_rule(self)


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the rules look at, as it was when the invoice was issued (``ledger.documents.message_state``).

    ``unpaid_*``: the account's other invoices still open and past due; ``next_instalment_*``: the first
    instalment of the live plan still open; ``tariffs``: the tariff codes the invoice's lines were rated by.
    """

    company: str
    returned_debits: int = 0
    unpaid_count: int = 0
    unpaid_amount: Decimal = ZERO
    plan: str | None = None
    next_instalment_on: date | None = None
    next_instalment_amount: Decimal | None = None
    telemetering: bool = False
    tariffs: tuple[str, ...] = ()
    commodities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageField:
    """A field in machine form: ``kind`` says how the renderer formats ``value`` for a language
    (``count``: an integer, ``money``: a decimal in the invoice's currency, ``date``: ISO, ``text``)."""

    name: str
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class ChosenMessage:
    rule_id: str
    message: str
    fields: tuple[MessageField, ...]


@dataclass(frozen=True, slots=True)
class MessageBox:
    """What an invoice's message box prints: the chosen messages, in the customer's ``language`` (a Saldo
    language code; the renderer translates), money fields in ``currency``."""

    language: str
    currency: str
    messages: tuple[ChosenMessage, ...]


def _fields(rule: MessageRule, state: AccountState) -> tuple[MessageField, ...] | None:
    """The rule's fields if its condition holds for ``state``, else None."""
    c = rule.condition
    if c is Condition.RETURNED_DEBITS and state.returned_debits >= rule.min_count:
        return (MessageField("count", "count", str(state.returned_debits)),)
    if (c is Condition.UNPAID_INVOICES and state.unpaid_count >= rule.min_count
            and state.unpaid_amount > 0 and state.unpaid_amount >= rule.min_amount):
        return (MessageField("count", "count", str(state.unpaid_count)),
                MessageField("amount", "money", format(state.unpaid_amount, "f")))
    if (c is Condition.INSTALMENT_PLAN and state.plan is not None and state.next_instalment_on is not None
            and state.next_instalment_amount is not None):
        return (MessageField("plan", "text", state.plan),
                MessageField("date", "date", state.next_instalment_on.isoformat()),
                MessageField("amount", "money", format(state.next_instalment_amount, "f")))
    if c is Condition.TELEMETERING and state.telemetering:
        return ()
    if c is Condition.TARIFF and rule.tariff in state.tariffs:
        return (MessageField("tariff", "text", rule.tariff or ""),)
    return None


def _applies(rule: MessageRule, state: AccountState) -> bool:
    return ((not rule.companies or state.company in rule.companies)
            and (not rule.commodities or any(c in rule.commodities for c in state.commodities)))


def choose_messages(rules: tuple[MessageRule, ...], state: AccountState,
                    limit: int = MAX_MESSAGES_PER_INVOICE) -> tuple[ChosenMessage, ...]:
    """The messages ``state`` calls for, by priority (then rule id), at most ``limit``.

    >>> state = AccountState("es-water", returned_debits=1, unpaid_count=2, unpaid_amount=Decimal("80.70"))
    >>> [(m.rule_id, [f.value for f in m.fields]) for m in choose_messages(DEFAULT_MESSAGE_RULES, state)]
    [('returned-debits', ['1']), ('unpaid-invoices', ['2', '80.70'])]
    >>> choose_messages(DEFAULT_MESSAGE_RULES, AccountState("es-water"))
    ()
    """
    chosen = []
    for rule in sorted(rules, key=lambda r: (r.priority, r.rule_id)):
        fields = _fields(rule, state) if _applies(rule, state) else None
        if fields is not None:
            chosen.append(ChosenMessage(rule.rule_id, rule.message, fields))
    return tuple(chosen[:limit])


def placeholders(message: str) -> tuple[str, ...]:
    """The ``{fields}`` of a message text (InvalidInput if its braces are not well formed)."""
    try:
        names = [name for _, name, spec, conv in string.Formatter().parse(message) if name is not None]
    except ValueError as e:
        raise InvalidInput(f"the message text {message!r} has unbalanced braces ({e})", "message") from e
    return tuple(names)


def check_rule(rule: MessageRule) -> None:
    """InvalidInput naming the field of ``rule`` that is wrong."""
    if not rule.rule_id or len(rule.rule_id) > 64 or not rule.rule_id.replace("-", "").isalnum():
        raise InvalidInput(f"a message rule id is 1 to 64 letters, digits and hyphens, not {rule.rule_id!r}",
                           "id")
    if not rule.message.strip() or len(rule.message) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"the message text must be 1 to {MAX_MESSAGE_CHARS} characters", "message")
    allowed = FIELDS[rule.condition]
    for name in placeholders(rule.message):
        if name not in allowed:
            offered = ", ".join(f"{{{f}}}" for f in allowed) or "no fields"
            raise InvalidInput(f"{{{name}}} is not a field of a {rule.condition.value} message (it offers "
                               f"{offered})", "message")
    if rule.min_count < 1 or rule.min_amount < 0:
        raise InvalidInput("thresholds are a count of at least 1 and an amount of at least 0", "min_count")
    if (rule.condition is Condition.TARIFF) != (rule.tariff is not None):
        raise InvalidInput("a tariff message names its tariff, and only a tariff message does", "tariff")


#: The rules of a company whose configuration lists none. The texts are marked for translation in
#: ``api/documents/message_texts.py`` (tests/test_invoice_messages.py checks they are the same).
DEFAULT_MESSAGE_RULES: tuple[MessageRule, ...] = (
    MessageRule("returned-debits", Condition.RETURNED_DEBITS,
                "{count} direct debit(s) of your account were returned in the last 12 months: please check "
                "your bank details, or pay by transfer.", priority=10),
    MessageRule("unpaid-invoices", Condition.UNPAID_INVOICES,
                "You have {count} unpaid invoice(s) totalling {amount}. Please pay them to avoid a reminder.",
                priority=20),
    MessageRule("instalment-plan", Condition.INSTALMENT_PLAN,
                "Instalment plan {plan}: your next instalment of {amount} is due on {date}.", priority=30),
    MessageRule("telemetering", Condition.TELEMETERING,
                "Your meter is read remotely: your hourly consumption (load curve) is available on request.",
                priority=50),
)


_RULE_KEYS = frozenset({"id", "condition", "message", "priority", "min_count", "min_amount", "tariff",
                        "companies", "commodities"})


def _int(data: dict[str, object], key: str, default: int, low: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 10_000:
        raise InvalidInput(f"must be a whole number from {low} to 10000, got {value!r}", key)
    return value


def _names(data: dict[str, object], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(f"must be a list of codes, got {value!r}", key)
    return tuple(str(v) for v in value)


def rule_from_table(data: object) -> MessageRule:
    """One rule from a configuration table, or InvalidInput naming the wrong field."""
    if not isinstance(data, dict):
        raise InvalidInput("must be a table ([[companies.messages]])", "")
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise InvalidInput(f"is not a known field (known: {', '.join(sorted(_RULE_KEYS))})", unknown[0])
    for key in ("id", "condition", "message"):
        if not isinstance(data.get(key), str):
            raise InvalidInput("is required (a string)", key)
    try:
        condition = Condition(data["condition"])
    except ValueError as e:
        raise InvalidInput(f"must be one of {', '.join(c.value for c in Condition)}, got "
                           f"{data['condition']!r}", "condition") from e
    amount = data.get("min_amount", "0")
    try:
        min_amount = Decimal(amount) if isinstance(amount, str) else None
    except InvalidOperation:
        min_amount = None
    if min_amount is None or not min_amount.is_finite():
        raise InvalidInput(f'must be an amount written as a string, e.g. "50.00", got {amount!r}',
                           "min_amount")
    tariff = data.get("tariff")
    if tariff is not None and not isinstance(tariff, str):
        raise InvalidInput(f"must be a tariff code (a string), got {tariff!r}", "tariff")
    return MessageRule(str(data["id"]), condition, str(data["message"]), _int(data, "priority", 100, 0),
                       _int(data, "min_count", 1, 1), min_amount, tariff, _names(data, "companies"),
                       _names(data, "commodities"))


def rules_from_config(listed: object) -> tuple[MessageRule, ...]:
    """A company's ``messages`` list; InvalidInput whose field is ``[k].<field>`` (the rule and field)."""
    if not isinstance(listed, list) or len(listed) > MAX_MESSAGE_RULES:
        raise InvalidInput(f"must be a list of at most {MAX_MESSAGE_RULES} rules ([[companies.messages]])",
                           "")
    rules, ids = [], set()
    for k, table in enumerate(listed):
        try:
            rule = rule_from_table(table)
        except InvalidInput as e:
            raise InvalidInput(str(e).removeprefix(f"{e.field}: "), f"[{k}].{e.field}".rstrip(".")) from e
        if rule.rule_id in ids:
            raise InvalidInput(f"{rule.rule_id!r} is the id of an earlier rule", f"[{k}].id")
        ids.add(rule.rule_id)
        rules.append(rule)
    return tuple(rules)
