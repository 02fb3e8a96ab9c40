"""A bank file as the statement import reads it: one statement file, or every statement in a ZIP archive.

Which reader takes a file is told from its content (:mod:`importers.bank.formats`), never from its name:
XML goes to the camt reader (camt.052, camt.053, camt.054, any version from 001.02 to 001.13, Swiss
variants included), SWIFT MT940 to the MT940 reader, a Finnish reference-payment file (viitesiirto, KTL)
to its reader, other text to the CSV reader, and a ZIP archive is unpacked within its limits
(:mod:`importers.bank.archive`) and each member read the same way, named ``archive.zip!member.xml``.
A PDF in an archive is set aside (it is the printed copy banks ship next to the data) and named in the
report. Anything else is refused with what it is: an MT942 interim report, a PDF, an Excel workbook, a
pain.002 status report, a zip archive with no statement. A reader for another format joins by adding
itself to :data:`READERS` under the kind :func:`~importers.bank.formats.sniff` gives.

The whole file is read, and every statement's balances checked, before the import writes anything. It
comes as bytes or as a seekable binary stream (an upload spooled to a temporary file): a stream is read
by the readers as they go, never copied whole into memory (a ZIP archive's members are, within the
archive's limits).

>>> from pathlib import Path
>>> sample = Path(__file__).parents[2] / "tests/fixtures/bank/camt053_v11_closing_balance_only.xml"
>>> (read,) = read_bank_file(sample.read_bytes(), "march.xml").files
>>> read.kind, len(read.entries), read.checks[0].not_reconcilable[:44]
('camt.053.001.11', 2, 'not reconcilable: no booked opening (OPBD or')
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from importers.bank._camt_statement import BalanceCheck
from importers.bank._source import DEFAULT_MAX_BYTES, too_big
from importers.bank.archive import unpack
from importers.bank.camt import read_camt
from importers.bank.csv_format import read_csv
from importers.bank.errors import BankFileError
from importers.bank.formats import SNIFF_BYTES, describe, sniff
from importers.bank.ktl import read_ktl
from importers.bank.mt940 import read_mt940
from ledger.payments.bank_entries import BankEntry, MessageType, StatementHeader

__all__ = ["READERS", "BankFile", "FileData", "ReadFile", "file_sha256", "read_bank_file"]

#: A whole file, or a seekable binary stream at its start.
FileData = bytes | BinaryIO
#: How much of a stream is hashed at a time.
HASH_CHUNK_BYTES = 1024 * 1024


def file_sha256(data: FileData) -> str:
    """The SHA-256 of a file's content, a stream read in chunks and left where it was."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    here = data.tell()
    digest = hashlib.sha256()
    while chunk := data.read(HASH_CHUNK_BYTES):
        digest.update(chunk)
    data.seek(here)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ReadFile:
    """What one bank file, or one member of an archive, says: its entries, statements and balance checks.

    ``kind`` names the format and version (``camt.053.001.08``, ``camt.053.001.04.ch.02``, ``csv``);
    ``checks`` holds one :class:`BalanceCheck` per statement of a camt.053 or an MT940, none for others.
    """

    file_name: str
    kind: str
    message_type: MessageType
    entries: list[BankEntry]
    statements: tuple[StatementHeader, ...]
    checks: tuple[BalanceCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class BankFile:
    """A file as uploaded: the statement files read from it, and the archive members set aside unread."""

    file_name: str
    files: tuple[ReadFile, ...]
    set_aside: tuple[tuple[str, str], ...] = ()  # (archive!member, why it was not read)


Reader = Callable[[BinaryIO, str, int, bool], ReadFile]

_PAIN002_RE = re.compile(rb"""xmlns(?::\w+)?\s*=\s*["'][^"']*pain\.002\.""")


def read_bank_file(data: FileData, file_name: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   accept_mismatch: bool = False) -> BankFile:
    """Read everything in ``data``; raise :class:`BankFileError` naming the file (or member) at the first
    problem. ``accept_mismatch``: see :func:`~importers.bank.camt.read_camt`."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    kind = sniff(head(stream))
    if kind == "zip":
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if size > max_bytes:
            raise too_big(file_name, max_bytes)
        return _read_archive(stream, file_name, max_bytes, accept_mismatch)
    return BankFile(file_name, (_read_one(stream, file_name, kind, max_bytes, accept_mismatch),))


def head(stream: BinaryIO, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of ``stream``, which is left where it was."""
    here = stream.tell()
    try:
        return stream.read(size)
    finally:
        stream.seek(here)


def _read_one(stream: BinaryIO, file_name: str, kind: str, max_bytes: int, accept_mismatch: bool) -> ReadFile:
    reader = READERS.get(kind)
    if reader is None:
        raise BankFileError(file_name, "", _unreadable(kind))
    return reader(stream, file_name, max_bytes, accept_mismatch)


def _read_xml(stream: BinaryIO, file_name: str, max_bytes: int, accept_mismatch: bool) -> ReadFile:
    if _PAIN002_RE.search(head(stream)):
        raise BankFileError(file_name, "", "a pain.002 payment status report, not a bank statement: import "
                            "it with the direct-debit returns (POST /direct-debit/returns, "
                            "saldo dd import-returns)")
    reader = read_camt(stream, file_name, max_bytes=max_bytes, accept_mismatch=accept_mismatch)
    with reader:
        entries = reader.read_all()
        checks = reader.check_balances()
    message_type = reader.message_type or "camt.053"
    kind = ".".join(part for part in (message_type, reader.version, reader.variant) if part)
    return ReadFile(reader.file_name, kind, message_type, entries, reader.statements, checks)


def _read_csv(stream: BinaryIO, file_name: str, max_bytes: int, accept_mismatch: bool) -> ReadFile:
    reader = read_csv(stream, file_name, max_bytes=max_bytes)
    entries = reader.read_all()
    return ReadFile(reader.file_name, "csv", "csv", entries, (reader.header,))


def _read_mt940(stream: BinaryIO, file_name: str, max_bytes: int, accept_mismatch: bool) -> ReadFile:
    """SWIFT MT940; each statement is checked against its :62F:, a mismatch refused unless accepted."""
    reader = read_mt940(stream, file_name, max_bytes=max_bytes, accept_mismatch=accept_mismatch)
    return ReadFile(reader.file_name, "mt940", "mt940", reader.read_all(), reader.statements, reader.checks)


def _read_ktl(stream: BinaryIO, file_name: str, max_bytes: int, accept_mismatch: bool) -> ReadFile:
    """Finnish reference payments; each batch is checked against its summary record."""
    reader = read_ktl(stream, file_name, max_bytes=max_bytes)
    return ReadFile(reader.file_name, "ktl", "ktl", reader.read_all(), reader.statements)


#: The reader of each kind of file :func:`~importers.bank.formats.sniff` tells apart.
READERS: dict[str, Reader] = {"xml": _read_xml, "csv": _read_csv, "mt940": _read_mt940, "ktl": _read_ktl}


def _read_archive(stream: BinaryIO, file_name: str, max_bytes: int, accept_mismatch: bool) -> BankFile:
    members, metadata = unpack(stream, file_name)
    set_aside = [(name, "file system metadata, not a statement") for name in metadata]
    files: list[ReadFile] = []
    for member in members:
        kind = sniff(member.data)
        if kind == "pdf":
            set_aside.append((member.name, "a PDF document: the printed copy of a statement, not read"))
            continue
        files.append(_read_one(io.BytesIO(member.data), member.name, kind, max_bytes, accept_mismatch))
    if not files:
        listed = "; ".join(f"{name}: {why}" for name, why in set_aside) or "it is empty"
        raise BankFileError(file_name, "", f"zip archive with no statement ({listed})")
    return BankFile(file_name, tuple(files), tuple(set_aside))


def _unreadable(kind: str) -> str:
    what = describe(kind)
    if kind in ("mt942", "norma43"):
        return f"{what}: Saldo has no reader for this format yet; ask the bank for camt.053 (or CSV)"
    if kind in ("pdf", "ole2", "xlsx", "docx", "ods"):
        return f"{what}, not a machine-readable statement: export it from the bank as camt.053 or CSV"
    return (f"{what}, not a bank statement Saldo reads (camt.052/053/054 XML, MT940, KTL, CSV, or a zip "
            "archive of them)")
