"""ZIP archives of bank files, as many banks deliver them: every member unpacked, within named limits.

The limits are checked on what the archive declares before anything is unpacked, and again while each
member is unpacked (a zip bomb can lie in its headers):

- at most :data:`MAX_ARCHIVE_MEMBERS` files (folders do not count);
- at most :data:`MAX_ARCHIVE_UNCOMPRESSED_BYTES` unpacked, all members together;
- no member larger than :data:`RATIO_FLOOR_BYTES` compressed more than :data:`MAX_COMPRESSION_RATIO`
  times (statements compress 3-120 times, a bomb about 1000 times).

A member that is itself an archive (zip, gzip, 7-Zip, RAR) is refused, not unpacked: nested archives are
how bombs multiply. So is an encrypted member. Folders and the metadata operating systems add
(``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``, ``desktop.ini``) are set aside, named, never read.
Members are named after the archive, ``statements.zip!2026-03/camt053.xml``, so every entry, error and
report line says where it came from.

>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:
...     z.writestr("a.csv", "booking_date,amount\\n"); z.writestr("__MACOSX/._a.csv", "x")
>>> members, set_aside = unpack(buffer.getvalue(), "bank.zip")
>>> [m.name for m in members], set_aside
(['bank.zip!a.csv'], ['bank.zip!__MACOSX/._a.csv'])
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from importers.bank.errors import BankFileError
from importers.bank.formats import describe, office_kind, sniff

__all__ = ["MAX_ARCHIVE_MEMBERS", "MAX_ARCHIVE_UNCOMPRESSED_BYTES", "MAX_COMPRESSION_RATIO", "Member",
           "unpack"]

#: Most files one archive may hold.
MAX_ARCHIVE_MEMBERS = 500
#: Most bytes all members of one archive may unpack to (the same as one bank file may have).
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: Highest compression ratio accepted for a member larger than :data:`RATIO_FLOOR_BYTES`.
MAX_COMPRESSION_RATIO = 200
#: Members up to this size are not held to the ratio (a short, repetitive file compresses very well).
RATIO_FLOOR_BYTES = 1024 * 1024
#: Bytes unpacked per read while counting what a member really holds.
_CHUNK_BYTES = 1024 * 1024

_NESTED = frozenset({"zip", "gzip", "7z", "rar"})
_METADATA_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


@dataclass(frozen=True, slots=True)
class Member:
    """One file of an archive, unpacked: ``name`` is ``archive.zip!path/in/archive``."""

    name: str
    data: bytes


def unpack(data: bytes | BinaryIO, archive_name: str) -> tuple[list[Member], list[str]]:
    """The archive's files, and the names of the folders' and systems' metadata set aside unread.

    Raises :class:`BankFileError` naming the archive (or the member) when a limit is passed, a member is
    an archive or encrypted, or the archive is damaged or an office document rather than a bundle.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            kind = office_kind(archive)
            if kind is not None:
                raise BankFileError(archive_name, "", f"{describe(kind)}, not a machine-readable "
                                    "statement: export it from the bank as camt.053 or CSV")
            infos, set_aside = _files(archive, archive_name)
            _check_declared(infos, archive_name)
            return _read(archive, infos, archive_name), set_aside
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error) as error:
        raise BankFileError(archive_name, "", f"damaged or unsupported zip archive: {error}") from None


def _files(archive: zipfile.ZipFile, archive_name: str) -> tuple[list[zipfile.ZipInfo], list[str]]:
    infos: list[zipfile.ZipInfo] = []
    set_aside: list[str] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        parts = info.filename.replace("\\", "/").split("/")
        if "__MACOSX" in parts or parts[-1].lower() in _METADATA_NAMES or parts[-1].startswith("._"):
            set_aside.append(f"{archive_name}!{info.filename}")
            continue
        infos.append(info)
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise BankFileError(archive_name, "", f"zip archive holds more than {MAX_ARCHIVE_MEMBERS} "
                                "files (the limit per archive): split it")
    return infos, set_aside


def _check_declared(infos: list[zipfile.ZipInfo], archive_name: str) -> None:
    total = 0
    for info in infos:
        where = f"{archive_name}!{info.filename}"
        if info.flag_bits & 0x1:
            raise BankFileError(where, "", "encrypted archive member: Saldo reads no encrypted files")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise BankFileError(where, "", f"compressed {ratio:.0f} times (the limit is "
                                f"{MAX_COMPRESSION_RATIO}): refused as a possible zip bomb")
        total += info.file_size
        if total > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
            raise _too_big(archive_name)


def _read(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], archive_name: str) -> list[Member]:
    members: list[Member] = []
    total = 0
    for info in infos:
        where = f"{archive_name}!{info.filename}"
        chunks: list[bytes] = []
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                total += len(chunk)
                if total > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
                    raise _too_big(archive_name)
                chunks.append(chunk)
        content = b"".join(chunks)
        kind = sniff(content)
        if kind in _NESTED:
            raise BankFileError(where, "", f"{describe(kind)} inside an archive: nested archives are not "
                                "unpacked; unpack it and import its files")
        members.append(Member(where, content))
    return members


def _too_big(archive_name: str) -> BankFileError:
    return BankFileError(archive_name, "", f"zip archive unpacks to more than "
                         f"{MAX_ARCHIVE_UNCOMPRESSED_BYTES} bytes (the limit per archive): refused as a "
                         "possible zip bomb")
