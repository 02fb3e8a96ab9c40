"""Run a ``saldo`` command in this process and kill it with SIGKILL at a chosen point (crash tests).

``python -m tests.crash_driver [options] -- <saldo arguments>``

* ``--kill-after-commits N``: SIGKILL right after the N-th transaction this process commits to the store
  (``Saldo.save`` returned: the events are durable, nothing after them has happened);
* ``--kill-before NAME``: SIGKILL when a command of that class (e.g. ``FinishBillingRun``) is about to
  run: everything before it is stored, it is not;
* ``--kill-after-bytes N``: SIGKILL once N bytes have been written to files (``open``, ``Path.write_*``):
  a writer that dies half-way through a file, however it writes;
* ``--chunk-contracts`` and ``--max-batch-bytes``: smaller billing chunks and transactions than the
  production defaults, so that a small portfolio still crosses many commit points.

No hook lives in the code under test: the points are reached by wrapping it here, from outside.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
from typing import Any


def _kill() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_after_commits(count: int) -> None:
    from ledger.application import Saldo

    save = Saldo.save
    done = 0

    def counted(self: Saldo, *args: Any, **kwargs: Any) -> Any:
        nonlocal done
        recordings = save(self, *args, **kwargs)
        if recordings:
            done += 1
            if done >= count:
                _kill()
        return recordings

    Saldo.save = counted  # type: ignore[method-assign]


def _kill_before(command: str) -> None:
    from ledger.application import Saldo

    execute_many = Saldo.execute_many

    def watched(self: Saldo, batch: Any, *args: Any, **kwargs: Any) -> Any:
        if any(type(cmd).__name__ == command for cmd, _ in batch):
            _kill()
        return execute_many(self, batch, *args, **kwargs)

    Saldo.execute_many = watched  # type: ignore[method-assign]


class _Dying:
    """A file opened for writing that SIGKILLs the process once the bytes written reach the limit."""

    written = 0
    limit = 0

    def __init__(self, real: Any) -> None:
        self._real = real

    def write(self, data: Any) -> Any:
        size = len(data.encode("utf-8") if isinstance(data, str) else memoryview(data).cast("B"))
        if _Dying.written + size >= _Dying.limit:
            keep = _Dying.limit - _Dying.written  # what was written so far reaches the file, then death
            self._real.write(data[:keep] if isinstance(data, str) else memoryview(data).cast("B")[:keep])
            self._real.flush()
            _kill()
        _Dying.written += size
        return self._real.write(data)

    def __enter__(self) -> _Dying:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _named(file: Any) -> bool:
    """A file others can see: a path, or a descriptor of one (not an anonymous ``TemporaryFile``)."""
    if not isinstance(file, int):
        return not os.path.isdir(file)  # a folder: TemporaryFile opening an O_TMPFILE in it
    return os.path.exists(os.readlink(f"/proc/self/fd/{file}"))


def _kill_after_bytes(count: int) -> None:
    """Every file opened for writing through ``open`` (builtins, io, pathlib) counts; the store does not
    (SQLite writes from C, PostgreSQL over a socket)."""
    import builtins
    import io

    _Dying.limit = count
    real_open = builtins.open

    def dying_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        opened = real_open(file, mode, *args, **kwargs)
        return _Dying(opened) if any(c in mode for c in "wax+") and _named(file) else opened

    builtins.open = dying_open
    io.open = dying_open  # type: ignore[assignment]  # pathlib opens through io.open


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="crash_driver")
    p.add_argument("--kill-after-commits", type=int)
    p.add_argument("--kill-before")
    p.add_argument("--kill-after-bytes", type=int)
    p.add_argument("--chunk-contracts", type=int)
    p.add_argument("--max-batch-bytes", type=int)
    p.add_argument("saldo", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.kill_after_commits is not None:
        _kill_after_commits(args.kill_after_commits)
    if args.kill_before is not None:
        _kill_before(args.kill_before)
    if args.kill_after_bytes is not None:
        _kill_after_bytes(args.kill_after_bytes)
    if args.max_batch_bytes is not None:
        from ledger.billing import issuing

        issuing.MAX_BATCH_BYTES = args.max_batch_bytes
    if args.chunk_contracts is not None:
        from api.cli import billing

        billing.run_billing = functools.partial(  # type: ignore[assignment]
            billing.run_billing, chunk_contracts=args.chunk_contracts
        )
    from api.cli import main as saldo

    rest = args.saldo[1:] if args.saldo[:1] == ["--"] else args.saldo
    return saldo(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
