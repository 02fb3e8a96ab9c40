"""Reader of SWIFT MT940 customer statements, into the same records as camt.

An MT940 file holds one or more statements (messages), each a run of fields ``:TAG:value``::

    :20:  reference of the statement        :25:  account (IBAN, or bank code/account number)
    :28C: statement/sequence number          :60F: opening balance (:60M: of a later page)
    :61:  statement line (one movement)      :86:  its details (who, references, remittance)
    :62F: closing balance (:62M: page end)   :64: / :65: available balances (not checked)

The SWIFT envelope (``{1:…}{2:…}{4:`` … ``-}``), bank header lines before the first ``:20:`` and
``-`` separators are skipped. Each field is parsed with the ``mt-940`` package's own tag parsers
(:mod:`mt940.tags`: the ``:61:`` pattern, the entry date's year across New Year) and its ``:86:``
processor (:mod:`importers.bank._mt940_details`); the amounts are read again here, strictly, into
:class:`~decimal.Decimal` (``15d``: digits with one decimal comma, ``1234,5`` → ``1234.5``).

A ``:61:`` line: value date ``YYMMDD``, booking date ``MMDD`` (optional), the mark ``C`` credit, ``D``
debit, ``RC`` reversal of a credit (money out), ``RD`` reversal of a debit (money back in), the amount,
the transaction type (``NTRF``…), the account owner's reference (``NONREF`` if none) and ``//`` the bank's
reference, which becomes the account servicer reference (so a file imported twice dedupes by it).

Each statement is balanced: opening + the signed amounts = closing, in the statement's currency, or the
file is refused (:class:`~importers.bank.errors.UnbalancedStatement`) until a clerk accepts the mismatch
with a reason (``accept_mismatch``), as for camt. Errors name the file, the line and the field:
``bank.sta: line 7, :61:: unreadable amount '12.50' (MT940 amounts use a decimal comma, e.g. 12,50)``.
The file is UTF-8 or, failing that, ISO 8859-1 (what European banks send); it is read whole (statements
are daily, and the size limit is checked first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from importers.bank._camt_statement import BalanceCheck
from importers.bank._mt940_details import Details, details
from importers.bank._mt940_lines import Field, amount, field_error, fields_of, parse_tag
from importers.bank._source import DEFAULT_MAX_BYTES, Source, read_whole
from importers.bank._values import normalize_iban
from importers.bank.errors import BankFileError, UnbalancedStatement
from ledger.parties.identifiers import known_iban
from ledger.payments.bank_entries import BankEntry, CreditDebit, StatementHeader

__all__ = ["MAX_STATEMENTS", "Mt940Reader", "read_mt940"]

#: Statements (``:20:`` messages) accepted in one file: a year of daily statements of a few accounts.
MAX_STATEMENTS = 10_000

_MARKS: dict[str, tuple[CreditDebit, bool]] = {
    "C": ("CRDT", False), "D": ("DBIT", False), "RC": ("DBIT", True), "RD": ("CRDT", True)}
_OPENING = ("60F", "60M", "60")
_CLOSING = ("62F", "62M", "62")
_CURRENCY_TAIL_RE = re.compile(r"\d[A-Z]{3}$")
#: What stands in the owner's reference of a ``:61:`` when there is none, or (ING) names where it is.
_NO_REFERENCE = ("", "NONREF", "NOTPROVIDED", "EREF", "PREF", "MARF")


def read_mt940(source: Source, file_name: str | None = None, *,
               max_bytes: int = DEFAULT_MAX_BYTES, accept_mismatch: bool = False) -> Mt940Reader:
    """Open an MT940 file (path or binary stream); iterate the result for its entries.

    ``accept_mismatch``: a statement whose balances do not add up is read anyway, the mismatch stated in
    its :class:`BalanceCheck` (a clerk accepted it with a reason); otherwise it raises
    :class:`UnbalancedStatement`, as camt does.
    """
    return Mt940Reader(source, file_name, max_bytes=max_bytes, accept_mismatch=accept_mismatch)


class Mt940Reader:
    """All entries of one MT940 file, read and balanced at once; ``statements`` has their headers and
    ``checks`` their balance checks, in the same order."""

    def __init__(self, source: Source, file_name: str | None, *, max_bytes: int,
                 accept_mismatch: bool = False) -> None:
        self.file_name, data = read_whole(source, file_name, max_bytes)
        headers: list[StatementHeader] = []
        checks: list[BalanceCheck] = []
        self._entries: list[BankEntry] = []
        for index, block in enumerate(_statements(fields_of(_decode(data), self.file_name), self.file_name),
                                      start=1):
            if index > MAX_STATEMENTS:
                raise BankFileError(self.file_name, f"line {block[0].line}",
                                    f"more than {MAX_STATEMENTS} statements in one file")
            statement = _Statement(self.file_name, index, block)
            checks.append(statement.check(accept_mismatch))
            headers.append(statement.header)
            self._entries.extend(statement.entries(len(self._entries)))
        if not headers:
            raise BankFileError(self.file_name, "", "not an MT940 statement: no :20: field")
        self.statements = tuple(headers)
        self.checks = tuple(checks)

    def __iter__(self) -> Iterator[BankEntry]:
        return iter(self._entries)

    def read_all(self) -> list[BankEntry]:
        return list(self._entries)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _statements(fields: Iterator[Field], file_name: str) -> Iterator[list[Field]]:
    """The fields of each statement: from one ``:20:`` to the next."""
    block: list[Field] = []
    for item in fields:
        if item.tag == "20" and block:
            yield block
            block = []
        if not block and item.tag != "20":
            raise field_error(file_name, item, "field before the statement's :20: reference")
        block.append(item)
    if block:
        yield block


@dataclass(frozen=True, slots=True)
class _Balance:
    amount: Decimal  # signed: credit positive
    currency: str
    field: Field


@dataclass(frozen=True, slots=True)
class _Line:
    """A ``:61:`` statement line, read, with the ``:86:`` that details it."""

    field: Field
    credit_debit: CreditDebit
    reversal: bool
    amount: Decimal
    parts: dict[str, object]
    info: Field | None

    @property
    def signed(self) -> Decimal:
        return self.amount if self.credit_debit == "CRDT" else -self.amount


class _Statement:
    """One statement: its fields read in order and balanced, then turned into a header and entries."""

    def __init__(self, file_name: str, index: int, block: list[Field]) -> None:
        self.file_name, self.index, self.block = file_name, index, block
        first = {item.tag: item for item in reversed(block)}  # the first field of each tag
        self.reference = block[0].value.strip()
        self.opening = self._balance(first, _OPENING, "opening balance (:60F:)")
        self.closing = self._balance(first, _CLOSING, "closing balance (:62F:)")
        number = first["28C"].value.strip() if "28C" in first else None
        self.statement_id = f"{self.reference}/{number}" if number else self.reference
        self.account_iban = _account_iban(first["25"].value if "25" in first else None)
        self.lines = [self._line(line, info) for line, info in self._pairs()]
        self.header = StatementHeader(
            file_name=file_name, message_type="mt940", version="MT940", message_id=self.reference,
            statement_id=self.statement_id, statement_index=index, account_iban=self.account_iban,
            currency=self.opening.currency, opening_balance=self.opening.amount,
            closing_balance=self.closing.amount, created_at=None, line=block[0].line,
            element_path=f"statement[{index}]")

    def _balance(self, first: dict[str, Field], tags: tuple[str, ...], what: str) -> _Balance:
        item = next((first[tag] for tag in tags if tag in first), None)
        if item is None:
            raise field_error(self.file_name, self.block[0],
                              f"statement {self.reference!r} has no {what}: it cannot be reconciled "
                              "(an MT942 interim report is not a statement)")
        parts = parse_tag(item, self.file_name)
        sign = {"C": 1, "D": -1}.get(str(parts["status"]))
        if sign is None:
            raise field_error(self.file_name, item, f"balance mark must be C or D, got {parts['status']!r}")
        currency = str(parts["currency"])
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise field_error(self.file_name, item, f"currency must be an ISO 4217 code like EUR, "
                                                    f"got {currency!r}")
        return _Balance(sign * amount(str(parts["raw_amount"]), item, self.file_name), currency, item)

    def _pairs(self) -> Iterator[tuple[Field, Field | None]]:
        """Each ``:61:`` with the ``:86:`` right after it, if any (a later ``:86:`` is the statement's)."""
        for position, item in enumerate(self.block):
            if item.tag == "61":
                following = self.block[position + 1] if position + 1 < len(self.block) else None
                yield item, following if following is not None and following.tag == "86" else None

    def _line(self, item: Field, info: Field | None) -> _Line:
        parts = parse_tag(item, self.file_name, self.opening.currency)
        mark = str(parts["status"])
        if mark not in _MARKS:
            raise field_error(self.file_name, item, f"debit/credit mark must be C, D, RC or RD, got {mark!r}")
        side, reversal = _MARKS[mark]
        value = amount(str(parts["raw_amount"]), item, self.file_name)
        return _Line(item, side, reversal, value, parts, info)

    def check(self, accept_mismatch: bool) -> BalanceCheck:
        """Opening + the statement lines = closing; raises on a mismatch unless ``accept_mismatch``."""
        opening, closing = self.opening, self.closing
        if closing.currency != opening.currency:
            raise field_error(self.file_name, closing.field, f"closing balance in {closing.currency}, "
                                                             f"opening balance in {opening.currency}")
        total = sum((line.signed for line in self.lines), Decimal(0))
        outcome = BalanceCheck(self.statement_id, opening.currency, opening.amount, total, closing.amount)
        if opening.amount + total == closing.amount:
            return outcome
        error = field_error(self.file_name, closing.field,
                            f"balance mismatch: opening {opening.amount} + statement lines {total} = "
                            f"{opening.amount + total}, but the closing balance is {closing.amount}")
        if not accept_mismatch:
            raise UnbalancedStatement(error.file_name, error.location, error.reason)
        return outcome._replace(mismatch=f"{error.location}: {error.reason}")

    def entries(self, before: int) -> list[BankEntry]:
        return [self._entry(before + number, number, line) for number, line in enumerate(self.lines, 1)]

    def _entry(self, entry_index: int, number: int, line: _Line) -> BankEntry:
        about = details(line.info.value) if line.info is not None else Details()
        side = "creditor" if line.credit_debit == "DBIT" else "debtor"
        party = {f"{side}_name": about.counterparty_name, f"{side}_iban": about.counterparty_iban}
        value_date = _plain(line.parts["date"])
        return BankEntry(
            file_name=self.file_name, statement_id=self.statement_id, account_iban=self.account_iban,
            entry_index=entry_index, element_path=f"statement[{self.index}]/:61:[{number}]",
            line=line.field.line, amount=line.amount, credit_debit=line.credit_debit,
            currency=self.opening.currency, status="BOOK",
            booking_date=_plain(line.parts.get("entry_date")) or value_date, value_date=value_date,
            account_servicer_reference=_own_reference(line.parts.get("bank_reference")),
            entry_reference=_own_reference(line.parts.get("customer_reference")),
            end_to_end_id=about.end_to_end_id, mandate_id=about.mandate_id, **party,  # type: ignore[arg-type]
            creditor_reference=about.creditor_reference,
            creditor_reference_type=about.creditor_reference_type, unstructured=about.unstructured,
            is_reversal=line.reversal, bank_transaction_code=_transaction_code(line.parts, about))


def _plain(value: object) -> date | None:
    """The package's ``Date`` as a plain :class:`datetime.date` (what is stored in events)."""
    return date(value.year, value.month, value.day) if isinstance(value, date) else None


def _own_reference(value: object) -> str | None:
    text = str(value or "").strip()
    return None if text.upper() in _NO_REFERENCE else text


def _transaction_code(parts: dict[str, object], about: Details) -> str | None:
    """The SWIFT type (``NTRF``) and the bank's own code (German GVC ``166``): ``NTRF/166``."""
    codes = [str(parts.get("id") or "").strip(), about.transaction_code or ""]
    return "/".join(code for code in codes if code) or None


def _account_iban(account: str | None) -> str | None:
    """The IBAN in ``:25:``, if it is a valid one (``IT60X…``, ``NL91ABNA0417164300EUR`` with its currency).

    A bank code and account number (``50880050/0194774600888``) gives ``None``: the import then books to
    the company's configured bank account, as for a camt statement without an IBAN.
    """
    compact = normalize_iban(account)
    if compact is None:
        return None
    return known_iban(compact) or (known_iban(compact[:-3]) if _CURRENCY_TAIL_RE.search(compact) else None)
