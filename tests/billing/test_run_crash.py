"""A billing run killed with SIGKILL again and again, then resumed with its run key, reports what the ledger
holds: as many invoices, credit notes and euros as the store's events, on SQLite and on PostgreSQL.

The run is a real ``saldo billing run`` in a child process (:mod:`tests.crash_driver`), killed right after
chosen commits (deterministic) and once at a random moment from outside (``kill -9``, the seed is in the
failure message). Small chunks and transactions make a small portfolio cross many commit points.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from api.bootstrap import Services
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.invoice import DocumentKind, Invoice
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy, StandingCharge, TariffVersion
from ledger.billing.records import BillingRun
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind

ROOT = Path(__file__).resolve().parents[2]
START, END = date(2026, 1, 1), date(2026, 2, 28)
PERIOD = f"{START}:{END}"
ISSUE = "2026-03-02"
ACCOUNTS = 200
COLLECTIVE_EVERY = 10  # every tenth account has a second site: one collective invoice for both
UNBILLABLE = 3  # accounts whose contracts are on a tariff nobody defined: errors as data, on every attempt
TARIFF = TariffVersion(
    "CRASH", "v1", date(2025, 1, 1), None, "EUR", Decimal("22"),
    (StandingCharge(Decimal("0.1780")), FlatEnergy(Decimal("0.2113"))),
)
DRIVER = ["--chunk-contracts", "40", "--max-batch-bytes", "30000"]
REPORT = re.compile(
    r"billing \S+: (?P<due>\d+) contracts due, (?P<invoices>\d+) invoices, (?P<credit_notes>\d+) credit "
    r"notes, (?P<already>\d+) already billed, (?P<nothing>\d+) with nothing to bill, (?P<errors>\d+) "
    r"errors; net (?P<net>\S+), VAT (?P<vat>\S+), gross (?P<gross>\S+) \(run (?P<run>[0-9a-f-]+)\)"
)


def _portfolio(svc: Services) -> int:
    """The accounts and contracts the run bills, with two readings each; returns the contracts due."""
    svc.app.execute(b.DefineTariffVersion(TARIFF), "crash:tariff")
    commands: list[tuple[object, str]] = []
    contracts = 0
    for i in range(ACCOUNTS):
        partner, account = f"crash:{i}:partner", f"crash:{i}:account"
        account_id = child_id(record_id("OpenContractAccount", account), "account")
        commands += [
            (pc.RegisterPartner(f"Cliente {i}", PartnerKind.PERSON), partner),
            (ac.OpenContractAccount(child_id(record_id("RegisterPartner", partner), "partner"), f"Casa {i}"),
             account),
        ]
        for site in range(2 if i % COLLECTIVE_EVERY == 0 else 1):
            pod = f"IT001E{i * 10 + site:08d}"
            tariff = "NO-SUCH-TARIFF" if i < UNBILLABLE else TARIFF.code
            commands += [
                (ac.SignContract(account_id, "pod", pod, Commodity.ELECTRICITY, tariff,
                                 BillingFrequency.BIMONTHLY, date(2025, 6, 1)), f"crash:{pod}:contract"),
                (b.RecordReading(pod, date(2025, 12, 31), Decimal(1000 + i)), f"crash:{pod}:r1"),
                (b.RecordReading(pod, END, Decimal(1250 + i + 7 * site + i % 37)), f"crash:{pod}:r2"),
            ]
            contracts += 1
    refused = [item.error for item in svc.app.execute_many(commands) if item.error is not None]
    assert not refused, refused[:3]
    return contracts


@dataclass(frozen=True)
class Ledger:
    invoices: int
    credit_notes: int
    net: Decimal
    vat: Decimal
    gross: Decimal


def _ledger(svc: Services) -> Ledger:
    """What the store holds: every invoice and credit note of the run's issue date, from the events."""
    topic = f"{Invoice.__module__}:{Invoice.__qualname__}.Issued"
    counts = {DocumentKind.INVOICE: 0, DocumentKind.CREDIT_NOTE: 0}
    money = [Decimal(0)] * 3
    position = 0
    while page := svc.app.recorder.select_notifications(position + 1, 1000, topics=[topic]):
        for notification in page:
            invoice = svc.app.mapper.to_domain_event(notification).mutate(None)
            assert isinstance(invoice, Invoice)
            if invoice.issue_date != date.fromisoformat(ISSUE):
                continue
            sign = 1 if invoice.kind is DocumentKind.INVOICE else -1
            counts[invoice.kind] += 1
            for i, part in enumerate((invoice.totals.net, invoice.totals.vat, invoice.totals.gross)):
                money[i] += sign * part
        position = page[-1].id
    return Ledger(counts[DocumentKind.INVOICE], counts[DocumentKind.CREDIT_NOTE], *money)


