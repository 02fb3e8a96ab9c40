"""What several commands print: progress on standard error, a statement import's report on standard output.

:func:`progress` is the one way a command reports how far it is. On a terminal it is a Rich bar with the
count, the rate and the time left (when the total is known: rows of a file, contracts of a run, events to
replay). Anywhere else (a log, a pipe, a test) it is plain whole lines, each ending in a newline and never
rewritten with ``\\r``, so logs never glue two reports together::

    billing 2026-01-01..2026-02-28: 1,000/5,000 contracts, 998 invoices, 2 errors (250/s, 16 s left)

A plain line is written at most every :data:`PLAIN_EVERY_SECONDS` or every tenth of the total, each with a
count larger than the one before, and a last line with the final count when the work is done.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

#: Longest time between two plain progress lines (a log stays quiet, yet shows the work goes on).
PLAIN_EVERY_SECONDS = 5.0
#: Plain lines per run at most, besides the time-driven ones: one every tenth of a known total.
PLAIN_STEPS = 10
#: With no total known, a plain line at least every this many items (and every few seconds).
PLAIN_EVERY_ITEMS = 1000


def _rate(per_second: float) -> str:
    return f"{per_second:,.0f}/s" if per_second >= 10 else f"{per_second:.1f}/s"


def _left(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s left"
    minutes, s = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s left"
    return f"{minutes // 60} h {minutes % 60:02d} min left"


class _RateColumn(ProgressColumn):
    """Items a second (Rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else _rate(speed), style="progress.data.speed")


class Progress:
    """How far one piece of work is: ``update(done, total, detail)`` as it goes, ``close()`` at its end.

    Use it as a context manager; the stream is standard error unless told (results go to standard output).
    """

    def __init__(self, label: str, unit: str = "", total: int | None = None, *, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.unit, self.total = label, unit, total
        self.stream = sys.stderr if stream is None else stream
        self.clock = clock
        self.started = clock()
        self.done, self.detail = 0, ""
        self._printed: int | None = None  # the count of the last plain line
        self._printed_at = self.started
        self._bar: RichProgress | None = None
        self._task = None
        if _is_terminal(self.stream):
            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn(unit), _RateColumn(), TimeRemainingColumn(), TimeElapsedColumn(),
                TextColumn("{task.fields[detail]}"),
                console=Console(file=self.stream), transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, detail="")

    def update(self, done: int, total: int | None = None, detail: str = "") -> None:
        """``done`` items of ``total`` (if known; the one given before otherwise), with what else to say."""
        self.done, self.detail = done, detail
        if total is not None:
            self.total = total
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=self.total, detail=detail)
            return
        now = self.clock()
        if self._printed is not None and done <= self._printed:
            return
        step = (max(1, math.ceil(self.total / PLAIN_STEPS)) if self.total else PLAIN_EVERY_ITEMS)
        if (self._printed is None or done - self._printed >= step
                or now - self._printed_at >= PLAIN_EVERY_SECONDS):
            self._print(now)

    def close(self) -> None:
        """The final count: the bar completed, or a last plain line (unless the last one said it)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            return
        if self._printed != self.done or self._printed is None:
            self._print(self.clock())

    def line(self, now: float) -> str:
        """The plain line for the count so far: ``label: done/total unit, detail (rate, time left)``."""
        count = f"{self.done:,}" if self.total is None else f"{self.done:,}/{self.total:,}"
        elapsed = now - self.started
        pace = []
        if elapsed > 0 and self.done:
            per_second = self.done / elapsed
            pace.append(_rate(per_second))
            if self.total is not None and self.done < self.total:
                pace.append(_left((self.total - self.done) / per_second))
        return (f"{self.label}: {count}" + (f" {self.unit}" if self.unit else "")
                + (f", {self.detail}" if self.detail else "") + (f" ({', '.join(pace)})" if pace else ""))

    def _print(self, now: float) -> None:
        print(self.line(now), file=self.stream, flush=True)
        self._printed, self._printed_at = self.done, now

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is None:
            self.close()
        elif self._bar is not None:  # the work failed: the bar stops where it was; its error says the rest
            self._bar.stop()
            self._bar = None


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def progress(label: str, unit: str = "", total: int | None = None, *,
             stream: TextIO | None = None) -> Progress:
    """A :class:`Progress` for ``label`` on standard error: a bar on a terminal, whole lines elsewhere."""
    return Progress(label, unit, total, stream=stream)


def print_import(report: dict[str, object]) -> None:
    print(f"{report['file_name']}: {report['entries']} entries, {report['booked']} booked "
          f"{report['matched_by_rule']}, {report['to_suspense']} to the worklist, "
          f"{report['duplicates']} duplicates"
          + (" (file already imported)" if report["file_already_imported"] else ""))
    for line in report["not_allocated"]:  # type: ignore[attr-defined]
        print(f"  not allocated: {line['where']}: {line['amount']} — {line['reason']}")
    for line in report["refused"]:  # type: ignore[attr-defined]
        print(f"  refused: {line['where']}: {line.get('amount', '')} — {line['reason']}")
    for line in report.get("possible_duplicates", []):  # type: ignore[attr-defined]
        print(f"  possible duplicate, in the worklist: {line['where']}: {line['amount']} — {line['reason']}")
    returns = report.get("direct_debit_returns")
    if isinstance(returns, dict):
        print(f"  direct-debit returns: {returns['returned']} applied {returns['by_action']}, "
              f"{returns['duplicates']} duplicates, {len(returns['reviews'])} held for a person")
        for line in returns["reviews"] + returns["refused"]:
            why = line.get("detail", line["reason"])
            print(f"  return {line.get('problem', 'refused')}: {line['where']} — {why}")
    for line in report.get("not_reconcilable", []):  # type: ignore[attr-defined]
        print(f"  {line['where']} ({line['statement']}): {line['reason']}")
    for line in report.get("skipped", []):  # type: ignore[attr-defined]
        print(f"  not read: {line['file']}: {line['reason']}")
    if not report.get("imported_in_full", True):
        print("  not imported in full: fix or book the refused entries; importing the file again is safe")
