"""Queueing documents for delivery and the send run: what ``POST /deliveries``, ``POST /deliveries/runs``,
``saldo documents queue`` and ``saldo documents send`` share.

A send run, per channel: read the outbox's pending deliveries that are due
(:meth:`~ledger.delivery.outbox.Delivery.is_due`), render each document, record each attempt as started
with the hash of the PDF it sends (one transaction, under a key naming the delivery and the attempt, so a
concurrent run that finds the key used leaves that delivery alone), hand the parcels to the channel's
:class:`~ledger.delivery.transport.Transport`, and record each outcome (one transaction). The run's counts
are recorded under the request's idempotency key: the same request again answers them, and sends nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from api.documents.invoice_pdf import RENDERER
from api.documents.service import render
from ledger.application import Saldo
from ledger.core.actor import Actor
from ledger.core.errors import DomainError, InvalidInput
from ledger.core.idempotency import IdempotencyRecord, record_id
from ledger.delivery import commands as dc
from ledger.delivery.handlers import delivery_dict
from ledger.delivery.outbox import Delivery, DeliveryStatus, Outbox
from ledger.delivery.transport import DEFAULT_RETRY, Channel, Outcome, Parcel, Transport

#: Most deliveries one channel sends in one run (one transaction records their start, one their outcome);
#: the rest wait for the next run.
MAX_RUN_DELIVERIES = 1_000
#: Most documents one queue request names.
MAX_QUEUE_DOCUMENTS = 1_000
#: Most deliveries a list answers.
MAX_LISTED_DELIVERIES = 1_000


def utc_now() -> datetime:
    return datetime.now(UTC)


def queue(app: Saldo, numbers: Sequence[str], channel: Channel, key: str, actor: Actor | None = None
          ) -> dict[str, Any]:
    """Queue each document on ``channel`` (rendering it and recording the rendering); a document that
    cannot be (no e-mail address, no such number) is reported with its reason, the others go ahead.
    ``key``: the request's idempotency key; each document's command runs under a key derived from it, so
    the same request again replays the same answer."""
    if len(numbers) > MAX_QUEUE_DOCUMENTS:
        raise InvalidInput(f"at most {MAX_QUEUE_DOCUMENTS} documents per request", "numbers")
    scope = hashlib.sha256(key.strip().encode()).hexdigest()[:24]  # any key's length fits in the item's
    batch: list[tuple[object, str]] = []
    errors: list[dict[str, Any]] = []
    queued: list[dict[str, Any]] = []
    for number in dict.fromkeys(n.strip() for n in numbers):
        item_key = f"delivery:queue:{scope}:{number}:{channel.value}"
        known = _known(app, number, channel, item_key)
        if known is not None:  # nothing to render: this request's replay, or a document queued before
            queued.append(known)
            continue
        try:
            rendered = render(app, number)
        except DomainError as e:
            errors.append({"number": number, "field": e.field, "reason": str(e)})
            continue
        command = dc.QueueDelivery(rendered.number, channel, rendered.sha256, len(rendered.pdf), RENDERER)
        batch.append((command, item_key))
    for (queued_command, _), item in zip(batch, app.execute_many(batch, actor=actor), strict=True):
        if item.error is not None:
            errors.append({"number": getattr(queued_command, "number", ""),
                           "field": getattr(item.error, "field", None), "reason": str(item.error)})
        elif item.result is not None:
            queued.append(item.result)
    return {"channel": channel.value, "queued": sum(1 for q in queued if q["queued"]),
            "already_queued": sum(1 for q in queued if not q["queued"]), "deliveries": queued,
            "errors": errors}


def _known(app: Saldo, number: str, channel: Channel, item_key: str) -> dict[str, Any] | None:
    """The answer for a document whose queueing needs no rendering: the replay of this request's item, or
    a delivery queued already (by another request)."""
    done = app.find(IdempotencyRecord, record_id(dc.QueueDelivery.__name__, item_key))
    if done is not None:
        return dict(done.result, replayed=True)
    delivery = app.find(Delivery, Delivery.id_for(number, channel))
    if delivery is None:
        return None
    return {**delivery_dict(delivery), "queued": False, "rendering_recorded": False, "replayed": False}


@dataclass
class _ChannelRun:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)  # deliveries not attempted, and why


def send_run(app: Saldo, transports: Mapping[Channel, Transport], channels: Sequence[Channel], key: str,
             now: Callable[[], datetime] = utc_now, actor: Actor | None = None) -> dict[str, Any]:
    """Send every due delivery of ``channels``; the run's counts (replayed for a key already used)."""
    done = app.find(IdempotencyRecord, record_id(dc.CloseSendRun.__name__, key.strip()))
    if done is not None:
        return dict(done.result, replayed=True)
    counts = _ChannelRun()
    for channel in channels:
        transport = transports.get(channel)
        if transport is None:
            counts.problems.append(f"{channel.value}: no transport configured; its deliveries stay queued")
            continue
        _send_channel(app, channel, transport, now(), counts, actor)
    result = app.execute(dc.CloseSendRun(tuple(c.value for c in channels), counts.sent, counts.failed,
                                         counts.skipped, now()), key, actor=actor)
    return {**result, "problems": counts.problems}


