"""Opening a bank file safely: a size limit checked before and while reading, and a prolog scan.

Readers take a path or a binary stream. The limit is checked up front when the size is known (a path
or a seekable stream) and again on every read, so a pipe cannot smuggle more in. For XML, the first
bytes are searched for ``<!DOCTYPE`` / ``<!ENTITY`` before any parser sees them (entity expansion
and external entities are the classic XML attacks; a bank statement never needs a DTD).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from types import TracebackType
from typing import Any, BinaryIO, Literal, Self

from lxml import etree

from importers.bank.errors import BankFileError

#: Default upper bound for one bank file, in bytes.
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

#: How much of the start of an XML file is searched for a DTD.
PROLOG_SCAN_BYTES = 64 * 1024

Source = str | os.PathLike[str] | BinaryIO

_DTD_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


class GuardedReader(io.RawIOBase):
    """A read-only byte stream that replays a prefix and delivers at most ``max_bytes``."""

    def __init__(self, raw: BinaryIO, file_name: str, max_bytes: int, *, owned: bool) -> None:
        super().__init__()
        self._raw = raw
        self._prefix = b""
        self._delivered = 0
        self._owned = owned
        self.file_name = file_name
        self.max_bytes = max_bytes

    def readable(self) -> bool:
        return True

    def peek_prefix(self, size: int) -> bytes:
        """Read up to ``size`` bytes ahead without consuming them."""
        while len(self._prefix) < size:
            chunk = self._raw.read(size - len(self._prefix))
            if not chunk:
                break
            self._prefix += chunk
        return self._prefix[:size]

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._prefix:
            data, self._prefix = self._prefix[: len(view)], self._prefix[len(view):]
        else:
            data = self._raw.read(len(view))
        self._delivered += len(data)
        if self._delivered > self.max_bytes:
            raise too_big(self.file_name, self.max_bytes)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self._owned and not self.closed:
            self._raw.close()
        super().close()


def too_big(file_name: str, max_bytes: int) -> BankFileError:
    return BankFileError(file_name, "", f"file is larger than the limit of {max_bytes} bytes")


def open_source(source: Source, file_name: str | None, max_bytes: int) -> GuardedReader:
    """Open ``source`` for reading, refusing it early if it is known to exceed ``max_bytes``."""
    if isinstance(source, str | os.PathLike):
        name = file_name or os.path.basename(os.fspath(source))
        if os.path.getsize(source) > max_bytes:
            raise too_big(name, max_bytes)
        return GuardedReader(open(source, "rb"), name, max_bytes, owned=True)
    name = file_name or os.path.basename(str(getattr(source, "name", "<stream>")))
    remaining = _remaining_size(source)
    if remaining is not None and remaining > max_bytes:
        raise too_big(name, max_bytes)
    return GuardedReader(source, name, max_bytes, owned=False)


def read_whole(source: Source, file_name: str | None, max_bytes: int) -> tuple[str, bytes]:
    """The name and all bytes of a file read at once (MT940, KTL: small text formats), within the limit."""
    stream = open_source(source, file_name, max_bytes)
    try:
        return stream.file_name, stream.read()
    finally:
        stream.close()


def reject_dtd(reader: GuardedReader) -> None:
    """Raise if the start of an XML file declares a DOCTYPE or an entity (any common encoding)."""
    prefix = reader.peek_prefix(PROLOG_SCAN_BYTES)
    encoding = next((enc for bom, enc in _BOMS if prefix.startswith(bom)), "latin-1")
    text = prefix.decode(encoding, errors="ignore")
    match = _DTD_RE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        declaration = match.group(1).upper()
        raise BankFileError(reader.file_name, f"line {line}", f"<!{declaration} is not allowed: "
                            "bank files must not declare a DTD or entities")


def _remaining_size(stream: BinaryIO) -> int | None:
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):
        return None
    return end - here


_LIBXML_POSITION_RE = re.compile(r", line \d+, column \d+$")


class HardenedXmlFile:
    """What the streamed ISO 20022 readers share: open within the size limit, refuse a DTD, iterparse the
    given tags with entities, network and DTDs off, map syntax errors to :class:`BankFileError` with the
    line, and always close the stream. Subclasses set ``TAGS`` and iterate :meth:`_events`.
    """

    TAGS: tuple[str, ...] = ()

    def _open(self, source: Source, file_name: str | None, max_bytes: int) -> None:
        self._stream = open_source(source, file_name, max_bytes)
        self.file_name = self._stream.file_name
        try:
            reject_dtd(self._stream)
        except BaseException:
            self._stream.close()
            raise

    def _events(self) -> Iterator[tuple[Literal["start", "end"], Any]]:
        try:
            yield from etree.iterparse(
                self._stream, events=("start", "end"), tag=self.TAGS, resolve_entities=False,
                no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
        except etree.XMLSyntaxError as error:
            where = f"line {error.lineno}" if error.lineno else ""
            reason = _LIBXML_POSITION_RE.sub("", str(error.msg))
            raise BankFileError(self.file_name, where, f"malformed XML: {reason}") from None
        finally:
            self._stream.close()

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
