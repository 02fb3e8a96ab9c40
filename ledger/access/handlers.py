"""Command handlers of API keys."""

from __future__ import annotations

from uuid import UUID

from ledger.access import commands as kc
from ledger.access.keys import MAX_REVOCATION_REASON_LENGTH, ApiKey, check_hash, check_name
from ledger.core.actor import Role
from ledger.core.errors import InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import BusinessPartner


class AccessHandlers(Capability[CompanyConfig]):
    @handles(kc.CreateApiKey)
    def create_key(self, cmd: kc.CreateApiKey, rid: UUID) -> Handled:
        name = check_name(cmd.name)
        key_hash = check_hash(cmd.key_hash)
        role = _role(cmd.role)
        if role is Role.PORTAL:
            if cmd.partner_id is None:
                raise InvalidInput("a portal key names the business partner whose accounts it reads",
                                   "partner_id")
            self.get(BusinessPartner, cmd.partner_id, "business partner", "partner_id")
        elif cmd.partner_id is not None:
            raise InvalidInput(f"only a portal key names a business partner, not a {role.value} key",
                               "partner_id")
        key = self.find(ApiKey, ApiKey.id_for(name))
        if key is None:
            key = ApiKey(ApiKey.id_for(name), name, role, cmd.partner_id, key_hash, self.today())
        else:
            key.reissue(role, cmd.partner_id, key_hash, self.today())
        return [key], {"name": name, "role": role.value, "key_id": str(key.id),
                       "partner_id": None if cmd.partner_id is None else str(cmd.partner_id)}

    @handles(kc.RevokeApiKey)
    def revoke_key(self, cmd: kc.RevokeApiKey, rid: UUID) -> Handled:
        reason = cmd.reason.strip()
        if not reason:
            raise InvalidInput("say why the key is revoked", "reason")
        if len(reason) > MAX_REVOCATION_REASON_LENGTH:
            raise InvalidInput(f"a reason is at most {MAX_REVOCATION_REASON_LENGTH} characters", "reason")
        key = self.get(ApiKey, ApiKey.id_for(check_name(cmd.name)), "API key", "name")
        key.revoke(self.today(), reason)
        return [key], {"name": key.name, "revoked_on": self.today().isoformat()}


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}, got {value!r}",
                           "role") from None

