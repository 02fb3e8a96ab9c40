"""Records an aggregate has settled for good, left out of its snapshot and fetched back only when asked for.

A contract account keeps every item it ever posted and every payment it ever received: after ten years its
snapshot held 5,000 cleared items and 5,000 payments (5.5 MB, 110–150 ms to decode) for the 125 items
still open (issue 12). Snapshots are derived data (never in the journal or the hash chain), so a snapshot
may leave the settled records out as long as nothing can tell: an :class:`ArchivedMap` is the aggregate's
``dict`` of records, holding the *live* ones, a filter of the *archived* ones' ids (:class:`IdFilter`:
asking whether a new id is taken must not fetch the archive each time), and a way to fetch the whole map
back (the aggregate replayed from its first event up to the snapshot, see :mod:`ledger.core.snapshots`).

Whatever needs an archived record — a lookup of its id, a walk over every record, a comparison, a copy —
first fetches the whole map back (``materialise``), so every command and query gives the answer the full
replay gives, only slower. The few hot paths that provably need only the live records (clearing oldest due
first never touches a cleared item) ask for :meth:`ArchivedMap.live_values` explicitly.

Why the fetched map is right: an archived record is the one the replay to the snapshot's version holds,
since any later change to it would have gone through this map (a lookup, which fetches, or an assignment,
which puts the new value among the live ones, and live values win the merge).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from typing import Any, TypeVar

from ledger.core.rows import RowCodec, RowTuple, appended, replaced

__all__ = ["ArchiveUnavailable", "ArchivedMap", "IdFilter", "RowCodec", "RowTuple", "appended", "live_values",
           "named", "replaced", "with_ids"]

K = TypeVar("K", bound=str)
V = TypeVar("V")

#: Bits of the filter per archived id, and the bits each id sets: about 1 % of ids never archived are taken
#: for archived ones when the filter is full, fewer before (https://en.wikipedia.org/wiki/Bloom_filter).
BITS_PER_ID, HASHES = 10, 7
#: The fewest ids a filter is sized for; it is rebuilt twice as large when it would hold more.
MIN_CAPACITY = 256
#: Marks a name (a document number) in the filter of ids: no id holds it.
NAME = "\0"


class ArchiveUnavailable(RuntimeError):
    """An archived record was asked for, but the map was restored without a way to fetch it back."""


@dataclass(frozen=True)
class IdFilter:
    """Which ids are archived, in a few bits each (a Bloom filter): "surely not" or "maybe".

    Kept instead of the ids themselves, which grow with the history as the records did (10,000 ids were
    330 kB of a snapshot). A "maybe" fetches the archive back, so the answer is always exact: a false
    "maybe" costs one full replay, never a wrong result.

    The bits are held as the snapshot stores them, base64 (``text``): a lookup decodes only the seven
    4-character groups its bits are in, so reading a ten-year filter (40 kB) costs what a new one does.
    """

    capacity: int
    count: int
    text: str  #: the bits, base64 (https://docs.python.org/3/library/base64.html)

    @classmethod
    def sized_for(cls, ids: int) -> IdFilter:
        capacity = MIN_CAPACITY
        while capacity < 2 * ids:
            capacity *= 2
        return cls.of_bits(capacity, 0, bytes(capacity * BITS_PER_ID // 8))

    @classmethod
    def of_bits(cls, capacity: int, count: int, bits: bytes) -> IdFilter:
        return cls(capacity, count, base64.b64encode(bits).decode("ascii"))

    @property
    def bits(self) -> bytes:
        return base64.b64decode(self.text)

    @functools.cached_property
    def _size(self) -> int:
        """Bits in the filter: the decoded length of ``text`` (4 characters per 3 bytes, less padding)."""
        return (len(self.text) // 4 * 3 - self.text[-2:].count("=")) * 8

    def _positions(self, key: str) -> Iterator[int]:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
        h1, h2 = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
        m = self._size
        return ((h1 + i * h2) % m for i in range(HASHES))

    def might_hold(self, key: str) -> bool:
        text = self.text
        for p in self._positions(key):
            byte = p >> 3
            group = byte // 3
            chunk = binascii.a2b_base64(text[4 * group:4 * group + 4])
            if not chunk[byte - 3 * group] >> (p & 7) & 1:
                return False
        return True

    def adding(self, ids: Iterable[str]) -> IdFilter | None:
        """This filter with ``ids`` too; ``None`` if it would be over capacity (rebuild it larger)."""
        listed = list(ids)
        if self.count + len(listed) > self.capacity:
            return None
        bits = bytearray(self.bits)
        for key in listed:
            for p in self._positions(key):
                bits[p >> 3] |= 1 << (p & 7)
        return IdFilter.of_bits(self.capacity, self.count + len(listed), bytes(bits))

    def to_state(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "count": self.count, "bits": self.text}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> IdFilter:
        return cls(int(state["capacity"]), int(state["count"]), str(state["bits"]))


def named(records: Mapping[K, V], *names: str) -> Iterable[V]:
    """The records the ones named ``names`` may be among: the live ones when no archived record has one of
    the names (their order is the full replay's, less the archived ones), else all of them (fetched back)."""
    if isinstance(records, ArchivedMap) and not any(records.may_have_archived_name(n) for n in names):
        return records.live_values()
    return records.values()


def with_ids(records: Mapping[K, V], ids: Iterable[str]) -> Iterable[V]:
    """The records those with ``ids`` are among: the live ones when all of them are live, else all."""
    if isinstance(records, ArchivedMap) and all(dict.__contains__(records, i) for i in ids):
        return records.live_values()
    return records.values()


def live_values(records: Mapping[K, V]) -> list[V]:
    """The records of ``records`` not archived (see :meth:`ArchivedMap.live_values`); all of a plain dict."""
    if isinstance(records, ArchivedMap):
        return records.live_values()
    return list(records.values())


class ArchivedMap(dict[K, V]):
    """A ``dict`` of an aggregate's records, of which the archived ones are fetched back on first use.

    With ``rows`` (a :class:`RowCodec`), values may still be rows (``list``) as the snapshot held them:
    every read gives the record (decoded once, in place); :meth:`live_rows` gives rows, for the hot paths
    that look at a field of every live record (clearing order, a document number).
    """

    def __init__(self, live: Mapping[K, V], archive: IdFilter | None,
                 fetch: Callable[[], Mapping[K, V]] | None, rows: RowCodec[V] | None = None) -> None:
        super().__init__(live)
        self.archive = archive  #: which ids may be archived; ``None`` once fetched back
        self.fetch = fetch
        self.rows = rows
        self._raw = rows is not None  #: whether a value may still be a row

    @property
    def is_pruned(self) -> bool:
        return self.archive is not None

    def may_be_archived(self, key: object) -> bool:
        """Whether ``key`` is not live but may be archived ("surely not" needs no fetch)."""
        return (self.archive is not None and isinstance(key, str) and not dict.__contains__(self, key)
                and self.archive.might_hold(key))

    def may_have_archived_name(self, name: str) -> bool:
        """Whether an archived record may have ``name`` (its document number: see ``archive_names``)."""
        return self.archive is not None and self.archive.might_hold(NAME + name)

    def _decoded(self, key: K, value: Any) -> V:
        if type(value) is list and self.rows is not None:
            value = self.rows.from_row(value)
            dict.__setitem__(self, key, value)
        return value  # type: ignore[no-any-return]

    def _decode_all(self) -> None:
        if self._raw:
            for key, value in list(dict.items(self)):
                self._decoded(key, value)
            self._raw = False

    def live_values(self) -> list[V]:
        """The records not archived (all of them once fetched back): only for callers to whom an archived
        record, settled and unreferenced, makes no difference."""
        self._decode_all()
        return list(dict.values(self))

    def live_items(self) -> list[tuple[K, V]]:
        self._decode_all()
        return list(dict.items(self))

    def live_rows(self) -> list[list[Any]]:
        """The records not archived as rows (see :class:`RowCodec`), in the map's order, none decoded."""
        if self.rows is None:
            raise TypeError("this map keeps no rows")
        to_row = self.rows.to_row
        return [v if type(v) is list else to_row(v) for v in dict.values(self)]  # type: ignore[misc]

    def materialise(self) -> None:
        """Fetch the archived records back, in the order the full replay holds them; every row decoded."""
        self._decode_all()
        self._fetch_archive()

    def _fetch_archive(self) -> None:
        if self.archive is None:
            return
        if self.fetch is None:
            raise ArchiveUnavailable("archived records are needed, but this map cannot fetch them")
        full = self.fetch()
        live = dict(dict.items(self))
        merged = {k: live.pop(k, v) for k, v in full.items()}
        merged.update(live)  # recorded after the snapshot
        dict.clear(self)
        dict.update(self, merged)
        self.archive, self.fetch = None, None

    # -- lookups: exact without fetching when the id is live or surely never archived ---------------------

    def __getitem__(self, key: K) -> V:
        value = dict.__getitem__(self, key)  # a missing key goes to __missing__
        return self._decoded(key, value) if self._raw else value

    def __missing__(self, key: K) -> V:
        if self.may_be_archived(key):
            self._fetch_archive()
            if dict.__contains__(self, key):
                return self._decoded(key, dict.__getitem__(self, key))
        raise KeyError(key)

    def get(self, key: K, default: Any = None) -> Any:
        if self.may_be_archived(key):
            self._fetch_archive()
        if not dict.__contains__(self, key):
            return default
        return self._decoded(key, dict.__getitem__(self, key))

    def __contains__(self, key: object) -> bool:
        if self.may_be_archived(key):
            self._fetch_archive()
        return dict.__contains__(self, key)

    def __setitem__(self, key: K, value: V) -> None:
        # No fetch, even when the filter says "maybe": a record set here, archived or not, takes its place
        # in the full replay's order when the archive is fetched back (_fetch_archive merges by the full
        # replay's keys). Fetching here made every false positive of the filter, a new payment id about
        # once in a hundred, replay the account's whole history on each load until its next snapshot
        # (bench/growth.py: 27 ms instead of 3 at 1,000 commands).
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: K) -> None:
        if self.may_be_archived(key):
            self._fetch_archive()
        dict.__delitem__(self, key)

    def clear(self) -> None:
        dict.clear(self)
        self.archive, self.fetch, self._raw = None, None, False

    # -- everything that reads the whole map fetches the archived records first ---------------------------
    def __iter__(self) -> Iterator[K]:
        self._fetch_archive()
        return dict.__iter__(self)

    def __reversed__(self) -> Iterator[K]:
        self._fetch_archive()
        return dict.__reversed__(self)

    def __len__(self) -> int:
        self._fetch_archive()
        return dict.__len__(self)

    def keys(self) -> KeysView[K]:  # type: ignore[override]
        self._fetch_archive()
        return dict.keys(self)

    def values(self) -> ValuesView[V]:  # type: ignore[override]
        self.materialise()
        return dict.values(self)

    def items(self) -> ItemsView[K, V]:  # type: ignore[override]
        self.materialise()
        return dict.items(self)

    def copy(self) -> dict[K, V]:
        self.materialise()
        return dict(dict.items(self))

    def pop(self, key: K, *default: Any) -> Any:
        self.materialise()
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[K, V]:
        self.materialise()
        return dict.popitem(self)

    def setdefault(self, key: K, default: Any = None) -> Any:
        self.materialise()
        return dict.setdefault(self, key, default)

    def __eq__(self, other: object) -> bool:
        self.materialise()
        if isinstance(other, ArchivedMap):
            other.materialise()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        self.materialise()
        return dict.__repr__(self)

    def __or__(self, other: Any) -> dict[K, V]:  # type: ignore[override]
        merged = self.copy()  # dict's own | copies the live records only
        merged.update(other)
        return merged

    def __reduce__(self) -> Any:
        self.materialise()
        return (dict, (dict(dict.items(self)),))
