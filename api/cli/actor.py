"""Who runs a ``saldo`` command: the operating-system user at this host, in the role they say (if any)."""

from __future__ import annotations

import getpass
import socket

from ledger.core.actor import MAX_SUBJECT_LENGTH, Actor, Channel, Role


def login() -> str:
    try:
        return getpass.getuser()[:MAX_SUBJECT_LENGTH]
    except (KeyError, OSError):  # no login name in this environment
        return "unknown"


def cli_actor(role: str | None = None) -> Actor:
    """``Actor(os user, role or None, cli, host=this host)``: recorded with every command the CLI runs."""
    return Actor(login(), Role(role) if role else None, Channel.CLI, host=socket.gethostname())
