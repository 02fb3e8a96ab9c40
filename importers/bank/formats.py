"""What a bank file is, told from its first bytes: which reader takes it, or what Saldo cannot read.

Banks send more than camt: ZIP archives of statements, MT940 text, PDF and Excel copies, Spanish Norma 43.
A file no reader takes is refused with what it is ("a PDF document", "an MT940 statement (SWIFT)") rather
than with a parse error of the wrong reader.

>>> sniff(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">')
'xml'
>>> sniff(b"booking_date,value_date,amount,currency\\n"), sniff(b"%PDF-1.7\\n%...")
('csv', 'pdf')
>>> sniff(b"{1:F01BANKFIHHAXXX0000000000}{2:I940BANKFIHHXXXXN}{4:\\r\\n:20:STMT\\r\\n:25:FI21")
'mt940'
>>> sniff(b":20:STARTUMSE\\r\\n:25:10020030/1234567\\r\\n:28C:00001/001\\r\\n:60F:C240229EUR1000,00")
'mt940'
>>> describe("xlsx"), describe("mt940")
('an Excel workbook (.xlsx)', 'an MT940 statement (SWIFT)')
"""

from __future__ import annotations

import re
import zipfile

from importers.bank.ktl import looks_like_ktl

__all__ = ["describe", "office_kind", "sniff"]

#: How much of a file's start is looked at to tell what it is.
SNIFF_BYTES = 4096
#: An OpenDocument ``mimetype`` member is one short line; a longer one is not read.
_MIMETYPE_MAX_BYTES = 200

_MAGIC = (
    (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"PK\x07\x08", "zip"),
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"),
)
_SWIFT_BLOCKS = re.compile(rb"\{1:F\d\d[A-Z0-9]{12}")
_MT_FIELD = re.compile(rb"^:(20|25|28C|60[FM]|61|62[FM]|13D|34F):", re.MULTILINE)
#: A text whose first line is an MT field (``:25:…``, ``:61:…``) is MT940 even when only a fragment: its
#: reader names what is missing, where the CSV reader would only say the header row is wrong.
_MT_FIRST = re.compile(rb":(20|25|28C|60[FM]|61|62[FM]|86):")
_NORMA43 = re.compile(rb"11\d{18}\d{6}\d{6}[12]\d{14}")  # record 11: bank, office, account, dates, D/H

_DESCRIPTIONS = {
    "zip": "a zip archive",
    "pdf": "a PDF document",
    "ole2": "an Excel workbook in the old .xls format (or another Microsoft Office document)",
    "xlsx": "an Excel workbook (.xlsx)",
    "docx": "a Word document (.docx)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "gzip": "a gzip-compressed file",
    "7z": "a 7-Zip archive",
    "rar": "a RAR archive",
    "mt940": "an MT940 statement (SWIFT)",
    "ktl": "a Finnish reference-payment file (viitesiirto, KTL)",
    "mt942": "an MT942 interim transaction report (SWIFT)",
    "norma43": "a Norma 43 (AEB / CSB 43) statement",
    "binary": "a binary file",
}


def sniff(head: bytes) -> str:
    """The kind of a file from its first :data:`SNIFF_BYTES`: ``xml``, ``csv`` (any other text), or one of
    :func:`describe`'s kinds."""
    head = head[:SNIFF_BYTES]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "xml"
    if _SWIFT_BLOCKS.search(text) or len(set(_MT_FIELD.findall(text))) >= 3 or _MT_FIRST.match(text):
        return "mt942" if re.search(rb"^:(13D|34F):", text, re.MULTILINE) else "mt940"
    if _NORMA43.match(text):
        return "norma43"
    if looks_like_ktl(head):
        return "ktl"
    if b"\x00" in head:
        return "binary"
    return "csv"


def office_kind(archive: zipfile.ZipFile) -> str | None:
    """``xlsx``, ``docx`` or ``ods`` when a zip archive is an office document, not a bundle of files."""
    names = set(archive.namelist())
    if "[Content_Types].xml" in names:
        if any(name.startswith("xl/") for name in names):
            return "xlsx"
        if any(name.startswith("word/") for name in names):
            return "docx"
    short = "mimetype" in names and archive.getinfo("mimetype").file_size <= _MIMETYPE_MAX_BYTES
    if short and "opendocument" in archive.read("mimetype").decode("ascii", "replace"):
        return "ods"
    return None


def describe(kind: str) -> str:
    return _DESCRIPTIONS.get(kind, kind)
