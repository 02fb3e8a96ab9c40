"""The demo's Finnish customer of two companies (issue 11), when the installation has the demo's companies.

``config/companies.demo.toml`` has an Italian power seller (the default company, which the rest of the demo
bills), a Finnish network company and a Finnish heat company. Maija Meikäläinen has an account at each of the
Finnish ones, one invoice from each (both draw serial 1; each company's reference prefix keeps their
viitenumerot apart), and pays each
by a statement on that company's IBAN: each payment lands on its own company's invoice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from api.bootstrap import Services
from importers.bank.service import import_file
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress

#: The demo's Finnish companies and what each bills Maija (net, VAT 24 %).
FINNISH_BILLS = (("fi-network", "Sähkönsiirto", Decimal("80.65")),
                 ("fi-heat", "Kaukolämpö", Decimal("40.32")))
DEMO_DAY = date(2026, 11, 20)


def load_companies_demo(svc: Services, folder: Path) -> dict[str, Any] | None:
    """Bill and pay the Finnish customer; None if the installation lacks the demo's Finnish companies."""
    companies = svc.app.companies
    if any(companies.named(code) is None for code, _, _ in FINNISH_BILLS):
        return None
    run = svc.app.execute
    partner = UUID(run(pc.RegisterPartner("Maija Meikäläinen", PartnerKind.PERSON, address=PostalAddress(
        "Mannerheimintie 1", "00100", "Helsinki", "FI")), "demo:fi:partner")["partner_id"])
    booked: dict[str, int] = {}
    for code, name, net in FINNISH_BILLS:
        account = UUID(run(ac.OpenContractAccount(partner, name, company=code), f"demo:fi:{code}:account")[
            "account_id"])
        line = ac.LineInput(name, "energy", Decimal("1"), "lump", net, Decimal("24"))
        bill = run(ac.IssueInvoice(account, (line,), issue_date=DEMO_DAY), f"demo:fi:{code}:invoice")
        path = folder / f"demo-{code}.camt053.xml"
        if not path.exists():
            iban = companies.named(code).bank_account  # type: ignore[union-attr]  # checked above
            write_camt053(path, [SynthEntry(Decimal(bill["gross"]), reference=bill["payment_reference"],
                                            debtor_name="Maija Meikäläinen",
                                            account_servicer_reference=f"DEMO-{code}")],
                          account_iban=iban, statement_id=f"DEMO-{code}", booking_date=DEMO_DAY)
        booked[code] = import_file(svc, path).booked
    return {"companies": [c.code for c in companies.companies], "booked": booked}
