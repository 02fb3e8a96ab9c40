"""The Saldo application: the one place that wires the capabilities to the event store.

Each capability contributes its command handlers (:class:`ledger.core.handling.Capability`); the
application joins them into one dispatch table and runs every command in a unit of work. Every command runs
under an idempotency key (:mod:`ledger.core.idempotency`) and is retried on an optimistic concurrency
conflict: two clerks posting to the same contract account both succeed, one after the other, and nothing
is lost (eventsourcing raises IntegrityError when two writers append the same aggregate version —
https://eventsourcing.readthedocs.io/en/stable/topics/persistence.html#recorder).
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import ConnectionUnavailableError, IntegrityError, Transcoder

from ledger.access.answers import AnswerHandlers
from ledger.access.handlers import AccessHandlers
from ledger.accounts.account import ContractAccount
from ledger.accounts.handlers import AccountHandlers
from ledger.accounts.holder_change import LifeHandlers
from ledger.accounts.invoice import NumberRange
from ledger.accounts.write_off_handlers import WriteOffHandlers
from ledger.accounts.write_off_run_handlers import WriteOffRunHandlers
from ledger.billing.contract_changes import ContractChangeHandlers
from ledger.billing.handlers import BillingHandlers
from ledger.billing.reading_reviews import ReadingReviewList
from ledger.billing.records import BillingRun
from ledger.collections.handlers import DirectDebitHandlers
from ledger.core.actor import SYSTEM, Actor
from ledger.core.contention import MAX_CONTENTION_WAIT_S, pause_after_race
from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.core.handling import (
    MAX_BATCH_COMMANDS,
    AggregateLoader,
    BatchItem,
    FollowUp,
    Handler,
    Result,
    dispatch_table,
)
from ledger.core.idempotency import MAX_KEY_LENGTH, IdempotencyRecord, fingerprint, record_id, written_by
from ledger.core.money import MoneyError
from ledger.core.snapshots import SnapshottingApplication
from ledger.core.topics import register_old_topics
from ledger.core.transcoding import SaldoTranscoder
from ledger.delivery.handlers import DeliveryHandlers
from ledger.delivery.outbox import Outbox
from ledger.documents.handlers import DocumentHandlers
from ledger.dunning.handlers import DunningHandlers
from ledger.parties.company import (
    DEFAULT_BANK_ACCOUNT,
    DEFAULT_PAYMENT_TOLERANCE,
    BelongsToCompany,
    Companies,
    CompanyConfig,
    company_of,
)
from ledger.parties.handlers import PartyHandlers
from ledger.parties.identifiers import InvalidIdentifier
from ledger.payments.credit_refunds import CreditRefundHandlers
from ledger.payments.handlers import PaymentHandlers

__all__ = ["DEFAULT_BANK_ACCOUNT", "DEFAULT_PAYMENT_TOLERANCE", "MAX_BATCH_COMMANDS", "BatchItem",
           "CompanyConfig", "Saldo"]

A = TypeVar("A", bound=Aggregate)

#: Events between two snapshots of a contract account: a load reads the latest snapshot and at most this
#: many events less one. Small, because a new account (a dozen events) is the cost to stay near; each
#: snapshot costs one load and one insert, after the command's transaction (bench/growth.py).
ACCOUNT_SNAPSHOT_INTERVAL = 50

class Saldo(SnapshottingApplication):
    """The service layer: capabilities' handlers behind one ``execute``; also their :class:`Workspace`.

    The capabilities are attributes, for the queries the entrypoints ask of them (``app.dunning``,
    ``app.billing``, ``app.payments``, ...).
    """

    name = "Saldo"
    # A number range gets one event per draw: thousands a year. Without snapshots every draw would replay
    # them all (a 10k billing run spent 21 of 48 s there).
    # A contract account lives for decades: replayed whole, a payment after 10,000 commands cost 86x one on
    # a new account on PostgreSQL, 177x on SQLite (bench/growth.py, issue 12). Snapshotted, a command reads
    # the latest snapshot and fewer than ACCOUNT_SNAPSHOT_INTERVAL events.
    # A billing run gets one event per transaction of documents: thousands for a large portfolio, and it
    # is loaded for each of them (its record is saved with the documents: ledger.billing.issuing).
    # The list of readings held for review gets two events per held reading, for ever: snapshotted too, as
    # is a channel's outbox (two events per delivery).
    snapshotting_intervals = {NumberRange: 200, BillingRun: 100, Outbox: 200,  # noqa: RUF012 - class attr.
                              ReadingReviewList: 100, ContractAccount: ACCOUNT_SNAPSHOT_INTERVAL}

    def __init__(self, env: dict[str, str] | None = None, *, config: CompanyConfig | None = None,
                 clock: Callable[[], date] = date.today, backoff_seed: int | None = None) -> None:
        register_old_topics()  # before the first event is read: old stores name moved classes by old topics
        super().__init__(env)
        self.config = config or CompanyConfig()
        self._other_companies: tuple[CompanyConfig, ...] = ()  # besides ``config``, the default one
        self.clock = clock  # injected, so that tests and replays decide what "today" is
        # The jitter of the retry backoff (seeded in tests); the deadline's clock (a monotonic one).
        self._backoff = random.Random(backoff_seed)  # noqa: S311 - spreads retries, guards nothing
        self.monotonic: Callable[[], float] = time.monotonic
        self.bulk_loader: AggregateLoader | None = None
        self._local = threading.local()  # the unit of work of a batch, per thread
        self.parties = PartyHandlers(self)
        self.accounts = AccountHandlers(self)
        self.payments = PaymentHandlers(self)
        self.billing = BillingHandlers(self)
        self.collections = DirectDebitHandlers(self)
        self.dunning = DunningHandlers(self)
        self.access = AccessHandlers(self)
        self.life = LifeHandlers(self)
        self.write_offs = WriteOffHandlers(self)
        self.write_off_runs = WriteOffRunHandlers(self)
        self.credit_refunds = CreditRefundHandlers(self)
        self.answers = AnswerHandlers(self)
        self.contract_changes = ContractChangeHandlers(self)
        self._handlers: dict[type, Handler] = dispatch_table(
            (self.parties, self.accounts, self.payments, self.billing, self.collections, self.dunning,
             self.access, self.life, self.write_offs, self.write_off_runs, self.credit_refunds,
             self.answers, self.contract_changes, DocumentHandlers(self), DeliveryHandlers(self)))

    def construct_transcoder(self) -> Transcoder:
        return SaldoTranscoder()

    # -- running commands ------------------------------------------------------------------------------

    def execute(self, command: object, idempotency_key: str, actor: Actor | None = None) -> Result:
        """Run ``command`` exactly once for ``idempotency_key`` on behalf of ``actor``; return its (original)
        result. The actor is recorded with the command (:class:`IdempotencyRecord`); without one, the
        actor of the enclosing :meth:`acting_as` block, else :data:`~ledger.core.actor.SYSTEM`."""
        (item,) = self.execute_many([(command, idempotency_key)], actor=actor)
        if item.error is not None:
            raise item.error
        if item.result is None:  # pragma: no cover - an item has a result or an error
            raise RuntimeError("command produced neither result nor error")
        return item.result

    def _handle(self, command: object, rid: UUID) -> tuple[list[Aggregate], Result]:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise InvalidInput(f"Saldo has no handler for {type(command).__name__}")
        try:
            return handler(command, rid)
        except MoneyError as e:
            raise InvalidInput(str(e), e.field) from e
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), getattr(e, "field", None)) from e

    # -- the workspace every capability is given (ledger.core.handling.Workspace) ---------------------

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        unit: dict[UUID, Aggregate | None] | None = getattr(self._local, "unit", None)
        if unit is not None and aggregate_id in unit:
            aggregate: Any = unit[aggregate_id]
        else:
            try:
                aggregate = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                aggregate = None
            if unit is not None:
                unit[aggregate_id] = aggregate
        if aggregate is None:
            return None
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def get(self, cls: type[A], aggregate_id: UUID, what: str, field: str) -> A:
        found = self.find(cls, aggregate_id)
        if found is None:
            raise NotFound(f"{what} {aggregate_id} does not exist", field)
        return found

    @property
    def companies(self) -> Companies:
        """Every company of the installation (api/bootstrap sets them from SALDO_CONFIG): ``config``, the
        default one, first, so that replacing ``config`` replaces the default company too."""
        return Companies((self.config, *self._other_companies))

    @companies.setter
    def companies(self, companies: Companies) -> None:
        self.config, *others = companies.companies
        self._other_companies = tuple(others)

    def company_of(self, account: BelongsToCompany) -> CompanyConfig:
        """The company an account belongs to (the default one if it names none: every older account)."""
        return company_of(self, account)

    def today(self) -> date:
        return self.clock()

    def actor(self) -> Actor:
        """Who asked for the command being run (:data:`~ledger.core.actor.SYSTEM` outside a unit of work)."""
        actor: Actor | None = getattr(self._local, "actor", None)
        return SYSTEM if actor is None else actor

    @contextmanager
    def acting_as(self, actor: Actor) -> Iterator[Actor]:
        """Run the commands this thread sends inside the block on behalf of ``actor`` where they name none.

        For entrypoints that hand the application to a service which runs many commands (a statement
        import, a collection run, the CLI): the actor is given once, not threaded through every call.
        """
        previous: Actor | None = getattr(self._local, "acting", None)
        self._local.acting = actor
        try:
            yield actor
        finally:
            self._local.acting = previous

    def _acting(self, actor: Actor | None) -> Actor:
        """``actor``; or, where it names no one but Saldo itself, the enclosing :meth:`acting_as` actor.

        Imports and runs name only their channel and a request id (``replace(SYSTEM, channel=IMPORT,
        request_id="sha256:…")``) and leave the person to whoever called them: the HTTP user who uploaded
        the file, the CLI's operating-system user. That person is recorded through the entrypoint's
        channel, with the caller's request id where it has one.
        """
        acting: Actor | None = getattr(self._local, "acting", None)
        if actor is None:
            return SYSTEM if acting is None else acting
        if acting is not None and actor.role is None and actor.subject == SYSTEM.subject:
            return dataclasses.replace(acting, channel=actor.channel,
                                       request_id=acting.request_id or actor.request_id)
        return actor

    def written_through(self) -> int | None:
        """The highest notification id this thread's last :meth:`execute_many` wrote; None if it wrote
        nothing (every command replayed or refused). What a request waits for to read its own writes."""
        written: int | None = getattr(self._local, "written_through", None)
        return written

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    def is_loaded(self, aggregate_id: UUID) -> bool:
        unit: dict[UUID, Aggregate | None] | None = getattr(self._local, "unit", None)
        return unit is not None and aggregate_id in unit

    def events_after(self, aggregate_id: UUID, version: int) -> list[DomainEventProtocol[UUID]]:
        return list(self.events.get(aggregate_id, gt=version))

    # -- batches: billing runs, statement imports, bulk loads ------------------------------------------

    def execute_many(self, batch: Sequence[tuple[object, str]],
                     then: FollowUp | None = None, actor: Actor | None = None) -> list[BatchItem]:
        """Run many commands and save everything they change in ONE transaction.

        A refused command is reported in its :class:`BatchItem` and leaves no trace; the others go ahead
        (one bad meter never aborts a billing run). Keys already used replay their original result. On a
        concurrency conflict the whole batch is re-run from fresh state, so the outcome is all-or-nothing.

        ``then``, once the batch's outcome is known, gives the commands that record it (a billing run's
        record of the documents it issued): they run in the same unit of work and are saved in the same
        transaction, so the record and what it records are never apart. If one of them is refused nothing
        is saved and its error is raised. The items returned are the batch's.
        """
        if len(batch) > MAX_BATCH_COMMANDS:
            raise InvalidInput(f"a batch may hold at most {MAX_BATCH_COMMANDS} commands")
        refused: dict[int, Exception] = {}
        self._local.written_through = None
        actor = self._acting(actor)
        deadline, races = self.monotonic() + MAX_CONTENTION_WAIT_S, 0
        while True:
            try:
                items, aggregates, newly_refused = self._run_batch(batch, refused, then, actor)
                if newly_refused:
                    # A refused command may have changed shared aggregates before it failed (a number
                    # drawn): discard the whole unit of work and run the batch again without it (at most
                    # once per command, so this ends).
                    refused.update(newly_refused)
                    continue
                if aggregates:  # (nothing saved: written_through stays None, as set above)
                    recordings = self.save(*aggregates)
                    self._local.written_through = max((r.notification.id for r in recordings), default=None)
            except (IntegrityError, ConnectionUnavailableError):
                # A lost race, or no connection within the pool's timeout (SQLite: eventsourcing's pool
                # has one writer and a bounded number of readers), reading or saving: nothing was written,
                # so the batch is run again from fresh state until the contention limit, then 503.
                races += 1
                self._wait_after_race(races, deadline)
                continue
            return items

    def _wait_after_race(self, races: int, deadline: float) -> None:
        """Sleep before the next attempt, or raise :class:`Contended` (:mod:`ledger.core.contention`)."""
        time.sleep(pause_after_race(self._backoff, races, self.monotonic(), deadline))

    def _run_batch(self, batch: Sequence[tuple[object, str]], refused: dict[int, Exception],
                   then: FollowUp | None, actor: Actor
                   ) -> tuple[list[BatchItem], list[Aggregate], dict[int, Exception]]:
        unit: dict[UUID, Aggregate | None] = {}
        self._local.unit = unit
        self._local.actor = actor
        self._local.claimed = {}  # aggregate id -> last version a command of this unit wrote
        try:
            rids = [record_id(type(cmd).__name__, key.strip()) for cmd, key in batch]
            self._preload(unit, [*rids, *self._referenced_ids(cmd for cmd, _ in batch)])
            items: list[BatchItem] = []
            new_refusals: dict[int, Exception] = {}
            touched: dict[UUID, Aggregate] = {}
            for i, ((cmd, key), rid) in enumerate(zip(batch, rids, strict=True)):
                if i in refused:
                    items.append(BatchItem(key, error=refused[i]))
                    continue
                try:
                    result, changed = self._execute_in_unit(cmd, key.strip(), rid)
                except (InvalidInput, NotFound, Conflict) as e:
                    new_refusals[i] = e
                    items.append(BatchItem(key, error=e))
                    continue
                items.append(BatchItem(key, result=result))
                for aggregate in changed:
                    unit[aggregate.id] = aggregate
                    touched[aggregate.id] = aggregate
            if then is not None and not new_refusals:
                self._follow_up(then(items), len(batch), unit, touched)
            return items, list(touched.values()), new_refusals
        finally:
            self._local.unit = None
            self._local.actor = None
            self._local.claimed = None

    def _follow_up(self, commands: Sequence[tuple[object, str]], size: int,
                   unit: dict[UUID, Aggregate | None], touched: dict[UUID, Aggregate]) -> None:
        """Run the commands that record a batch's outcome in its unit of work; any refusal is raised."""
        if size + len(commands) > MAX_BATCH_COMMANDS:
            raise InvalidInput(f"a batch may hold at most {MAX_BATCH_COMMANDS} commands")
        for cmd, key in commands:
            rid = record_id(type(cmd).__name__, key.strip())
            result, changed = self._execute_in_unit(cmd, key.strip(), rid)
            if result.get("replayed"):  # what it should record would go unrecorded: save nothing
                raise Conflict(f"{key!r} is already recorded: another process got there first; try again")
            for aggregate in changed:
                unit[aggregate.id] = aggregate
                touched[aggregate.id] = aggregate

    def _execute_in_unit(self, cmd: object, key: str, rid: UUID) -> tuple[Result, list[Aggregate]]:
        if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(f"idempotency key must be 1..{MAX_KEY_LENGTH} printable characters",
                               "Idempotency-Key")
        existing = self.find(IdempotencyRecord, rid)
        request = fingerprint(cmd)
        if existing is not None:
            if existing.request_fingerprint != request:
                raise Conflict(f"idempotency key {key!r} was already used for a different "
                               f"{type(cmd).__name__}", "Idempotency-Key")
            return dict(existing.result, replayed=True), []
        aggregates, result = self._handle(cmd, rid)
        written = written_by(aggregates, self._local.claimed)
        record = IdempotencyRecord(rid, type(cmd).__name__, key, request, result, self.actor().as_dict(),
                                   written.events, written.documents, written.allocated_items)
        return dict(result, replayed=False), [*aggregates, record]

    @staticmethod
    def _referenced_ids(commands: Iterable[object]) -> list[UUID]:
        ids = []
        for cmd in commands:
            for name in ("account_id", "partner_id", "contract_id", "suspense_id"):
                value = getattr(cmd, name, None)
                if isinstance(value, UUID):
                    ids.append(value)
            decision = getattr(cmd, "decision", None)
            if decision is not None and decision.account_id is not None:
                ids.append(decision.account_id)
            preload = getattr(cmd, "preload_ids", None)
            if preload is not None:
                ids.extend(preload())
        return ids

    def prefetch(self, ids: Iterable[UUID]) -> None:
        """Inside a handler: load these aggregates into the current unit of work in one round trip."""
        unit = getattr(self._local, "unit", None)
        if unit is not None:
            self._preload(unit, list(ids))

    def _preload(self, unit: dict[UUID, Aggregate | None], ids: list[UUID]) -> None:
        """Fill the unit of work in one round trip where the store adapter allows it."""
        if self.bulk_loader is None:
            return
        wanted = list(dict.fromkeys(i for i in ids if i not in unit))
        if not wanted:
            return
        loaded = self.bulk_loader(wanted)
        for aggregate_id in wanted:
            unit[aggregate_id] = loaded.get(aggregate_id)
