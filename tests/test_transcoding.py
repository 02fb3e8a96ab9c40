"""What is saved is what is read back, exactly — through the real store, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate, event
from hypothesis import given
from hypothesis import strategies as st

from api.bootstrap import Services
from ledger.accounts.clearing import ItemKind
from ledger.core.money import Posting, Side
from ledger.core.transcoding import NaiveDatetimeError, SaldoTranscoder


class Probe(Aggregate):
    @event("Recorded")
    def __init__(self, value: object) -> None:
        self.value = value


SAMPLE = {
    "decimal": Decimal("123.4500"), "uuid": uuid4(), "date": date(2026, 2, 28),
    "aware": datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=2))),
    "enum": ItemKind.FEE, "side": Side.CREDIT, "tuple": (1, ("nested", Decimal("0.01"))), "list": [1, 2],
    "record": Posting.debit("receivables", Decimal("9.99"), "acc", "INV-1"), "none": None,
}


def test_every_stored_type_round_trips_through_the_store(services: Services) -> None:
    probe = Probe(SAMPLE)
    services.app.save(probe)
    loaded = services.app.repository.get(probe.id)
    assert loaded.value == SAMPLE
    assert type(loaded.value["tuple"]) is tuple and type(loaded.value["list"]) is list
    assert loaded.value["aware"].utcoffset() == timedelta(hours=2)
    assert str(loaded.value["decimal"]) == "123.4500"  # the exponent is kept, not just the value


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        SaldoTranscoder().encode({"at": datetime(2026, 1, 1)})


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates() | st.datetimes(timezones=st.just(UTC)) | st.uuids() | st.sampled_from(ItemKind),
    lambda children: st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10)


@given(json_like)
def test_transcoder_round_trips_any_supported_value(value: object) -> None:
    transcoder = SaldoTranscoder()
    assert transcoder.decode(transcoder.encode(value)) == value
