"""``saldo readings import`` and ``saldo billing run|simulate`` on both stores, and the billing demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from api import billing_demo
from api.bootstrap import Services
from api.cli import main
from api.demo import load_demo, portfolio
from ledger.accounts import commands as ac
from ledger.accounts.invoice import Invoice, document_id
from ledger.billing.rating import FlatEnergy
from ledger.billing.records import ContractBilling
from ledger.billing.run import run_billing
from tests.billing.helpers import BillingClerk, D, pod


def test_cli_imports_readings_then_simulates_and_runs(
    biller: BillingClerk, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    biller.tariff("CLI", FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    biller.contract(biller.customer(), sp, "CLI")
    good = tmp_path / "letture.csv"
    good.write_text(f"supply_point,read_on,index\n{sp},2025-12-31,100\n{sp},2026-02-28,600\n")
    bad = tmp_path / "rotte.csv"
    bad.write_text(f"supply_point,read_on,index\n{sp},2026-03-31,abc\n")
    assert main(["--database-url", store_url, "readings", "import", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "letture.csv (readings): 2 rows, 1 supply points, 2 recorded" in out
    assert "rejected, nothing recorded: rotte.csv: line 2, column index: 'abc' is not a decimal number" in err
    assert (
        main(["--database-url", store_url, "billing", "simulate", "--period", "2026-01-01:2026-02-28"]) == 0
    )
    out, err = capsys.readouterr()
    assert (
        "simulated billing 2026-01-01..2026-02-28: 1 contracts due, 1 invoices" in out
        and "gross 110.00" in out
    )
    assert "1/1 contracts" in err  # the progress line
    assert (
        main(
            [
                "--database-url",
                store_url,
                "billing",
                "run",
                "--period",
                "2026-01-01:2026-02-28",
                "--issue-date",
                "2026-03-02",
            ]
        )
        == 0
    )
    out, _ = capsys.readouterr()
    assert "1 invoices" in out and "gross 110.00" in out and "(run " in out
    assert main(["--database-url", store_url, "billing", "run", "--period", "2026-01-01:2026-02-28"]) == 0
    assert "0 invoices, 0 credit notes, 1 already billed" in capsys.readouterr().out


def test_the_billing_demo_is_billed_by_a_run_and_loads_idempotently(services: Services) -> None:
    load_demo(services.app)
    services.projections.catch_up()
    accounts = len(services.view.account_ids(1000))
    first = billing_demo.load_billing_demo(services)
    assert (first["status"], first["invoices"], first["errors"]) == ("finished", 5, 0)
    assert len(services.view.account_ids(1000)) == accounts  # new supplies of the demo's own customers
    events = services.app.recorder.max_notification_id()
    again = billing_demo.load_billing_demo(services)
    assert again["new_commands"] == 0 and services.app.recorder.max_notification_id() == events
    documents: dict[str, Invoice] = {}
    for customer in billing_demo.CUSTOMERS:
        contract = billing_demo.contract_id(customer, customer.sites[0])
        history = services.app.get(ContractBilling, ContractBilling.id_for(contract), "history", "id")
        (number,) = history.documents()
        documents[customer.key] = services.app.get(Invoice, document_id(number), "invoice", "number")
    trattoria = [li.period for li in documents["trattoria"].lines]
    assert (date(2026, 1, 1), date(2026, 2, 14)) in trattoria
    assert (date(2026, 2, 15), date(2026, 2, 28)) in trattoria
    workshop = {li.description for li in documents["workshop"].lines}
    assert {"energy: spot-indexed", "demand: maximum demand"} <= workshop
    flats = [li.description for li in documents["flats"].lines]
    assert flats[1:4] == ["energy: block 1", "energy: block 2", "energy: block 3"]
    assert documents["hotels"].contract_id is None and len({li.site for li in documents["hotels"].lines}) == 2
    assert all(li.note.startswith("estimated") for li in documents["newhome"].lines)


def test_a_billing_run_with_errors_exits_non_zero(
    biller: BillingClerk, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14: a run that could not bill a contract ends with exit code 1, so a scheduler notices; the
    contracts it did bill stay billed (errors are data, the run goes on)."""
    biller.tariff("CLI", FlatEnergy(D("0.20")), vat="10")
    account = biller.customer()
    biller.contract(account, pod(), "CLI")
    biller.contract(account, pod(), "NO-SUCH-TARIFF")
    period = ["--period", "2026-01-01:2026-02-28"]
    assert main(["--database-url", store_url, "billing", "simulate", *period]) == 1
    assert main(["--database-url", store_url, "billing", "run", *period]) == 1
    out, _ = capsys.readouterr()
    assert "1 invoices" in out and "1 errors" in out and "NO-SUCH-TARIFF" in out


def test_the_demo_portfolio_is_billable(services: Services) -> None:
    """Issue 14: the demo's 50 original contracts name standard tariffs that the billing demo defines, so
    the next bimonthly run bills them all (none reports a tariff without versions). (The billing demo's
    spot-indexed workshop has hourly prices for January and February only, so it may report those.)"""
    load_demo(services.app)
    billing_demo.load_billing_demo(services)
    services.projections.catch_up()
    originals = {c.supply_point_id for _, c in portfolio() if isinstance(c, ac.SignContract)}
    assert len(originals) == 50
    report = run_billing(services.app, date(2026, 11, 1), date(2026, 12, 31), simulate=True)
    issues = report.as_dict(0)["issues"]
    assert [i for i in issues if i["supply_point"] in originals] == []
    billed = {site for d in report.as_dict(len(originals) + 20)["drafts"] for site in d["sites"]}
    assert originals <= billed
