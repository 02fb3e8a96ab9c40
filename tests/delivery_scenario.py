"""Delivery fixtures (issue 13 item 6): a local SMTP server (aiosmtpd) on a free port that keeps what it
accepts or refuses everything with a 550, and customers of the three document companies with an e-mail
address, billed once."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, cast
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller

from api.delivery.mail import SmtpSettings, SmtpTransport
from ledger.accounts import commands as ac
from ledger.delivery.transport import Channel
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk
from tests.documents_scenario import CUSTOMERS, PERIOD, lines

LANGUAGE = {"it-pagopa": "it", "es-water": "es", "fi-network": "fi"}
SENDER = "billing@saldo.test"


@dataclass
class Inbox:
    """An SMTP server's handler: the messages it accepted, or a 550 to every recipient while ``refuse``."""

    refuse: bool = False
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), cast(EmailMessage, message)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, SmtpTransport]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, SmtpTransport(SmtpSettings("127.0.0.1", controller.port, "none", SENDER))
    finally:
        controller.stop()


def customer_with_email(clerk: Clerk, company: str, email_address: str | None) -> tuple[UUID, str]:
    """A customer of ``company`` in its country's language, billed once; (partner id, invoice number)."""
    name, address = CUSTOMERS[company]
    partner = UUID(clerk.run(pc.RegisterPartner(name, PartnerKind.PERSON, email=email_address,
                                                language=LANGUAGE[company], address=address))["partner_id"])
    opened = clerk.run(ac.OpenContractAccount(partner, f"{name} — casa", company=company))
    account = UUID(opened["account_id"])
    vat = {"it-pagopa": "22", "fi-network": "25.5", "es-water": "21"}[company]
    issued = clerk.run(ac.IssueInvoice(account, lines(vat), clerk.clock.today, period=PERIOD))
    return partner, str(issued["number"])


def attachment(message: EmailMessage) -> tuple[str, bytes]:
    """The (file name, bytes) of the message's one attachment."""
    (part,) = list(message.iter_attachments())
    return str(part.get_filename()), cast(bytes, part.get_content())


__all__ = ["Channel", "Inbox", "attachment", "customer_with_email", "free_port", "smtp_server"]
