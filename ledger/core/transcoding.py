"""How event attributes are written to the store and read back, exactly.

eventsourcing's JSON transcoder knows ``Decimal``, ``UUID`` and ``datetime`` but not ``date``; and because
the ``json`` module writes tuples as lists and str-enums as strings *before* asking the transcoder, those
would come back as the wrong type. An auditor replaying an event years later must get the very values that
were decided, so :class:`SaldoTranscoder` walks the value first and tags every non-JSON type:

>>> from decimal import Decimal
>>> from datetime import date
>>> from ledger.core.money import Posting
>>> t = SaldoTranscoder()
>>> value = {"lines": (Posting.debit("receivables", Decimal("1.10")),), "on": date(2026, 1, 31)}
>>> t.decode(t.encode(value)) == value
True

Value records (frozen dataclasses such as :class:`~ledger.core.money.Posting`) are stored by topic, like
events, so moving or renaming one needs its old topic in :mod:`ledger.core.topics`.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import JSONTranscoder, Transcoding, TranscodingNotRegisteredError
from eventsourcing.utils import get_topic, resolve_topic

from ledger.core.money import Allocation, Posting, Side


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached the store: ambiguous across DST, so refused."""


def _tag(name: str, data: Any) -> dict[str, Any]:
    return {"_type_": name, "_data_": data}


class SaldoTranscoder(JSONTranscoder):
    """JSON transcoder keeping Decimal, UUID, date, aware datetime, tuple, frozenset, enum, value records.

    This runs for every event written and read, so both directions skip the library's generic machinery:
    :func:`prepare` picks one function per *type* (found once, then cached), msgspec writes the prepared
    value (``json`` only for what msgspec would write otherwise, see :class:`_Float`), and the decoder's
    object hook looks the tag up in one dict. What is written is byte for byte what the generic walk
    wrote, and what is read is the same values (tests/test_transcoder_bytes.py re-encodes every event of
    the frozen old store and of a fresh demo against a frozen copy of that walk): the hash chain and the
    fingerprints depend on it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Any] = {}
        for transcoding in (_TupleAsList(), _FrozensetAsList(), _EnumByTopic(), _RecordByTopic(),
                            _DecimalAsStr(), _UUIDAsHex(),
                            _DateAsISO(), _DatetimeAsISO(), _PostingAsRow(), _AllocationAsRow()):
            self.register(transcoding)
        # No ``default``: everything :func:`prepare` returns is plain JSON; anything else is a bug to see.
        self._dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        self._loads = json.JSONDecoder(object_hook=self._untag).decode

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders[transcoding.name] = _FAST_DECODERS.get(transcoding.name, transcoding.decode)

    def encode(self, obj: Any) -> bytes:
        prepared = prepare(obj)
        try:
            return _COMPILED(prepared)
        except _WriteWithJson:
            return self._dumps(prepared).encode("utf8")

    def decode(self, data: bytes) -> Any:
        return self._loads(data.decode("utf8"))

    def _untag(self, d: dict[str, Any]) -> Any:
        """The library's rule (``JSONTranscoder._decode_obj``): exactly the two keys make a tagged value."""
        if len(d) != 2 or "_type_" not in d or "_data_" not in d:
            return d
        try:
            decode = self._decoders[d["_type_"]]
        except KeyError as e:
            msg = f"Data serialized with name {d['_type_']!r} is not deserializable: no transcoding for it"
            raise TranscodingNotRegisteredError(msg) from e
        return decode(d["_data_"])

    def _prepare(self, o: Any) -> Any:
        return prepare(o)


#: The types JSON keeps as they are (exactly these: a subclass is prepared, see :func:`_preparer_for`).
_PLAIN: frozenset[type] = frozenset({type(None), bool, int, str})


class _Float(float):
    """A float as prepared. ``json`` writes it as any float (``float.__repr__``: ``1e+16``); msgspec, which
    writes exponents its own way (``1e16``), hands it to :func:`_refuse`, and the value is written by
    ``json``. No event carries a float (money is Decimal): the fallback keeps the bytes if one ever does."""

    __slots__ = ()


