"""The renderings of a document: the hash of every PDF Saldo issued of an invoice or credit note.

One aggregate per document number (:class:`DocumentRenderings`), apart from the
:class:`~ledger.accounts.invoice.Invoice` itself, so recording a rendering never races a credit note
against the invoice. Each :class:`DocumentRenderings.Rendered` event records the SHA-256 of the bytes, their
length and the renderer version that made them: an auditor re-renders the document from the events with
that renderer and compares hashes (architecture.md §8: documents are projections too).

A renderer version gives one hash per document: the same document rendered again by it records nothing
new, and a different hash under the same version is refused (:class:`~ledger.core.errors.Conflict`): it
means the rendering is not deterministic, or the events or configuration it is drawn from changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput
from ledger.core.handling import Workspace
from ledger.core.ids import name_id

_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Longest renderer version text (``saldo-invoice-pdf/1 model/1 fpdf2/2.8.9``).
MAX_RENDERER_LENGTH = 80


@dataclass(frozen=True, slots=True)
class Rendering:
    sha256: str
    byte_length: int
    renderer: str


class DocumentRenderings(Aggregate):
    """Every rendering recorded for one document number, in the order they were recorded."""

    @staticmethod
    def id_for(number: str) -> UUID:
        return name_id("document-renderings", number)

    @event("Opened")
    def __init__(self, id: UUID, number: str) -> None:
        self.number = number
        self.renderings: tuple[Rendering, ...] = ()

    def of(self, renderer: str) -> Rendering | None:
        """The rendering recorded under ``renderer``, if any."""
        return next((r for r in self.renderings if r.renderer == renderer), None)

    def record(self, sha256: str, byte_length: int, renderer: str) -> bool:
        """Record a rendering; False if this renderer's rendering was recorded already with this hash."""
        if not _SHA256.fullmatch(sha256):
            raise InvalidInput("sha256 must be 64 lower-case hex digits", "sha256")
        if byte_length < 1:
            raise InvalidInput("a rendering has at least one byte", "byte_length")
        if not renderer.strip() or len(renderer) > MAX_RENDERER_LENGTH or not renderer.isprintable():
            raise InvalidInput(f"renderer must be 1 to {MAX_RENDERER_LENGTH} printable characters",
                               "renderer")
        known = self.of(renderer)
        if known is not None:
            if known.sha256 != sha256 or known.byte_length != byte_length:
                raise Conflict(f"{self.number} rendered by {renderer} was recorded as {known.sha256} "
                               f"({known.byte_length} bytes), not {sha256} ({byte_length} bytes)", "sha256")
            return False
        self._rendered(sha256, byte_length, renderer)
        return True

    @event("Rendered")
    def _rendered(self, sha256: str, byte_length: int, renderer: str) -> None:
        self.renderings = (*self.renderings, Rendering(sha256, byte_length, renderer))


def record_rendering(ws: Workspace[object], number: str, sha256: str, byte_length: int,
                     renderer: str) -> tuple[DocumentRenderings, bool]:
    """The renderings record of issued document ``number`` with this rendering in it (opened if it was not);
    whether the rendering is new. What recording a rendering and queueing a delivery both do, so that every
    PDF sent has its hash recorded (issue 13 item 1)."""
    renderings = ws.find(DocumentRenderings, DocumentRenderings.id_for(number))
    if renderings is None:
        renderings = DocumentRenderings(DocumentRenderings.id_for(number), number)
    return renderings, renderings.record(sha256, byte_length, renderer)
