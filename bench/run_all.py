"""Run every benchmark and record the table in BENCHMARKS.md, with the date and the machine.

Each benchmark prints its figures as ratios to a limit measured in the same run; this script only runs
them one after the other (never in parallel: they would measure each other) and writes what they print.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from importers.files import write_atomically  # noqa: E402 - a report too is written whole or not at all

#: Sizes chosen so that the whole run stays under 20 minutes on the 2-core machine (issue 12); each script's
#: defaults are the larger sizes its docstring describes, and the million-contract month is behind
#: ``bench/portfolio.py --million``.
BENCHES = [
    ("Ledger append and projection catch-up (PostgreSQL)", ["bench/ledger.py", "--accounts", "10000"]),
    ("Hash chain on the ledger append, and verification (PostgreSQL)", ["bench/chain.py"]),
    ("Rating core (numpy, compiled scan)", ["bench/rating.py"]),
    ("Bank statement import and matching (PostgreSQL)", ["bench/payments.py", "--entries", "20000"]),
    ("Billing run, 10k contracts end to end (PostgreSQL)", ["bench/billing.py", "--contracts", "10000"]),
    ("Billing run rated on a Dask LocalCluster of 2 workers against the local run, 2k contracts (PostgreSQL)",
     ["bench/billing.py", "--contracts", "2000", "--dask", "local:2"]),
    ("Direct-debit collection run (PostgreSQL)", ["bench/collections.py", "--accounts", "20000"]),
    ("Dunning run (PostgreSQL)", ["bench/dunning.py", "--accounts", "20000"]),
    ("As-of reads of one account against the live reads (PostgreSQL, SQLite)", ["bench/as_of.py"]),
    ("Search box by each kind of key against a primary-key select (PostgreSQL)", ["bench/search.py"]),
    ("One payment after 10, 1,000, 10,000 commands on an account, adversarial history (PostgreSQL, SQLite)",
     ["bench/growth.py", "--histories", "adversarial"]),
    # The realistic customer's 10,000 commands (190 years of bills) are built one command at a time: run
    # `bench/growth.py --histories realistic` by hand for that column.
    ("One payment after 10 and 1,000 commands: a realistic customer (PostgreSQL, SQLite)",
     ["bench/growth.py", "--histories", "realistic", "--sizes", "10,1000"]),
    ("HTTP under load: payments, one contended account, balance reads (PostgreSQL)", ["bench/http_load.py"]),
    ("Disk per contract: events, snapshots and read models per billing cycle (PostgreSQL)",
     ["bench/store_size.py", "--contracts", "2000", "--cycles", "2"]),
    # 1,000 PDFs of each kind here; the 10k-invoice figure (`--renders 10000`, some 25 minutes on
    # the 2-core machine: more than this whole run's budget) is run by hand, as BENCHMARKS.md says.
    ("Invoice PDFs against a blank page of the same renderer (PostgreSQL)", ["bench/documents.py"]),
    # 200k lines of each format here; the 1M-line export (`--rows 100000,1000000`) is run by hand.
    ("Journal export as CSV and XLSX against the csv module writing the same lines (PostgreSQL)",
     ["bench/exports.py", "--rows", "20000,200000"]),
    # The million behind --million (hours here); 1k and 5k show whether the cost per invoice grows.
    ("The month of a loaded portfolio: billing, collection, dunning runs; kill -9 and resume (PostgreSQL)",
     ["bench/portfolio.py", "--contracts", "1000,5000", "--kill-test"]),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def _previous_sections() -> list[str]:
    """The ``## `` sections of the previous BENCHMARKS.md, each as it stands there (its newline included)."""
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        return []
    parts = path.read_text(encoding="utf-8").split("\n## ")[1:]
    return [f"## {part}\n" for part in parts[:-1]] + [f"## {part}" for part in parts[-1:]]


def _kept_summary(previous: list[str]) -> str:
    """The hand-written summary table of the previous file, kept (and marked) until someone updates it."""
    for block in previous:
        if block.startswith("## Summary"):
            if "(from an earlier run)" not in block:
                block = block.replace("## Summary of this run",
                                      "## Summary of this run (from an earlier run)", 1)
            return block + "\n"
    return ""


def _kept_mutation_section(previous: list[str]) -> str:
    """The mutation score ``make mutate`` wrote (tests/mutation/score.py), kept as it is: not a benchmark."""
    return next(("\n" + block for block in previous if block.startswith("## Mutation testing")), "")


def _kept_by_hand(previous: list[str], written: set[str]) -> str:
    """Sections of the previous file that no benchmark here writes (paired before/after runs, profiles),
    kept as they are: a benchmark run must not erase the evidence a change was measured with."""
    kept = [block.rstrip("\n") + "\n" for block in previous
            if block[3:].split("\n", 1)[0].strip() not in written
            and not block.startswith(("## Summary of this run", "## Mutation testing"))]
    return "\n".join(kept)


def main() -> int:
    sections = []
    failed = False
    for title, args in BENCHES:
        script = ROOT / args[0]
        if not script.exists():
            continue
        print(f"== {title}", flush=True)
        run = subprocess.run([sys.executable, *[str(ROOT / a) if a.endswith(".py") else a for a in args]],
                             cwd=ROOT, capture_output=True, text=True, check=False)
        output = (run.stdout + (run.stderr if run.returncode else "")).strip()
        print(output, flush=True)
        failed |= run.returncode != 0
        sections.append(f"## {title}\n\n`python {' '.join(args)}`\n\n```\n{output}\n```\n")
    header = (f"# Benchmarks\n\nLatest run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n"
              "Every figure is a ratio to a limit measured in the same run (see each script's docstring);"
              " the machine is shared, so absolute rates vary between runs.\n\n")
    previous = _previous_sections()
    kept = (_kept_summary(previous), _kept_by_hand(previous, {title for title, _ in BENCHES}),
            _kept_mutation_section(previous))
    report = header + kept[0] + "\n".join(sections) + ("\n" + kept[1] if kept[1] else "") + kept[2]
    write_atomically(ROOT / "BENCHMARKS.md", report.encode("utf-8"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
