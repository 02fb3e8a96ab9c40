"""Command handlers of business partners."""

from __future__ import annotations

import re
from uuid import UUID

from ledger.core.actor import Role
from ledger.core.errors import InvalidInput, NotPermitted
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.company import CompanyConfig
from ledger.parties.identifiers import InvalidIdentifier, validate_tax_id
from ledger.parties.partner import (
    MAX_CONTACT_LENGTH,
    SUPPORTED_LANGUAGES,
    BusinessPartner,
    PostalAddress,
    TaxId,
)

#: An e-mail address as a mailbox: one ``@``, something before it, a dot in the domain, no spaces
#: (deliverability is the mail server's to say; this catches typing mistakes).
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
#: The longest e-mail address (RFC 5321: 254 characters in a path).
MAX_EMAIL_LENGTH = 254


def check_email(email: str) -> str:
    """``email`` stripped, if it looks like a mailbox; else InvalidInput naming ``email``.

    >>> check_email(" maija@example.fi ")
    'maija@example.fi'
    >>> check_email("maija@example")
    Traceback (most recent call last):
        ...
    ledger.core.errors.InvalidInput: email 'maija@example' is not an e-mail address (name@domain.tld)
    """
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise InvalidInput(f"email {email!r} is not an e-mail address (name@domain.tld)", "email")
    return email


def check_language(language: str) -> str:
    """``language`` in lower case if Saldo writes in it; else InvalidInput naming ``language``."""
    code = language.strip().lower()
    if code not in SUPPORTED_LANGUAGES:
        known = ", ".join(SUPPORTED_LANGUAGES)
        raise InvalidInput(f"language {language!r} is not one Saldo writes in ({known})", "language")
    return code


def check_address(address: PostalAddress) -> PostalAddress:
    """An address with its town and country (SEPA's minimum since Nov 2026), stripped; country ISO alpha-2."""
    town, country = address.town.strip(), address.country.strip().upper()
    if not town:
        raise InvalidInput("an address needs its town", "address.town")
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise InvalidInput(f"country {address.country!r} is not an ISO 3166 alpha-2 code such as FI",
                           "address.country")
    return PostalAddress(address.street.strip(), address.postcode.strip(), town, country)


class PartyHandlers(Capability[CompanyConfig]):
    @handles(pc.RegisterPartner)
    def register_partner(self, cmd: pc.RegisterPartner, rid: UUID) -> Handled:
        name = cmd.name.strip()
        if not name:
            raise InvalidInput("a partner needs a name", "name")
        tax_ids = []
        for i, (scheme, value) in enumerate(cmd.tax_ids):
            try:
                tax_ids.append(TaxId(scheme, validate_tax_id(scheme, value)))
            except InvalidIdentifier as e:
                raise InvalidInput(str(e), f"tax_ids[{i}].value") from e
        if cmd.email is not None and "@" not in cmd.email:
            raise InvalidInput("email address has no '@'", "email")
        if len(cmd.language) != 2 or not cmd.language.isalpha():
            raise InvalidInput("language must be an ISO 639-1 code such as 'it'", "language")
        partner = BusinessPartner(child_id(rid, "partner"), name, cmd.kind, tuple(tax_ids), cmd.email,
                                  cmd.language.lower(), cmd.address)
        return [partner], {"partner_id": str(partner.id)}

    @handles(pc.ChangePartnerDetails)
    def change_partner_details(self, cmd: pc.ChangePartnerDetails, rid: UUID) -> Handled:
        partner = self.get(BusinessPartner, cmd.partner_id, "partner", "partner_id")
        if self.actor().role is Role.PORTAL and cmd.contact is not None:
            raise NotPermitted("the portal may change the e-mail, language and address, not the contact",
                               "contact")
        contact = None if cmd.contact is None else cmd.contact.strip()
        if contact is not None and not 0 < len(contact) <= MAX_CONTACT_LENGTH:
            raise InvalidInput(f"a contact is 1 to {MAX_CONTACT_LENGTH} characters", "contact")
        changed = partner.change_details(
            None if cmd.email is None else check_email(cmd.email),
            None if cmd.language is None else check_language(cmd.language),
            None if cmd.address is None else check_address(cmd.address), contact)
        result = {"partner_id": str(partner.id), "changed": changed}
        return ([partner] if changed else []), result
