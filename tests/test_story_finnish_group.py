"""Issue 11's story: a Finnish customer with electricity sales, network and district-heat invoices from the
three companies of one group, paid by three statements on the three companies' IBANs.

Each company (``tests/fixtures/companies.fi-group.toml``) has its own VAT id, collection IBAN, number series
and viitenumero references (each with its own reference prefix, so the three never coincide). A clerk
uploads the three banks' camt.053 files over HTTP; each payment must land on its own company's invoice and
book to its own company's bank account, and uploading a file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import build
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client, new_key
from tests.clerk import Clerk, Clock, energy_line

GROUP = Path(__file__).resolve().parent / "fixtures" / "companies.fi-group.toml"
#: The three companies and the IBAN their customers pay to.
IBANS = {"fi-sales": "FI2140500123456783", "fi-network": "FI2112345600000785",
         "fi-heat": "FI7815723500012349"}
#: What Maija owes each company (net; Finnish VAT 25.5 % since September 2024).
NET = {"fi-sales": "61.20", "fi-network": "38.44", "fi-heat": "112.90"}


def _viitenumero_ok(reference: str) -> bool:
    """The Finnish Bankers' Association's 7-3-1 check digit, written out here as an independent oracle."""
    digits = reference.replace(" ", "")
    if not (digits.isdigit() and 4 <= len(digits) <= 20):
        return False
    base, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (7, 3, 1)[i % 3] for i, d in enumerate(reversed(base)))
    return (10 - total % 10) % 10 == check


@pytest.fixture
def group_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(GROUP))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _maija(clerk: Clerk) -> dict[str, tuple[UUID, dict[str, str]]]:
    partner = UUID(clerk.run(pc.RegisterPartner("Maija Meikäläinen", PartnerKind.PERSON), "p")["partner_id"])
    bills = {}
    for company, net in NET.items():
        account = UUID(clerk.run(ac.OpenContractAccount(partner, f"Maija / {company}", company=company),
                                 f"a:{company}")["account_id"])
        bills[company] = (account, clerk.run(ac.IssueInvoice(account, (energy_line(net, "25.5"),)),
                                             f"i:{company}"))
    return bills


def test_three_statements_on_three_ibans_pay_each_company_its_own_invoice(group_clerk: Clerk,
                                                                          tmp_path: Path) -> None:
    clerk = group_clerk
    bills = _maija(clerk)
    for _, bill in bills.values():
        reference = bill["payment_reference"]
        assert _viitenumero_ok(reference), reference
    assert len({bill["number"] for _, bill in bills.values()}) == 3  # three series
    # each company's own reference prefix: no two companies of the group issue the same reference
    assert len({bill["payment_reference"] for _, bill in bills.values()}) == 3
    files = {}
    for company, (_, bill) in bills.items():
        entry = SynthEntry(Decimal(bill["gross"]), reference=bill["payment_reference"],
                           debtor_name="Maija Meikäläinen")
        files[company] = tmp_path / f"{company}.xml"
        write_camt053(files[company], [entry], account_iban=IBANS[company], statement_id=f"ST-{company}",
                      booking_date=date(2026, 3, 2))
    with api_client(clerk.services, "finance") as http:
        for company, path in reversed(files.items()):  # in any order
            reply = http.post("/bank/statements", headers=new_key(),
                              files={"file": (path.name, path.read_bytes(), "application/xml")})
            assert reply.status_code == 201, reply.text
            assert (reply.json()["booked"], reply.json()["to_suspense"]) == (1, 0), (company, reply.json())
        again = http.post("/bank/statements", headers=new_key(),
                          files={"file": ("again.xml", files["fi-heat"].read_bytes(), "application/xml")})
        assert again.status_code == 200 and again.json()["file_already_imported"]
        for company, (account, _) in bills.items():
            balance = http.get(f"/accounts/{account}/balance").json()
            assert Decimal(balance["balance"]) == 0, (company, balance)
            paid = http.get(f"/accounts/{account}/payments").json()["items"]
            assert [p["source_account"] for p in paid] == [f"bank:{IBANS[company]}"], company
    clerk.services.projections.catch_up()
    journal = clerk.services.view.journal(0, 100_000)
    bank_lines = sorted((r[8], r[9]) for r in journal if r[8].startswith("bank:"))
    assert bank_lines == sorted((f"bank:{IBANS[c]}", int(Decimal(bill["gross"]) * 100))
                                for c, (_, bill) in bills.items())
