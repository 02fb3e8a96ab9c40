"""The outbox of a channel and its deliveries: what is waiting to be sent, and what happened to each.

A :class:`Delivery` is one document on one channel; its id is named by both, so queueing the same
document on the same channel again finds it and adds nothing. Its events: ``Delivery.Queued`` (recipient,
language and the SHA-256 of the PDF queued), then per attempt ``Delivery.AttemptStarted`` (the SHA-256 of
the PDF it sends; recorded and saved *before* anything is sent), ``Delivery.Attempted`` (outcome ``ok``,
``failed`` or ``unknown``, the reason, the attempt's number) and, once, ``Delivery.Succeeded``.

Why an attempt is recorded as started before it is sent: a run that crashes after the server accepted a
message but before the outcome was saved leaves a started attempt with no outcome. The next run does not
take that for "never sent": past :attr:`~ledger.delivery.transport.RetryPolicy.in_doubt_after` it records
that attempt's outcome as ``unknown`` and sends again, with the same ``Message-ID`` (derived from the
delivery's id, RFC 5322 §3.6.4, https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4) so that the
receiving side can recognise the repeat; files are written under the same name, so a repeat replaces the
file. So a success is never sent twice *silently*: at most once more, and the history says so.

The :class:`Outbox` (one per channel) keeps the ids of the deliveries still pending (not succeeded, not
given up), so that a send run reads the outbox and the pending deliveries only, and of the latest queued.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput
from ledger.core.ids import name_id
from ledger.delivery.transport import Channel, RetryPolicy

#: How many of the latest deliveries an outbox lists (older ones are in the event log, each its own).
MAX_RECENT = 1_000
#: Longest reason recorded for a failed attempt (an SMTP reply, an exception's text), in characters.
MAX_REASON_LENGTH = 500


class DeliveryStatus(enum.Enum):
    QUEUED = "queued"  #: never tried
    SENDING = "sending"  #: an attempt started and has no outcome yet (or its run crashed)
    FAILED = "failed"  #: the last attempt failed or its outcome is unknown; due again after the backoff
    SENT = "sent"
    GIVEN_UP = "given-up"  #: failed as many times as the policy allows: reported, not retried


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    started_at: datetime
    sha256: str  #: of the PDF this attempt sent
    outcome: str | None = None  #: "ok", "failed", "unknown" (its run crashed); None while running
    reason: str | None = None
    finished_at: datetime | None = None


class Delivery(Aggregate):
    """One document on one channel, and every attempt to send it."""

    @staticmethod
    def id_for(number: str, channel: Channel) -> UUID:
        return name_id("delivery", number, channel.value)

    @event("Queued")
    def __init__(self, id: UUID, number: str, channel: Channel, recipient: str, addressee: str,
                 language: str, company: str, sha256: str, renderer: str) -> None:
        self.number = number
        self.channel = channel
        self.recipient = recipient
        self.addressee = addressee
        self.language = language
        self.company = company
        self.sha256 = sha256
        self.renderer = renderer
        self.attempts: tuple[Attempt, ...] = ()
        self.receipt: str | None = None
        self.sent_at: datetime | None = None

    def status(self, policy: RetryPolicy) -> DeliveryStatus:
        if self.sent_at is not None:
            return DeliveryStatus.SENT
        if not self.attempts:
            return DeliveryStatus.QUEUED
        if self.attempts[-1].outcome is None:
            return DeliveryStatus.SENDING
        return DeliveryStatus.GIVEN_UP if len(self.attempts) >= policy.max_attempts else DeliveryStatus.FAILED

    def due_at(self, policy: RetryPolicy) -> datetime | None:
        """When the next attempt may start (None: now; never for a delivery sent or given up is not asked)."""
        if not self.attempts:
            return None
        last = self.attempts[-1]
        if last.outcome is None:
            return last.started_at + policy.in_doubt_after
        assert last.finished_at is not None
        return last.finished_at + policy.wait_after(len(self.attempts))

    def is_due(self, now: datetime, policy: RetryPolicy) -> bool:
        if self.status(policy) in (DeliveryStatus.SENT, DeliveryStatus.GIVEN_UP):
            return False
        due = self.due_at(policy)
        return due is None or now >= due

    def start(self, attempt: int, at: datetime, sha256: str, policy: RetryPolicy) -> None:
        """Record that attempt ``attempt`` starts now; an earlier one left open is recorded as unknown."""
        if attempt != len(self.attempts) + 1:
            raise Conflict(f"{self.number} ({self.channel.value}): attempt {attempt} is not the next one "
                           f"({len(self.attempts) + 1})", "attempt")
        if not self.is_due(at, policy):
            raise Conflict(f"{self.number} ({self.channel.value}) is {self.status(policy).value}, not due "
                           f"before {self.due_at(policy)}", "attempt")
        if self.attempts and self.attempts[-1].outcome is None:
            self._attempted(attempt - 1, "unknown", "its run ended before recording an outcome; the server "
                            "may have accepted it (sent again with the same Message-ID)", at)
        self._attempt_started(attempt, at, sha256)

    def finish(self, attempt: int, ok: bool, reason: str | None, receipt: str | None, at: datetime) -> None:
        """Record the outcome of attempt ``attempt`` (and the success, the first time one succeeds)."""
        if not 1 <= attempt <= len(self.attempts) or self.attempts[attempt - 1].outcome not in (None,
                                                                                                "unknown"):
            raise Conflict(f"{self.number} ({self.channel.value}): attempt {attempt} is not open", "attempt")
        if reason is not None and (len(reason) > MAX_REASON_LENGTH):
            reason = reason[: MAX_REASON_LENGTH - 1] + "…"
        if not ok and not reason:
            raise InvalidInput("a failed attempt names its reason", "reason")
        self._attempted(attempt, "ok" if ok else "failed", reason, at)
        if ok and self.sent_at is None:
            self._succeeded(attempt, receipt, at)

    @event("AttemptStarted")
    def _attempt_started(self, attempt: int, at: datetime, sha256: str) -> None:
        self.attempts = (*self.attempts, Attempt(attempt, at, sha256))

    @event("Attempted")
    def _attempted(self, attempt: int, outcome: str, reason: str | None, at: datetime) -> None:
        done = self.attempts[attempt - 1]
        finished = Attempt(attempt, done.started_at, done.sha256, outcome, reason, at)
        self.attempts = (*self.attempts[: attempt - 1], finished, *self.attempts[attempt:])

    @event("Succeeded")
    def _succeeded(self, attempt: int, receipt: str | None, at: datetime) -> None:
        self.receipt = receipt
        self.sent_at = at


class Outbox(Aggregate):
    """The deliveries of one channel still pending, and the latest :data:`MAX_RECENT` queued (for the list).

    Its state stays bounded however many documents pass through: pending deliveries leave when they are
    sent or given up, and the list of recent ones keeps the latest only (each delivery's full history is
    its own events). Every change builds new values rather than changing the old ones in place, as every
    aggregate here does: a snapshot or a replayed unit of work may still hold the old ones.
    """

    @staticmethod
    def id_for(channel: Channel) -> UUID:
        return name_id("outbox", channel.value)

    @event("Opened")
    def __init__(self, id: UUID, channel: Channel) -> None:
        self.channel = channel
        self.recent: tuple[UUID, ...] = ()  # the latest queued, oldest first
        # delivery id (as text: a snapshot's JSON keys are text) → document number, in queueing order
        self.pending: dict[str, str] = {}
        self.queued = 0  # how many deliveries were ever queued on this channel

    def pending_ids(self) -> list[UUID]:
        """The pending deliveries' ids, oldest queued first."""
        return [UUID(k) for k in self.pending]

    def enter(self, delivery_id: UUID, number: str) -> None:
        """Add a new delivery (the handler queues a document on a channel once: its id is new)."""
        self._entered(delivery_id, number)

    def settle(self, delivery_id: UUID) -> None:
        """The delivery succeeded or was given up: no send run needs to read it again."""
        if str(delivery_id) in self.pending:
            self._settled(delivery_id)

    @event("Entered")
    def _entered(self, delivery_id: UUID, number: str) -> None:
        self.recent = (*self.recent[-(MAX_RECENT - 1):], delivery_id)
        self.pending = {**self.pending, str(delivery_id): number}
        self.queued += 1

    @event("Settled")
    def _settled(self, delivery_id: UUID) -> None:
        self.pending = {k: v for k, v in self.pending.items() if k != str(delivery_id)}
