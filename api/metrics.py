"""``GET /metrics``: what Prometheus scrapes, in its text format (prometheus-client).

- ``saldo_http_request_duration_seconds``: request latency by route template, method and status class
  (``2xx``…), observed by :mod:`api.request_log`;
- ``saldo_projection_lag_events`` and ``saldo_projection_lag_seconds``, per read model and store: how far
  its tracking position is behind the event store's newest notification, and how old the oldest event it
  has not applied is (0 when it has applied all of its topics);
- ``saldo_runs_in_progress``, ``saldo_run_items_done`` and ``saldo_run_items_total``: the billing,
  collection and dunning runs this process is running (:mod:`api.operations`);
- ``saldo_statements_imported_total``, ``saldo_statement_entries_total`` (booked, to the worklist,
  refused) and ``saldo_readings_imported_total``.

Each application has a registry of its own (not prometheus-client's global one), so many apps in one
process (the tests') do not collide; what is read from the store is read at each scrape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.bootstrap import Services
from api.operations import RUN_KINDS, STATEMENT_OUTCOMES, tally_of

#: Seconds: a portal read takes milliseconds, an upload or a run's proposal seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def read_models(svc: Services) -> dict[str, Any]:
    """The read models that follow the log, by the names ``saldo projections run --only`` takes."""
    return {"ledger-view": svc.projections, "audit-trail": svc.trail, "catalog": svc.catalog,
            "dunning-history": svc.dunning_history}


def projection_lag(svc: Services, model: Any, head: int | None) -> tuple[int, float]:
    """How many notifications ``model`` is behind the log's ``head``, and how old (seconds) the oldest event
    of its topics it has not applied is; (0, 0.0) when it has applied every one of them."""
    position = model.position() or 0
    waiting = svc.app.recorder.select_notifications(start=position + 1, limit=1, topics=model.topics)
    if not waiting:
        return 0, 0.0
    recorded = getattr(svc.app.mapper.to_domain_event(waiting[0]), "timestamp", None)
    age = (datetime.now(UTC) - recorded).total_seconds() if isinstance(recorded, datetime) else 0.0
    return max((head or 0) - position, 1), max(age, 0.0)


class StoreCollector(Collector):
    """The numbers read at each scrape: projection lag, runs in progress, import counts."""

    def __init__(self, stores: Callable[[], Sequence[Services]]) -> None:
        self.stores = stores

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily("saldo_projection_lag_events", "notifications the read model has not applied",
                                labels=["projection", "store"])
        age = GaugeMetricFamily("saldo_projection_lag_seconds", "age of the oldest event not applied",
                                labels=["projection", "store"])
        for i, svc in enumerate(self.stores()):
            head = svc.app.recorder.max_notification_id()
            for name, model in read_models(svc).items():
                events, seconds = projection_lag(svc, model, head)
                lag.add_metric([name, str(i)], events)
                age.add_metric([name, str(i)], seconds)
        yield lag
        yield age
        yield from self._tallies(self.stores())

    def _tallies(self, stores: Iterable[Services]) -> Iterator[Metric]:
        running = GaugeMetricFamily("saldo_runs_in_progress", "runs in progress", labels=["kind"])
        done = GaugeMetricFamily("saldo_run_items_done", "items a run in progress has done",
                                 labels=["kind", "run_id"])
        total = GaugeMetricFamily("saldo_run_items_total", "items of a run in progress",
                                  labels=["kind", "run_id"])
        statements = CounterMetricFamily("saldo_statements_imported", "bank statements imported")
        entries = CounterMetricFamily("saldo_statement_entries", "statement entries by outcome",
                                      labels=["outcome"])
        readings = CounterMetricFamily("saldo_readings_imported", "meter readings recorded from files")
        per_kind = dict.fromkeys(RUN_KINDS, 0)
        imports: dict[str, int] = {}
        for svc in stores:
            runs, counts = tally_of(svc.app).snapshot()
            for (kind, run_id), (count, of) in sorted(runs.items()):
                per_kind[kind] = per_kind.get(kind, 0) + 1
                done.add_metric([kind, run_id], count)
                total.add_metric([kind, run_id], of)
            for key, value in counts.items():
                imports[key] = imports.get(key, 0) + value
        for kind, count in per_kind.items():
            running.add_metric([kind], count)
        statements.add_metric([], imports.get("statements", 0))
        for label in STATEMENT_OUTCOMES.values():
            entries.add_metric([label], imports.get(f"entries:{label}", 0))
        readings.add_metric([], imports.get("readings", 0))
        yield from (running, done, total, statements, entries, readings)


class Metrics:
    """One application's registry: the latency histogram it observes and the store's numbers."""

    def __init__(self, stores: Callable[[], Sequence[Services]]) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("saldo_http_request_duration_seconds", "HTTP request latency",
                                 ["route", "method", "status_class"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.registry.register(StoreCollector(stores))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.latency.labels(route, method, f"{status // 100}xx").observe(seconds)

    def exposition(self) -> bytes:
        """Everything, in Prometheus' text format."""
        return generate_latest(self.registry)
