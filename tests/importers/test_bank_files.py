"""What a bank sends, told apart: ZIP archives read member by member within their limits, and every file
Saldo cannot read refused with what it is (an MT940, a PDF, an Excel workbook), not with a parse error."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from importers.bank import archive
from importers.bank.errors import BankFileError
from importers.bank.reading import read_bank_file

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bank"
CSV = (b"booking_date,value_date,amount,currency,debtor_name,debtor_iban,reference,remittance,"
       b"bank_reference\n2026-03-20,,15.00,EUR,Anna,,,acconto,CSV-1\n")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MT940 = (b"{1:F01OKOYFIHHAXXX0000000000}{2:O9400000260305OKOYFIHHAXXX00000000002603050000N}{4:\r\n"
         b":20:260305\r\n:25:FI2112345600000785\r\n:28C:64/1\r\n:60F:C260304EUR1500,00\r\n"
         b":61:2603050305C100,00NTRFNONREF\r\n:62F:C260305EUR1600,00\r\n-}")
MT940_BARE = b":20:STARTUMSE\r\n:25:10020030/1234567\r\n:28C:00001/001\r\n:60F:C260304EUR1500,00\r\n"
# Record 11 (account header): bank, office, account, from, to, 2 = credit balance, balance, EUR, mode, name.
NORMA43 = b"11" + b"2100" + b"0418" + b"0200051332" + b"260310" + b"260311" + b"2" + b"00000000532040" + (
    b"978" + b"3" + b"Aigues Saldo S.A.".ljust(26) + b"   \r\n")


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def refusal(data: bytes, name: str) -> str:
    with pytest.raises(BankFileError) as refused:
        read_bank_file(data, name)
    return str(refused.value)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_every_member_of_an_archive_is_read_under_its_own_name() -> None:
    data = zipped({"2026-03/camt053_v10_balanced.xml": corpus("camt053_v10_balanced.xml"),
                   "2026-03/camt054_v12_collection_details.xml": corpus("camt054_v12_collection_details.xml"),
                   "2026-03/camt052_v08_intraday.xml": corpus("camt052_v08_intraday.xml"),
                   "bank.csv": CSV, "2026-03/statement.pdf": PDF, "2026-03/": b"",
                   "__MACOSX/2026-03/._camt053_v10_balanced.xml": b"\x00\x05\x16\x07",
                   "2026-03/.DS_Store": b"\x00\x00\x00\x01Bud1"})
    read = read_bank_file(data, "statements.zip")
    assert [(f.file_name, f.kind, len(f.entries)) for f in read.files] == [
        ("statements.zip!2026-03/camt053_v10_balanced.xml", "camt.053.001.10", 3),
        ("statements.zip!2026-03/camt054_v12_collection_details.xml", "camt.054.001.12", 2),
        ("statements.zip!2026-03/camt052_v08_intraday.xml", "camt.052.001.08", 3),
        ("statements.zip!bank.csv", "csv", 1)]
    entries = [e for f in read.files for e in f.entries]
    assert entries[0].file_name == "statements.zip!2026-03/camt053_v10_balanced.xml"
    assert entries[-1].file_name == "statements.zip!bank.csv" and entries[-1].statement_id == (
        "statements.zip!bank.csv")
    metadata = "file system metadata, not a statement"
    assert read.set_aside == (
        ("statements.zip!__MACOSX/2026-03/._camt053_v10_balanced.xml", metadata),
        ("statements.zip!2026-03/.DS_Store", metadata),
        ("statements.zip!2026-03/statement.pdf", "a PDF document: the printed copy of a statement, not read"))
    assert read.files[0].checks[0].balanced


def test_an_error_in_a_member_names_the_member_and_the_line() -> None:
    broken = corpus("camt053_v10_balanced.xml").replace(b'<Amt Ccy="EUR">89.30</Amt>',
                                                        b'<Amt Ccy="EUR">8,30</Amt>')
    message = refusal(zipped({"ok.csv": CSV, "march/broken.xml": broken}), "bank.zip")
    assert message.startswith("bank.zip!march/broken.xml: line ")
    assert message.endswith("Stmt[1]/Ntry[2]/Amt: unparsable amount '8,30'")


def test_an_unbalanced_member_refuses_the_archive() -> None:
    message = refusal(zipped({"oca.xml": corpus("oca_camt053_v02_unbalanced.xml")}), "nl.zip")
    assert message.startswith("nl.zip!oca.xml: line 38, Stmt[1]/Bal[2]: balance mismatch: opening 15568.27")
    read = read_bank_file(zipped({"oca.xml": corpus("oca_camt053_v02_unbalanced.xml")}), "nl.zip",
                          accept_mismatch=True)
    assert read.files[0].checks[0].mismatch is not None


@pytest.mark.parametrize(("members", "reason"), [
    ({}, "zip archive with no statement (it is empty)"),
    ({"copy.pdf": PDF}, "zip archive with no statement (x.zip!copy.pdf: a PDF document: the printed copy of "
                        "a statement, not read)"),
])
def test_an_archive_with_no_statement(members: dict[str, bytes], reason: str) -> None:
    assert refusal(zipped(members), "x.zip") == f"x.zip: {reason}"


def test_a_nested_archive_is_refused_not_unpacked() -> None:
    inner = zipped({"camt.xml": corpus("camt053_v10_balanced.xml")})
    assert refusal(zipped({"outer/inner.zip": inner}), "outer.zip") == (
        "outer.zip!outer/inner.zip: a zip archive inside an archive: nested archives are not unpacked; "
        "unpack it and import its files")
    gz = b"\x1f\x8b\x08\x00" + b"\x00" * 20
    assert refusal(zipped({"statement.xml.gz": gz}), "g.zip").startswith(
        "g.zip!statement.xml.gz: a gzip-compressed file inside an archive")


def test_too_many_members(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_ARCHIVE_MEMBERS", 2)
    message = refusal(zipped({f"{n}.csv": CSV for n in range(3)}), "many.zip")
    assert message == "many.zip: zip archive holds more than 2 files (the limit per archive): split it"


def test_too_much_unpacked_in_total(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_ARCHIVE_UNCOMPRESSED_BYTES", len(CSV) * 2)
    message = refusal(zipped({f"{n}.csv": CSV for n in range(3)}), "big.zip")
    assert message == (f"big.zip: zip archive unpacks to more than {len(CSV) * 2} bytes (the limit per "
                       "archive): refused as a possible zip bomb")


def test_a_member_whose_header_lies_about_its_size_is_still_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The declared sizes pass; what the member really unpacks to is counted as it is read."""
    monkeypatch.setattr(archive, "MAX_ARCHIVE_UNCOMPRESSED_BYTES", 100)
    monkeypatch.setattr(archive, "_check_declared", lambda infos, name: None)
    assert "unpacks to more than 100 bytes" in refusal(zipped({"a.csv": CSV}), "liar.zip")