class _WriteWithJson(Exception):
    """The compiled encoder met a value it would write differently from ``json``."""


def _refuse(o: Any) -> Any:
    raise _WriteWithJson(type(o).__name__)


# msgspec writes plain JSON (str, int of any size, bool, None, lists, dicts in insertion order) exactly as
# ``json.dumps(separators=(",", ":"), ensure_ascii=False)``: the same escapes (\", \\, \n, \u001f...), the
# same refusal of lone surrogates, at a tenth of the time (https://jcristharif.com/msgspec/). Floats are
# the one difference, see _Float. tests/test_transcoder_bytes.py compares both on every stored event.
_COMPILED = msgspec.json.Encoder(enc_hook=_refuse).encode
_COMPILED_SORTED = msgspec.json.Encoder(enc_hook=_refuse, order="sorted").encode


def prepare(o: Any) -> Any:
    """``o`` with every value JSON would lose tagged: one cached function per exact type."""
    kind = type(o)
    if kind in _PLAIN:
        return o
    by_type = _BY_TYPE.get(kind)
    if by_type is None:
        by_type = _preparer_for(kind)
    return by_type(o)


def _preparer_for(kind: type) -> Any:
    """How values of ``kind`` are prepared, decided as the generic walk decided it for its instances, in
    the same order (every test there depends on the type only); cached, but never a refusal."""
    if issubclass(kind, enum.Enum):  # before str: a StrEnum is also a str
        preparer = _enum_preparer(kind)
    elif issubclass(kind, datetime):  # before date: a datetime is also a date
        preparer = _datetime
    elif issubclass(kind, str):  # a str subclass (e.g. from a parser) is stored as the plain text
        preparer = str
    elif issubclass(kind, int | float) and not issubclass(kind, bool):
        preparer = int if issubclass(kind, int) else _Float
    elif dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        preparer = _record_preparer(kind)
    else:
        preparer = next((p for base, p in _BASES.items() if issubclass(kind, base)), None)
        if preparer is None:
            msg = f"Object of type {kind} cannot be stored; add it to SaldoTranscoder"
            raise TypeError(msg)
    _BY_TYPE[kind] = preparer
    return preparer


def _enum_preparer(kind: type) -> Any:
    topic = get_topic(kind)
    return lambda o: {"_type_": "enum", "_data_": [topic, prepare(o.value)]}


def _record_preparer(kind: type) -> Any:
    topic, names = get_topic(kind), _field_names(kind)
    def record(o: Any) -> dict[str, Any]:
        fields = {}
        for n in names:
            v = getattr(o, n)
            fields[n] = v if type(v) in _PLAIN else prepare(v)
        return {"_type_": "record", "_data_": [topic, fields]}
    return record


def _datetime(o: datetime) -> dict[str, Any]:
    if o.tzinfo is None or o.utcoffset() is None:
        raise NaiveDatetimeError(f"naive datetime {o.isoformat()} cannot be stored")
    return {"_type_": "datetime", "_data_": o.isoformat()}


def _dict(o: dict[Any, Any]) -> dict[str, Any]:
    # Plain values are taken as they are here, without a call: most values are, and the call is the cost.
    return {k if type(k) is str else str(k): v if type(v) in _PLAIN else prepare(v) for k, v in o.items()}


