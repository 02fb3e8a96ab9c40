"""Broken and hostile camt files: each raises BankFileError naming the file and the place."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from bankfile_helpers import FIXTURES, line_of

from importers.bank import BankFileError, read_camt
from importers.bank._source import PROLOG_SCAN_BYTES

NS08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _error(source: Path | io.BytesIO, name: str | None = None, **options: int) -> BankFileError:
    with pytest.raises(BankFileError) as caught:
        read_camt(source, name, **options).read_all()  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(("name", "location", "reason"), [
    ("missing_amt.xml", ("<Ntry>", 2, "Stmt[1]/Ntry[2]"), "missing Amt"),
    ("bad_date.xml", ("2024-02-30", 1, "Stmt[1]/Ntry[2]/BookgDt/Dt"),
     "unparsable date '2024-02-30'"),
    ("bad_amount.xml", ("12,50", 1, "Stmt[1]/Ntry[1]/Amt"), "unparsable amount '12,50'"),
    ("balance_mismatch.xml", ("<Bal>", 2, "Stmt[1]/Bal[2]"),
     "balance mismatch: opening 100.00 + booked entries 20.00 = 120.00, but the closing balance "
     "(CLBD) is 120.01"),
])
def test_broken_content_names_line_and_element(name: str, location: tuple[str, int, str],
                                               reason: str) -> None:
    needle, occurrence, path = location
    error = _error(FIXTURES / name)
    line = line_of(name, needle, occurrence)
    assert str(error) == f"{name}: line {line}, {path}: {reason}"
    assert (error.file_name, error.location, error.reason) == (name, f"line {line}, {path}", reason)


def test_entries_before_an_error_are_yielded_first() -> None:
    reader = read_camt(FIXTURES / "missing_amt.xml")
    assert next(reader).element_path == "Stmt[1]/Ntry[1]"
    with pytest.raises(BankFileError, match="missing Amt"):
        next(reader)


def test_truncated_xml() -> None:
    error = _error(FIXTURES / "truncated.xml")
    last_line = len((FIXTURES / "truncated.xml").read_text(encoding="utf-8").splitlines())
    assert error.location == f"line {last_line}"
    assert error.reason.startswith("malformed XML: Premature end of data")


def test_wrong_namespace() -> None:
    error = _error(FIXTURES / "wrong_namespace.xml")
    assert error.location == "line 2"
    assert "not a camt.052/camt.053/camt.054 document" in error.reason
    assert "camt.056.001.08" in error.reason


def test_statement_under_an_intraday_report_namespace() -> None:
    """A camt.052 (read since issue 9) holds Rpt, not Stmt: the misplaced element is named."""
    data = (FIXTURES / "wrong_namespace.xml").read_bytes().replace(b"camt.056.001.08", b"camt.052.001.08")
    error = _error(io.BytesIO(data), "mixed.xml")
    line = line_of("wrong_namespace.xml", "<Stmt>")
    assert str(error) == f"mixed.xml: line {line}: unexpected Stmt element in a camt.052 document"


def test_unknown_version() -> None:
    data = (FIXTURES / "camt053_v08.xml").read_bytes()
    data = data.replace(b"camt.053.001.08", b"camt.053.001.14")
    error = _error(io.BytesIO(data), "future.xml")
    assert str(error).startswith("future.xml: line 4: unsupported message version camt.053.001.14")


def test_not_a_camt_document() -> None:
    data = b"<?xml version='1.0'?>\n<invoice><total>1</total></invoice>"
    error = _error(io.BytesIO(data), "x.xml")
    assert error.reason == "not a camt document: no camt Document element"


def test_document_without_statement() -> None:
    data = (f'<Document xmlns="{NS08}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId>'
            "<CreDtTm>2024-01-01T00:00:00</CreDtTm></GrpHdr></BkToCstmrStmt></Document>").encode()
    assert _error(io.BytesIO(data), "empty.xml").reason == "no Stmt in this camt.053"


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_dtd_and_entities_are_refused_before_parsing(name: str) -> None:
    error = _error(FIXTURES / name)
    assert error.location == "line 2"
    assert error.reason.startswith("<!DOCTYPE is not allowed")


def test_xxe_does_not_leak_local_files() -> None:
    secret = Path("/etc/passwd")
    lines = secret.read_text().splitlines()[:3] if secret.exists() else ["root:x:0:0"]
    error = _error(FIXTURES / "xxe.xml")
    for line in lines:
        assert line not in str(error)
    assert "root:" not in str(error)


def test_doctype_beyond_the_prolog_scan_is_caught_by_the_parser_check() -> None:
    """A DTD hidden after a long comment escapes the byte scan; docinfo still refuses it."""
    xxe = (FIXTURES / "xxe.xml").read_bytes()
    declaration, rest = xxe.split(b"\n", 1)
    padded = declaration + b"\n<!--" + b" " * PROLOG_SCAN_BYTES + b"-->\n" + rest
    error = _error(io.BytesIO(padded), "padded.xml")
    assert error.reason == "DOCTYPE is not allowed in bank files"
    assert "root:" not in str(error)


def test_utf16_doctype_is_refused() -> None:
    text = (FIXTURES / "xxe.xml").read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    error = _error(io.BytesIO(text.encode("utf-16")), "utf16.xml")
    assert error.reason.startswith("<!DOCTYPE is not allowed")


def test_too_big_path_is_refused_before_parsing() -> None:
    error = _error(FIXTURES / "camt053_v08.xml", max_bytes=1000)
    assert str(error) == "camt053_v08.xml: file is larger than the limit of 1000 bytes"


class _Pipe(io.RawIOBase):
    """A non-seekable stream: its size is unknown until read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_too_big_stream_is_stopped_while_reading() -> None:
    data = (FIXTURES / "camt053_v08.xml").read_bytes()
    error = _error(_Pipe(data), "pipe.xml", max_bytes=len(data) - 1)  # type: ignore[arg-type]
    assert error.reason == f"file is larger than the limit of {len(data) - 1} bytes"
    assert len(read_camt(_Pipe(data), "pipe.xml", max_bytes=len(data)).read_all()) == 12  # type: ignore[arg-type]


