"""The API key of a machine client: its name, role, the hash of its current key, and whether it is live.

One aggregate per name (``ApiKey.id_for(name)``), so the key presented with a request names the aggregate to
load (``saldo_<id hex>_<secret>``, see :mod:`api.auth.keys`) and a name can never hold two live keys.

>>> ApiKey.id_for("accounting-system") == ApiKey.id_for("accounting-system")
True
"""

from __future__ import annotations

import hmac
import re
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.actor import Role
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.ids import name_id

#: Longest name of a key ("accounting-system", "portal-backend").
MAX_KEY_NAME_LENGTH = 64
#: Longest reason given for revoking a key.
MAX_REVOCATION_REASON_LENGTH = 500
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def check_name(name: str) -> str:
    """The key's name as given, if it is 1-64 letters, digits, dots, dashes or underscores.

    >>> check_name("accounting-system")
    'accounting-system'
    >>> check_name("../etc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ledger.core.errors.InvalidInput: a key name is 1-64 letters, digits, ... got '../etc'
    """
    if len(name) > MAX_KEY_NAME_LENGTH or not _NAME.fullmatch(name):
        raise InvalidInput(f"a key name is 1-{MAX_KEY_NAME_LENGTH} letters, digits, '.', '_' or '-' "
                           f"(starting with a letter or digit), got {name[:MAX_KEY_NAME_LENGTH + 1]!r}",
                           "name")
    return name


def check_hash(key_hash: str) -> str:
    if not _SHA256_HEX.fullmatch(key_hash):
        raise InvalidInput("key_hash must be the SHA-256 of the key, as 64 lower-case hex digits", "key_hash")
    return key_hash


class ApiKey(Aggregate):
    class Created(Aggregate.Created):
        name: str
        role: Role
        partner_id: UUID | None
        key_hash: str
        issued_on: date

    class Reissued(Aggregate.Event):
        role: Role
        partner_id: UUID | None
        key_hash: str
        reissued_on: date

    class Revoked(Aggregate.Event):
        revoked_on: date
        reason: str

    @staticmethod
    def id_for(name: str) -> UUID:
        return name_id("api-key", name)

    @event(Created)
    def __init__(self, id: UUID, name: str, role: Role, partner_id: UUID | None, key_hash: str,
                 issued_on: date) -> None:
        self.name = name
        self.role = role
        self.partner_id = partner_id
        self.key_hash = key_hash
        self.issued_on = issued_on
        self.revoked_on: date | None = None
        self.revocation_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.revoked_on is None

    def matches(self, key_hash: str) -> bool:
        """Whether a presented key's hash is this live key's (compared in constant time)."""
        return self.live and hmac.compare_digest(self.key_hash, key_hash)

    def reissue(self, role: Role, partner_id: UUID | None, key_hash: str, on: date) -> None:
        if self.live:
            raise Conflict(f"API key {self.name!r} is live; revoke it before giving the name a new key",
                           "name")
        self._reissued(role, partner_id, key_hash, on)

    @event(Reissued)
    def _reissued(self, role: Role, partner_id: UUID | None, key_hash: str, reissued_on: date) -> None:
        self.role = role
        self.partner_id = partner_id
        self.key_hash = key_hash
        self.issued_on = reissued_on
        self.revoked_on = None
        self.revocation_reason = None

    def revoke(self, on: date, reason: str) -> None:
        if not self.live:
            raise Conflict(f"API key {self.name!r} was already revoked on {self.revoked_on}", "name")
        self._revoked(on, reason)

    @event(Revoked)
    def _revoked(self, revoked_on: date, reason: str) -> None:
        self.revoked_on = revoked_on
        self.revocation_reason = reason
