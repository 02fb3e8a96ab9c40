"""Run ``saldo projections rebuild`` in this process, pausing it half-way until told to go on (tests).

``python -m tests.rebuild_driver --batch N -- <saldo arguments>``: the ledger view is replayed ``N``
notifications per transaction; after the first batch the driver prints ``paused`` on standard output and
waits for a line on standard input, so a test reads the API while the rebuild is certainly under way (no
timing). No hook lives in the code under test: the point is reached by wrapping the per-batch callback the
command passes to the rebuild (``_by_position``), from outside, like :mod:`tests.crash_driver` does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def _pausing(real: Callable[[Any], Callable[[int, int | None], None]]
             ) -> Callable[[Any], Callable[[int, int | None], None]]:
    """The command's per-batch callback (``_by_position(bar)``), pausing once after its first batch."""
    def by_position(bar: Any) -> Callable[[int, int | None], None]:
        report = real(bar)
        paused = False

        def each(done: int, position: int | None = None) -> None:
            nonlocal paused
            report(done, position)
            if not paused:
                paused = True
                print("paused", flush=True)
                sys.stdin.readline()

        return each

    return by_position


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="rebuild_driver")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("saldo", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    from api.cli import projections as cli
    from projections import runner

    runner.BATCH_SIZE = args.batch  # read when the services build their catch-up
    cli._by_position = _pausing(cli._by_position)  # type: ignore[assignment]
    from api.cli import main as saldo

    rest = args.saldo[1:] if args.saldo[:1] == ["--"] else args.saldo
    return saldo(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
