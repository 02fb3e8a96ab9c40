"""The ids our pain.008 files carry, which the bank's reports quote back: the keys returns are matched on.

- the message id (``GrpHdr/MsgId``, quoted as ``OrgnlMsgId``): ``SALDO-`` + the first 20 hex digits of
  the collection run's id (35 characters at most, as the XSD allows; the run id itself is too long);
- the payment-information id (``PmtInfId``, quoted as ``OrgnlPmtInfId``): sequence type and collection
  date, ``RCUR-2026-03-10``, unique within a message (one block per pair);
- the end-to-end id of each collection (``EndToEndId``), chosen when the run is proposed
  (:mod:`ledger.collections.handlers`) and kept on the collection.

>>> from uuid import UUID
>>> run = UUID("fc2eaf73-e85d-5de5-8db3-0095e075d5c2")
>>> run_message_id(run)
'SALDO-fc2eaf73e85d5de58db3'
>>> run_id_prefix(run_message_id(run))
'fc2eaf73-e85d-5de5-8db3-'
>>> str(run).startswith(run_id_prefix(run_message_id(run)) or "")
True
>>> run_id_prefix("MSG-2026-0003") is None
True
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

MESSAGE_PREFIX = "SALDO-"
_MESSAGE_RE = re.compile(r"SALDO-([0-9a-f]{20})")


def run_message_id(run_id: UUID) -> str:
    """The message id of the pain.008 of the run ``run_id``."""
    return f"{MESSAGE_PREFIX}{run_id.hex[:20]}"


def run_id_prefix(message_id: str) -> str | None:
    """The start of the run id (as text, with its dashes) a message id of ours names; None if not ours."""
    match = _MESSAGE_RE.fullmatch(message_id.strip())
    if match is None:
        return None
    h = match.group(1)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"


def payment_information_id(sequence_type: str, collection_date: date) -> str:
    """The ``PmtInfId`` of the block of collections of one sequence type and collection date."""
    return f"{sequence_type}-{collection_date.isoformat()}"
