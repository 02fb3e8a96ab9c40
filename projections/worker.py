"""A projection worker: every read model kept current by polling the notification log (``saldo projections
run``, :mod:`api.cli.projections`).

Each pass catches every model up in turn (the ledger view, the audit trail, the catalog, the dunning
history), then the worker waits ``poll_seconds`` and starts again. A model whose batch fails is logged and
tried again on the next pass, and the other models go on (a worker must not die of one bad batch, like
:meth:`projections.runner.CatchUp.run_forever`). Told to stop, it ends after the batch it is applying: a
batch is one transaction with its tracking record, so nothing is left half-applied either way.

Several workers, and the API processes catching the ledger view up after every command, may run at once:
each model's tracking record is compare-and-set (:class:`projections.following.Follower`), so exactly one
of them applies each batch and the others read again from where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from projections.following import Follower

log = logging.getLogger(__name__)

#: The shortest wait between two passes: a smaller ``--poll-seconds`` would only spin on an idle store.
MIN_POLL_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class ModelPass:
    """What one pass did to one read model."""

    model: str
    applied: int  #: notifications read and applied by this worker
    position: int | None  #: the model's position after the pass (None: never caught up)
    seconds: float
    error: str | None = None  #: why the pass failed (it is tried again on the next pass)


class ProjectionWorker:
    """Keeps named read models current: one pass at a time, or polling until told to stop."""

    def __init__(self, models: Sequence[tuple[str, Follower]]) -> None:
        if not models:
            raise ValueError("a projection worker needs at least one read model")
        self.models = tuple(models)

    def catch_up(self, stop: threading.Event | None = None) -> list[ModelPass]:
        """One pass: each model caught up with the log (or up to the batch during which ``stop`` is set)."""
        passes: list[ModelPass] = []
        for name, model in self.models:
            if stop is not None and stop.is_set():
                break
            started = time.perf_counter()
            try:
                applied, position = model.follow(stop=stop)
            except Exception as error:  # this model waits for the next pass; the others go on
                log.exception("projection worker: catching up the %s failed", name)
                passes.append(ModelPass(name, 0, None, time.perf_counter() - started,
                                        f"{type(error).__name__}: {error}"))
                continue
            passes.append(ModelPass(name, applied, position, time.perf_counter() - started))
        return passes

    def run(self, stop: threading.Event, poll_seconds: float = 0.5,
            on_pass: Callable[[list[ModelPass]], None] | None = None) -> dict[str, int]:
        """Pass after pass until ``stop`` is set; return how many notifications each model applied."""
        applied = {name: 0 for name, _ in self.models}
        while not stop.is_set():
            passes = self.catch_up(stop)
            for p in passes:
                applied[p.model] += p.applied
            if on_pass is not None:
                on_pass(passes)
            stop.wait(max(poll_seconds, MIN_POLL_SECONDS))
        return applied
