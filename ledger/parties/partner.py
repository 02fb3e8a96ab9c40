"""Business partner (cliente / client / asiakas): who the customer is.

Identity only; the receivables live on :class:`ledger.accounts.account.ContractAccount`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class PartnerKind(enum.Enum):
    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class TaxId:
    """A tax or registration number, validated and normalised (see :mod:`ledger.parties.identifiers`)."""

    scheme: str
    value: str


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """Structured address: SEPA requires at least town and country from Nov 2026."""

    street: str
    postcode: str
    town: str
    country: str


class BusinessPartner(Aggregate):
    @event("Registered")
    def __init__(
        self,
        id: UUID,
        name: str,
        kind: PartnerKind,
        tax_ids: tuple[TaxId, ...],
        email: str | None,
        language: str,
        address: PostalAddress | None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.tax_ids = tax_ids
        self.email = email
        self.language = language
        self.address = address
