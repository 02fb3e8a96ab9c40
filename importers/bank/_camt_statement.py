"""Statement level of a camt file: the header (account, balances) and the camt.053 balance check.

The opening balance is ``Bal`` with ``Tp/CdOrPrtry/Cd`` ``OPBD`` (else ``PRCD``, the previous
closing balance), the closing balance ``CLBD``. The period is ``FrToDt`` (``FrDtTm``/``ToDtTm``; a
timestamp without an offset is the account's local time). Balances are signed by their ``CdtDbtInd``. The
check: opening + Σ signed amounts of ``BOOK`` entries = closing, in the statement currency; pending
and information entries do not move the booked balance.

The standard requires one balance of any type, not these two: banks send only the available balances
(``OPAV``/``CLAV``, which count value-dated money and credit lines), only ``CLBD``, interim balances
(``ITBD``, on a page of a longer statement) or nothing usable. Such a statement is read, and its check
says it is **not reconcilable** and why; only a real mismatch of ``OPBD``/``PRCD`` + booked entries
against ``CLBD`` refuses the file (unless the reader was told to accept it, for a clerk's override).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple

from importers.bank._values import normalize_iban
from importers.bank._xml import Element, Locator, View
from importers.bank._zones import instant, zone_for
from importers.bank.errors import UnbalancedStatement
from ledger.payments.bank_entries import BankEntry, MessageType, StatementHeader, StatementPeriod


class BalanceCheck(NamedTuple):
    """The outcome of one statement's balance check.

    Balanced when ``not_reconcilable`` and ``mismatch`` are both ``None``. ``not_reconcilable`` says
    which balances were missing (the statement is imported, nothing proves it complete); ``mismatch``
    is the refusal a clerk overrode (only with ``accept_mismatch``). A reader returns one per camt.053
    statement, in the order of :attr:`~importers.bank.camt.CamtReader.statements`.
    """

    statement_id: str
    currency: str | None
    opening_balance: Decimal | None
    booked_total: Decimal
    closing_balance: Decimal | None
    not_reconcilable: str | None = None
    mismatch: str | None = None

    @property
    def balanced(self) -> bool:
        return self.not_reconcilable is None and self.mismatch is None


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """What the document root and group header say, shared by all statements of a file."""

    file_name: str
    message_type: MessageType
    version: str
    message_id: str | None = None
    created_at: datetime | None = None
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class _Balance:
    code: str | None
    amount: Decimal
    currency: str
    locator: Locator


@dataclass(slots=True)
class StatementState:
    """A statement being read: its header and the running sum of booked entries."""

    header: StatementHeader
    currency: str | None
    closing: Locator | None
    balance_codes: tuple[str, ...] = ()
    booked_total: Decimal = field(default_factory=lambda: Decimal(0))

    def add(self, entries: list[BankEntry], loc: Locator) -> None:
        for entry in entries:
            if not entry.is_booked:
                continue
            if self.currency is not None and entry.currency != self.currency:
                raise loc.error(f"entry currency {entry.currency} differs from the statement "
                                f"currency {self.currency}")
            self.booked_total += entry.signed_amount

    def check(self, loc: Locator, *, accept_mismatch: bool = False) -> BalanceCheck:
        """Opening + booked = closing; raises on a mismatch unless ``accept_mismatch``."""
        header = self.header
        opening, closing = header.opening_balance, header.closing_balance
        outcome = BalanceCheck(header.statement_id, self.currency, opening, self.booked_total, closing)
        if opening is None or closing is None:
            return outcome._replace(not_reconcilable=self._missing(opening is None, closing is None))
        if opening + self.booked_total == closing:
            return outcome
        where = self.closing or loc
        error = where.error(
            f"balance mismatch: opening {opening} + booked entries {self.booked_total} = "
            f"{opening + self.booked_total}, but the closing balance (CLBD) is {closing}")
        if not accept_mismatch:
            raise UnbalancedStatement(error.file_name, error.location, error.reason)
        return outcome._replace(mismatch=f"{error.location}: {error.reason}")

    def _missing(self, no_opening: bool, no_closing: bool) -> str:
        wanted = [name for name, absent in (("opening (OPBD or PRCD)", no_opening),
                                            ("closing (CLBD)", no_closing)) if absent]
        given = ", ".join(dict.fromkeys(self.balance_codes)) or "none"
        return (f"not reconcilable: no booked {' or '.join(wanted)} balance (balances given: {given}), "
                "so nothing proves the entries complete")


def read_statement(statement: Element, loc: Locator, message: MessageInfo,
                   index: int) -> StatementState:
    """Build the header from the elements before the first ``Ntry`` (balances all come before)."""
    view = View(statement, stop=frozenset({"Ntry", "Bal"}))
    balances = [_balance(View(node), loc.at(node, f"Bal[{number}]"))
                for number, node in enumerate(view.findall("Bal"), start=1)]
    opening = _pick(balances, "OPBD") or _pick(balances, "PRCD")
    closing = _pick(balances, "CLBD")
    currency = view.text("Acct/Ccy") or next((b.currency for b in (opening, closing) if b), None)
    iban = normalize_iban(view.text("Acct/Id/IBAN"))
    header = StatementHeader(
        file_name=message.file_name,
        message_type=message.message_type,
        version=message.version,
        message_id=message.message_id,
        statement_id=loc.required_text(view, "Id"),
        statement_index=index,
        account_iban=iban,
        currency=currency,
        opening_balance=opening.amount if opening else None,
        closing_balance=closing.amount if closing else None,
        created_at=loc.timestamp(view, "CreDtTm") or message.created_at,
        line=loc.line,
        element_path=loc.path,
        period=_period(view, loc, zone_for(iban)),
    )
    codes = tuple(b.code or "?" for b in balances)
    return StatementState(header, currency, closing.locator if closing else None, codes)


def _period(view: View, loc: Locator, zone: tzinfo | None) -> StatementPeriod | None:
    """``FrToDt/FrDtTm`` to ``FrToDt/ToDtTm``, as instants; ``None`` if the statement has no period."""
    start, end = loc.timestamp(view, "FrToDt/FrDtTm"), loc.timestamp(view, "FrToDt/ToDtTm")
    if start is None or end is None:
        return None
    period = (instant(start, zone), instant(end, zone))
    if period[1] < period[0]:
        raise loc.error(f"FrToDt ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                        view.find("FrToDt"), "FrToDt")
    return StatementPeriod(*period)


def _balance(node: View, loc: Locator) -> _Balance:
    code = node.text("Tp/CdOrPrtry/Cd") or node.text("Tp/CdOrPrtry/Prtry")
    amount, currency = loc.required_amount(node, "Amt")
    direction = loc.credit_debit(node)
    if direction is None:
        raise loc.error("missing CdtDbtInd")
    signed = amount if direction == "CRDT" else -amount
    return _Balance(code, signed, currency, loc)


def _pick(balances: list[_Balance], code: str) -> _Balance | None:
    return next((balance for balance in balances if balance.code == code), None)
