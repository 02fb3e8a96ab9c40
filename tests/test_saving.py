"""Saving collects what the library collects, in the order given (ledger/core/saving.py), on both stores."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from api.bootstrap import Services


class Meter(Aggregate):
    @event("Installed")
    def __init__(self, serial: str) -> None:
        self.serial = serial

    @event("Read")
    def read(self, energy_kwh: int) -> None:
        self.energy_kwh = energy_kwh


def test_aggregates_and_bare_events_are_saved_in_the_order_given(services: Services) -> None:
    first, second = Meter("M-1"), Meter("M-2")
    second.read(120)
    bare_events = list(second.collect_events())
    third = Meter("M-3")
    third.read(7)
    before = services.app.recorder.max_notification_id() or 0

    recordings = services.app.save(first, *bare_events, None, third)

    stored = list(services.app.recorder.select_notifications(before + 1, 100))
    expected = [(first.id, 1), (second.id, 1), (second.id, 2), (third.id, 1), (third.id, 2)]
    assert [(n.originator_id, n.originator_version) for n in stored] == expected
    assert [(r.domain_event.originator_id, r.domain_event.originator_version) for r in recordings] == expected
    assert services.app.repository.get(third.id).energy_kwh == 7
    assert not list(third.collect_events())  # its pending events were taken, as the library takes them
