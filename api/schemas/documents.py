"""Request and response bodies of the documents routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas import limits as n
from ledger.delivery.transport import Channel

# How many documents one POST /deliveries may queue: one request, one bounded transaction.
MAX_QUEUED_PER_REQUEST = 1000


class RenderingOut(BaseModel):
    """A rendering of a document, as recorded: the hash an auditor compares a re-render with."""

    number: str
    sha256: str = Field(description="SHA-256 of the PDF's bytes, lower-case hex")
    byte_length: int
    renderer: str = Field(description="the layout, model and PDF library versions that drew the bytes")
    recorded: bool = Field(description="false if this renderer's rendering had been recorded already")


class QueueIn(BaseModel):
    """Documents to put into a channel's outbox."""

    numbers: list[Annotated[str, Field(min_length=1, max_length=n.MAX_REFERENCE_LENGTH)]] = Field(
        min_length=1, max_length=MAX_QUEUED_PER_REQUEST, description="invoice or credit-note numbers")
    channel: Channel = Channel.EMAIL


class SendRunIn(BaseModel):
    """The channels a send run sends (default: every one)."""

    channels: list[Channel] = Field(default_factory=lambda: list(Channel), min_length=1, max_length=3)


class DeliveryOut(BaseModel):
    """One document on one channel: where it goes, the hash of the PDF it sends, and how far it got."""

    delivery_id: str
    number: str
    channel: str
    recipient: str
    language: str
    sha256: str = Field(description="SHA-256 of the PDF queued (recorded with the document's renderings)")
    renderer: str
    status: str = Field(description="queued, sending, failed, sent or given-up")
    attempts: int
    last_outcome: str | None = Field(description="ok, failed or unknown (its run ended before recording)")
    last_reason: str | None
    sent_at: str | None
    receipt: str | None = Field(description="the Message-ID sent, or the file written")


class QueuedOut(DeliveryOut):
    queued: bool = Field(description="false if the document was in this channel's outbox already")
    rendering_recorded: bool


class QueueError(BaseModel):
    number: str
    field: str | None
    reason: str


class QueueOut(BaseModel):
    channel: str
    queued: int
    already_queued: int
    deliveries: list[QueuedOut]
    errors: list[QueueError] = Field(description="documents not queued, and why (no e-mail address, ...)")


class SendRunOut(BaseModel):
    channels: list[str]
    sent: int
    failed: int = Field(description="attempts that failed: retried by a later run, up to the attempt limit")
    skipped: int = Field(description="due deliveries another run was sending, or refused (see problems)")
    at: str
    problems: list[str] = Field(default_factory=list)
