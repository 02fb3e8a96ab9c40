"""A simple CSV bank format, streamed into the same records as camt.

The file is UTF-8 (a BOM is allowed) with a header row naming these columns, in any order::

    booking_date,value_date,amount,currency,debtor_name,debtor_iban,reference,remittance,bank_reference

The delimiter is ``;`` or ``,``, whichever the header row uses more. ``amount`` is a signed decimal
with ``.`` as separator: positive is a credit (money in), negative a debit; zero is refused. Dates
are ISO (``2024-02-29``); ``booking_date``, ``amount`` and ``currency`` are required, the rest may
be empty. ``reference`` becomes the creditor reference (type ``SCOR`` when it looks like an RF
reference, else no type: the matcher checks national formats), ``remittance`` the one unstructured
line, ``bank_reference`` the account servicer reference. Every row is booked (``BOOK``); the CSV has
no balances, so there is no balance check. Errors name the line and column:

>>> import io
>>> rows = b"booking_date,value_date,amount,currency,debtor_name,debtor_iban,reference,remittance,"
>>> rows += b"bank_reference\\n2024-02-29,,12.5O,EUR,,,,,\\n"
>>> list(read_csv(io.BytesIO(rows), "bank.csv"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
importers.bank.errors.BankFileError: bank.csv: line 2, column amount: unparsable amount '12.5O' ...
"""

from __future__ import annotations

import _csv
import csv
import io
import itertools
import re
from collections.abc import Generator, Iterator
from datetime import date
from decimal import Decimal

from importers.bank._source import DEFAULT_MAX_BYTES, Source, open_source
from importers.bank._values import is_currency, normalize_iban, parse_date, parse_signed_amount
from importers.bank.errors import BankFileError
from ledger.payments.bank_entries import BankEntry, StatementHeader

__all__ = ["COLUMNS", "CsvReader", "read_csv"]

COLUMNS = ("booking_date", "value_date", "amount", "currency", "debtor_name", "debtor_iban",
           "reference", "remittance", "bank_reference")
_RF_RE = re.compile(r"RF\d{2}[A-Z0-9]{1,21}", re.ASCII)


def read_csv(source: Source, file_name: str | None = None, *, account_iban: str | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES) -> CsvReader:
    """Open a CSV bank file; ``account_iban`` names the bank account it belongs to, if known."""
    return CsvReader(source, file_name, account_iban=account_iban, max_bytes=max_bytes)


