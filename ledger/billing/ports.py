"""What a billing run needs of the application: a port, so that billing never imports the application.

A billing run is an orchestration over many commands (rate a chunk, issue its invoices in one batch,
record the batch), so it asks more of the application than a handler does. :class:`ledger.application.Saldo`
satisfies :class:`BillingService`; a test may pass anything else that does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder

from ledger.core.actor import Actor
from ledger.core.handling import AggregateLoader, BatchItem, FollowUp, Result

if TYPE_CHECKING:
    from ledger.billing.handlers import BillingHandlers

A = TypeVar("A", bound=Aggregate)
P = TypeVar("P")
R = TypeVar("R")


class Lookup(Protocol):
    """Where rating and drafting find tariffs, spot prices and billed invoices: the application, or what
    was sent with a partition of the run to wherever it is rated (:mod:`ledger.billing.partitions`)."""

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None: ...


class Pending(Protocol[R]):
    """Results being computed; :meth:`result` waits for them, in the order of the partitions."""

    def result(self) -> list[R]: ...


class PartitionMapper(Protocol):
    """Maps a pure function over partitions of a billing run, here or elsewhere (a cluster).

    ``fn`` and each partition are plain values (picklable: module-level functions, dataclasses and
    aggregates); the results come back in the order of the partitions, whatever order they finish in.
    Nothing is written where ``fn`` runs: the run's own process issues the documents.
    """

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> Pending[R]: ...


class BillingService(Protocol):
    bulk_loader: AggregateLoader | None

    @property
    def repository(self) -> Repository[UUID]: ...

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def billing(self) -> BillingHandlers: ...

    def today(self) -> date: ...

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None: ...

    def get(self, cls: type[A], aggregate_id: UUID, what: str, field: str) -> A: ...

    def execute(self, command: object, idempotency_key: str, actor: Actor = ...) -> Result: ...

    def execute_many(
        self, batch: Sequence[tuple[object, str]], then: FollowUp | None = None, actor: Actor = ...
    ) -> list[BatchItem]: ...
