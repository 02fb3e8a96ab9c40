"""Records kept in a snapshot as rows of plain JSON values, read back only when used (issue 12).

A record stored by topic is a dozen tagged values, each through the JSON decoder's hook: 125 open items
were 258,000 calls of it on every command. A row is a list the parser builds with no hook, turned into
its record when something reads it (:class:`RowCodec`). Maps of rows live in
:class:`ledger.core.archive.ArchivedMap`; tuples in :class:`RowTuple`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

V = TypeVar("V")


class RowCodec(Protocol[V]):
    """A record as one row of plain JSON values (str, int, None), its map's key first.

    A snapshot keeps the live records of a map that has one (``compact_records``) as rows: read, a row is
    a list the JSON parser builds with no hook (a record by topic was a dozen tagged values, 258,000 calls
    of the decoder's hook for 125 open items), and it becomes its record only when asked for.
    """

    def to_row(self, record: V) -> list[Any]: ...

    def from_row(self, row: list[Any]) -> V: ...


class RowTuple(Sequence[V]):
    """A tuple of an aggregate's records as its snapshot held them, rows, each decoded the first time it is
    read (the length needs none): an account's mandate history, one entry per direct debit ever
    presented, of which a command reads the last few at most. It equals the tuple of its records. The
    aggregate changes it with :func:`appended` and :func:`replaced`, which keep the rows; the next snapshot
    writes them as they are (no record re-encoded)."""

    __slots__ = ("_codec", "_read", "rows")

    def __init__(self, rows: list[list[Any]], codec: RowCodec[V], read: list[Any] | None = None) -> None:
        self.rows = rows
        self._codec = codec
        self._read: list[Any] = read if read is not None else [_UNREAD] * len(rows)

    def _at(self, index: int) -> V:
        record = self._read[index]
        if record is _UNREAD:
            record = self._read[index] = self._codec.from_row(self.rows[index])
        return record  # type: ignore[no-any-return]

    def records(self) -> tuple[V, ...]:
        return tuple(self._at(i) for i in range(len(self.rows)))

    def appended(self, record: V) -> RowTuple[V]:
        return RowTuple([*self.rows, self._codec.to_row(record)], self._codec, [*self._read, record])

    def replaced(self, index: int, record: V) -> RowTuple[V]:
        rows, read = list(self.rows), list(self._read)
        rows[index], read[index] = self._codec.to_row(record), record
        return RowTuple(rows, self._codec, read)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self._at(i) for i in range(len(self.rows))[index])
        return self._at(range(len(self.rows))[index])  # a negative index counts from the end

    def __iter__(self) -> Iterator[V]:
        return (self._at(i) for i in range(len(self.rows)))

    def __reversed__(self) -> Iterator[V]:
        return (self._at(i) for i in reversed(range(len(self.rows))))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowTuple):
            other = other.records()
        return self.records() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.records())

    def __repr__(self) -> str:
        return repr(self.records())

    def __reduce__(self) -> Any:
        return (tuple, (self.records(),))


_UNREAD = object()


def appended(records: tuple[V, ...] | RowTuple[V], record: V) -> tuple[V, ...] | RowTuple[V]:
    """``records`` and ``record`` after them: a :class:`RowTuple` stays one, its rows not decoded."""
    return records.appended(record) if isinstance(records, RowTuple) else (*records, record)


def replaced(records: tuple[V, ...] | RowTuple[V], index: int, record: V) -> tuple[V, ...] | RowTuple[V]:
    """``records`` with ``record`` at ``index`` instead."""
    if isinstance(records, RowTuple):
        return records.replaced(index, record)
    return (*records[:index], record, *records[index + 1:])
