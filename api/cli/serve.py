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
from typing import Any

from api.asgi import PROJECTIONS_MODES
from api.bootstrap import Services
from api.logs import log_config

#: Most worker processes ``--workers`` starts (each holds a connection pool of the store).
MAX_WORKERS = 32


def cmd_serve(svc: Services, args: argparse.Namespace) -> int:
    import uvicorn

    from api.asgi import start_projection_worker
    from api.http import create_app

    if not 1 <= args.workers <= MAX_WORKERS:
        print(f"saldo serve: --workers must be 1..{MAX_WORKERS}, got {args.workers}")
        return 2
    print(f"Saldo is serving on {svc.database_url} with {args.workers} worker process(es)")
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


def add_commands(sub: Any) -> None:
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL)")
    serve.add_argument("--projections", choices=PROJECTIONS_MODES, default="in-process",
                       help="who polls for writes made by other processes: a thread in each worker, or a"
                            " separate `saldo projections run`")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info"])
    serve.set_defaults(func=cmd_serve)
