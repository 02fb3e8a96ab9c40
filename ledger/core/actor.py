"""Who asked for a command: the actor recorded with it, and the roles Saldo knows.

Every command runs on behalf of an :class:`Actor`: a person or machine named by its token (``http``), an
operating-system user at a terminal (``cli``), a file import (``import``) or a scheduled run (``run``).
The actor is recorded with the command's events and never changes a posting: who did something is a fact
about the command, not about the money.

>>> Actor("anna@example.com", Role.FINANCE, Channel.HTTP, request_id="r-1").role
<Role.FINANCE: 'finance'>
>>> SYSTEM.subject, SYSTEM.role, SYSTEM.channel.value
('saldo', None, 'run')
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Longest subject (a token's ``sub``, an operating-system user) recorded.
MAX_SUBJECT_LENGTH = 200
#: Longest reason a person may give for a command.
MAX_REASON_LENGTH = 500


class Role(enum.StrEnum):
    """What a person or machine may do; see ``api/access.py`` for the routes each role may use."""

    FINANCE = "finance"  #: commands on receivables, imports, runs, the worklist
    AUDITOR = "auditor"  #: reads everything, history and as-of included; never writes
    ACCOUNTING = "accounting"  #: journal, trial balance and exports only
    PORTAL = "portal"  #: only the contract accounts of the business partner its token names
    ADMIN = "admin"  #: companies, configuration, keys


class Channel(enum.StrEnum):
    """How the command reached Saldo."""

    HTTP = "http"
    CLI = "cli"
    IMPORT = "import"
    RUN = "run"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asked for a command, as recorded with it.

    ``subject`` names the person or machine (token ``sub``, API key name, OS user); ``role`` is None only
    for Saldo itself; ``request_id`` ties the command to an HTTP request or a run; ``reason`` is what the
    person gave, where the command asks for one; ``host`` is the terminal's host for the CLI.
    """

    subject: str
    role: Role | None
    channel: Channel
    request_id: str | None = None
    reason: str | None = None
    host: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The stored form: plain strings, so the record reads the same in every version."""
        return {"subject": self.subject, "role": None if self.role is None else self.role.value,
                "channel": self.channel.value, "request_id": self.request_id, "reason": self.reason,
                "host": self.host}


#: Saldo itself: the default where no person or machine asked (tests, the demo loader, migrations).
SYSTEM = Actor("saldo", None, Channel.RUN)
