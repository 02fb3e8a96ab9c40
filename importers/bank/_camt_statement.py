"""Statement level of a camt file: the header (account, balances) and the camt.053 balance check.

The opening balance is ``Bal`` with ``Tp/CdOrPrtry/Cd`` ``OPBD`` (else ``PRCD``, the previous
closing balance), the closing balance ``CLBD``. The period is ``FrToDt`` (``FrDtTm``/``ToDtTm``; a
timestamp without an offset is the account's local time). Balances are signed by their ``CdtDbtInd``. The
check: opening + Σ signed amounts of ``BOOK`` entries = closing, in the statement currency; pending
and information entries do not move the booked balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple

from importers.bank._values import normalize_iban
from importers.bank._xml import Element, Locator, View
from importers.bank._zones import instant, zone_for
from ledger.payments.bank_entries import BankEntry, MessageType, StatementHeader, StatementPeriod


class BalanceCheck(NamedTuple):
    """The outcome of one statement's balance check (only successful checks are ever returned)."""

    statement_id: str
    currency: str
    opening_balance: Decimal
    booked_total: Decimal
    closing_balance: Decimal


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """What the document root and group header say, shared by all statements of a file."""

    file_name: str
    message_type: MessageType
    version: str
    message_id: str | None = None
    created_at: datetime | None = None


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
    booked_total: Decimal = field(default_factory=lambda: Decimal(0))

    def add(self, entries: list[BankEntry], loc: Locator) -> None:
        for entry in entries:
            if not entry.is_booked:
                continue
            if self.currency is not None and entry.currency != self.currency:
                raise loc.error(f"entry currency {entry.currency} differs from the statement "
                                f"currency {self.currency}")
            self.booked_total += entry.signed_amount

    def check(self, loc: Locator) -> BalanceCheck:
        header = self.header
        opening, closing = header.opening_balance, header.closing_balance
        if opening is None or closing is None or self.currency is None:
            missing = "opening (OPBD or PRCD)" if opening is None else "closing (CLBD)"
            raise loc.error(f"missing {missing} balance: the statement cannot be reconciled")
        if opening + self.booked_total != closing:
            raise (self.closing or loc).error(
                f"balance mismatch: opening {opening} + booked entries {self.booked_total} = "
                f"{opening + self.booked_total}, but the closing balance (CLBD) is {closing}")
        return BalanceCheck(header.statement_id, self.currency, opening, self.booked_total, closing)


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
    return StatementState(header, currency, closing.locator if closing else None)


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