def _statement(entries: str, closing: str = "10.00", currency: str = "EUR") -> bytes:
    """A one-statement camt.053.001.08 whose entries start on line 6."""
    balance = ('<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
               "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>")
    return "\n".join([
        f'<Document xmlns="{NS08}"><BkToCstmrStmt>',
        "<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-01-01T00:00:00</CreDtTm></GrpHdr>",
        "<Stmt><Id>S</Id><Acct><Id><IBAN>FI2112345600000785</IBAN></Id>"
        f"<Ccy>{currency}</Ccy></Acct>",
        balance.format(code="OPBD", amount="0.00"),
        balance.format(code="CLBD", amount=closing),
        entries,
        "</Stmt></BkToCstmrStmt></Document>",
    ]).encode()


def _ntry(amount: str = '<Amt Ccy="EUR">10.00</Amt>', direction: str = "CRDT",
          extra: str = "") -> str:
    return (f"<Ntry>{amount}<CdtDbtInd>{direction}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
            f"</Domn></BkTxCd>{extra}</Ntry>")


def _tx(amount: str) -> str:
    return f'<TxDtls><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'


ENTRY = "line 6, Stmt[1]/Ntry[1]"
BAD_DOCUMENT_AMOUNT = ("<NtryDtls><TxDtls><RmtInf><Strd><RfrdDocInf><Nb>1</Nb></RfrdDocInf>"
                       "<RfrdDocAmt><RmtdAmt Ccy='EUR'>x</RmtdAmt></RfrdDocAmt></Strd></RmtInf>"
                       "</TxDtls></NtryDtls>")
NO_DATE = "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Tm/></BookgDt>"


