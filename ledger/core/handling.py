"""How a capability handles commands: the workspace it is given, and the registry it contributes to.

Each capability (parties, accounts, payments, billing, collections, dunning) has one ``handlers`` module
with a :class:`Capability` subclass. Its methods marked ``@handles(SomeCommand)`` each take the command and
its request id and return the aggregates to save and the result. The application
(:mod:`ledger.application`) builds one instance of each, joins their registries into one dispatch table,
and runs every command inside its unit of work. A capability never imports the application: it gets a
:class:`Workspace` (the unit of work of the running batch, the clock, the company's configuration) as an
explicit argument, so the dependency points one way only (cosmicpython, "unit of work":
https://www.cosmicpython.com/book/chapter_06_uow.html).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol

from ledger.core.actor import Actor

A = TypeVar("A", bound=Aggregate)
#: The company's configuration (:class:`ledger.parties.company.CompanyConfig`); core does not know its shape.
C = TypeVar("C")
C_co = TypeVar("C_co", covariant=True)
Result = dict[str, Any]
#: What a handler returns: the aggregates it changed (to save in the batch's transaction) and its result.
Handled = tuple[list[Aggregate], Result]
Handler = Callable[[Any, UUID], Handled]

#: Most commands one batch (one ``execute_many`` call) saves in one transaction: memory and lock time.
MAX_BATCH_COMMANDS = 5000


class AggregateLoader(Protocol):
    """Port: load many aggregates in one round trip (the store adapter lives outside the domain)."""

    def __call__(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate]: ...


@dataclass
class BatchItem:
    """The outcome of one command of a batch: its result, or the error that refused it (errors as data)."""

    key: str
    result: Result | None = None
    error: Exception | None = None


#: Given a batch's outcome, the commands that record it in the same transaction (``Saldo.execute_many``).
FollowUp = Callable[[list[BatchItem]], Sequence[tuple[object, str]]]


class Workspace(Protocol[C_co]):
    """What the application gives every capability while a command runs."""

    @property
    def config(self) -> C_co: ...

    def today(self) -> date: ...

    def actor(self) -> Actor:
        """Who asked for the command being run."""
        ...

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as the current unit of work sees it, or None if there is none of that class."""
        ...

    def get(self, cls: type[A], aggregate_id: UUID, what: str, field: str) -> A:
        """Like :meth:`find`, but a missing aggregate is a :class:`~ledger.core.errors.NotFound` naming it."""
        ...

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether the store already holds an aggregate with this id."""
        ...

    def is_loaded(self, aggregate_id: UUID) -> bool:
        """Whether the current unit of work already holds (or knows the absence of) this aggregate."""
        ...

    def prefetch(self, ids: Iterable[UUID]) -> None:
        """Load these aggregates into the current unit of work in one round trip."""
        ...

    def events_after(self, aggregate_id: UUID, version: int) -> list[DomainEventProtocol[UUID]]:
        """The stored events of one aggregate after ``version``, in order."""
        ...


def handles(command_type: type) -> Callable[[Callable[..., Handled]], Callable[..., Handled]]:
    """Mark a :class:`Capability` method as the handler of ``command_type``."""

    def mark(method: Callable[..., Handled]) -> Callable[..., Handled]:
        method.__handles__ = command_type  # type: ignore[attr-defined]
        return method

    return mark


class Capability(Generic[C]):
    """Base of each capability's command handlers; the methods marked ``@handles`` are its registry."""

    def __init__(self, ws: Workspace[C]) -> None:
        self.ws = ws
        self._local = threading.local()  # this capability's per-thread scratch (hints and caches of a run)

    def handlers(self) -> dict[type, Handler]:
        """Command type → bound handler, for every method of this capability marked ``@handles``."""
        found: dict[type, Handler] = {}
        for name in dir(type(self)):
            command_type = getattr(getattr(type(self), name), "__handles__", None)
            if command_type is not None:
                found[command_type] = getattr(self, name)
        return found

    # Short names for what handlers ask of the workspace all the time.
    @property
    def config(self) -> C:
        return self.ws.config

    def today(self) -> date:
        return self.ws.today()

    def actor(self) -> Actor:
        return self.ws.actor()

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        return self.ws.find(cls, aggregate_id)

    def get(self, cls: type[A], aggregate_id: UUID, what: str, field: str) -> A:
        return self.ws.get(cls, aggregate_id, what, field)

    def prefetch(self, ids: Iterable[UUID]) -> None:
        self.ws.prefetch(ids)


def dispatch_table(capabilities: Iterable[Capability[Any]]) -> dict[type, Handler]:
    """One table of every capability's handlers; a command claimed twice is a wiring error."""
    table: dict[type, Handler] = {}
    for capability in capabilities:
        for command_type, handler in capability.handlers().items():
            if command_type in table:
                raise RuntimeError(f"{command_type.__name__} is handled by two capabilities")
            table[command_type] = handler
    return table
