"""Issue 13 item 6: documents delivered by e-mail through SMTP (a local aiosmtpd server), once each.

Three customers' invoices go out with the PDF whose SHA-256 is the one recorded for the document; a second
run sends nothing; a 550 is a failed attempt that the next run retries; a crash after the server accepted
a message but before its outcome was saved is resent with the same Message-ID and recorded as unknown,
never as "never sent"; a partner without an e-mail address is reported, not fatal. Both stores."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.delivery import runs
from api.delivery.mail import SmtpTransport
from api.documents.invoice_pdf import RENDERER
from ledger.core.actor import Role
from ledger.delivery.outbox import Delivery, DeliveryStatus
from ledger.delivery.transport import DEFAULT_RETRY, Channel
from ledger.documents.renderings import DocumentRenderings
from tests.auth import api_client, new_key
from tests.clerk import Clerk
from tests.delivery_scenario import SENDER, Inbox, attachment, customer_with_email, smtp_server
from tests.documents_scenario import doc_clerk

__all__ = ["doc_clerk", "smtp_server"]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUBJECTS = {"it-pagopa": "Fattura", "es-water": "Factura", "fi-network": "Lasku"}


def _three(clerk: Clerk) -> dict[str, tuple[str, str]]:
    """company → (e-mail address, invoice number) of a customer each."""
    out = {}
    for company in SUBJECTS:
        address = f"{company}@customers.test"
        out[company] = (address, customer_with_email(clerk, company, address)[1])
    return out


def _send(clerk: Clerk, transport: SmtpTransport, at: datetime, key: str) -> dict[str, Any]:
    return runs.send_run(clerk.services.app, {Channel.EMAIL: transport}, [Channel.EMAIL], key, now=lambda: at)


def _delivery(clerk: Clerk, number: str) -> Delivery:
    found = clerk.services.app.find(Delivery, Delivery.id_for(number, Channel.EMAIL))
    assert found is not None
    return found


def test_three_customers_get_their_pdf_once_and_a_partner_without_e_mail_is_reported(
        doc_clerk: Clerk, smtp_server: tuple[Inbox, SmtpTransport]) -> None:
    inbox, transport = smtp_server
    customers = _three(doc_clerk)
    _, no_mail = customer_with_email(doc_clerk, "es-water", None)
    app = doc_clerk.services.app
    queued = runs.queue(app, [n for _, n in customers.values()] + [no_mail], Channel.EMAIL, "q-1")
    assert queued["queued"] == 3 and queued["already_queued"] == 0
    (error,) = queued["errors"]
    assert error["number"] == no_mail and error["field"] == "email" and "no e-mail address" in error["reason"]

    first = _send(doc_clerk, transport, T0, "run-1")
    assert (first["sent"], first["failed"], first["replayed"]) == (3, 0, False)
    assert len(inbox.received) == 3
    by_recipient = {rcpt[0]: message for rcpt, message in inbox.received}
    for company, (address, number) in customers.items():
        message = by_recipient[address]
        assert message["Subject"].startswith(f"{SUBJECTS[company]} {number}")
        assert address in message["To"] and SENDER in message["From"]
        name, pdf = attachment(message)
        recorded = app.find(DocumentRenderings, DocumentRenderings.id_for(number))
        assert recorded is not None and recorded.of(RENDERER) is not None
        assert name == f"{number}.pdf"
        assert hashlib.sha256(pdf).hexdigest() == recorded.of(RENDERER).sha256 == _delivery(doc_clerk,
                                                                                            number).sha256
        delivery = _delivery(doc_clerk, number)
        assert delivery.status(DEFAULT_RETRY) is DeliveryStatus.SENT
        assert message["Message-ID"] == delivery.receipt == f"<{delivery.id}@saldo.test>"

    again = _send(doc_clerk, transport, T0 + timedelta(days=1), "run-2")
    assert (again["sent"], again["failed"]) == (0, 0) and len(inbox.received) == 3
    replay = _send(doc_clerk, transport, T0, "run-1")
    assert replay["replayed"] is True and replay["sent"] == 3 and len(inbox.received) == 3
    requeued = runs.queue(app, [n for _, n in customers.values()], Channel.EMAIL, "q-2")
    assert (requeued["queued"], requeued["already_queued"]) == (0, 3)
    assert _send(doc_clerk, transport, T0 + timedelta(days=2), "run-3")["sent"] == 0


def test_a_refused_message_is_a_failed_attempt_and_the_next_run_retries_it(
        doc_clerk: Clerk, smtp_server: tuple[Inbox, SmtpTransport]) -> None:
    inbox, transport = smtp_server
    _, number = customer_with_email(doc_clerk, "it-pagopa", "mario@customers.test")
    runs.queue(doc_clerk.services.app, [number], Channel.EMAIL, "q")
    inbox.refuse = True
    refused = _send(doc_clerk, transport, T0, "run-1")
    assert (refused["sent"], refused["failed"]) == (0, 1) and inbox.received == []
    delivery = _delivery(doc_clerk, number)
    assert delivery.status(DEFAULT_RETRY) is DeliveryStatus.FAILED
    (attempt,) = delivery.attempts
    assert attempt.outcome == "failed" and attempt.reason is not None and attempt.reason.startswith("550")
    inbox.refuse = False
    retried = _send(doc_clerk, transport, T0 + DEFAULT_RETRY.wait_after(1), "run-2")
    assert (retried["sent"], retried["failed"]) == (1, 0) and len(inbox.received) == 1
    delivery = _delivery(doc_clerk, number)
    assert [a.outcome for a in delivery.attempts] == ["failed", "ok"]
    assert _send(doc_clerk, transport, T0 + timedelta(days=1), "run-3")["sent"] == 0
    assert len(inbox.received) == 1


def test_a_failing_delivery_waits_its_backoff_and_is_given_up_after_the_attempt_limit(
        doc_clerk: Clerk, smtp_server: tuple[Inbox, SmtpTransport]) -> None:
    inbox, transport = smtp_server
    _, number = customer_with_email(doc_clerk, "fi-network", "aino@customers.test")
    runs.queue(doc_clerk.services.app, [number], Channel.EMAIL, "q")
    inbox.refuse = True
    at = T0
    for n in range(1, DEFAULT_RETRY.max_attempts + 1):
        assert _send(doc_clerk, transport, at, f"run-{n}")["failed"] == 1
        wait = DEFAULT_RETRY.wait_after(n)
        if wait:  # before its backoff has passed, a failed delivery is not tried
            assert _send(doc_clerk, transport, at + wait / 2, f"early-{n}")["failed"] == 0
        at += wait
    delivery = _delivery(doc_clerk, number)
    assert delivery.status(DEFAULT_RETRY) is DeliveryStatus.GIVEN_UP
    assert len(delivery.attempts) == DEFAULT_RETRY.max_attempts
    inbox.refuse = False
    assert _send(doc_clerk, transport, at + timedelta(days=30), "late")["sent"] == 0
    listed = runs.deliveries(doc_clerk.services.app, Channel.EMAIL, DeliveryStatus.GIVEN_UP)
    assert [d["number"] for d in listed] == [number]


class Crash(Exception):
    """The process dying between the server's acceptance and the outcome's transaction."""


def test_a_crash_after_the_server_accepted_is_resent_with_the_same_message_id_and_recorded_as_unknown(
        doc_clerk: Clerk, smtp_server: tuple[Inbox, SmtpTransport]) -> None:
    inbox, transport = smtp_server
    _, number = customer_with_email(doc_clerk, "es-water", "nuria@customers.test")
    runs.queue(doc_clerk.services.app, [number], Channel.EMAIL, "q")

    class CrashingAfterSending(SmtpTransport):
        def deliver(self, parcels: Any) -> Any:
            super().deliver(parcels)
            raise Crash

    with pytest.raises(Crash):
        _send(doc_clerk, CrashingAfterSending(transport.settings), T0, "run-1")
    assert len(inbox.received) == 1
    assert _delivery(doc_clerk, number).status(DEFAULT_RETRY) is DeliveryStatus.SENDING
    # Another run before the attempt is in doubt leaves it alone: it may still be running.
    assert _send(doc_clerk, transport, T0 + DEFAULT_RETRY.in_doubt_after / 2, "run-2")["sent"] == 0
    resent = _send(doc_clerk, transport, T0 + DEFAULT_RETRY.in_doubt_after, "run-3")
    assert resent["sent"] == 1 and len(inbox.received) == 2
    (_, first), (_, second) = inbox.received
    assert first["Message-ID"] == second["Message-ID"]  # the receiving side can tell it is a repeat
    delivery = _delivery(doc_clerk, number)
    assert [a.outcome for a in delivery.attempts] == ["unknown", "ok"]
    assert "may have accepted" in (delivery.attempts[0].reason or "")


def test_over_http_finance_queues_and_sends_and_the_staff_list_the_outbox(
        doc_clerk: Clerk, smtp_server: tuple[Inbox, SmtpTransport]) -> None:
    inbox, transport = smtp_server
    doc_clerk.services.transports[Channel.EMAIL] = transport
    _, number = customer_with_email(doc_clerk, "it-pagopa", "giulia@customers.test")
    _, no_mail = customer_with_email(doc_clerk, "fi-network", None)
    with api_client(doc_clerk.services, Role.FINANCE) as finance:
        key = new_key()
        queued = finance.post("/deliveries", json={"numbers": [number, no_mail]}, headers=key)
        assert queued.status_code == 201, queued.text
        assert queued.json()["queued"] == 1 and queued.json()["errors"][0]["number"] == no_mail
        replay = finance.post("/deliveries", json={"numbers": [number, no_mail]}, headers=key)
        assert replay.json()["deliveries"] == queued.json()["deliveries"]
        assert finance.get("/deliveries", params={"status": "queued"}).json()[0]["number"] == number
        run_key = new_key()
        sent = finance.post("/deliveries/runs", json={"channels": ["email"]}, headers=run_key)
        assert sent.status_code == 201, sent.text
        assert sent.json()["sent"] == 1 and len(inbox.received) == 1
        again = finance.post("/deliveries/runs", json={"channels": ["email"]}, headers=run_key)
        assert again.json()["sent"] == 1 and again.headers["idempotent-replayed"] == "true"
        assert len(inbox.received) == 1
        assert finance.get("/deliveries", params={"status": "queued"}).json() == []
        assert finance.get("/deliveries", params={"status": "sent"}).json()[0]["number"] == number
    with api_client(doc_clerk.services, Role.AUDITOR) as auditor:
        assert auditor.get("/deliveries").status_code == 200
        assert auditor.post("/deliveries/runs", json={}, headers=new_key()).status_code == 403
