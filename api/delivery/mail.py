"""E-mail delivery: the document's PDF attached to a message in the customer's language, sent over SMTP.

The ``Message-ID`` is derived from the delivery's id (not from the attempt): a message sent again after a
run that crashed before recording its outcome (:mod:`ledger.delivery.outbox`) carries the same id, which is
how a receiving system recognises a repeat (RFC 5322 §3.6.4,
https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4). Each parcel is sent as its own transaction on one
connection; a refused recipient or message (a 5xx reply, e.g. 550) fails that parcel only, a lost
connection fails the parcels not yet sent (errors as data: :class:`~ledger.delivery.transport.Outcome`).
Transport security: ``smtps`` (implicit TLS, RFC 8314 §3.3, recommended) or ``starttls``
(https://www.rfc-editor.org/rfc/rfc8314#section-3.3); plain ``smtp`` only for a server on the same host.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

from api.i18n import N_, translate
from ledger.delivery.transport import Channel, Outcome, Parcel

CATALOG = "delivery"
#: Seconds an SMTP connect or reply may take before the parcels not yet sent fail.
SMTP_TIMEOUT_S = 30

SUBJECT = N_("Invoice {number} from {company}")
BODY = N_("Dear {name},\n\nplease find attached document {number} from {company} as a PDF file.\n\n"
          "This message was sent automatically; please do not reply to it.\n")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str  #: "smtps" (implicit TLS), "starttls" or "none"
    sender: str  #: the From address
    user: str | None = None
    password: str | None = None


def message_id(parcel: Parcel, sender: str) -> str:
    """The same for every attempt of a delivery: ``<delivery id@sender's domain>``."""
    return f"<{parcel.delivery_id}@{sender.rpartition('@')[2] or 'saldo.invalid'}>"


def compose(parcel: Parcel, sender: str) -> EmailMessage:
    """The message of ``parcel``: subject and text in the partner's language, the PDF attached."""
    fields = {"number": parcel.number, "company": parcel.company, "name": parcel.addressee}
    message = EmailMessage()
    message["From"] = formataddr((parcel.company, sender))
    message["To"] = formataddr((parcel.addressee, parcel.recipient))
    message["Subject"] = translate(parcel.language, CATALOG, SUBJECT, **fields)
    message["Message-ID"] = message_id(parcel, sender)
    message["Content-Language"] = parcel.language
    message.set_content(translate(parcel.language, CATALOG, BODY, **fields))
    message.add_attachment(parcel.pdf, maintype="application", subtype="pdf", filename=f"{parcel.number}.pdf")
    return message


class SmtpTransport:
    """The e-mail channel through one SMTP server (``SALDO_SMTP_URL``)."""

    channel = Channel.EMAIL

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT_S,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT_S)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.user:
            smtp.login(s.user, s.password or "")
        return smtp

    def deliver(self, parcels: Sequence[Parcel]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if not parcels:
            return outcomes
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as e:
            return [Outcome(p.delivery_id, False, f"cannot reach the SMTP server: {e}") for p in parcels]
        try:
            for parcel in parcels:
                outcomes.append(self._send(smtp, parcel))
        except (OSError, smtplib.SMTPServerDisconnected) as e:
            done = {o.delivery_id for o in outcomes}
            outcomes += [Outcome(p.delivery_id, False, f"the SMTP connection was lost: {e}")
                         for p in parcels if p.delivery_id not in done]
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()  # the outcomes are known; a failed goodbye changes none of them
        return outcomes

    def _send(self, smtp: smtplib.SMTP, parcel: Parcel) -> Outcome:
        message = compose(parcel, self.settings.sender)
        try:
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            return Outcome(parcel.delivery_id, False, f"{code} {_text(text)}")
        except smtplib.SMTPResponseException as e:  # 5xx/4xx to MAIL FROM or DATA (SMTPDataError, ...)
            return Outcome(parcel.delivery_id, False, f"{e.smtp_code} {_text(e.smtp_error)}")
        if refused:  # pragma: no cover - one recipient: refused raises SMTPRecipientsRefused instead
            return Outcome(parcel.delivery_id, False, f"refused: {refused}")
        return Outcome(parcel.delivery_id, True, receipt=str(message["Message-ID"]))


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
