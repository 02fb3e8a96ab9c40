"""Runs and imports as operators follow them: a log line at each start and end, with counts, and the
numbers :mod:`api.metrics` publishes (runs in progress, items done of total; statements, entries and
readings imported).

What is in progress is this process's own: a run started through this API (a billing run goes on in the
background after its answer), an import uploaded to it. The tally belongs to one store's application (a
partitioned installation has one per store), kept as long as the application is.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from api.logs import fields

log = logging.getLogger("saldo.operations")

#: The runs followed, by the kind a metric's ``kind`` label names.
RUN_KINDS = ("billing", "collection", "dunning")
#: What a statement import counts, by its report's keys: the outcome label of each.
STATEMENT_OUTCOMES = {"booked": "booked", "to_suspense": "to_worklist", "refused": "refused"}


@dataclass
class Tally:
    """One store's runs in progress (kind, run id → [done, total]) and import counts."""

    runs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    imports: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> tuple[dict[tuple[str, str], tuple[int, int]], dict[str, int]]:
        with self.lock:
            return {k: (v[0], v[1]) for k, v in self.runs.items()}, dict(self.imports)


_TALLIES: weakref.WeakKeyDictionary[Any, Tally] = weakref.WeakKeyDictionary()
_TALLIES_LOCK = threading.Lock()


def tally_of(app: Any) -> Tally:
    """The tally of ``app`` (a store's application), made the first time it is asked for."""
    with _TALLIES_LOCK:
        found = _TALLIES.get(app)
        if found is None:
            found = _TALLIES[app] = Tally()
        return found


@contextmanager
def followed_run(app: Any, kind: str, run_id: str, total: int) -> Iterator[Callable[[int, int | None], None]]:
    """A run of ``total`` items in progress: logged when it starts and ends (with how many were done and
    how long it took), published meanwhile; the block is given ``done(count, total=None)`` to report
    progress (and the total, where the run learns it as it goes: a billing run selects its contracts)."""
    tally, key, started = tally_of(app), (kind, run_id), time.perf_counter()
    with tally.lock:
        tally.runs[key] = [0, total]
    log.info("%s run %s started: %s items", kind, run_id, total,
             **fields(event="run_started", run_kind=kind, run_id=run_id, total=total))

    def done(count: int, of: int | None = None) -> None:
        with tally.lock:
            tally.runs[key][0] = count
            if of is not None:
                tally.runs[key][1] = of

    outcome = "failed"
    try:
        yield done
        outcome = "finished"
    finally:
        with tally.lock:
            finished, total = tally.runs.pop(key, [0, total])
        seconds = round(time.perf_counter() - started, 3)
        log.log(logging.INFO if outcome == "finished" else logging.ERROR, "%s run %s %s: %s of %s items",
                kind, run_id, outcome, finished, total,
                **fields(event="run_ended", run_kind=kind, run_id=run_id, outcome=outcome, done=finished,
                         total=total, duration_s=seconds))


def counted_statement(app: Any, report: Mapping[str, Any]) -> None:
    """A statement import's report (``ImportReport.as_dict``): logged and counted."""
    counts = {label: _count(report.get(key)) for key, label in STATEMENT_OUTCOMES.items()}
    already = bool(report.get("file_already_imported"))
    tally = tally_of(app)
    with tally.lock:
        if not already:
            tally.imports["statements"] += 1
        for label, count in counts.items():
            tally.imports[f"entries:{label}"] += count
    log.info("statement %s imported: %s entries", report.get("file_name"), report.get("entries"),
             **fields(event="statement_imported", file_name=report.get("file_name"),
                      entries=report.get("entries"), already_imported=already, **counts))


def counted_readings(app: Any, report: Mapping[str, Any]) -> None:
    """A readings file's report (``ReadingsImportReport.as_dict``): logged and counted."""
    recorded = _count(report.get("recorded"))
    tally = tally_of(app)
    with tally.lock:
        tally.imports["readings"] += recorded
    log.info("readings file %s imported: %s recorded", report.get("file_name"), recorded,
             **fields(event="readings_imported", file_name=report.get("file_name"), recorded=recorded))


def _count(value: Any) -> int:
    """A report's count: a number, or a list of what it counts (the refused lines)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return len(value) if isinstance(value, (list, tuple)) else 0
