"""The transcoder as it was before it was made faster (commit aa30b05), kept to prove the new one
writes the very same bytes and reads the very same values (tests/test_transcoder_bytes.py).

Frozen: do not change it with the production transcoder. Doctest and helpers of the original are left out.
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

from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from ledger.core.money import Allocation, Posting, Side
from ledger.core.transcoding import NaiveDatetimeError


def _tag(name: str, data: Any) -> dict[str, Any]:
    return {"_type_": name, "_data_": data}


class ReferenceTranscoder(JSONTranscoder):
    """JSON transcoder keeping Decimal, UUID, date, aware datetime, tuple, frozenset, enum, value records."""

    def __init__(self) -> None:
        super().__init__()
        for transcoding in (_TupleAsList(), _FrozensetAsList(), _EnumByTopic(), _RecordByTopic(),
                            _DecimalAsStr(), _UUIDAsHex(),
                            _DateAsISO(), _DatetimeAsISO(), _PostingAsRow(), _AllocationAsRow()):
            self.register(transcoding)

    def encode(self, obj: Any) -> bytes:
        return self.encoder.encode(self._prepare(obj)).encode("utf8")

    def _prepare(self, o: Any) -> Any:
        """Tag every value JSON would lose. Dispatch on the exact type first: this runs for every event."""
        kind = type(o)
        if kind in _PLAIN:
            return o
        prepare = _BY_TYPE.get(kind)
        if prepare is not None:
            return prepare(self, o)
        return self._prepare_other(o)

    def _prepare_other(self, o: Any) -> Any:
        if isinstance(o, enum.Enum):  # before str: a StrEnum is also a str
            return _tag("enum", [get_topic(type(o)), self._prepare(o.value)])
        if isinstance(o, datetime):  # before date: a datetime is also a date
            return _datetime(self, o)
        if isinstance(o, str):  # a str subclass (e.g. from a parser) is stored as the plain text
            return str(o)
        if isinstance(o, int | float) and not isinstance(o, bool):
            return int(o) if isinstance(o, int) else float(o)
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            names = _field_names(type(o))
            return _tag("record", [get_topic(type(o)), {n: self._prepare(getattr(o, n)) for n in names}])
        for base, prepare in _BY_TYPE.items():  # subclasses of the plain containers and scalars
            if isinstance(o, base):
                return prepare(self, o)
        msg = f"Object of type {type(o)} cannot be stored; add it to ReferenceTranscoder"
        raise TypeError(msg)


_PLAIN: frozenset[type] = frozenset({type(None), bool, int, float, str})


def _datetime(t: ReferenceTranscoder, o: datetime) -> dict[str, Any]:
    if o.tzinfo is None or o.utcoffset() is None:
        raise NaiveDatetimeError(f"naive datetime {o.isoformat()} cannot be stored")
    return _tag("datetime", o.isoformat())


_BY_TYPE: dict[type, Any] = {
    dict: lambda t, o: {str(k): t._prepare(v) for k, v in o.items()},
    list: lambda t, o: [t._prepare(v) for v in o],
    tuple: lambda t, o: _tag("tuple", [t._prepare(v) for v in o]),
    # No event carries a set; an aggregate's snapshot may (an account's items held from collection). In a
    # fixed order, so that the same set is always the same text (fingerprints, snapshots compared).
    frozenset: lambda t, o: _tag("frozenset", sorted((t._prepare(v) for v in o), key=_sort_key)),
    Decimal: lambda t, o: _tag("decimal", str(o)),
    UUID: lambda t, o: _tag("uuid", o.hex),
    datetime: _datetime,
    date: lambda t, o: _tag("date", o.isoformat()),
    # The records every money event carries many of get a compact positional form: a posting is five
    # strings instead of a dozen nested objects, which halves the size of an event and the time spent
    # encoding and decoding it (measured in bench/ledger.py).
    Posting: lambda t, o: _tag("posting", [o.account, o.side.value, str(o.amount), o.contract_account_id,
                                           o.document]),
    Allocation: lambda t, o: _tag("allocation", [o.item_id, str(o.amount)]),
}


def _sort_key(prepared: Any) -> str:
    return json.dumps(prepared, sort_keys=True)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class _Tagged(Transcoding):
    """Decoding side only: encoding happens in :meth:`ReferenceTranscoder._prepare`."""

    type = type(None)

    def encode(self, obj: Any) -> Any:  # pragma: no cover - never called, see _prepare
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


class _PostingAsRow(_Tagged):
    name = "posting"

    def decode(self, data: Any) -> Any:
        account, side, amount, contract_account_id, document = data
        return Posting(account, Side(side), Decimal(amount), contract_account_id, document)


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
