"""The remembered answer of an HTTP request that is not one command (an upload, a run's execution, a
simulation): recorded under the request's ``Idempotency-Key`` so that a replay gives the same answer.

The work itself is idempotent on its own terms (a statement file by its content, a run by its id, a
simulation writes nothing); what this adds is the HTTP promise of the README: every POST takes an
``Idempotency-Key``, the same key replays the first answer (``Idempotent-Replayed: true``), and the key
reused for a different request is a conflict. The answer is recorded after the work, in its own
transaction: a crash between the two leaves the work done and no answer, and the retry redoes the
(idempotent) work and records the answer then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.core.handling import Capability, Handled, handles
from ledger.parties.company import CompanyConfig


@dataclass(frozen=True, slots=True)
class RememberAnswer:
    """Record ``answer`` as the answer to the request ``route`` with content ``request_digest``."""

    route: str
    request_digest: str
    answer: dict[str, Any]

    def idempotency_payload(self) -> tuple[str, str]:
        """A replay is the same route and the same request, whatever the answer."""
        return (self.route, self.request_digest)


class AnswerHandlers(Capability[CompanyConfig]):
    @handles(RememberAnswer)
    def remember(self, cmd: RememberAnswer, rid: UUID) -> Handled:
        return [], dict(cmd.answer)
