"""Commands of delivery. Immutable value records, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.delivery.transport import Channel


@dataclass(frozen=True, slots=True)
class QueueDelivery:
    """Put document ``number`` into ``channel``'s outbox, recording the rendering it will send (its SHA-256,
    length and renderer version), so that every PDF sent has its hash recorded. Queued once per channel:
    the same document again adds nothing."""

    number: str
    channel: Channel
    sha256: str
    byte_length: int
    renderer: str


@dataclass(frozen=True, slots=True)
class StartAttempt:
    """Record, before sending, that attempt ``attempt`` of a delivery starts at ``at`` sending this rendering
    of the document (recorded with the document's renderings, so every PDF sent has its hash recorded, even
    one a newer renderer drew than the one queued). Run under a key
    naming the delivery and the attempt: a second run that gets the key replayed knows another run has
    the attempt, and leaves it."""

    delivery_id: UUID
    attempt: int
    at: datetime
    #: the rendering this attempt sends (recorded, as a queued one is): what the receiver gets
    sha256: str
    byte_length: int
    renderer: str


@dataclass(frozen=True, slots=True)
class RecordAttempt:
    """Record what became of attempt ``attempt``: delivered (``receipt``: the other side's answer) or
    failed (``reason``)."""

    delivery_id: UUID
    attempt: int
    ok: bool
    reason: str | None
    receipt: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CloseSendRun:
    """Record a send run's counts under the run's key, so that the same request replays them instead of
    sending again."""

    channels: tuple[str, ...]
    sent: int
    failed: int
    skipped: int
    at: datetime
