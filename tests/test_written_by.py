"""What each command of a batch wrote is told apart from what earlier commands of the batch wrote."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from ledger.core.idempotency import written_by


class NumberRange(Aggregate):
    """Drawn from by every command of a batch, so it holds the whole batch's pending events."""

    @event("Opened")
    def __init__(self, prefix: str) -> None:
        self.prefix, self.last = prefix, 0

    @event("Drawn")
    def draw(self) -> None:
        self.last += 1


def _versions(found: list[list[object]]) -> list[object]:
    return [version for _, version, _ in found]


def test_each_command_gets_only_the_events_after_the_last_one_claimed() -> None:
    numbers, claimed = NumberRange("INV"), {}
    numbers.draw()
    assert _versions(written_by([numbers], claimed).events) == [1, 2]
    numbers.draw()
    numbers.draw()
    assert _versions(written_by([numbers], claimed).events) == [3, 4]
    assert written_by([numbers], claimed).events == []  # a command that drew nothing wrote nothing
    numbers.draw()
    found = written_by([numbers], claimed).events
    assert found == [[str(numbers.id), 5, f"{__name__}:NumberRange.Drawn"]]
    assert claimed == {numbers.id: 5}
