"""Bodies of the audit endpoints: the trail of commands that touched an account or a document."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class ActorOut(BaseModel):
    """Who asked for the command (``ledger.core.actor.Actor``); role is null for Saldo itself."""

    subject: str = Field(examples=["anna@example.com"])
    role: str | None = Field(examples=["finance"])
    channel: str = Field(examples=["http"], description="http, cli, import or run")
    request_id: str | None = None
    reason: str | None = None
    host: str | None = Field(default=None, description="the terminal's host, for the CLI")


class TrailEventOut(BaseModel):
    aggregate_id: UUID
    topic: str = Field(examples=["ledger.accounts.account:ContractAccount.PaymentReceived"])
    version: int


class TrailEntryOut(BaseModel):
    position: int = Field(description="store position of the command's record: the order of commits")
    recorded_at: datetime
    command: str = Field(examples=["RecordPayment"])
    idempotency_key: str
    actor: ActorOut | None = Field(description="null for commands recorded before actors were")
    events: list[TrailEventOut] = Field(description="every event the command wrote, in order")


class TrailOut(BaseModel):
    account_id: UUID | None
    document: str | None
    entries: list[TrailEntryOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last")
