"""``saldo serve``: the HTTP API, with the projection catching up in a background thread.

``--workers N`` serves from N processes (uvicorn's workers, each its own connections and projection
worker: :mod:`api.asgi`), for a PostgreSQL store; one process is the default and what SQLite wants.
``--projections separate`` starts no projection thread in any of them: the installation runs ``saldo
projections run`` as its own process for writes made elsewhere (each request still catches the view up
after its own command, so the portal reads its writes either way).
"""

from __future__ import annotations

import argparse
import os
from typing import Annotated, Any

import typer

from api.asgi import PROJECTIONS_MODES
from api.bootstrap import Services
from api.cli.errors import say
from api.cli.running import choice, metavar, run
from api.logs import log_config

#: Most worker processes ``--workers`` starts (each holds a connection pool of the store).
MAX_WORKERS = 32


def cmd_serve(svc: Services, args: argparse.Namespace) -> int:
    import uvicorn

    from api.asgi import start_projection_worker
    from api.http import create_app

    if not 1 <= args.workers <= MAX_WORKERS:
        say(f"saldo serve: --workers must be 1..{MAX_WORKERS}, got {args.workers}")
        return 2
    print(f"Saldo is serving on {svc.database_url} with {args.workers} worker process(es)")
    print(f"Workplace: http://{args.host}:{args.port}/ (log in with a token: `saldo tokens issue`, or after "
          "`saldo demo` one of the SALDO_*_TOKEN in var/demo-tokens.env)")
    print(f"API docs: http://{args.host}:{args.port}/docs (Authorize with a token: `saldo tokens issue`, "
          "or after `saldo demo` the ones in var/demo-tokens.env)", flush=True)
    who = ("this server polls for them" if args.projections == "in-process"
           else "a separate `saldo projections run` catches them up")
    print(f"Writes made by other processes: {who}")
    stores = getattr(args, "stores", None)  # a store per company group (api.stores), svc the main one
    if args.workers > 1:
        os.environ["SALDO_DATABASE_URL"] = svc.database_url  # what each worker's api.asgi.create builds
        os.environ["SALDO_PROJECTIONS"] = args.projections
        (stores or svc).close()
        uvicorn.run("api.asgi:create", factory=True, workers=args.workers, host=args.host, port=args.port,
                    log_level=args.log_level, **json_logs(args.log_level))
        return 0
    each = (svc,) if stores is None else stores.all
    polling = [start_projection_worker(s) for s in each] if args.projections == "in-process" else []
    try:
        uvicorn.run(create_app(svc, stores=stores), host=args.host, port=args.port, log_level=args.log_level,
                    **json_logs(args.log_level))
    finally:
        for thread in polling:
            thread.stop()  # before main() closes the store
    return 0


def json_logs(level: str) -> dict[str, Any]:
    """What uvicorn is given so every line is one JSON object (:mod:`api.logs`): our request log replaces
    its access log, which would say each request a second time, without request id or actor."""
    return {"log_config": log_config(level), "access_log": False}


LOG_LEVELS = ("critical", "error", "warning", "info")


def register(root: typer.Typer) -> None:
    @root.command("serve", help="serve the HTTP API")
    def _serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="the port to listen on")] = 8000,
        workers: Annotated[int, typer.Option(help="worker processes (PostgreSQL)")] = 1,
        projections: Annotated[str, typer.Option(
            parser=choice(*PROJECTIONS_MODES), metavar=metavar(PROJECTIONS_MODES),
            help="who polls for writes made by other processes: a thread in each worker, or a separate "
                 "`saldo projections run`")] = "in-process",
        log_level: Annotated[str, typer.Option(parser=choice(*LOG_LEVELS), metavar=metavar(LOG_LEVELS))
                             ] = "info",
    ) -> int:
        return run(ctx, cmd_serve, host=host, port=port, workers=workers, projections=projections,
                   log_level=log_level)
