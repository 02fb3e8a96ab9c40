"""Commands of business partners. Immutable value records, in the imperative."""


from __future__ import annotations

from dataclasses import dataclass

from ledger.parties.partner import PartnerKind, PostalAddress


@dataclass(frozen=True, slots=True)
class RegisterPartner:
    name: str
    kind: PartnerKind
    tax_ids: tuple[tuple[str, str], ...] = ()
    email: str | None = None
    language: str = "it"
    address: PostalAddress | None = None
