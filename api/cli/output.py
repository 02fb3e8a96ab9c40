"""What several commands print: a progress line on standard error, and a statement import's report."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress(label: str) -> Callable[[int, int | None], None]:
    """Every hundredth count (or each store position) as ``label: done``, rewritten on one line."""
    def report(done: int, position: int | None = None) -> None:
        if done % 100 and position is None:
            return
        at = f" (store position {position})" if position is not None else ""
        print(f"\r{label}: {done}{at}", end="", file=sys.stderr, flush=True)
    return report


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
