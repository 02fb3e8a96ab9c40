"""The delivery channels' settings, from the environment: where e-mail goes and where files are dropped.

Why the environment and not the companies' TOML (``SALDO_CONFIG``): the SMTP server and its password are
the installation's, not a company's, and a secret does not belong in a file kept with the configuration
(https://12factor.net/config). The settings:

- ``SALDO_SMTP_URL``: ``smtps://user:password@host:465`` (implicit TLS), ``smtp://host:587?tls=starttls``,
  or ``smtp://host:25`` (no TLS: a relay on the same host only). Unset: the e-mail channel is not
  configured, and a send run leaves e-mail deliveries queued, saying so.
- ``SALDO_MAIL_FROM``: the From address (default ``invoices@<the SMTP host>``).
- ``SALDO_OUTBOX_DIR``: where the e-invoice files and print batches are written (default ``var/outbox``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from api.delivery.files import EInvoiceDrop, EInvoiceFor, PrintBatch
from api.delivery.mail import SmtpSettings, SmtpTransport
from ledger.delivery.transport import Channel, Transport

DEFAULT_OUTBOX_DIR = "var/outbox"
_PORTS = {"smtps": 465, "starttls": 587, "none": 25}


class DeliverySettingError(ValueError):
    """A delivery setting is malformed; the message names it."""


def smtp_settings(url: str, sender: str | None = None) -> SmtpSettings:
    """The SMTP server of ``url``.

    >>> s = smtp_settings("smtp://mailer:s%40cret@mail.example.org?tls=starttls")
    >>> s.host, s.port, s.security, s.user, s.password, s.sender
    ('mail.example.org', 587, 'starttls', 'mailer', 's@cret', 'invoices@mail.example.org')
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise DeliverySettingError(f"SALDO_SMTP_URL must be smtp://host[:port] or smtps://host[:port], "
                                   f"got {url!r}")
    security = "smtps" if parsed.scheme == "smtps" else parse_qs(parsed.query).get("tls", ["none"])[0]
    if security not in _PORTS:
        raise DeliverySettingError(f"SALDO_SMTP_URL's tls must be starttls or none, got {security!r}")
    try:
        port = parsed.port or _PORTS[security]
    except ValueError as e:
        raise DeliverySettingError(f"SALDO_SMTP_URL has a malformed port: {e}") from None
    sender = sender or f"invoices@{parsed.hostname}"
    if "@" not in sender:
        raise DeliverySettingError(f"SALDO_MAIL_FROM must be an e-mail address, got {sender!r}")
    return SmtpSettings(parsed.hostname, port, security, sender,
                        unquote(parsed.username) if parsed.username else None,
                        unquote(parsed.password) if parsed.password else None)


def transports_from_env(e_invoice_for: EInvoiceFor | None = None) -> dict[Channel, Transport]:
    """A transport per configured channel. The e-invoice channel needs the writers of the formats
    (``e_invoice_for``); without them it is not configured."""
    outbox = Path(os.environ.get("SALDO_OUTBOX_DIR") or DEFAULT_OUTBOX_DIR)
    transports: dict[Channel, Transport] = {Channel.PRINT: PrintBatch(outbox / "print")}
    url = os.environ.get("SALDO_SMTP_URL")
    if url:
        transports[Channel.EMAIL] = SmtpTransport(smtp_settings(url, os.environ.get("SALDO_MAIL_FROM")))
    if e_invoice_for is not None:
        transports[Channel.EINVOICE] = EInvoiceDrop(outbox / "e-invoice", e_invoice_for)
    return transports
