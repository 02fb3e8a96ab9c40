"""Streamed, hardened reader of ISO 20022 camt.052 (intraday reports), camt.053 (statements), camt.054.

>>> import io
>>> ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
>>> document = "\\n".join([
...     f'<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn>',
...     "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-02-29T18:00:00Z</CreDtTm></GrpHdr>",
...     "<Ntfctn><Id>N1</Id><Acct><Id><IBAN>FI2112345600000785</IBAN></Id></Acct>",
...     '<Ntry><Amt Ccy="EUR">12.30</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>',
...     "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>",
...     "</Domn></BkTxCd></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"])
>>> reader = read_camt(io.BytesIO(document.encode()), "n.xml")
>>> reader.header.statement_id, reader.message_type, reader.version
('N1', 'camt.054', '001.08')
>>> [(e.amount, e.credit_debit, e.bank_transaction_code, e.line) for e in reader]
[(Decimal('12.30'), 'CRDT', 'PMNT/RCDT/ESCT', 4)]

The message type and version come from the root namespace
(``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``, or a Swiss variant such as
``http://www.six-interbank-clearing.com/de/camt.053.001.04.ch.02.xsd``, see
:mod:`importers.bank._namespaces`); versions 001.02 to 001.13 are accepted and read by shape (see
:mod:`importers.bank._camt_entry`). A camt.052 (``BkToCstmrAcctRpt/Rpt``) is read like a statement;
it is an intraday position, so the import reports its entries and books none of them. The file is parsed with
``lxml.etree.iterparse`` and every ``Ntry`` is cleared, with the siblings before it, once read, so
memory stays flat however long the file.

Safety: the size limit is checked before parsing (and while reading a stream); a DOCTYPE or ENTITY
declaration is refused before the parser runs and again from the parser's ``docinfo``; the parser
itself neither resolves entities, nor loads DTDs, nor touches the network, and keeps libxml2's size
limits (``huge_tree=False``).

Errors are :class:`~importers.bank.errors.BankFileError` raised at the first problem, naming the
file, line and element path. Entries before the problem have already been yielded: callers must
consume the whole reader (a list or batches) before writing anything. For camt.053, each statement's
balances are checked when the statement ends (``verify_balances=True``): opening + booked entries =
closing, else the file is refused (or, with ``accept_mismatch=True``, the mismatch is returned in the
statement's :class:`BalanceCheck` for a clerk's override). A statement whose balances the standard
lets the bank leave out (only ``CLBD``, only available balances, interim ones) is read and its check
says why it is not reconcilable (see :mod:`importers.bank._camt_statement`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from importers.bank._camt_entry import EntryScope, parse_entry
from importers.bank._camt_statement import BalanceCheck, MessageInfo, StatementState, read_statement
from importers.bank._namespaces import iso20022_namespace
from importers.bank._source import DEFAULT_MAX_BYTES, HardenedXmlFile, Source
from importers.bank._xml import Element, Locator, View, local_name, open_document, release
from importers.bank._zones import zone_for
from importers.bank.errors import BankFileError
from ledger.payments.bank_entries import BankEntry, MessageType, StatementHeader

__all__ = ["SUPPORTED_VERSIONS", "BalanceCheck", "CamtReader", "read_camt"]

#: Message versions read (by namespace ``urn:iso:std:iso:20022:tech:xsd:camt.05x.<version>``).
SUPPORTED_VERSIONS = frozenset(f"001.{number:02d}" for number in range(2, 14))

_NAMESPACE_RE = iso20022_namespace(r"camt\.05[234]")
_LAYOUT: dict[MessageType, tuple[str, str]] = {
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_STATEMENT_TAGS = frozenset(tag for _, tag in _LAYOUT.values())

_Item = StatementHeader | BankEntry | BalanceCheck


def read_camt(source: Source, file_name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
              verify_balances: bool = True, accept_mismatch: bool = False) -> CamtReader:
    """Open a camt.052/053/054 file (path or binary stream); iterate the result for its entries.

    ``accept_mismatch``: a camt.053 whose balances do not add up is read anyway, the mismatch stated in
    its :class:`BalanceCheck` (for an import a clerk has overridden); otherwise it is refused.
    """
    return CamtReader(source, file_name, max_bytes=max_bytes, verify_balances=verify_balances,
                      accept_mismatch=accept_mismatch)


@dataclass(slots=True)
class _OpenStatement:
    element: Element
    index: int
    locator: Locator
    state: StatementState | None = None
    entries: int = 0


class CamtReader(HardenedXmlFile):
    """Iterator of :class:`BankEntry` over one camt file, with the statement headers seen so far."""

    TAGS = ("{*}Document", "{*}GrpHdr", "{*}Stmt", "{*}Ntfctn", "{*}Rpt", "{*}Ntry")

    def __init__(self, source: Source, file_name: str | None, *, max_bytes: int,
                 verify_balances: bool, accept_mismatch: bool = False) -> None:
        self._open(source, file_name, max_bytes)
        self._parser = _Parser(self.file_name, verify_balances, accept_mismatch)
        self._items = self._parse()
        self._pending: deque[BankEntry] = deque()
        self._statements: list[StatementHeader] = []
        self._checks: list[BalanceCheck] = []

    @property
    def message_type(self) -> MessageType | None:
        return None if self._parser.message is None else self._parser.message.message_type

    @property
    def version(self) -> str | None:
        return None if self._parser.message is None else self._parser.message.version

    @property
    def variant(self) -> str | None:
        """The Swiss market variant of the namespace (``ch.02``), if any."""
        return None if self._parser.message is None else self._parser.message.variant

    @property
    def header(self) -> StatementHeader:
        """The header of the statement being read (reads ahead to the first one if needed)."""
        while not self._statements:
            self._pull()
        return self._statements[-1]

    @property
    def statements(self) -> tuple[StatementHeader, ...]:
        """All statement headers met so far (all of them once the reader is exhausted)."""
        return tuple(self._statements)

    @property
    def buffered_elements(self) -> int:
        """How many XML elements the partial tree holds now: a diagnostic for memory tests."""
        root = self._parser.root
        return 0 if root is None else sum(1 for _ in root.iter())

    def __iter__(self) -> CamtReader:
        return self

    def __next__(self) -> BankEntry:
        while not self._pending:
            self._pull()
        return self._pending.popleft()

    def read_all(self) -> list[BankEntry]:
        return list(self)

    def check_balances(self) -> tuple[BalanceCheck, ...]:
        """Read to the end (raising on the first error) and return each statement's balance check.

        One per camt.053 statement: balanced, not reconcilable (and why), or (``accept_mismatch``)
        unbalanced. Empty for camt.052 and camt.054 (no statement balances to prove) or when the reader
        was opened with ``verify_balances=False``. Entries not consumed yet stay available to iteration.
        """
        while True:
            try:
                self._pull()
            except StopIteration:
                return tuple(self._checks)

    def close(self) -> None:
        self._items.close()
        super().close()

    def _pull(self) -> None:
        item = next(self._items)
        if isinstance(item, StatementHeader):
            self._statements.append(item)
        elif isinstance(item, BalanceCheck):
            self._checks.append(item)
        else:
            self._pending.append(item)

    def _parse(self) -> Generator[_Item, None, None]:
        for event, element in self._events():
            yield from self._parser.handle(event, element)
        self._parser.finish()


class _Parser:
    """Turns iterparse events into headers, entries and balance checks; frees what it has read."""

    def __init__(self, file_name: str, verify_balances: bool, accept_mismatch: bool) -> None:
        self.file_name = file_name
        self.verify_balances = verify_balances
        self.accept_mismatch = accept_mismatch
        self.message: MessageInfo | None = None
        self.root: Element | None = None
        self.statement: _OpenStatement | None = None
        self.statement_count = 0
        self.entry_count = 0

    def handle(self, event: Literal["start", "end"], element: Element) -> Iterator[_Item]:
        message = self.message or self._open_document(element)
        name = local_name(element)
        if name == "GrpHdr" and event == "end":
            self._read_group_header(element, message)
        elif name in _STATEMENT_TAGS:
            yield from self._statement_event(event, element, message)
        elif name == "Ntry":
            yield from self._entry_event(event, element, message)

    def finish(self) -> None:
        if self.message is None:
            raise BankFileError(self.file_name, "", "not a camt document: no camt Document element")
        if self.statement_count == 0:
            statement = _LAYOUT[self.message.message_type][1]
            kind = self.message.message_type
            raise BankFileError(self.file_name, "", f"no {statement} in this {kind}")

    def _open_document(self, element: Element) -> MessageInfo:
        root = element.getroottree().getroot()
        match = open_document(element, self.file_name, _NAMESPACE_RE, "camt.052/camt.053/camt.054")
        if match.group(2) not in SUPPORTED_VERSIONS:
            raise BankFileError(self.file_name, f"line {root.sourceline}",
                                f"unsupported message version {match.group(1)}.{match.group(2)}")
        message_type = next(kind for kind in _LAYOUT if kind == match.group(1))
        self.message = MessageInfo(self.file_name, message_type, match.group(2), variant=match.group(3))
        self.root = root
        return self.message

    def _read_group_header(self, element: Element, message: MessageInfo) -> None:
        loc = Locator(self.file_name, "GrpHdr", element.sourceline or 0)
        view = View(element)
        self.message = replace(message, message_id=view.text("MsgId"),
                               created_at=loc.timestamp(view, "CreDtTm"))

    def _statement_event(self, event: str, element: Element,
                         message: MessageInfo) -> Iterator[_Item]:
        container, statement_tag = _LAYOUT[message.message_type]
        name = local_name(element)
        parent = element.getparent()
        if name != statement_tag or parent is None or local_name(parent) != container:
            raise BankFileError(self.file_name, f"line {element.sourceline}",
                                f"unexpected {name} element in a {message.message_type} document")
        if event == "start":
            self.statement_count += 1
            path = f"{statement_tag}[{self.statement_count}]"
            locator = Locator(self.file_name, path, element.sourceline or 0)
            self.statement = _OpenStatement(element, self.statement_count, locator)
            return
        current = self._current(element)
        yield from self._ensure_header(current, message)
        if current.state is not None and self._checks_balances(message):
            yield current.state.check(current.locator, accept_mismatch=self.accept_mismatch)
        release(element)
        self.statement = None

    def _entry_event(self, event: str, element: Element, message: MessageInfo) -> Iterator[_Item]:
        current = self._current(element.getparent())
        if event == "start":
            yield from self._ensure_header(current, message)
            return
        current.entries += 1
        self.entry_count += 1
        if current.state is None:
            raise BankFileError(self.file_name, "", "internal error: entry before statement header")
        header = current.state.header
        scope = EntryScope(self.file_name, header.statement_id, header.account_iban,
                           zone_for(header.account_iban), header.period)
        loc = Locator(self.file_name, f"{current.locator.path}/Ntry[{current.entries}]",
                      element.sourceline or 0)
        entries = parse_entry(element, scope, loc, self.entry_count)
        if self._checks_balances(message):
            current.state.add(entries, loc)
        release(element)
        yield from entries

    def _checks_balances(self, message: MessageInfo) -> bool:
        return self.verify_balances and message.message_type == "camt.053"

    def _ensure_header(self, current: _OpenStatement, message: MessageInfo) -> Iterator[_Item]:
        if current.state is None:
            current.state = read_statement(current.element, current.locator, message, current.index)
            yield current.state.header

    def _current(self, element: Element | None) -> _OpenStatement:
        current = self.statement
        if current is None or element is not current.element:
            line = element.sourceline if element is not None else 0
            raise BankFileError(self.file_name, f"line {line}", "Ntry outside a statement")
        return current

