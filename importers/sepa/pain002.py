"""Streamed, hardened reader of pain.002 (customer payment status report), versions 001.03–001.14.

The namespace is ISO's (``urn:iso:std:iso:20022:tech:xsd:pain.002.001.10``) or a Swiss (SIX / SPS)
variant such as ``http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd``, read as the ISO
version it restricts (:mod:`importers.bank._namespaces`).

>>> import io
>>> ns = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
>>> document = "\\n".join([
...     f'<Document xmlns="{ns}"><CstmrPmtStsRpt>',
...     "<GrpHdr><MsgId>ST-1</MsgId><CreDtTm>2026-03-03T08:00:00</CreDtTm></GrpHdr>",
...     "<OrgnlGrpInfAndSts><OrgnlMsgId>MSG-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>",
...     "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>RCUR-2026-03-10</OrgnlPmtInfId>",
...     "<TxInfAndSts><OrgnlEndToEndId>E2E-1</OrgnlEndToEndId><TxSts>RJCT</TxSts>",
...     "<StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>",
...     "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"])
>>> [(i.original_end_to_end_id, i.status, i.reason_code, i.line, i.element_path)
...  for i in read_pain002(io.BytesIO(document.encode()), "st.xml")]
[('E2E-1', 'RJCT', 'AM04', 5, 'OrgnlPmtInfAndSts[1]/TxInfAndSts[1]')]

Each status is reported where it is most specific: one :class:`StatusItem` per ``TxInfAndSts``; one
per ``OrgnlPmtInfAndSts`` that lists no transactions (a whole batch accepted or rejected); one for the
group when the report lists no batches (a whole file rejected, e.g. ``FF01``). A transaction without
its own ``TxSts`` inherits its batch's status, then the group's, together with that level's reason.

The statuses the group and each batch state themselves (``GrpSts``, ``PmtInfSts``) are also kept, in
document order, in :attr:`Pain002Reader.levels` once the file is read: a group or batch rejected whole
(``RJCT``) while it lists some transactions, a ``PART`` or ``ACTC`` group, are facts the reader must
not swallow. Those items carry ``OrgnlNbOfTxs`` and ``OrgnlCtrlSum`` when the bank states them, so
that a reject of a whole block can be checked against the block we sent.
The mandate id is read from ``OrgnlTxRef/MndtRltdInf/MndtId`` (001.03) or
``OrgnlTxRef/MndtRltdInf/DrctDbtMndt/MndtId`` (001.10 and later, a choice element).

Safety as in :mod:`importers.bank.camt`: a size limit before and while reading, DOCTYPE/ENTITY refused
before the parser runs, a parser that resolves no entities, loads no DTD and touches no network, and
every processed element freed. Errors are :class:`~importers.bank.errors.BankFileError` naming the file,
line and element path; items before the error have been yielded, so consume the whole reader first.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from importers.bank._namespaces import iso20022_namespace
from importers.bank._source import DEFAULT_MAX_BYTES, HardenedXmlFile, Source
from importers.bank._values import parse_date, parse_unsigned_amount
from importers.bank._xml import Element, Locator, View, local_name, open_document, release
from importers.bank.errors import BankFileError

__all__ = ["SUPPORTED_VERSIONS", "Pain002Reader", "StatusItem", "read_pain002"]

#: Versions read, by namespace ``urn:iso:std:iso:20022:tech:xsd:pain.002.<version>``.
SUPPORTED_VERSIONS = frozenset(f"001.{number:02d}" for number in range(3, 15))

_NAMESPACE_RE = iso20022_namespace(r"pain\.002")  # groups: message, version, Swiss variant
_STATUS_RE = re.compile(r"[A-Z]{4}")
_REASON_RE = re.compile(r"[A-Z0-9]{1,4}")
_COUNT_RE = re.compile(r"[0-9]{1,15}")  # Max15NumericText

Level = Literal["group", "payment", "transaction"]


@dataclass(frozen=True, slots=True)
class StatusItem:
    """The bank's status for one original transaction, batch (``payment``) or file (``group``)."""

    original_message_id: str
    original_payment_information_id: str | None
    original_end_to_end_id: str | None
    status: str
    reason_code: str | None
    amount: Decimal | None
    mandate_id: str | None
    line: int
    element_path: str
    level: Level = "transaction"
    currency: str | None = None
    original_instruction_id: str | None = None
    requested_collection_date: date | None = None
    additional_info: tuple[str, ...] = ()
    report_message_id: str | None = None
    original_number_of_transactions: int | None = None
    original_control_sum: Decimal | None = None

    @property
    def is_rejected(self) -> bool:
        return self.status == "RJCT"


@dataclass(frozen=True, slots=True)
class _Status:
    """A status with its reason, as stated at one level (or inherited from above)."""

    code: str | None
    reason: str | None
    info: tuple[str, ...]


