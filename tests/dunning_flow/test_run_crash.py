"""A dunning run killed between its parts and resumed with its run key reports every step the ledger holds
for it, once: a real ``saldo dunning run --execute`` in a child process (:mod:`tests.crash_driver`), on
SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk
from tests.dunning_flow.helpers import do

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-03-28"
ACCOUNTS = 12
REPORT = re.compile(r"dunning run \S+: (?P<accounts>\d+) accounts reviewed, (?P<steps>\d+) steps \(.*\), "
                    r"fees (?P<fees>\S+), interest (?P<interest>\S+),")


def _saldo(store_url: str, *driver: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.crash_driver", *driver, "--", "--database-url", store_url,
               "dunning", "run", "--today", DAY, "--batch", "3", "--execute", "--run-key", "daily"]
    return subprocess.run(command, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          text=True, timeout=300, check=False)


def _steps_in_the_ledger(clerk: Clerk) -> tuple[int, Decimal, set[UUID]]:
    """Dunning steps sent on DAY, from the store's events: how many, their fees, and on which accounts."""
    app = clerk.services.app
    count, fees, accounts = 0, Decimal(0), set()
    position = 0
    while page := app.recorder.select_notifications(position + 1, 1000):
        for notification in page:
            if notification.topic.endswith(".DunningStepRecorded"):
                step = app.mapper.to_domain_event(notification)
                if step.posted_on == date.fromisoformat(DAY):  # type: ignore[attr-defined]
                    count += 1
                    fees += step.fee  # type: ignore[attr-defined]
                    accounts.add(step.originator_id)
        position = page[-1].id
    return count, fees, accounts


def test_a_dunning_run_killed_between_parts_and_resumed_reports_every_step_once(
        clerk: Clerk, store_url: str) -> None:
    for i in range(ACCOUNTS):
        partner = do(clerk, pc.RegisterPartner(f"Cliente {i}", PartnerKind.PERSON))
        account = do(clerk, ac.OpenContractAccount(UUID(partner["partner_id"]), f"Casa {i}"))
        clerk.bill(UUID(account["account_id"]), f"{30 + i}.00", vat="0")  # due 21 March
    for commits in (2, 1):  # two parts, then one more: each part is one transaction
        killed = _saldo(store_url, "--kill-after-commits", str(commits))
        assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _steps_in_the_ledger(clerk)[0] == 9
    done = _saldo(store_url)
    assert done.returncode == 0, done.stderr
    report = REPORT.search(done.stdout)
    assert report is not None, done.stdout
    steps, fees, accounts = _steps_in_the_ledger(clerk)
    assert (int(report["accounts"]), int(report["steps"]), Decimal(report["fees"])) == (ACCOUNTS, steps, fees)
    assert steps == len(accounts) == ACCOUNTS  # every account once, however often the run died
