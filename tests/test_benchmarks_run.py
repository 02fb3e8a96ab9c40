"""Every benchmark still runs, at a tiny size (no timing is asserted: machines are shared and noisy).

``make bench`` is run by hand, so a change of an interface the benchmarks use (the actor argument of
``Saldo.execute_many`` broke ``bench/billing.py`` in issue 10) went unseen until the next benchmark run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Each script with arguments that make it small; what it prints is not checked, only that it finishes.
TINY = {
    "ledger.py": ["--accounts", "40", "--batch", "20"],
    "chain.py": ["--accounts", "40", "--batch", "20", "--small", "3"],
    "rating.py": ["--meters", "4", "--peer-meters", "1", "--repeat", "1"],
    "payments.py": ["--entries", "30"],
    "billing.py": ["--contracts", "12", "--dask", "local:1"],  # the local run, then one on a cluster
    "collections.py": ["--accounts", "30"],
    "dunning.py": ["--accounts", "30", "--batch", "10"],
    "as_of.py": ["--sizes", "20", "--repeat", "2"],
    "search.py": ["--sizes", "200", "--repeat", "2"],
    "growth.py": ["--sizes", "4,60", "--repeat", "2"],
    "store_size.py": ["--contracts", "5", "--cycles", "1"],
    "http_load.py": ["--workers", "2", "--pay-clients", "2", "--read-clients", "2", "--seconds", "0.5"],
    "documents.py": ["--invoices", "3", "--renders", "2", "--rounds", "1"],
    "portfolio.py": ["--contracts", "12", "--kill-test"],
    "exports.py": ["--rows", "20,200"],
}
#: Modules of a benchmark, not benchmarks (bench/portfolio.py's loader).
HELPERS = {"__init__.py", "common.py", "http_client.py", "run_all.py", "portfolio_history.py",
           "portfolio_loader.py", "portfolio_template.py", "journal_rows.py"}


def test_every_benchmark_script_is_listed_here() -> None:
    scripts = {p.name for p in (ROOT / "bench").glob("*.py")} - HELPERS
    assert scripts == set(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
def test_a_benchmark_runs_at_a_tiny_size(script: str, pg_url: str) -> None:
    env = dict(os.environ, SALDO_BENCH_DATABASE_URL=pg_url, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, str(ROOT / "bench" / script), *TINY[script]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
