"""E-invoices to write (issue 13 item 2, Finvoice and UBL): business customers of the three companies of
``companies.documents.toml`` (a Peppol invoice needs the customer's VAT id as its address), billed with the
lines of :mod:`tests.documents_scenario`, and the readers a test needs: the XML's figures as decimals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from lxml import etree

from api.documents.einvoice.validation import hardened_parser
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import CUSTOMERS, PERIOD, lines

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "einvoice"
VAT = {"it-pagopa": "22", "fi-network": "25.5", "es-water": "21"}
#: A business customer per company, with a valid VAT id of another EU country than the seller's.
BUSINESSES = {"it-pagopa": ("Łódź Energia Sp. z o.o.", ("eu.vat", "DE136695976")),
              "fi-network": ("Kiinteistö Oy Meikäläinen", ("fi.ytunnus", "0112038-9")),
              "es-water": ("Comunitat de Propietaris Reus, S.L.", ("eu.vat", "ESB58378431"))}


def business(clerk: Clerk, company: str,
             tax_ids: tuple[tuple[str, str], ...] | None = None) -> tuple[UUID, UUID]:
    """Register ``company``'s business customer (at the address of its consumer) and open an account."""
    name, tax_id = BUSINESSES[company]
    address: PostalAddress = CUSTOMERS[company][1]
    ids = (tax_id,) if tax_ids is None else tax_ids
    registered = clerk.run(pc.RegisterPartner(name, PartnerKind.ORGANISATION, ids, address=address))
    partner = UUID(registered["partner_id"])
    account = clerk.run(ac.OpenContractAccount(partner, f"{name} — sede", company=company))["account_id"]
    return partner, UUID(account)


def business_invoice(clerk: Clerk, company: str, **kw: Any) -> tuple[UUID, dict[str, Any]]:
    """``company``'s business customer billed once; (partner id, the issue's result)."""
    partner, account = business(clerk, company, **kw)
    return partner, clerk.run(ac.IssueInvoice(account, lines(VAT[company]), clerk.clock.today, period=PERIOD))


def xml(content: bytes) -> Any:
    return etree.fromstring(content, hardened_parser())


def decimal_of(text: str | None) -> Decimal:
    """A figure of an e-invoice (Finvoice writes a decimal comma) as a Decimal."""
    assert text is not None
    return Decimal(text.replace(",", "."))
