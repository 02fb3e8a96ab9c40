"""What readings and load-curve files share: CSV rows, per-cell parsing, problems named by line and column.

See :mod:`importers.readings` for the file formats. A problem is (where, column, reason): ``line 7`` in a
file or ``points[6]`` in a request; a file with any problem is refused whole (:class:`ReadingsFileError`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from ledger.core.errors import InvalidInput
from ledger.core.numbers import ascii_decimal

#: Problems listed in one error (the count of the rest is given).
MAX_REPORTED = 50
#: Largest readings file accepted.
MAX_FILE_BYTES = 512 * 1024 * 1024

class ReadingsFileError(InvalidInput):
    """A readings file that cannot be recorded as a whole; ``problems`` are (where, column, reason),
    where is ``line 7`` in a file or ``points[6]`` in a request."""

    def __init__(self, file_name: str, problems: list[tuple[str, str, str]], more: int = 0) -> None:
        self.file_name = file_name
        self.problems = problems
        text = "; ".join(
            where + (f", column {col}" if col else "") + f": {why}" for where, col, why in problems
        )
        super().__init__(f"{file_name}: {text}" + (f"; and {more} more" if more else ""), "file")


@dataclass
class ReadingsImportReport:
    file_name: str
    sha256: str
    kind: str
    rows: int = 0
    supply_points: int = 0
    recorded: int = 0  # readings, or load-curve blocks, that are new
    unchanged: int = 0  # already known (a file imported again, or the same reading from another file)
    refused: list[dict[str, str]] = field(default_factory=list)
    #: Self-readings recorded but held for review as not plausible (ledger.billing.reading_reviews).
    held: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "kind": self.kind,
            "rows": self.rows,
            "supply_points": self.supply_points,
            "recorded": self.recorded,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "held_for_review": self.held,
        }


class Problems:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.items: list[tuple[str, str, str]] = []
        self.more = 0

    def add(self, line: int | str, column: str, reason: str) -> None:
        if len(self.items) < MAX_REPORTED:
            self.items.append((f"line {line}" if isinstance(line, int) else line, column, reason))
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.items:
            raise ReadingsFileError(self.file_name, self.items, self.more)


def read_rows(stream: IO[bytes], file_name: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", errors="strict")
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise ReadingsFileError(file_name, [("line 1", "", "the file is not UTF-8 text")]) from None
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter), [])]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    yield number, {"": f"{len(row)} fields, the header has {len(header)}"}
                    continue
                yield number, {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        except (csv.Error, UnicodeDecodeError) as e:
            yield reader.line_num + 1, {"": f"unreadable: {e}"}

    return header, rows()


def decimal_value(value: str) -> Decimal:
    """A finite decimal in ASCII digits (``"١٠"`` is 10 to ``Decimal``: see ledger.core.numbers)."""
    d = ascii_decimal(value)
    if not d.is_finite():
        raise InvalidOperation
    return d


class HashingReader(io.RawIOBase):
    """A byte stream that hashes (and counts) what is read through it: the file's fingerprint."""

    def __init__(self, inner: IO[bytes], digest: Any, file_name: str) -> None:
        self.inner, self.digest, self.size, self.file_name = inner, digest, 0, file_name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.digest.update(data)
        self.size += len(data)
        if self.size > MAX_FILE_BYTES:
            raise ReadingsFileError(
                self.file_name, [("file", "", f"file is larger than {MAX_FILE_BYTES} bytes")]
            )
        buffer[: len(data)] = data
        return len(data)


class BadValue(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def field_value(
    row: dict[str, str], column: str, parse: Callable[[str], Any], what: str, default: Any = None
) -> Any:
    value = row.get(column, "")
    if not value:
        if default is REQUIRED:
            raise BadValue(column, "missing value")
        return default
    try:
        return parse(value)
    except (ValueError, ArithmeticError, InvalidInput):
        raise BadValue(column, f"{value!r} is not {what}") from None


REQUIRED = object()
