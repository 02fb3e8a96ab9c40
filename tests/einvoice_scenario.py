"""E-invoices to check (issue 13 item 2): customers with the tax ids and addresses each format needs,
billed with the lines of :mod:`tests.documents_scenario`, and the readers a test needs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from lxml import etree

from api.documents.einvoice.validation import parse
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import CUSTOMERS, PERIOD, lines

VAT = {"it-pagopa": "22", "es-water": "21", "fi-network": "25.5"}


def billed(clerk: Clerk, company: str, kind: PartnerKind = PartnerKind.PERSON,
           tax_ids: tuple[tuple[str, str], ...] = (), name: str | None = None,
           address: PostalAddress | None = None, with_address: bool = True) -> dict[str, Any]:
    """A customer of ``company`` with ``tax_ids`` billed with two sites' lines; the issue's result."""
    default_name, default_address = CUSTOMERS[company]
    partner = clerk.run(pc.RegisterPartner(name or default_name, kind, tax_ids=tax_ids,
                                           address=(address or default_address) if with_address else None))
    account = clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "casa", company=company))
    result = clerk.run(ac.IssueInvoice(UUID(account["account_id"]), lines(VAT[company]), clerk.clock.today,
                                       period=PERIOD))
    return {**result, "account_id": UUID(account["account_id"])}


def xml(content: bytes) -> Any:
    """The parsed file (hardened parser)."""
    return parse(content)


def texts(root: Any, path: str, namespaces: dict[str, str] | None = None) -> list[str]:
    return [str(x) for x in root.xpath(path, namespaces=namespaces or {})]


def decimals(root: Any, path: str, namespaces: dict[str, str] | None = None) -> list[Decimal]:
    return [Decimal(x) for x in texts(root, path, namespaces)]


def replaced(content: bytes, path: str, value: str, namespaces: dict[str, str] | None = None) -> bytes:
    """``content`` with the text of the first element at ``path`` replaced by ``value``."""
    root = parse(content)
    root.xpath(path, namespaces=namespaces or {})[0].text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