class CsvReader:
    """Iterator of :class:`BankEntry`, one per data row; ``header`` describes the whole file."""

    def __init__(self, source: Source, file_name: str | None, *, account_iban: str | None,
                 max_bytes: int) -> None:
        self._stream = open_source(source, file_name, max_bytes)
        self.file_name = self._stream.file_name
        self._binary = io.BufferedReader(self._stream)
        self.header = StatementHeader(
            file_name=self.file_name, message_type="csv", version="1", message_id=None,
            statement_id=self.file_name, statement_index=1,
            account_iban=normalize_iban(account_iban),
            currency=None, opening_balance=None, closing_balance=None, created_at=None, line=1,
            element_path="header")
        self._rows = self._read()

    def __iter__(self) -> Iterator[BankEntry]:
        return self._rows

    def read_all(self) -> list[BankEntry]:
        return list(self._rows)

    def close(self) -> None:
        self._rows.close()
        self._binary.close()

    def _read(self) -> Generator[BankEntry, None, None]:
        try:
            lines = self._lines()
            first = next(lines, "")
            delimiter = ";" if first.count(";") > first.count(",") else ","
            reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
            columns = self._columns(next(reader, []))
            for number, (line, fields) in enumerate(_data_rows(reader), start=1):
                yield self._entry(number, line, fields, columns)
        except csv.Error as error:
            raise BankFileError(self.file_name, f"line {reader.line_num}",
                                f"malformed CSV: {error}") from None
        finally:
            self._binary.close()

    def _lines(self) -> Iterator[str]:
        """Physical lines, decoded one by one so that a bad byte is reported on its own line."""
        for number, raw in enumerate(self._binary, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BankFileError(self.file_name, f"line {number}", "not valid UTF-8") from None
            yield text.removeprefix("\ufeff") if number == 1 else text

    def _columns(self, names: list[str]) -> dict[str, int]:
        found = {name.strip().lower(): index for index, name in enumerate(names)}
        missing = [name for name in COLUMNS if name not in found]
        unknown = sorted(set(found) - set(COLUMNS))
        if missing or unknown or len(found) != len(names):
            problems = [f"missing {', '.join(missing)}" if missing else "",
                        f"unknown {', '.join(unknown)}" if unknown else "",
                        "duplicate column names" if len(found) != len(names) else ""]
            raise BankFileError(self.file_name, "line 1",
                                "bad header row: " + "; ".join(p for p in problems if p))
        return found

    def _entry(self, number: int, line: int, fields: list[str],
               columns: dict[str, int]) -> BankEntry:
        if len(fields) != len(columns):
            raise BankFileError(self.file_name, f"line {line}",
                                f"expected {len(columns)} fields, found {len(fields)}")
        values = {name: fields[index].strip() for name, index in columns.items()}
        row = _Row(self.file_name, line, values)
        amount = row.amount()
        reference = row.optional("reference")
        return BankEntry(
            file_name=self.file_name, statement_id=self.file_name,
            account_iban=self.header.account_iban,
            entry_index=number, element_path=f"row[{number}]", line=line,
            amount=abs(amount), credit_debit="CRDT" if amount > 0 else "DBIT",
            currency=row.currency(), status="BOOK",
            booking_date=row.date("booking_date", required=True),
            value_date=row.date("value_date", required=False),
            account_servicer_reference=row.optional("bank_reference"),
            debtor_name=row.optional("debtor_name"),
            debtor_iban=normalize_iban(row.optional("debtor_iban")),
            creditor_reference=reference,
            creditor_reference_type="SCOR" if reference and _RF_RE.fullmatch(reference) else None,
            unstructured=tuple(filter(None, [row.optional("remittance")])),
        )


class _Row:
    """One data row's values by column name, with located errors."""

    def __init__(self, file_name: str, line: int, values: dict[str, str]) -> None:
        self.file_name = file_name
        self.line = line
        self.values = values

    def error(self, column: str, reason: str) -> BankFileError:
        return BankFileError(self.file_name, f"line {self.line}, column {column}", reason)

    def optional(self, column: str) -> str | None:
        return self.values[column] or None

    def amount(self) -> Decimal:
        raw = self.values["amount"]
        if not raw:
            raise self.error("amount", "missing amount")
        value = parse_signed_amount(raw)
        if value is None:
            raise self.error("amount", f"unparsable amount {raw!r} (a signed number with '.' as "
                                       "decimal separator, e.g. -12.50)")
        if value == 0:
            raise self.error("amount", "amount is zero: neither a credit nor a debit")
        return value

    def currency(self) -> str:
        raw = self.values["currency"]
        if not is_currency(raw):
            raise self.error("currency", f"currency must be an ISO 4217 code like EUR, got {raw!r}")
        return raw

    def date(self, column: str, *, required: bool) -> date | None:
        raw = self.values[column]
        if not raw:
            if required:
                raise self.error(column, f"missing {column}")
            return None
        value = parse_date(raw)
        if value is None:
            raise self.error(column, f"unparsable date {raw!r} (expected YYYY-MM-DD)")
        return value


def _data_rows(reader: _csv.Reader) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on (quoted fields may span lines)."""
    line_num = reader.line_num
    for fields in reader:
        start, line_num = line_num + 1, reader.line_num
        if any(field.strip() for field in fields):
            yield start, fields
