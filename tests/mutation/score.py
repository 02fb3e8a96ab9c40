"""The mutation score of the money-critical modules, from the results ``mutmut run`` left in ``mutants/``.

``python -m tests.mutation.score`` prints one row per module group (the groups of issue 9, finding 9), the
surviving mutants by name, and writes the same table as the ``## Mutation testing`` section of
BENCHMARKS.md (only that section: ``make bench`` keeps it as it is). A mutant counts as killed when a test
failed or it ran past its timeout (an endless loop is caught too); a mutant with no test is a survivor.
Survivors listed in EQUIVALENT.md beside this file (they cannot change behaviour) are shown apart, and
the score without them is given next to the plain one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from importers.files import write_atomically

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SECTION = "## Mutation testing"

#: Module groups as issue 9 names them, each with the files mutmut mutates (pyproject [tool.mutmut]).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("money and postings", ("ledger/core/money.py",)),
    ("clearing", ("ledger/accounts/clearing.py", "ledger/accounts/payments_received.py")),
    ("matching", ("ledger/payments/matching.py",)),
    ("references", ("ledger/accounts/references/*.py",)),
    ("dunning proposal and interest", ("ledger/dunning/proposal.py", "ledger/dunning/interest.py")),
    ("rating lines", ("ledger/billing/rating/lines.py",)),
    ("return policy", ("ledger/collections/returns.py",)),
)
KILLED = {1, 3}  # a test failed; pytest's internal error
TIMEOUT = {36, -24, 24, 152, 255}
_EQUIVALENT_NAME = re.compile(r"`(ledger\.[^`]+__mutmut_\d+)`")


@dataclass
class Tally:
    total: int = 0
    killed: int = 0
    timeouts: int = 0
    survivors: list[str] = field(default_factory=list)

    def add(self, name: str, exit_code: int | None) -> None:
        self.total += 1
        if exit_code in KILLED:
            self.killed += 1
        elif exit_code in TIMEOUT:
            self.timeouts += 1
        else:
            self.survivors.append(name)

    @property
    def caught(self) -> int:
        return self.killed + self.timeouts


def equivalent_mutants(path: Path = HERE / "EQUIVALENT.md") -> set[str]:
    """Mutant names (in backticks) that EQUIVALENT.md argues cannot change behaviour."""
    return set(_EQUIVALENT_NAME.findall(path.read_text(encoding="utf-8"))) if path.exists() else set()


def tally(mutants: Path) -> dict[str, Tally]:
    by_group = {name: Tally() for name, _ in GROUPS}
    for meta in sorted(mutants.rglob("*.py.meta")):
        source = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        group = next((name for name, patterns in GROUPS if any(fnmatch.fnmatch(source, p) for p in patterns)),
                     None)
        if group is None:
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in sorted(codes.items()):
            by_group[group].add(name, code)
    return by_group


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def section(by_group: dict[str, Tally], equivalent: set[str], seconds: int | None) -> str:
    version = metadata.version("mutmut")
    ran = f", `make mutate` took {seconds / 60:.1f} min on 2 cores" if seconds is not None else ""
    lines = [
        SECTION, "",
        f"Latest run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, mutmut {version}{ran}. "
        "Each mutant runs only the doctests, unit and SQLite tests that call the function it changes "
        "(tests/mutation/README.md). Killed = a test failed or the mutant timed out; equivalent = a "
        "survivor that cannot change behaviour, each argued in tests/mutation/EQUIVALENT.md.", "",
        "| modules | mutants | killed | timeouts | survived | of them equivalent | score "
        "| without equivalents |",
        "|---|---|---|---|---|---|---|---|",
    ]
    grand = Tally()
    grand_equivalent = 0
    for name, patterns in GROUPS:
        t = by_group[name]
        eq = sum(1 for s in t.survivors if s in equivalent)
        grand.total += t.total
        grand.killed += t.killed
        grand.timeouts += t.timeouts
        grand.survivors += t.survivors
        grand_equivalent += eq
        files = ", ".join(p.removeprefix("ledger/") for p in patterns)
        lines.append(f"| {name} ({files}) | {t.total} | {t.killed} | {t.timeouts} | {len(t.survivors)} "
                     f"| {eq} | {_pct(t.caught, t.total)} | {_pct(t.caught, t.total - eq)} |")
    lines.append(f"| **all** | {grand.total} | {grand.killed} | {grand.timeouts} | {len(grand.survivors)} "
                 f"| {grand_equivalent} | **{_pct(grand.caught, grand.total)}** "
                 f"| {_pct(grand.caught, grand.total - grand_equivalent)} |")
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Replace (or append) the mutation section of BENCHMARKS.md, leaving every other line as it is."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + 1)
        new = old[:start] + text + (old[end:] if end >= 0 else "")
    write_atomically(path, new.encode("utf-8"))  # whole or not at all, like every file Saldo writes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants")
    parser.add_argument("--seconds", type=int, help="wall time of the run, for the record")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--fail-under", type=float,
                        help="exit 1 if the score of all modules is below this %%")
    args = parser.parse_args(argv)
    by_group = tally(args.mutants)
    if not any(t.total for t in by_group.values()):
        parser.error(f"no mutmut results under {args.mutants}: run `make mutate` first")
    equivalent = equivalent_mutants()
    text = section(by_group, equivalent, args.seconds)
    for name, t in by_group.items():
        for survivor in t.survivors:
            print(f"{'equivalent' if survivor in equivalent else 'SURVIVED  '} {name}: {survivor}")
    print()
    print(text)
    if not args.no_write:
        write_section(text)
    total = sum(t.total for t in by_group.values())
    score = 100 * sum(t.caught for t in by_group.values()) / total
    if args.fail_under is not None and score < args.fail_under:
        print(f"mutation score {score:.1f} % is below {args.fail_under} %")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
