"""The bulk loader: N customers with 24 months of history, written straight into the store as the events the
application writes for them (see :mod:`bench.portfolio_template` for how one customer is copied to another).

What is written, through the application's own recorder (notification ids, the hash chain) and snapshot
store, in transactions of ``ACCOUNTS_PER_TXN`` customers:

* the shared events of the template (the tariff and its versions, with their idempotency records), as the
  template wrote them;
* the invoice number ranges: ``Opened`` and one ``Drawn`` per invoice, as the billing run draws them (a month
  at a time, the month's accounts in id order), and a snapshot of each at its last version;
* every customer's events, in the template's order, and a snapshot at its last version of each of its
  aggregates of a kind the application snapshots (its contract account, ...), taken by the application's
  own :meth:`StampedSnapshot.take_pruned` from the customer's events replayed in memory (no read back),
  so that a command on it does not replay 24 months.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import StoredEvent

from api.bootstrap import Services
from bench.portfolio_history import VARIANTS, account_id, token
from bench.portfolio_template import (
    NUMBER_RANGE,
    TEMPLATE,
    Segment,
    Template,
    capture,
    compile_text,
    sha256_hex,
)
from ledger.accounts.payment_references import ReferenceScheme, payment_reference
from ledger.core.snapshots import StampedSnapshot

#: Customers per transaction (about 250 events, 0.3 MB each).
ACCOUNTS_PER_TXN = 100
_NUMBER = re.compile(r"INV-?(\d{4})-?(\d{6,})")
_FIRST = re.compile(rb'"first":\d+')


@dataclass
class Compiled:
    """A variant's events as slots, and the names its ids are derived from, compiled once."""

    events: list[tuple[str, int, str, list[Segment]]]  #: (originator id, version, topic, state)
    names: dict[UUID, tuple[UUID, list[Segment]]]
    payments: dict[str, UUID]  #: the first 12 hex digits of an id (a payment's document) -> the id
    commands: dict[str, list[Segment]]  #: a fingerprint -> the command text it hashes


