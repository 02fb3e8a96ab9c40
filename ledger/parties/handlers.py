"""Command handlers of business partners."""

from __future__ import annotations

from uuid import UUID

from ledger.core.errors import InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.company import CompanyConfig
from ledger.parties.identifiers import InvalidIdentifier, validate_tax_id
from ledger.parties.partner import BusinessPartner, TaxId


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
