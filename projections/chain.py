"""The tamper-evident history: a hash chain over the stored events in commit (notification) order.

Each stored event has one link, kept with its position (notification id) in the chain table:

    link(p) = SHA-256(link(previous position) ‖ topic ‖ originator id ‖ originator version ‖ state)

where the link before the first event is :data:`GENESIS` (32 zero bytes), and each of the four fields is
written with its length first (8 bytes, big-endian), so no two different events encode the same way. The
originator id is its 16 bytes (a UUID) or its UTF-8 text, the version its decimal digits, the state the
very bytes stored. A change to any stored event, a removed one, an inserted one or two swapped change the
link at that position and every link after it: :func:`first_break` names the first position where the
stored events and the stored links part. A chain kept in the same database can of course be recomputed by
whoever can rewrite the events; what it adds is that a :class:`Checkpoint` (position, link) exported and
kept elsewhere pins everything up to that position (as in Certificate Transparency, RFC 9162 §2.1).

This module is pure: the store adapters (:mod:`projections.chain_sql`) read and write the rows.

>>> from uuid import UUID
>>> one = link(GENESIS, "ledger.x:Y.Created", UUID(int=1), 1, b'{"a":1}')
>>> len(one), one == link(GENESIS, "ledger.x:Y.Created", UUID(int=1), 1, b'{"a":2}')
(32, False)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

#: The link before the first event.
GENESIS = bytes(32)


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def _originator(originator_id: UUID | str) -> bytes:
    return originator_id.bytes if isinstance(originator_id, UUID) else str(originator_id).encode("utf-8")


def link(previous: bytes, topic: str, originator_id: UUID | str, version: int, state: bytes) -> bytes:
    """The link of one stored event, given the link before it."""
    digest = hashlib.sha256(previous)
    digest.update(_field(topic.encode("utf-8")))
    digest.update(_field(_originator(originator_id)))
    digest.update(_field(str(version).encode("ascii")))
    digest.update(_field(bytes(state)))
    return digest.digest()


@dataclass(frozen=True, slots=True)
class ChainedEvent:
    """A stored event as the chain sees it: its position and the four fields that are hashed."""

    position: int
    topic: str
    originator_id: UUID | str
    originator_version: int
    state: bytes


def links(previous: bytes, events: Iterable[ChainedEvent]) -> list[tuple[int, bytes]]:
    """``(position, link)`` of each event in turn, starting after ``previous``."""
    out = []
    for e in events:
        previous = link(previous, e.topic, e.originator_id, e.originator_version, e.state)
        out.append((e.position, previous))
    return out


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first position where the stored events no longer match their links, and what was seen there."""

    position: int
    kind: str  # "changed" | "removed" | "inserted" | "unsealed" | "checkpoint"
    detail: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What the auditor keeps elsewhere: the chain's link at a position, and when it was read."""

    position: int
    link: bytes
    taken_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "hash": self.link.hex(), "time": self.taken_at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkpoint:
        """The checkpoint from its JSON form; a malformed one raises ValueError naming the field."""
        try:
            position = data["position"]
            digest = bytes.fromhex(data["hash"])
            taken_at = datetime.fromisoformat(data["time"])
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"not a checkpoint (position, hash, time): {e}") from None
        if not isinstance(position, int) or isinstance(position, bool) or position < 1:
            raise ValueError(f"checkpoint position must be a positive integer, got {position!r}")
        if len(digest) != len(GENESIS):
            raise ValueError(f"checkpoint hash must be {len(GENESIS)} bytes of hex, got {len(digest)}")
        return cls(position, digest, taken_at)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a verification: how many events were checked, the last good link, the first break."""

    events: int
    head: tuple[int, bytes] | None
    problem: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.problem is None


_MISSING: Any = object()


def verify(events: Iterable[ChainedEvent], stored: Iterable[tuple[int, bytes]],
           checkpoints: Iterable[Checkpoint] = ()) -> ChainReport:
    """Recompute the chain over ``events`` and compare it with the ``stored`` links, both in position order.

    Stops at the first position where they part: an event whose fields do not give the stored link there
    (changed, or reordered), a link without its event (removed), an event without a link (inserted, or
    written past the chain by something other than Saldo's recorder). Then each checkpoint must name a
    position the intact chain still holds, with the same link.
    """
    wanted = {c.position: c for c in checkpoints}
    previous, checked, head = GENESIS, 0, None
    event_iter, link_iter = iter(events), iter(stored)
    event, stored_link = next(event_iter, _MISSING), next(link_iter, _MISSING)
    if event is not _MISSING and stored_link is _MISSING:
        return ChainReport(0, None, ChainBreak(
            event.position, "unsealed", "the store has events but no chain: recorded before the chain "
            "existed; `saldo audit backfill` links them (or the chain table was emptied)"))
    while event is not _MISSING or stored_link is not _MISSING:
        problem = _compare(previous, event, stored_link)
        if problem is not None:
            return ChainReport(checked, head, problem)
        position, previous = stored_link
        head = (position, previous)
        checked += 1
        seen = wanted.pop(position, None)
        if seen is not None and seen.link != previous:
            return ChainReport(checked, head, ChainBreak(
                position, "checkpoint", f"the chain at position {position} is {previous.hex()}, the "
                f"checkpoint of {seen.taken_at.isoformat()} says {seen.link.hex()}: the history up to there "
                "was rewritten (chain recomputed)"))
        event, stored_link = next(event_iter, _MISSING), next(link_iter, _MISSING)
    if wanted:
        position = min(wanted)
        return ChainReport(checked, head, ChainBreak(
            position, "checkpoint", f"the checkpoint of {wanted[position].taken_at.isoformat()} names "
            f"position {position}, which the store's chain does not hold (it ends at "
            f"{head[0] if head else 'nothing'})"))
    return ChainReport(checked, head, None)


def _compare(previous: bytes, event: Any, stored_link: Any) -> ChainBreak | None:
    """What is wrong at the next position of the merge walk, if anything (both sides in position order)."""
    if stored_link is _MISSING or (event is not _MISSING and event.position < stored_link[0]):
        return ChainBreak(event.position, "inserted",
                          f"the event at position {event.position} ({event.topic} of {event.originator_id} "
                          f"v{event.originator_version}) has no link: it was inserted outside Saldo's "
                          "recorder")
    if event is _MISSING or event.position > stored_link[0]:
        return ChainBreak(stored_link[0], "removed",
                          f"position {stored_link[0]} is linked but holds no event: the event was removed "
                          "(or moved to another position)")
    expected = link(previous, event.topic, event.originator_id, event.originator_version, event.state)
    if expected != stored_link[1]:
        return ChainBreak(event.position, "changed",
                          f"the event at position {event.position} ({event.topic} of {event.originator_id} "
                          f"v{event.originator_version}) is not the one linked there: changed, reordered, or "
                          "an event before it was removed with its link")
    return None
