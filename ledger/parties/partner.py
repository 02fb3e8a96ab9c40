"""Business partner (cliente / client / asiakas): who the customer is.

Identity only; the receivables live on :class:`ledger.accounts.account.ContractAccount`. A partner's
e-mail, language, address and contact change by :meth:`BusinessPartner.change_details` (one event naming
only what changed); name, kind and tax ids are the identity and do not change.
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


#: The languages Saldo writes to customers in (letters, portal): the utilities' countries' languages
#: (Italian, Spanish, Catalan, Finnish, Swedish — Finland's second official language) and English.
SUPPORTED_LANGUAGES = ("it", "es", "ca", "fi", "sv", "en")
#: The longest contact note (a phone number, a contact person).
MAX_CONTACT_LENGTH = 200


class BusinessPartner(Aggregate):
    #: A phone number or contact person; partners registered before it existed have none.
    contact: str | None = None

    class DetailsChanged(Aggregate.Event):
        """What changed of the partner's details; None: that detail is as it was."""

        email: str | None
        language: str | None
        address: PostalAddress | None
        contact: str | None

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

    def change_details(self, email: str | None = None, language: str | None = None,
                       address: PostalAddress | None = None, contact: str | None = None) -> bool:
        """Record the details given that differ from the partner's (checked by the handler); whether any did.

        Nothing is recorded when everything given is as it was: sending the same form twice changes nothing.
        """
        email = None if email == self.email else email
        language = None if language == self.language else language
        address = None if address == self.address else address
        contact = None if contact == self.contact else contact
        if email is None and language is None and address is None and contact is None:
            return False
        self._details_changed(email, language, address, contact)
        return True

    @event(DetailsChanged)
    def _details_changed(self, email: str | None, language: str | None, address: PostalAddress | None,
                         contact: str | None) -> None:
        if email is not None:
            self.email = email
        if language is not None:
            self.language = language
        if address is not None:
            self.address = address
        if contact is not None:
            self.contact = contact
