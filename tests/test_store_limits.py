"""Large transactions: a run of many accounts writes several megabytes in one save, on both stores."""

from __future__ import annotations

import threading

from eventsourcing.domain import Aggregate, event

from api.bootstrap import Services

#: Over the ~4–5 MB at which psycopg 3.3's pipeline mode hangs (see projections/pg_recorder.py).
LARGE_EVENT_BYTES = 6_000_000


class Bulky(Aggregate):
    @event("Recorded")
    def __init__(self, payload: str) -> None:
        self.payload = payload


def test_a_six_megabyte_save_completes(services: Services) -> None:
    bulky = Bulky("x" * LARGE_EVENT_BYTES)
    done = threading.Event()

    def save() -> None:
        services.app.save(bulky)
        done.set()

    worker = threading.Thread(target=save, daemon=True)
    worker.start()
    worker.join(timeout=120)  # a hang is the failure mode; a generous bound, not a speed assertion
    assert done.is_set(), "saving a large event hung"
    loaded = services.app.repository.get(bulky.id)
    assert len(loaded.payload) == LARGE_EVENT_BYTES
