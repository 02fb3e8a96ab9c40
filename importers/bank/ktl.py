"""Reader of the Finnish reference-payment file (viitesiirtoaineisto, "KTL"), into the same records as camt.

Finnish billers receive the day's reference payments (viitemaksut) as fixed-width records of 90
characters, ISO 8859-1, after Finanssiala's description of the service ("Viitesiirto, palvelukuvaus",
record layouts of incoming reference payments). One file holds one or more batches (erä):

``0`` erätietue, batch record::

    1 "0" | 2–7 created YYMMDD | 8–11 created HHMM | 12–13 bank (rahalaitostunnus) |
    14–22 biller's service code (palvelutunnus) | 23 currency "1" = euro | 24–90 filler

``3`` viitesiirto (reference transfer) or ``5`` suoraveloitus (direct payment), one payment::

    1 "3"/"5" | 2–15 biller's account (14 digits, machine format) | 16–21 booked YYMMDD (kirjauspäivä) |
    22–27 paid YYMMDD (maksupäivä) | 28–43 archive reference (arkistointitunnus) |
    44–63 reference (viite, right-aligned, zero-filled) | 64–75 payer's name, shortened |
    76 currency "1" | 77 name source | 78–87 amount in cents | 88 correction "0" normal, "1" correction |
    89 channel (välitystapa) | 90 feedback code

``9`` summatietue, summary of the batch::

    1 "9" | 2–7 number of payments | 8–18 their sum in cents |
    19–24 number of corrections | 25–35 their sum in cents | 36–90 filler

A payment becomes a credit booked on its ``kirjauspäivä`` (value date too: the day the money is on the
account), its archive reference the bank's reference (so a file imported twice dedupes), its viite the
structured creditor reference, check digit verified (an RF creditor reference is verified too). A
correction (oikaisu) cancels a payment reported earlier: it is a debit marked as a reversal, which the
import hands to the returns handling (held for a person when no collection matches), never booked.
The summary is checked: the count and sum of the payments and of the corrections must be those the
bank wrote, or the file is refused. Errors name the line and columns::

    viite.ktl: line 3, columns 78-87 (amount): not a number of cents: '00000025,0'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from importers.bank._source import DEFAULT_MAX_BYTES, Source, read_whole
from importers.bank._zones import zone_for
from importers.bank.errors import BankFileError
from ledger.accounts.references import fi, rf
from ledger.parties.identifiers import known_iban
from ledger.payments.bank_entries import BankEntry, StatementHeader

__all__ = ["MAX_BATCHES", "RECORD_LENGTH", "KtlReader", "looks_like_ktl", "read_ktl"]

#: Characters in every record.
RECORD_LENGTH = 90
#: Batches (a 0 … 9 run) accepted in one file: one per account and delivery, a few a day.
MAX_BATCHES = 1000

_HEADER_RE = re.compile(r"0\d{12}")
_SNIFF_RE = re.compile(r"\A(?:\xef\xbb\xbf)?0\d{12}[^\r\n]{10,77}\r?\n[359]\d")


def looks_like_ktl(data: bytes) -> bool:
    """Whether ``data`` starts like a reference-payment file: a batch record, then a payment or summary.

    >>> looks_like_ktl(b"0260401083012123456789" + b"1" + b" " * 67 + b"\\r\\n3" + b"0" * 89 + b"\\r\\n")
    True
    >>> looks_like_ktl(b"booking_date,amount\\n")
    False
    """
    return _SNIFF_RE.match(data[:400].decode("latin-1")) is not None


def read_ktl(source: Source, file_name: str | None = None, *,
             max_bytes: int = DEFAULT_MAX_BYTES) -> KtlReader:
    """Open a reference-payment file (path or binary stream); iterate the result for its entries."""
    return KtlReader(source, file_name, max_bytes=max_bytes)


class KtlReader:
    """All payments of one reference-payment file, read and checked at once; ``statements``: its batches."""

    def __init__(self, source: Source, file_name: str | None, *, max_bytes: int) -> None:
        self.file_name, data = read_whole(source, file_name, max_bytes)
        self._entries: list[BankEntry] = []
        headers: list[StatementHeader] = []
        for batch in _batches(_records(data, self.file_name), self.file_name):
            if batch.index > MAX_BATCHES:
                raise BankFileError(self.file_name, f"line {batch.header.line}",
                                    f"more than {MAX_BATCHES} batches in one file")
            headers.append(batch.statement())
            self._entries.extend(batch.entries(len(self._entries)))
        if not headers:
            raise BankFileError(self.file_name, "", "not a reference-payment file: no batch record (0)")
        self.statements = tuple(headers)

    def __iter__(self) -> Iterator[BankEntry]:
        return iter(self._entries)

    def read_all(self) -> list[BankEntry]:
        return list(self._entries)


@dataclass(frozen=True, slots=True)
class _Record:
    """One 90-character record and where it is; fields are read by their 1-based columns."""

    file_name: str
    line: int
    text: str

    @property
    def kind(self) -> str:
        return self.text[0]

    def error(self, first: int, last: int, name: str, reason: str) -> BankFileError:
        columns = f"column {first}" if first == last else f"columns {first}-{last}"
        return BankFileError(self.file_name, f"line {self.line}, {columns} ({name})", reason)

    def text_at(self, first: int, last: int) -> str:
        return self.text[first - 1:last]

    def number(self, first: int, last: int, name: str) -> int:
        raw = self.text_at(first, last)
        if not raw.isascii() or not raw.isdigit():
            raise self.error(first, last, name, f"not a number: {raw!r}")
        return int(raw)

    def cents(self, first: int, last: int, name: str) -> Decimal:
        raw = self.text_at(first, last)
        if not raw.isascii() or not raw.isdigit():
            raise self.error(first, last, name, f"not a number of cents: {raw!r}")
        return Decimal(int(raw)).scaleb(-2)

    def day(self, first: int, name: str) -> date:
        raw = self.text_at(first, first + 5)
        try:
            if not raw.isascii() or not raw.isdigit():
                raise ValueError(raw)
            return date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
        except ValueError:
            raise self.error(first, first + 5, name, f"not a date YYMMDD: {raw!r}") from None

    def one_of(self, column: int, name: str, allowed: str) -> str:
        value = self.text_at(column, column)
        if value not in allowed:
            choices = ", ".join(repr(c) for c in allowed)
            raise self.error(column, column, name, f"must be one of {choices}, got {value!r}")
        return value


def _records(data: bytes, file_name: str) -> Iterator[_Record]:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(raw) > RECORD_LENGTH:
            raise BankFileError(file_name, f"line {number}",
                                f"record of {len(raw)} characters: records are {RECORD_LENGTH}")
        record = _Record(file_name, number, raw.ljust(RECORD_LENGTH))
        if record.kind not in "0359":
            raise record.error(1, 1, "record type", f"unknown record type {record.kind!r} (0 batch, "
                                                    "3 reference payment, 5 direct payment, 9 summary)")
        if record.kind in "35" and len(raw.rstrip()) < 88:
            raise BankFileError(file_name, f"line {number}", f"payment record of {len(raw.rstrip())} "
                                                             f"characters: it is cut short")
        yield record


@dataclass
class _Batch:
    """One batch: its header, its payments and its summary, checked."""

    index: int
    header: _Record
    payments: list[_Record] = field(default_factory=list)

    def close(self, summary: _Record) -> None:
        """Check the summary record against the batch: count and sum, of payments and of corrections."""
        corrections = [p for p in self.payments if _is_correction(p)]
        normal = [p for p in self.payments if not _is_correction(p)]
        for (count_at, sum_at), what, records in ((((2, 7), (8, 18)), "payments", normal),
                                                  (((19, 24), (25, 35)), "corrections", corrections)):
            said = summary.number(*count_at, f"number of {what}")
            if said != len(records):
                raise summary.error(*count_at, f"number of {what}",
                                    f"the summary says {said}, the batch has {len(records)}")
            total = sum((_amount(p) for p in records), Decimal("0.00"))
            said_sum = summary.cents(*sum_at, f"sum of {what}")
            if said_sum != total:
                raise summary.error(*sum_at, f"sum of {what}",
                                    f"the summary says {said_sum} EUR, the records add up to {total} EUR")

    @property
    def statement_id(self) -> str:
        created = self.header.text_at(2, 11)
        return f"KTL-{created}-{self.header.text_at(14, 22).strip()}-{self.index}"

    def statement(self) -> StatementHeader:
        account = _account_iban(self.payments[0]) if self.payments else None
        return StatementHeader(
            file_name=self.header.file_name, message_type="ktl", version="viitesiirto",
            message_id=self.statement_id, statement_id=self.statement_id, statement_index=self.index,
            account_iban=account, currency="EUR", opening_balance=None, closing_balance=None,
            created_at=_created(self.header), line=self.header.line, element_path=f"batch[{self.index}]")

    def entries(self, before: int) -> list[BankEntry]:
        return [_entry(record, self.statement_id, before + n, f"batch[{self.index}]/record[{n}]")
                for n, record in enumerate(self.payments, start=1)]


def _batches(records: Iterator[_Record], file_name: str) -> Iterator[_Batch]:
    batch: _Batch | None = None
    count = 0
    for record in records:
        if record.kind == "0":
            if batch is not None:
                raise record.error(1, 1, "record type", f"a new batch begins before the summary (9) of the "
                                                        f"batch of line {batch.header.line}")
            if not _HEADER_RE.match(record.text):
                raise record.error(2, 13, "creation date and time, bank", "not digits")
            record.one_of(23, "currency", "1")
            count += 1
            batch = _Batch(count, record)
        elif batch is None:
            raise record.error(1, 1, "record type", "a payment or summary before any batch record (0)")
        elif record.kind == "9":
            batch.close(record)
            yield batch
            batch = None
        else:
            batch.payments.append(record)
    if batch is not None:
        raise BankFileError(file_name, f"line {batch.header.line}",
                            "the batch has no summary record (9): the file is cut short")


def _created(header: _Record) -> datetime:
    """When the bank made the batch: its date and time are Finnish local time."""
    day = header.day(2, "creation date")
    hour, minute = header.number(8, 9, "creation time"), header.number(10, 11, "creation time")
    if hour > 23 or minute > 59:
        raise header.error(8, 11, "creation time", f"not a time HHMM: {header.text_at(8, 11)!r}")
    return datetime.combine(day, time(hour, minute), tzinfo=zone_for("FI"))


def _is_correction(record: _Record) -> bool:
    return record.one_of(88, "correction", "01") == "1"


def _amount(record: _Record) -> Decimal:
    value = record.cents(78, 87, "amount")
    if value == 0:
        raise record.error(78, 87, "amount", "amount is zero")
    return value


def _account_iban(record: _Record) -> str:
    bban = record.text_at(2, 15)
    if not bban.isdigit():
        raise record.error(2, 15, "account", f"not a Finnish account number in machine format: {bban!r}")
    check = 98 - int(bban + "151800") % 97  # F=15, I=18, then "00"
    iban = known_iban(f"FI{check:02d}{bban}")
    if iban is None:
        raise record.error(2, 15, "account", f"not a valid Finnish account number: {bban!r} "
                                             "(its check digit is wrong)")
    return iban


def _reference(record: _Record) -> str:
    raw = record.text_at(44, 63).strip()
    if raw.upper().startswith("RF"):
        if not rf.is_valid(raw):
            raise record.error(44, 63, "reference", f"not a valid RF creditor reference: {raw!r}")
        return rf.compact(raw)
    number = raw.lstrip("0")
    if not fi.is_valid(number):
        raise record.error(44, 63, "reference", f"not a valid Finnish reference (viitenumero): {raw!r} "
                                                "(check digit, weights 7-3-1)")
    return number


def _entry(record: _Record, statement_id: str, entry_index: int, path: str) -> BankEntry:
    record.one_of(76, "currency", "1")
    correction = _is_correction(record)
    booked = record.day(16, "booking date")
    record.day(22, "payment date")
    return BankEntry(
        file_name=record.file_name, statement_id=statement_id, account_iban=_account_iban(record),
        entry_index=entry_index, element_path=path, line=record.line, amount=_amount(record),
        credit_debit="DBIT" if correction else "CRDT", currency="EUR", status="BOOK",
        booking_date=booked, value_date=booked,
        account_servicer_reference=record.text_at(28, 43).strip() or None,
        debtor_name=record.text_at(64, 75).strip() or None,
        creditor_reference=_reference(record), creditor_reference_type="SCOR",
        is_reversal=correction,
        bank_transaction_code=f"KTL/{record.kind}/{record.text_at(89, 89).strip() or '-'}",
    )