def _send_channel(app: Saldo, channel: Channel, transport: Transport, at: datetime, counts: _ChannelRun,
                  actor: Actor | None) -> None:
    outbox = app.find(Outbox, Outbox.id_for(channel))
    if outbox is None:
        return
    pending = [app.find(Delivery, i) for i in outbox.pending_ids()[:MAX_RUN_DELIVERIES]]
    due = [d for d in pending if d is not None and d.is_due(at, DEFAULT_RETRY)]
    parcels: list[Parcel] = []
    starts: list[tuple[object, str]] = []
    for delivery in due:
        rendered = render(app, delivery.number)
        attempt = len(delivery.attempts) + 1
        parcels.append(Parcel(delivery.id, attempt, channel, delivery.number, delivery.recipient,
                              delivery.addressee, delivery.language, delivery.company, rendered.pdf))
        start = dc.StartAttempt(delivery.id, attempt, at, rendered.sha256, len(rendered.pdf), RENDERER)
        starts.append((start, f"delivery:{delivery.id}:attempt:{attempt}"))
    items = app.execute_many(starts, actor=actor)
    claimed = []
    for parcel, item in zip(parcels, items, strict=True):
        if item.error is not None:  # not due after all, or a rendering that contradicts the recorded one
            counts.problems.append(f"{parcel.number} ({channel.value}): {item.error}")
        elif item.result is not None and not item.result["replayed"]:
            claimed.append(parcel)
    counts.skipped += len(parcels) - len(claimed)  # another run has them, or refused above
    outcomes = {o.delivery_id: o for o in transport.deliver(claimed)}
    finished: list[tuple[object, str]] = []
    for parcel in claimed:
        outcome = outcomes.get(parcel.delivery_id) or Outcome(parcel.delivery_id, False,
                                                              "the transport gave no outcome")
        counts.sent += outcome.ok
        counts.failed += not outcome.ok
        finished.append((dc.RecordAttempt(parcel.delivery_id, parcel.attempt, outcome.ok, outcome.reason,
                                          outcome.receipt, at),
                         f"delivery:{parcel.delivery_id}:attempt:{parcel.attempt}:outcome"))
    app.execute_many(finished, actor=actor)


def deliveries(app: Saldo, channel: Channel | None = None, status: DeliveryStatus | None = None,
               limit: int = MAX_LISTED_DELIVERIES) -> list[dict[str, Any]]:
    """The deliveries of ``channel`` (every channel if None), latest queued first, of ``status`` if given:
    those pending and the latest :data:`~ledger.delivery.outbox.MAX_RECENT` queued."""
    found: list[dict[str, Any]] = []
    for each in [channel] if channel is not None else list(Channel):
        outbox = app.find(Outbox, Outbox.id_for(each))
        if outbox is None:
            continue
        recent = set(outbox.recent)
        older = [i for i in outbox.pending_ids() if i not in recent]  # pending, queued long ago
        for delivery_id in reversed((*older, *outbox.recent)):
            delivery = app.find(Delivery, delivery_id)
            if delivery is None or (status is not None and delivery.status(DEFAULT_RETRY) is not status):
                continue
            found.append(delivery_dict(delivery))
            if len(found) >= limit:
                return found
    return found
