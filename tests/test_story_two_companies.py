"""Issue 11 story: a Finnish customer billed by the network company and by the heat company pays each by a
statement on that company's IBAN; each payment lands on its own company's invoice.

Both Finnish companies draw serial 1 of 2026 and derive their viitenumero from the number's digits; each
puts its own reference prefix in front (config/companies.demo.toml), so the two invoices carry different
references, and the company of the statement's IBAN still keeps each company's matching to its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import build
from importers.bank.service import import_file
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk, Clock, energy_line

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
NETWORK_IBAN = "FI2112345600000785"
HEAT_IBAN = "FI7815723500012349"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def test_two_statements_on_two_ibans_pay_each_company_its_own_invoice(demo_clerk: Clerk,
                                                                       tmp_path: Path) -> None:
    clerk = demo_clerk
    partner = UUID(clerk.run(pc.RegisterPartner("Maija Meikäläinen", PartnerKind.PERSON), "p")["partner_id"])
    network = UUID(clerk.run(ac.OpenContractAccount(partner, "Sähkönsiirto", company="fi-network"),
                             "a:n")["account_id"])
    heat = UUID(clerk.run(ac.OpenContractAccount(partner, "Kaukolämpö", company="fi-heat"),
                          "a:h")["account_id"])
    network_bill = clerk.run(ac.IssueInvoice(network, (energy_line("80.65", "24"),)), "i:n")
    heat_bill = clerk.run(ac.IssueInvoice(heat, (energy_line("40.32", "24"),)), "i:h")
    assert network_bill["payment_reference"] != heat_bill["payment_reference"]  # as the docstring says
    for iban, bill, name in ((HEAT_IBAN, heat_bill, "heat.xml"), (NETWORK_IBAN, network_bill, "network.xml")):
        entry = SynthEntry(Decimal(bill["gross"]), reference=bill["payment_reference"],
                           debtor_name="Maija Meikäläinen")
        write_camt053(tmp_path / name, [entry],
                      account_iban=iban, statement_id=f"ST-{name}", booking_date=date(2026, 3, 1))
        report = import_file(clerk.services, tmp_path / name)
        assert (report.booked, report.to_suspense) == (1, 0), report.as_dict()
    clerk.services.projections.catch_up()
    app = clerk.services.app
    assert app.repository.get(network).balance == Decimal("0.00")
    assert app.repository.get(heat).balance == Decimal("0.00")
    bank_lines = {(r[8], r[9]) for r in clerk.services.view.journal(0, 100_000) if r[8].startswith("bank:")}
    assert bank_lines == {(f"bank:{NETWORK_IBAN}", int(Decimal(network_bill["gross"]) * 100)),
                          (f"bank:{HEAT_IBAN}", int(Decimal(heat_bill["gross"]) * 100))}
