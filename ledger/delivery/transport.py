"""The port a channel's adapter implements, and the retry policy of a send run (as data).

A :class:`Transport` is given the parcels of one channel due in a run, all at once (the print channel
makes one batch file of them, the e-mail channel sends them over one SMTP connection), and answers an
:class:`Outcome` for each. The adapters live outside the domain (``api/delivery``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID


class Channel(enum.Enum):
    """How a document reaches its customer."""

    EMAIL = "email"  #: to the partner's e-mail address, the PDF attached
    EINVOICE = "e-invoice"  #: the structured file, dropped for the e-invoicing intermediary
    PRINT = "print"  #: into the run's print batch, for the printing house


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how soon a failed delivery is tried again.

    ``waits``: after the n-th failed attempt the delivery is due again ``waits[n-1]`` later (the last one
    for any later attempt); after ``max_attempts`` failed attempts it is given up (reported, not retried).
    ``in_doubt_after``: an attempt started this long ago with no outcome recorded is taken for one whose
    run crashed; its outcome is recorded as unknown and the delivery is tried again.
    """

    max_attempts: int = 5
    waits: tuple[timedelta, ...] = (timedelta(0), timedelta(minutes=15), timedelta(hours=1),
                                    timedelta(hours=6))
    in_doubt_after: timedelta = timedelta(minutes=10)

    def wait_after(self, failed_attempts: int) -> timedelta:
        if failed_attempts < 1:
            return timedelta(0)
        return self.waits[min(failed_attempts, len(self.waits)) - 1]


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class Parcel:
    """One delivery's attempt as a transport gets it: the document and whom it goes to."""

    delivery_id: UUID
    attempt: int
    channel: Channel
    number: str  #: the invoice or credit note number
    recipient: str  #: the e-mail address; the partner's tax id (e-invoice); the addressee (print)
    addressee: str  #: the business partner's name
    language: str  #: the partner's language, for the message's text
    company: str  #: the issuing company's legal name
    pdf: bytes  #: the document as rendered, whose hash the delivery recorded


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a transport made of a parcel: delivered (``receipt``: what the other side answered) or not."""

    delivery_id: UUID
    ok: bool
    reason: str | None = None
    receipt: str | None = None


class Transport(Protocol):
    """Port: send the parcels of one channel; one outcome per parcel, in any order, never an exception for
    one refused parcel (errors as data)."""

    @property
    def channel(self) -> Channel: ...

    def deliver(self, parcels: Sequence[Parcel]) -> list[Outcome]: ...
