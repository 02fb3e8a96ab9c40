"""Small helpers over lxml elements: find by local name, typed values, located errors.

ISO 20022 namespaces change with every message version, so paths are matched on local names only.
Every failure is raised as a :class:`BankFileError` naming the source line and the element path,
e.g. ``statement.xml: line 42, Stmt[1]/Ntry[3]/BookgDt/Dt: unparsable date '2024-02-30'``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree

from importers.bank._values import is_currency, parse_date, parse_datetime, parse_unsigned_amount
from importers.bank._zones import local_date
from importers.bank.errors import BankFileError

#: lxml ships no type information; elements are typed loosely and read through the helpers below.
Element = Any
T = TypeVar("T")


class View:
    """An element subtree indexed by local-name paths (``Refs/EndToEndId``), built in one pass.

    Looking a path up is then a dict access, where ``element.find("{*}Refs/{*}EndToEndId")`` walks
    the tree each time: the difference decides how fast a 100k-entry statement reads. Elements
    sharing a path are listed in document order. Paths in ``stop`` are indexed but not descended
    into.
    """

    __slots__ = ("_paths", "element")

    def __init__(self, element: Element, stop: frozenset[str] = frozenset()) -> None:
        self.element = element
        self._paths = _index(element, stop)

    def find(self, path: str) -> Element | None:
        found = self._paths.get(path)
        return found[0] if found else None

    def findall(self, path: str) -> list[Element]:
        return self._paths.get(path, [])

    def text(self, path: str) -> str | None:
        return element_text(self.find(path))

    def texts(self, path: str) -> tuple[str, ...]:
        found = (element_text(node) for node in self.findall(path))
        return tuple(value for value in found if value is not None)


#: Local names by qualified tag; bounded so that a hostile file cannot grow it without limit.
_LOCAL_NAMES: dict[str, str] = {}
_LOCAL_NAMES_MAX = 4096


def _local(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[tag.rfind("}") + 1:]
        if len(_LOCAL_NAMES) < _LOCAL_NAMES_MAX:
            _LOCAL_NAMES[tag] = name
    return name


def _index(root: Element, stop: frozenset[str]) -> dict[str, list[Element]]:
    paths: dict[str, list[Element]] = {}
    queue: deque[tuple[Element, str]] = deque([(root, "")])
    while queue:
        element, prefix = queue.popleft()
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            path = prefix + _local(tag)
            found = paths.get(path)
            if found is None:
                paths[path] = [child]
            else:
                found.append(child)
            if len(child) and path not in stop:
                queue.append((child, path + "/"))
    return paths


def element_text(node: Element | None) -> str | None:
    """Stripped text of ``node``; ``None`` if there is no node or no text."""
    if node is None:
        return None
    value: str | None = node.text
    if value is None:
        return None
    return value.strip() or None


def local_name(element: Element) -> str:
    tag: str = element.tag
    return tag.rpartition("}")[2]


@dataclass(frozen=True, slots=True)
class Locator:
    """Where we are in the file: raises errors that point at the offending element."""

    file_name: str
    path: str
    line: int

    def at(self, element: Element, relative: str) -> Locator:
        return Locator(self.file_name, f"{self.path}/{relative}", element.sourceline or self.line)

    def error(self, reason: str, node: Element | None = None, relative: str = "") -> BankFileError:
        line = (node.sourceline if node is not None else None) or self.line
        path = f"{self.path}/{relative}" if relative else self.path
        return BankFileError(self.file_name, f"line {line}, {path}", reason)

    def required_text(self, view: View, path: str) -> str:
        value = view.text(path)
        if value is None:
            raise self.error(f"missing {path}")
        return value

    def amount(self, view: View, path: str) -> tuple[Decimal, str] | None:
        """``(amount, currency)`` of an ``…Amt Ccy="EUR"`` element, ``None`` if it is absent."""
        node = view.find(path)
        if node is None:
            return None
        raw = node.text or ""
        value = parse_unsigned_amount(raw)
        if value is None:
            raise self.error(f"unparsable amount {raw.strip()!r}", node, path)
        currency = (node.get("Ccy") or "").strip()
        if not is_currency(currency):
            raise self.error(f"missing or invalid Ccy {currency!r}", node, path)
        return value, currency

    def required_amount(self, view: View, path: str) -> tuple[Decimal, str]:
        found = self.amount(view, path)
        if found is None:
            raise self.error(f"missing {path}")
        return found

    def credit_debit(self, view: View, path: str = "CdtDbtInd") -> str | None:
        value = view.text(path)
        if value not in (None, "CRDT", "DBIT"):
            reason = f"CdtDbtInd must be CRDT or DBIT, got {value!r}"
            raise self.error(reason, view.find(path), path)
        return value

    def date_choice(self, view: View, path: str, zone: tzinfo | None = None) -> date | None:
        """A ``DateAndDateTimeChoice``: ``<X><Dt>``, or ``<X><DtTm>`` as the account's local day.

        A timestamp with an offset is converted to ``zone`` (the account's, see
        :mod:`importers.bank._zones`) before its date is taken: ``2026-03-31T23:30:00Z`` is 1 April in
        Rome. Without ``zone`` (no IBAN) the date is the one written in the timestamp's own offset.
        """
        node = view.find(path)
        if node is None:
            return None
        day, stamp = view.find(f"{path}/Dt"), view.find(f"{path}/DtTm")
        if day is not None:
            return self._parse(day, f"{path}/Dt", parse_date, "date")
        if stamp is not None:
            return local_date(self._parse(stamp, f"{path}/DtTm", parse_datetime, "date-time"), zone)
        raise self.error(f"{path} has neither Dt nor DtTm", node, path)

    def timestamp(self, view: View, path: str) -> datetime | None:
        node = view.find(path)
        return None if node is None else self._parse(node, path, parse_datetime, "date-time")

    def _parse(self, node: Element, path: str, parse: Callable[[str], T | None], kind: str) -> T:
        raw = node.text or ""
        value = parse(raw)
        if value is None:
            raise self.error(f"unparsable {kind} {raw.strip()!r}", node, path)
        return value


def open_document(element: Element, file_name: str, namespace: re.Pattern[str], what: str) -> re.Match[str]:
    """Check the root of an ISO 20022 file as it opens: no DOCTYPE, a ``Document`` in ``namespace``.

    Returns the namespace match (its groups carry the message name and version); raises
    :class:`BankFileError` naming the line otherwise. Shared by the camt and pain.002 readers.
    """
    tree = element.getroottree()
    root = tree.getroot()
    if tree.docinfo.doctype:
        raise BankFileError(file_name, "line 1", "DOCTYPE is not allowed in bank files")
    qname = etree.QName(root)
    match = namespace.fullmatch(qname.namespace or "")
    if qname.localname != "Document" or match is None:
        raise BankFileError(file_name, f"line {root.sourceline}",
                            f"not a {what} document: root element {root.tag}")
    return match


def release(element: Element) -> None:
    """Free a processed element's content and every sibling before it; keep the tree small (streaming)."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
