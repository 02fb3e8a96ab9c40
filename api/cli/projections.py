"""``saldo projections rebuild|run``: replay the read models from position 0, or keep them current.

``run`` is the projection worker (:mod:`projections.worker`) as its own process: it polls the notification
log and keeps every read model current (the ledger view, the audit trail, the catalog, the dunning
history) until it gets SIGTERM or SIGINT, then finishes the batch it is applying and exits 0. ``--once``
catches up once, prints what each model applied and exits (1 if a model failed). It is safe next to other
workers and to ``saldo serve`` processes: each tracking record is compare-and-set.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from typing import Annotated

import typer

from api.bootstrap import Services
from api.cli.errors import say
from api.cli.output import Progress, progress
from api.cli.running import choice, metavar, run
from projections.following import Follower
from projections.worker import ModelPass, ProjectionWorker

#: The read models a worker keeps, by the names ``--only`` takes.
MODELS = ("ledger-view", "audit-trail", "catalog", "dunning-history")
#: The signals that stop a worker; they are blocked in every thread and awaited by the main one, so the
#: worker thread is told through an event and never interrupted inside a transaction.
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
#: How often the main thread looks whether the worker thread is still running while it awaits a signal.
SIGNAL_WAIT_SECONDS = 0.2

log = logging.getLogger("saldo.projections")
#: Where companies have stores of their own (``store_url``, :mod:`api.stores`): one worker per store.
STORE_HELP = ("where companies have stores of their own (store_url): this company's store (default: the main "
              "one; rebuild: every store)")


def cmd_rebuild(svc: Services, args: argparse.Namespace) -> int:
    """Each read model replayed from position 0, its progress by store position out of the log's head."""
    head = svc.app.recorder.max_notification_id() or 0
    with progress("ledger view", "store positions", head) as bar:
        report = svc.projections.rebuild(_by_position(bar))
    print(f"rebuilt the ledger view from position 0: {report.events} events, now at {report.position}")
    for name, model, what in (("audit trail", svc.trail, "command records"),
                              ("catalog", svc.catalog, "events"),
                              ("dunning history", svc.dunning_history, "events")):
        with progress(name, "store positions", head) as bar:
            read, _ = model.drop_and_follow(_by_position(bar))
        print(f"rebuilt the {name}{' (lists and search)' if name == 'catalog' else ''} from position 0: "
              f"{read} {what}")
    return 0


def _by_position(bar: Progress) -> Callable[[int, int | None], None]:
    """A read model's ``progress(read, position)`` as how far through the store's positions it is."""
    return lambda read, position: bar.update(position or read)


def worker_for(svc: Services, only: list[str] | None = None) -> ProjectionWorker:
    models: dict[str, Follower] = {"ledger-view": svc.projections, "audit-trail": svc.trail,
                                   "catalog": svc.catalog, "dunning-history": svc.dunning_history}
    return ProjectionWorker([(name, models[name]) for name in MODELS if not only or name in only])


def _print_pass(passes: list[ModelPass]) -> None:
    for p in passes:
        if p.error is not None:
            print(f"{p.model}: failed, nothing applied ({p.error})", flush=True)
        else:
            print(f"{p.model}: applied {p.applied} events in {p.seconds:.3f} s, now at position {p.position}",
                  flush=True)


def cmd_run(svc: Services, args: argparse.Namespace) -> int:
    if args.poll_seconds <= 0:
        say(f"--poll-seconds: must be positive, got {args.poll_seconds}")
        return 2
    worker = worker_for(svc, args.only)
    if args.once:
        passes = worker.catch_up()
        _print_pass(passes)
        return 1 if any(p.error for p in passes) else 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    applied: dict[str, int] = {}
    # Block the stop signals before the worker thread starts (it inherits the mask), so only the main
    # thread's sigtimedwait receives them: no handler runs in the middle of a batch or of Event.set.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    thread = threading.Thread(target=lambda: applied.update(worker.run(stop, args.poll_seconds)),
                              name="projection-worker")
    thread.start()
    log.info("projection worker on %s: %s, polling every %s s", svc.database_url,
             ", ".join(name for name, _ in worker.models), args.poll_seconds)
    try:
        while thread.is_alive():
            received = signal.sigtimedwait(STOP_SIGNALS, SIGNAL_WAIT_SECONDS)
            if received is not None:
                log.info("%s: finishing the current batch", signal.Signals(received.si_signo).name)
                break
    finally:
        stop.set()
        thread.join()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    log.info("projection worker stopped; applied %s",
             ", ".join(f"{name} {count}" for name, count in applied.items()))
    return 0


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="manage read models", no_args_is_help=True)
    root.add_typer(group, name="projections", help="manage read models")

    @group.command("rebuild", help="drop and rebuild the views from position 0")
    def _rebuild(ctx: typer.Context,
                 company: Annotated[str | None, typer.Option(help=STORE_HELP)] = None) -> int:
        return run(ctx, cmd_rebuild, every_store=True, company=company)

    @group.command("run", help="keep every read model current (a worker process; SIGTERM stops it)")
    def _run(
        ctx: typer.Context,
        poll_seconds: Annotated[float, typer.Option(help="wait between two catch-ups")] = 0.5,
        once: Annotated[bool, typer.Option(
            "--once", help="catch up once, print what each model applied, exit")] = False,
        only: Annotated[list[str] | None, typer.Option(
            parser=choice(*MODELS), metavar=metavar(MODELS),
            help="keep only this read model (repeat for several; default every one)")] = None,
        company: Annotated[str | None, typer.Option(help=STORE_HELP)] = None,
    ) -> int:
        return run(ctx, cmd_run, poll_seconds=poll_seconds, once=once, only=only, company=company)