def _list(o: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [v if type(v) in _PLAIN else prepare(v) for v in o]


def _frozenset(o: frozenset[Any]) -> dict[str, Any]:
    # No event carries a set; an aggregate's snapshot may (an account's items held from collection). In a
    # fixed order, so that the same set is always the same text (fingerprints, snapshots compared).
    return _tag("frozenset", sorted((prepare(v) for v in o), key=_sort_key))


def _posting(o: Posting) -> dict[str, Any]:
    # The records every money event carries many of get a compact positional form: a posting is five
    # strings instead of a dozen nested objects, which halves the size of an event and the time spent
    # encoding and decoding it (measured in bench/ledger.py).
    return {"_type_": "posting",
            "_data_": [o.account, o.side.value, str(o.amount), o.contract_account_id, o.document]}


#: The plain containers and scalars, and the value records with a compact form. Their subclasses are
#: prepared like them (checked in this order, after enums, datetimes, str, numbers and records).
_BASES: dict[type, Any] = {
    dict: _dict,
    list: _list,
    tuple: lambda o: {"_type_": "tuple", "_data_": _list(o)},
    frozenset: _frozenset,
    Decimal: lambda o: {"_type_": "decimal", "_data_": str(o)},
    UUID: lambda o: {"_type_": "uuid", "_data_": o.hex},
    datetime: _datetime,
    date: lambda o: {"_type_": "date", "_data_": o.isoformat()},
    Posting: _posting,
    Allocation: lambda o: {"_type_": "allocation", "_data_": [o.item_id, str(o.amount)]},
}
#: Every type met so far, with how it is prepared (filled by :func:`_preparer_for`).
_BY_TYPE: dict[type, Any] = {**_BASES, float: _Float}


def _sort_key(prepared: Any) -> str:
    return json.dumps(prepared, sort_keys=True)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class _Tagged(Transcoding):
    """Decoding side only: encoding happens in :func:`prepare`."""

    type = type(None)

    def encode(self, obj: Any) -> Any:  # pragma: no cover - never called, see prepare
        raise NotImplementedError


class _TupleAsList(_Tagged):
    name = "tuple"

    def decode(self, data: Any) -> Any:
        return tuple(data)


class _FrozensetAsList(_Tagged):
    name = "frozenset"

    def decode(self, data: Any) -> Any:
        return frozenset(data)


class _EnumByTopic(_Tagged):
    name = "enum"

    def decode(self, data: Any) -> Any:
        topic, value = data
        return resolve_topic(topic)(value)


class _RecordByTopic(_Tagged):
    name = "record"

    def decode(self, data: Any) -> Any:
        topic, fields = data
        return resolve_topic(topic)(**fields)


_SIDES = {side.value: side for side in Side}


class _PostingAsRow(_Tagged):
    name = "posting"

    def decode(self, data: Any) -> Any:
        account, side, amount, contract_account_id, document = data
        side = _SIDES.get(side) or Side(side)
        return Posting(account, side, Decimal(amount), contract_account_id, document)


class _AllocationAsRow(_Tagged):
    name = "allocation"

    def decode(self, data: Any) -> Any:
        return Allocation(data[0], Decimal(data[1]))


class _DecimalAsStr(_Tagged):
    name = "decimal"

    def decode(self, data: Any) -> Any:
        return Decimal(data)


class _UUIDAsHex(_Tagged):
    name = "uuid"

    def decode(self, data: Any) -> Any:
        return UUID(data)


class _DateAsISO(_Tagged):
    name = "date"

    def decode(self, data: Any) -> Any:
        return date.fromisoformat(data)


class _DatetimeAsISO(_Tagged):
    name = "datetime"

    def decode(self, data: Any) -> Any:
        return datetime.fromisoformat(data)


#: The tags whose decoding is one builtin call, without the method around it.
_FAST_DECODERS: dict[str, Any] = {"tuple": tuple, "frozenset": frozenset, "decimal": Decimal, "uuid": UUID,
                                  "date": date.fromisoformat, "datetime": datetime.fromisoformat}


def canonical_json(value: Any) -> str:
    """A stable text for fingerprints: the stored encoding with sorted keys."""
    prepared = prepare(value)
    try:  # keys in code point order: msgspec sorts their UTF-8 bytes, which is the same order
        return _COMPILED_SORTED(prepared).decode("utf8")
    except _WriteWithJson:
        return json.dumps(prepared, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def as_before(record: Any, *added: str) -> Any:
    """``record`` as :func:`canonical_json` saw it before the fields ``added`` existed: each left out while it
    is None (its default). A command that gains a field keeps its fingerprint, so a key retried across the
    upgrade replays instead of being taken for another request (ledger.core.idempotency.fingerprint)."""
    kind: type = type(record)
    names = [n for n in _field_names(kind) if not (n in added and getattr(record, n) is None)]
    return _tag("record", [get_topic(kind), {n: getattr(record, n) for n in names}])
