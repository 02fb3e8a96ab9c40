"""What a billing run needs of the application: a port, so that billing never imports the application.

A billing run is an orchestration over many commands (rate a chunk, issue its invoices in one batch,
record the batch), so it asks more of the application than a handler does. :class:`ledger.application.Saldo`
satisfies :class:`BillingService`; a test may pass anything else that does.
"""

from __future__ import annotations

from collections.abc import Sequence
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