@dataclass(slots=True)
class _Batch:
    element: Element
    index: int
    locator: Locator
    payment_information_id: str | None = None
    status: _Status | None = None
    transactions: int = 0
    totals: tuple[int | None, Decimal | None] = (None, None)


def read_pain002(source: Source, file_name: str | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Pain002Reader:
    """Open a pain.002 file (path or binary stream); iterate the result for :class:`StatusItem` s."""
    return Pain002Reader(source, file_name, max_bytes=max_bytes)


class Pain002Reader(HardenedXmlFile):
    """Iterator of :class:`StatusItem` over one pain.002 file."""

    TAGS = ("{*}Document", "{*}GrpHdr", "{*}OrgnlGrpInfAndSts", "{*}OrgnlPmtInfAndSts", "{*}TxInfAndSts")

    def __init__(self, source: Source, file_name: str | None, *, max_bytes: int) -> None:
        self._open(source, file_name, max_bytes)
        self.version: str | None = None
        self.message_id: str | None = None
        self.original_message_id: str | None = None
        self._group: _Status | None = None
        self._group_locator: Locator | None = None
        self._batch: _Batch | None = None
        self._batches = 0
        #: The group's and each batch's own status (``GrpSts``, ``PmtInfSts``), as stated.
        self.levels: list[StatusItem] = []
        self._items = self._parse()

    def __iter__(self) -> Pain002Reader:
        return self

    def __next__(self) -> StatusItem:
        return next(self._items)

    def read_all(self) -> list[StatusItem]:
        return list(self)

    def close(self) -> None:
        self._items.close()
        super().close()

    def _parse(self) -> Generator[StatusItem, None, None]:
        for event, element in self._events():
            yield from self._handle(event, element)
        yield from self._finish()

    def _handle(self, event: str, element: Element) -> Iterator[StatusItem]:
        name = local_name(element)
        if self.version is None:
            self._open_document(element)
        if name == "GrpHdr" and event == "end":
            self.message_id = View(element).text("MsgId")
        elif name == "OrgnlGrpInfAndSts" and event == "end":
            self._read_group(element)
        elif name == "OrgnlPmtInfAndSts":
            yield from self._batch_event(event, element)
        elif name == "TxInfAndSts":
            yield from self._transaction_event(event, element)

    def _open_document(self, element: Element) -> None:
        root = element.getroottree().getroot()
        match = open_document(element, self.file_name, _NAMESPACE_RE, "pain.002")
        if match.group(2) not in SUPPORTED_VERSIONS:
            raise BankFileError(self.file_name, f"line {root.sourceline}",
                                f"unsupported message version pain.002.{match.group(2)}")
        self.version = match.group(2)

    def _status(self, view: View, loc: Locator, code_path: str, prefix: str = "") -> _Status:
        code = view.text(code_path)
        if code is not None and not _STATUS_RE.fullmatch(code):
            raise loc.error(f"invalid status code {code!r}", view.find(code_path), code_path)
        reason = view.text(f"{prefix}StsRsnInf/Rsn/Cd")
        if reason is not None and not _REASON_RE.fullmatch(reason):
            path = f"{prefix}StsRsnInf/Rsn/Cd"
            raise loc.error(f"invalid reason code {reason!r}", view.find(path), path)
        reason = reason or view.text(f"{prefix}StsRsnInf/Rsn/Prtry")
        return _Status(code, reason, view.texts(f"{prefix}StsRsnInf/AddtlInf"))

    def _read_group(self, element: Element) -> None:
        if self._batches:
            raise BankFileError(self.file_name, f"line {element.sourceline}",
                                "OrgnlGrpInfAndSts after OrgnlPmtInfAndSts")
        loc = Locator(self.file_name, "OrgnlGrpInfAndSts", element.sourceline or 0)
        view = View(element)
        self.original_message_id = loc.required_text(view, "OrgnlMsgId")
        self._group = self._status(view, loc, "GrpSts")
        self._group_locator = loc
        if self._group.code is not None:
            self.levels.append(self._item(loc, "group", self._group, None, self._totals(view, loc)))
        release(element)

    def _batch_event(self, event: str, element: Element) -> Iterator[StatusItem]:
        if event == "start":
            if self.original_message_id is None:
                raise BankFileError(self.file_name, f"line {element.sourceline}",
                                    "OrgnlPmtInfAndSts before OrgnlGrpInfAndSts")
            self._batches += 1
            path = f"OrgnlPmtInfAndSts[{self._batches}]"
            locator = Locator(self.file_name, path, element.sourceline or 0)
            self._batch = _Batch(element, self._batches, locator)
            return
        batch = self._current(element)
        self._read_batch_header(batch)
        if batch.status is not None and batch.status.code is not None:
            self.levels.append(self._item(batch.locator, "payment", batch.status,
                                          batch.payment_information_id, batch.totals))
        if batch.transactions == 0:
            status = self._inherit(batch.status, batch.locator)
            yield self._item(batch.locator, "payment", status, batch.payment_information_id, batch.totals)
        release(element)
        self._batch = None

    def _read_batch_header(self, batch: _Batch) -> None:
        """Read the batch's own fields, all of which precede its first ``TxInfAndSts``."""
        if batch.status is not None:
            return
        view = View(batch.element, stop=frozenset({"TxInfAndSts"}))
        batch.payment_information_id = batch.locator.required_text(view, "OrgnlPmtInfId")
        batch.status = self._status(view, batch.locator, "PmtInfSts")
        batch.totals = self._totals(view, batch.locator)

    def _transaction_event(self, event: str, element: Element) -> Iterator[StatusItem]:
        batch = self._current(element.getparent())
        if event == "start":
            self._read_batch_header(batch)
            return
        batch.transactions += 1
        loc = Locator(self.file_name, f"{batch.locator.path}/TxInfAndSts[{batch.transactions}]",
                      element.sourceline or 0)
        view = View(element)
        own = self._status(view, loc, "TxSts")
        status = own if own.code is not None else self._inherit(batch.status, loc)
        money = loc.amount(view, "OrgnlTxRef/Amt/InstdAmt") or loc.amount(view, "OrgnlTxRef/IntrBkSttlmAmt")
        yield StatusItem(
            original_message_id=self.original_message_id or "",
            original_payment_information_id=batch.payment_information_id,
            original_end_to_end_id=view.text("OrgnlEndToEndId"),
            status=status.code or "",
            reason_code=status.reason,
            amount=None if money is None else money[0],
            mandate_id=(view.text("OrgnlTxRef/MndtRltdInf/MndtId")
                        or view.text("OrgnlTxRef/MndtRltdInf/DrctDbtMndt/MndtId")),
            line=loc.line,
            element_path=loc.path,
            currency=None if money is None else money[1],
            original_instruction_id=view.text("OrgnlInstrId"),
            requested_collection_date=self._date(view, loc, "OrgnlTxRef/ReqdColltnDt"),
            additional_info=status.info,
            report_message_id=self.message_id,
        )
        release(element)

    def _inherit(self, batch_status: _Status | None, loc: Locator) -> _Status:
        for status in (batch_status, self._group):
            if status is not None and status.code is not None:
                return status
        raise loc.error("no status: neither the transaction, its batch nor the group has one")

    def _item(self, loc: Locator, level: Level, status: _Status, payment_information_id: str | None,
              totals: tuple[int | None, Decimal | None] = (None, None)) -> StatusItem:
        return StatusItem(self.original_message_id or "", payment_information_id, None, status.code or "",
                          status.reason, None, None, loc.line, loc.path, level,
                          additional_info=status.info, report_message_id=self.message_id,
                          original_number_of_transactions=totals[0], original_control_sum=totals[1])

    def _totals(self, view: View, loc: Locator) -> tuple[int | None, Decimal | None]:
        """``OrgnlNbOfTxs`` and ``OrgnlCtrlSum`` of a group or batch, when the bank states them."""
        count, total = view.text("OrgnlNbOfTxs"), view.text("OrgnlCtrlSum")
        if count is not None and not _COUNT_RE.fullmatch(count):
            raise loc.error(f"invalid number of transactions {count!r}", view.find("OrgnlNbOfTxs"),
                            "OrgnlNbOfTxs")
        amount = None if total is None else parse_unsigned_amount(total)
        if total is not None and amount is None:
            raise loc.error(f"unparsable control sum {total!r}", view.find("OrgnlCtrlSum"), "OrgnlCtrlSum")
        return (None if count is None else int(count)), amount

    def _date(self, view: View, loc: Locator, path: str) -> date | None:
        raw = view.text(path)
        if raw is None:
            return None
        value = parse_date(raw)
        if value is None:
            raise loc.error(f"unparsable date {raw!r}", view.find(path), path)
        return value

    def _current(self, element: Element | None) -> _Batch:
        batch = self._batch
        if batch is None or element is not batch.element:
            line = element.sourceline if element is not None else 0
            raise BankFileError(self.file_name, f"line {line}", "TxInfAndSts outside OrgnlPmtInfAndSts")
        return batch

    def _finish(self) -> Iterator[StatusItem]:
        if self.version is None:
            raise BankFileError(self.file_name, "", "not a pain.002 document: no Document element")
        if self.original_message_id is None or self._group_locator is None:
            raise BankFileError(self.file_name, "", "missing OrgnlGrpInfAndSts")
        if self._batches == 0:
            if self._group is None or self._group.code is None:
                raise self._group_locator.error("no status: no GrpSts and no OrgnlPmtInfAndSts")
            yield self.levels[0]

