"""The workplace served for a browser: uvicorn in a thread on a free port of 127.0.0.1 (the browser tests'
fixture and the README's screenshots)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.bootstrap import Services
from tests.auth import app

#: Longest wait for the server to start listening (a guard against a hang, not a measurement).
SERVER_START_LIMIT_S = 60.0


@contextmanager
def serve(services: Services) -> Iterator[str]:
    """The application over ``services`` served on a free port of 127.0.0.1; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app(services), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_LIMIT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the workplace's server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
