"""Commands of business partners. Immutable value records, in the imperative."""


from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ledger.parties.partner import PartnerKind, PostalAddress


@dataclass(frozen=True, slots=True)
class RegisterPartner:
    name: str
    kind: PartnerKind
    tax_ids: tuple[tuple[str, str], ...] = ()
    email: str | None = None
    language: str = "it"
    address: PostalAddress | None = None


@dataclass(frozen=True, slots=True)
class ChangePartnerDetails:
    """Change what is given of a partner's contact details; what is left out (None) stays as it is.

    One command for all of them, not one per detail: a customer's form (the portal's, a clerk's) changes
    several at once, and one command is one event, one audit entry and one idempotency key for what the
    customer asked in one go. A portal may change only its own partner's e-mail, language and address.
    """

    partner_id: UUID
    email: str | None = None
    language: str | None = None
    address: PostalAddress | None = None
    contact: str | None = None