def test_a_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    bomb = zipped({"statement.xml": b"<" + b" " * (8 * 1024 * 1024)})
    assert len(bomb) < 20_000
    message = refusal(bomb, "bomb.zip")
    assert message.startswith("bomb.zip!statement.xml: compressed ")
    assert message.endswith(f"times (the limit is {archive.MAX_COMPRESSION_RATIO}): refused as a possible "
                            "zip bomb")


def test_an_encrypted_member_is_refused() -> None:
    data = bytearray(zipped({"secret.xml": corpus("camt053_v10_balanced.xml")}))
    central = data.rfind(b"PK\x01\x02")  # set the "encrypted" bit in the central directory entry
    (flags,) = struct.unpack_from("<H", data, central + 8)
    struct.pack_into("<H", data, central + 8, flags | 0x1)
    assert refusal(bytes(data), "enc.zip") == (
        "enc.zip!secret.xml: encrypted archive member: Saldo reads no encrypted files")


def test_an_archive_larger_than_a_bank_file_may_be_is_refused_before_unpacking() -> None:
    data = zipped({"a.csv": CSV})
    with pytest.raises(BankFileError) as refused:
        read_bank_file(data, "big.zip", max_bytes=len(data) - 1)
    assert str(refused.value) == f"big.zip: file is larger than the limit of {len(data) - 1} bytes"


def test_a_damaged_archive() -> None:
    data = zipped({"a.csv": CSV})
    message = refusal(data[: len(data) // 2], "cut.zip")
    assert message.startswith("cut.zip: damaged or unsupported zip archive")


@pytest.mark.parametrize(("data", "reason"), [
    (MT940_BARE, "line 1, :20:: statement 'STARTUMSE' has no closing balance (:62F:): it cannot be "
                 "reconciled (an MT942 interim report is not a statement)"),  # MT940 is read since issue 9
    (NORMA43, "a Norma 43 (AEB / CSB 43) statement: Saldo has no reader for this format yet; ask the bank "
              "for camt.053 (or CSV)"),
    (PDF, "a PDF document, not a machine-readable statement: export it from the bank as camt.053 or CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,
     "an Excel workbook in the old .xls format (or another Microsoft Office document), not a "
     "machine-readable statement: export it from the bank as camt.053 or CSV"),
    (zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
     "an Excel workbook (.xlsx), not a machine-readable statement: export it from the bank as camt.053 or "
     "CSV"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20,
     "a gzip-compressed file, not a bank statement Saldo reads (camt.052/053/054 XML, MT940, KTL, CSV, or a "
     "zip archive of them)"),
])
def test_a_file_saldo_cannot_read_says_what_it_is(data: bytes, reason: str) -> None:
    assert refusal(data, "upload") == f"upload: {reason}"


def test_a_status_report_sent_as_a_statement_is_pointed_to_the_returns() -> None:
    message = refusal(corpus("sps_pain002_v03_ch02_dd_rejects.xml"), "status.xml")
    assert message == ("status.xml: a pain.002 payment status report, not a bank statement: import it with "
                       "the direct-debit returns (POST /direct-debit/returns, saldo dd import-returns)")


def test_an_mt940_inside_an_archive_is_read_and_a_bad_one_refuses_the_archive_naming_it() -> None:
    read = read_bank_file(zipped({"a.csv": CSV, "b.sta": MT940}), "mixed.zip")
    assert [(f.file_name, f.kind, len(f.entries)) for f in read.files][1] == ("mixed.zip!b.sta", "mt940", 1)
    message = refusal(zipped({"a.csv": CSV, "b.sta": MT940_BARE}), "mixed.zip")
    assert message.startswith("mixed.zip!b.sta: line 1, :20:: statement 'STARTUMSE' has no closing balance")
