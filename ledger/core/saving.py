"""Saving aggregates without the library's protocol checks, which cost more than the rest of collecting.

``Application.save`` hands every aggregate to ``ProcessingEvent.collect_events``, which asks
``isinstance(obj, DomainEventProtocol)`` and then ``isinstance(obj, CollectEventsProtocol)``: checks
against runtime-checkable protocols, which look up every member of the protocol on the object each time
(https://docs.python.org/3/library/typing.html#typing.runtime_checkable). With thousands of aggregates per
batch (a billing run, an import) that was about a twentieth of the write path's time (bench/ledger.py).
An :class:`~eventsourcing.domain.Aggregate` is taken by one check of its class; anything else (a bare
event, an object of another kind) still goes through the library's own checks, in the order given.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording


class _Collecting(ProcessingEvent[UUID]):
    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, Aggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


class CollectingApplication(Application[UUID]):
    """The library's application; :meth:`save` is the library's, collecting with :class:`_Collecting`."""

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        processing_event = _Collecting()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, called as it calls it
        return recordings
