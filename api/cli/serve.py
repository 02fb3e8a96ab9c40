"""``saldo serve``: the HTTP API, with the projection catching up in a background thread."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from api.bootstrap import Services


def cmd_serve(svc: Services, args: argparse.Namespace) -> int:
    import uvicorn

    from api.http import create_app

    svc.projections.catch_up()
    stop = threading.Event()
    worker = threading.Thread(target=svc.projections.run_forever, args=(stop,), daemon=True,
                              name="projection-catch-up")
    worker.start()
    print(f"Saldo is serving on {svc.database_url}")
    print(f"API docs: http://{args.host}:{args.port}/docs (Authorize with a token: `saldo tokens issue`, "
          "or after `saldo demo` the ones in var/demo-tokens.env)", flush=True)
    try:
        uvicorn.run(create_app(svc), host=args.host, port=args.port, log_level="info")
    finally:
        stop.set()
    return 0


def add_commands(sub: Any) -> None:
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
