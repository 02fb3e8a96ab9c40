"""The faster transcoder writes the very bytes the generic JSON walk wrote, and reads the very same values.

Determinism rests on it: the hash chain links each event's stored bytes (projections/chain.py), an
idempotency fingerprint is a hash of the same prepared form (ledger/core/idempotency.py), and an auditor
replaying an old event must get what was decided. :mod:`tests.reference_transcoding` is that walk, frozen
as it was; every event of the frozen old store (tests/fixtures/old_store) and of a freshly loaded demo, on
both stores, is decoded and re-encoded by both transcoders and compared byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest
from eventsourcing.persistence import StoredEvent, TranscodingNotRegisteredError

from api.billing_demo import load_billing_demo
from api.bootstrap import Services
from api.demo import load_demo, load_dunning_demo
from ledger.core.idempotency import fingerprint
from ledger.core.money import Posting
from ledger.core.topics import register_old_topics
from ledger.core.transcoding import SaldoTranscoder, canonical_json
from ledger.payments import commands as pmt
from tests.reference_transcoding import ReferenceTranscoder
from tests.test_old_store import _old_events, _unpack

NEW, OLD = SaldoTranscoder(), ReferenceTranscoder()


def _same_bytes_and_values(events: list[StoredEvent]) -> int:
    """Assert both transcoders agree on every event; return how many re-encode to their stored bytes."""
    identical = 0
    for e in events:
        state = bytes(e.state)
        old_value, new_value = OLD.decode(state), NEW.decode(state)
        assert new_value == old_value, e.topic
        # Equal is not enough (Decimal("1.10") == Decimal("1.1"), a tuple is not a list): the reference's
        # own encoding of what each read tells every type and every digit apart.
        assert OLD.encode(new_value) == OLD.encode(old_value), e.topic
        assert NEW.encode(old_value) == OLD.encode(old_value), e.topic
        identical += NEW.encode(new_value) == state
    return identical


def test_every_event_of_the_old_store_reads_and_writes_the_same(tmp_path: Path) -> None:
    register_old_topics()
    events = _old_events(_unpack(tmp_path))
    assert len(events) > 1000
    identical = _same_bytes_and_values(events)
    # What the current code stores the same way it was stored then re-encodes to the very bytes json wrote
    # (events stored before postings got their compact form re-encode in that form, by both transcoders).
    assert identical == sum(OLD.encode(OLD.decode(bytes(e.state))) == bytes(e.state) for e in events)
    assert identical > len(events) // 2


def test_every_event_of_a_fresh_demo_is_what_json_would_have_written(services: Services) -> None:
    load_demo(services.app)
    load_billing_demo(services)
    load_dunning_demo(services)
    events = [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
              for n in services.app.recorder.select_notifications(1, 1_000_000)]
    assert len(events) > 1000
    assert _same_bytes_and_values(events) == len(events)
    for e in events:
        assert OLD.encode(OLD.decode(bytes(e.state))) == bytes(e.state), e.topic


class Tariff(StrEnum):
    HOUSEHOLD = "household"


class Label(str):
    """A str subclass, as a parser may hand over."""


class FloatKind(float):
    """A float subclass."""


EDGE_CASES: list[Any] = [
    {"nested": {1: Decimal("1.10"), "t": (Tariff.HOUSEHOLD, [Label("x"), frozenset({"b", "a"})])}},
    {"unicode": "Müller — ☃ \u2028 \x00", "float": 0.1, "big": 10**30, "bool": True, "none": None},
    {Tariff.HOUSEHOLD: date(2026, 1, 31), "at": datetime(2026, 3, 1, tzinfo=UTC)},
    (Posting.debit("receivables", Decimal("-0.00"), None, "INV-1"),),
    # json writes exponents as 1e+16 where a compiled encoder writes 1e16, and NaN where it writes null
    {"exponent": 1e16, "small": [1e-7, -1.5e300], "nan": float("nan"), "sub": FloatKind(2.5e22)},
    {"é": 1, "z": 2, "a": 3, "Z": 4, "\U0001f600": 5, "\uffff": 6, "\u00e9t\u00e9": "\x7f\u2029"},
]


@pytest.mark.parametrize("value", EDGE_CASES)
def test_edge_cases_encode_and_fingerprint_as_before(value: Any) -> None:
    assert NEW.encode(value) == OLD.encode(value)
    assert canonical_json(value) == _reference_canonical(value)
    assert OLD.encode(NEW.decode(NEW.encode(value))) == OLD.encode(OLD.decode(OLD.encode(value)))


def _reference_canonical(value: Any) -> str:
    return json.dumps(OLD._prepare(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_a_fingerprint_is_the_hash_it_was() -> None:
    # A key retried across the upgrade must replay, not be taken for another request.
    payload = pmt.RecordPayment(uuid5(NAMESPACE_URL, "acc"), Decimal("60.00"), date(2026, 3, 20))
    assert fingerprint(payload) == hashlib.sha256(_reference_canonical(payload).encode()).hexdigest()


def test_an_unknown_tag_is_refused_and_a_look_alike_dict_is_left_alone() -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        NEW.decode(b'{"_type_":"nope","_data_":1}')
    look_alike = {"_type_": "decimal", "_data_": "1", "x": 2}
    assert NEW.decode(json.dumps(look_alike).encode()) == look_alike
    with pytest.raises(TypeError):
        NEW.encode({"x": object()})