def _receivables(svc: Services) -> Decimal:
    """What the journal (the projection) says the run's documents put on receivables."""
    svc.projections.catch_up()
    cents, since = 0, 0
    while rows := svc.view.journal(since, 5000):
        for r in rows:
            if r[5] in ("InvoicePosted", "CreditNotePosted") and r[8] == "receivables":
                cents += r[9] - r[10]
        since = rows[-1][0]
    return Decimal(cents) / 100


def _saldo(store_url: str, *driver: str, timeout_s: float = 240) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.crash_driver", *DRIVER, *driver, "--",
               "--database-url", store_url, "billing", "run", "--period", PERIOD, "--issue-date", ISSUE,
               "--run-key", "crash-run"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _killed(proc: subprocess.Popen[str], why: str) -> None:
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == -signal.SIGKILL, f"{why}: exited {proc.returncode}\n{out}\n{err}"


def _finished(proc: subprocess.Popen[str]) -> dict[str, str]:
    """The finished run's report; its exit code says whether it had errors (1, issue 14) or not (0)."""
    out, err = proc.communicate(timeout=240)
    found = REPORT.search(out)
    assert found is not None, f"exited {proc.returncode}\n{out}\n{err}"
    assert proc.returncode == (1 if int(found["errors"]) else 0), f"exited {proc.returncode}\n{out}\n{err}"
    return found.groupdict()


def _as_ledger(report: dict[str, str]) -> Ledger:
    return Ledger(int(report["invoices"]), int(report["credit_notes"]),
                  *(Decimal(report[k]) for k in ("net", "vat", "gross")))


def test_a_run_killed_six_times_and_resumed_reports_what_the_ledger_holds(
    services: Services, store_url: str
) -> None:
    contracts = _portfolio(services)
    seed = random.randrange(1 << 30)
    chance = random.Random(seed)
    # At a random moment from outside (mid-transaction, between chunks, while starting up); the run
    # dies after its 15th commit at the latest, so that the kills below still find work to interrupt.
    proc = _saldo(store_url, "--kill-after-commits", "15")
    time.sleep(chance.uniform(0.5, 3.0))
    proc.send_signal(signal.SIGKILL)
    _killed(proc, f"seed {seed}: killed from outside")
    for commits in (2, 1, 4, 3):  # right after a commit: its documents in, the next transaction not begun
        _killed(_saldo(store_url, "--kill-after-commits", str(commits)), f"kill after {commits} commits")
    # Every document issued, the run not marked finished.
    _killed(_saldo(store_url, "--kill-before", "FinishBillingRun"), "kill before finishing")
    report = _finished(_saldo(store_url))
    held = _ledger(services)
    assert _as_ledger(report) == held, f"seed {seed}: the report {report} is not the ledger {held}"
    # Everything billable was billed exactly once, however often the run died.
    assert held.invoices == ACCOUNTS - UNBILLABLE, f"seed {seed}"  # one document per account
    unbillable = sum(2 if i % COLLECTIVE_EVERY == 0 else 1 for i in range(UNBILLABLE))
    assert (int(report["due"]), int(report["errors"])) == (contracts, unbillable), f"seed {seed}: {report}"
    assert int(report["already"]) == 0, f"seed {seed}: this run billed them all: {report}"
    assert _receivables(services) == held.gross
    run = services.app.get(BillingRun, UUID(report["run"]), "billing run", "run_id")
    stored = run.totals()
    assert (stored["invoices"], stored["gross"]) == (held.invoices, str(held.gross)), f"seed {seed}"
    # Each kill after a deterministic point came after a batch of a new attempt, and so did the resume.
    assert run.status == "finished" and stored["attempts"] >= 6, stored
    *_, last = services.app.events.get(run.id)
    assert isinstance(last, BillingRun.Finished)  # nothing recorded on it after it finished
    # A finished run resumed again writes nothing and reports the same.
    events = services.app.recorder.max_notification_id()
    again = _finished(_saldo(store_url))
    assert again == report
    assert services.app.recorder.max_notification_id() == events