class Portfolio:
    """Writes ``contracts`` customers (0 .. contracts-1) into ``svc``'s store; see the module docstring."""

    def __init__(self, contracts: int, template: Template | None = None) -> None:
        self.contracts = contracts
        self.t = template or capture()
        self.per_year = self._years()
        order = sorted(range(contracts), key=lambda i: account_id(i))  # type: ignore[arg-type, return-value]
        self.rank = {i: r for r, i in enumerate(order)}
        self.variants = [self._compile(v) for v in range(VARIANTS)]

    def _years(self) -> dict[str, int]:
        """Template invoices per year (10 per month) -> the year's months of history."""
        years: dict[str, int] = {}
        for number in self.t.numbers:
            year = number.split("-")[1]
            years[year] = years.get(year, 0) + 1
        return {y: n // VARIANTS for y, n in years.items()}

    def _compile(self, variant: int) -> Compiled:
        nr = self.t.nr_ids
        events = [(str(o), v, topic, compile_text(state.decode(), nr)) for o, v, topic, state in self.t.events
                  if self.t.owner.get(o) == variant]
        names = {made: (ns, compile_text(name, nr)) for made, (ns, name) in self.t.derivations.items()
                 if self.t.owner.get(made) == variant}
        commands = {digest: compile_text(source, nr) for digest, source in self.t.fingerprints.items()
                    if self.t.variant_of_text(source) == variant}
        return Compiled(events, names, {u.hex[:12]: u for u in names}, commands)

    # -- one customer ------------------------------------------------------------------------------------

    def customer(self, i: int) -> list[StoredEvent]:
        """Customer ``i``'s events: its variant's, every slot resolved for ``i``."""
        compiled = self.variants[i % VARIANTS]
        ids: dict[UUID, UUID] = {}
        rank = self.rank[i]

        def mapped(u: UUID) -> UUID:
            found = ids.get(u)
            if found is None:
                namespace, name = compiled.names[u]
                found = ids[u] = uuid5(mapped(namespace) if namespace in compiled.names else namespace,
                                       text(name))
            return found

        def drawn(template_n: int) -> int:
            """The number customer ``i`` draws where its template drew ``template_n``."""
            return (template_n - 1) // VARIANTS * self.contracts + rank + 1

        def number(template_number: str) -> str:
            m = _NUMBER.fullmatch(template_number)
            if m is None:
                raise ValueError(f"not a template invoice number: {template_number}")
            return f"INV-{m[1]}-{drawn(int(m[2])):06d}"

        resolved: dict[tuple[str, str], str] = {}

        def slot(kind: str, value: str) -> str:
            found = resolved.get((kind, value))
            if found is None:
                found = resolved[kind, value] = resolve(kind, value)
            return found

        def resolve(kind: str, value: str) -> str:
            if kind == "tok":
                return token(i)
            if kind == "u36" or kind == "u32":
                u = UUID(value)
                if u not in compiled.names:
                    return value
                return str(mapped(u)) if kind == "u36" else mapped(u).hex
            if kind == "pay":
                u = compiled.payments.get(value[4:])
                return value if u is None else f"PAY-{mapped(u).hex[:12]}"
            if kind == "num":
                return number(value)
            if kind == "rf":
                return payment_reference(ReferenceScheme.RF, number(value))
            if kind == "nrv":  # the number range's version after this invoice's draw (opened by the first)
                nr, version = value.split("|")
                n = drawn(int(version) - 1)
                opened = f'["{nr}",1,"{NUMBER_RANGE}.Opened"],' if n == 1 else ""
                return f'{opened}["{nr}",{n + 1},"{NUMBER_RANGE}.Drawn"]'
            if kind == "fp":
                source = compiled.commands.get(value)
                return value if source is None else sha256_hex(text(source))
            raise AssertionError(kind)

        def text(segments: list[Segment]) -> str:
            return "".join([s if isinstance(s, str) else slot(*s) for s in segments])

        return [StoredEvent(mapped(UUID(o)), v, topic, text(state).encode())
                for o, v, topic, state in compiled.events]

    # -- the shared part ---------------------------------------------------------------------------------

    def shared(self) -> list[StoredEvent]:
        """The template's events that no customer owns, except the number ranges."""
        return [StoredEvent(o, v, topic, state) for o, v, topic, state in self.t.events
                if o not in self.t.owner and not topic.startswith(NUMBER_RANGE + ".")]

    def number_ranges(self) -> Iterator[StoredEvent]:
        """Each year's range: opened, then one draw per invoice of the portfolio."""
        by_range: dict[UUID, list[tuple[int, str, bytes]]] = {}
        for o, v, topic, state in self.t.events:
            if topic.startswith(NUMBER_RANGE + "."):
                by_range.setdefault(o, []).append((v, topic, state))
        for o, events in by_range.items():
            opened, drawn = events[0], events[1]
            yield StoredEvent(o, 1, opened[1], opened[2])
            year = re.search(rb'"year":(\d+)', opened[2])
            months = self.per_year[year[1].decode()] if year else 0
            for n in range(1, months * self.contracts + 1):
                yield StoredEvent(o, n + 1, drawn[1], _FIRST.sub(b'"first":%d' % n, drawn[2]))


def load(svc: Services, contracts: int, template: Template | None = None,
         progress: Callable[[int], None] | None = None) -> Portfolio:
    """Write the portfolio of ``contracts`` customers into ``svc``'s (empty) store."""
    portfolio = Portfolio(contracts, template)
    app: Any = svc.app
    app.recorder.insert_events(portfolio.shared())
    ranges = list(portfolio.number_ranges())
    for start in range(0, len(ranges), 20_000):
        app.recorder.insert_events(ranges[start:start + 20_000])
    _snapshot(app, ranges, {o.originator_id for o in ranges})
    for start in range(0, contracts, ACCOUNTS_PER_TXN):
        customers = range(start, min(start + ACCOUNTS_PER_TXN, contracts))
        batch = [e for i in customers for e in portfolio.customer(i)]
        app.recorder.insert_events(batch)
        _snapshot(app, batch, {e.originator_id for e in batch})
        if progress is not None:
            progress(min(start + ACCOUNTS_PER_TXN, contracts))
    _analyze(app)
    return portfolio


def _analyze(app: Any) -> None:
    """Statistics for the planner, as after any bulk load: without them PostgreSQL took a freshly loaded
    10k portfolio's 2.5M events for 7M and answered the bulk loader's id list with a parallel sequential
    scan of the whole table, 10 s a query, instead of index probes (the run's cost then grows with N)."""
    for recorder in (app.recorder, app.snapshots.recorder if app.snapshots is not None else None):
        datastore = getattr(recorder, "datastore", None)
        if recorder is None or not hasattr(datastore, "schema"):
            continue
        with datastore.get_connection() as conn:  # type: ignore[union-attr]
            conn.execute(f'ANALYZE "{datastore.schema}".{recorder.events_table_name}')  # type: ignore[union-attr]


def _snapshot(app: Any, events: list[StoredEvent], ids: set[UUID]) -> None:
    """Snapshot each of ``ids`` at its last version, replayed in memory from ``events`` (in version order)."""
    # Of the kinds the application snapshots (a contract account, its billing history, a meter's readings
    # and the number ranges): the others are read whole, as the application reads them.
    kinds = tuple(f"{c.__module__}:{c.__qualname__}." for c in app.snapshotting_intervals)
    aggregates: dict[UUID, Any] = {}
    for stored in events:  # an aggregate is of its first event's class (its later ones may be its parts')
        if stored.originator_version == 1 and stored.topic.startswith(kinds):
            aggregates[stored.originator_id] = None
        if stored.originator_id in ids and stored.originator_id in aggregates:
            event = app.mapper.to_domain_event(stored)
            aggregates[stored.originator_id] = event.mutate(aggregates.get(stored.originator_id))
    snapshots = [StampedSnapshot.take_pruned(a) for a in aggregates.values()]
    if snapshots:
        app.snapshots.put(snapshots)


__all__ = ["TEMPLATE", "Portfolio", "load"]