@pytest.mark.parametrize(("data", "location", "reason"), [
    (_statement(_ntry(extra=f"<NtryDtls>{_tx('4.00')}{_tx('5.00')}</NtryDtls>")), ENTRY,
     "the 2 TxDtls amounts add up to 9.00 EUR, but the entry is 10.00 EUR"),
    (_statement(_ntry(extra=f"<NtryDtls>{_tx('4.00')}<TxDtls/></NtryDtls>")),
     f"{ENTRY}/NtryDtls/TxDtls[2]",
     "missing Amt (or AmtDtls/TxAmt/Amt) in a transaction of a batch entry"),
    (_statement(_ntry(amount='<Amt Ccy="USD">10.00</Amt>')), ENTRY,
     "entry currency USD differs from the statement currency EUR"),
    (_statement(_ntry(amount="<Amt>10.00</Amt>")), f"{ENTRY}/Amt", "missing or invalid Ccy ''"),
    (_statement(_ntry(amount='<Amt Ccy="EUR">-10.00</Amt>')), f"{ENTRY}/Amt",
     "unparsable amount '-10.00'"),
    (_statement(_ntry(amount='<Amt Ccy="EUR">1E+1</Amt>')), f"{ENTRY}/Amt",
     "unparsable amount '1E+1'"),
    (_statement(_ntry(direction="CREDIT")), f"{ENTRY}/CdtDbtInd",
     "CdtDbtInd must be CRDT or DBIT, got 'CREDIT'"),
    (_statement(_ntry().replace("<Sts><Cd>BOOK</Cd></Sts>", "")), ENTRY, "missing Sts"),
    (_statement(_ntry(extra=BAD_DOCUMENT_AMOUNT)),
     f"{ENTRY}/NtryDtls/TxDtls[1]/RmtInf/Strd[1]/RfrdDocAmt/RmtdAmt", "unparsable amount 'x'"),
    (_statement(_ntry().replace("<Sts><Cd>BOOK</Cd></Sts>", NO_DATE)), f"{ENTRY}/BookgDt",
     "BookgDt has neither Dt nor DtTm"),
    (_statement(_ntry()).replace(b"<Id>S</Id>", b""), "line 3, Stmt[1]", "missing Id"),
])
def test_invalid_content(data: bytes, location: str, reason: str) -> None:
    error = _error(io.BytesIO(data), "bank.xml")
    assert (error.location, error.reason) == (location, reason)


# --- what the standard allows is read (issue 9, finding 4) ------------------------------------------


def test_a_statement_without_a_closing_booked_balance_is_read_and_says_why() -> None:
    """Only OPBD and an available balance (CLAV): refused before issue 9, now read, not reconcilable."""
    data = _statement(_ntry()).replace(b"<Cd>CLBD</Cd>", b"<Cd>CLAV</Cd>")
    reader = read_camt(io.BytesIO(data), "clav.xml")
    assert [e.amount for e in reader] == [Decimal("10.00")]
    (check,) = reader.check_balances()
    assert (check.opening_balance, check.closing_balance, check.booked_total) == (
        Decimal("0.00"), None, Decimal("10.00"))
    assert check.not_reconcilable == ("not reconcilable: no booked closing (CLBD) balance (balances given: "
                                      "OPBD, CLAV), so nothing proves the entries complete")
    assert not check.balanced and check.mismatch is None


def test_a_batch_whose_transactions_carry_no_amounts_is_one_record_of_the_entry_amount() -> None:
    refs = ("<TxDtls><Refs><EndToEndId>E2E-1</EndToEndId></Refs><RmtInf><Strd><CdtrRefInf><Ref>"
            "RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"
            "<TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs><RmtInf><Ustrd>second</Ustrd><Strd>"
            "<CdtrRefInf><Ref>RF712348231</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>")
    data = _statement(_ntry(extra=f"<AcctSvcrRef>B-1</AcctSvcrRef><NtryDtls><Btch><NbOfTxs>2</NbOfTxs>"
                                  f"</Btch>{refs}</NtryDtls>"))
    (entry,) = read_camt(io.BytesIO(data), "batch.xml").read_all()
    assert (entry.amount, entry.batch, entry.tx_index, entry.element_path) == (
        Decimal("10.00"), False, None, "Stmt[1]/Ntry[1]")
    assert entry.end_to_end_id is None  # the transactions disagree
    assert entry.creditor_reference is None
    assert entry.unstructured == ("second", "RF18539007547034", "RF712348231")
    assert entry.fingerprint() == "ref:FI2112345600000785:B-1"


def test_a_batch_whose_transactions_agree_keeps_what_they_share() -> None:
    same = ("<TxDtls><Refs><EndToEndId>E2E-9</EndToEndId></Refs><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry>"
            "<Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>")
    (entry,) = read_camt(io.BytesIO(_statement(_ntry(extra=f"<NtryDtls>{same}{same}</NtryDtls>"))),
                         "same.xml").read_all()
    assert (entry.end_to_end_id, entry.creditor_reference, entry.creditor_reference_type) == (
        "E2E-9", "RF18539007547034", "SCOR")
    assert entry.unstructured == ()
