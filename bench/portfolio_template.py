"""One customer of each variant, built through commands, and what every other customer's events differ by.

:func:`capture` builds :mod:`bench.portfolio_history` for the customers ``TEMPLATE + v`` on a scratch SQLite
store, and records, while it runs, how every id was derived (``uuid5(namespace, name)``: every Saldo id is,
see :mod:`ledger.core.ids`) and which canonical command text every idempotency fingerprint hashes. A
customer's events then differ from its variant's template only by *slots* in their JSON:

* its token (``token(i)`` in its names, keys, supply point and mandate reference),
* ids derived from those (hex or dashed), recomputed by the same derivation from the substituted names,
* invoice numbers (each month's numbers follow the billing run's order: the accounts sorted by id), the
  RF payment references printed from them (check digits recomputed) and the number range's version that
  each invoice's idempotency record names,
* payment documents (``PAY-`` and the first 12 hex digits of the payment's id),
* fingerprints (the SHA-256 of the substituted command text).

Everything else (amounts, dates, topics, versions of the customer's own aggregates) is the template's, byte
for byte; tests/test_portfolio_loader.py compares a loaded portfolio with one built through commands.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import ledger.application as application_module
import ledger.core.ids as ids_module
from api.bootstrap import build
from bench.portfolio_history import VARIANTS, build_history
from ledger.core.transcoding import canonical_json

#: The template customers are TEMPLATE + variant: a token no real customer has (below 90 million).
TEMPLATE = 90_000_000
NUMBER_RANGE = "ledger.accounts.invoice:NumberRange"
INVOICE_ISSUED = "ledger.accounts.invoice:Invoice.Issued"

_U36 = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SLOTS = re.compile(
    r"(?P<rf>RF\d\d(?P<rfbase>INV\d{10,}))"
    r"|(?P<num>INV-\d{4}-\d{6,})"
    r"|(?P<pay>PAY-[0-9a-f]{12}(?![0-9a-f]))"
    r"|(?P<fp>(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f]))"
    rf"|(?P<u36>{_U36})"
    r"|(?P<u32>(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f]))"
    rf"|(?P<tok>(?<!\d){TEMPLATE // 10_000_000}000000\d(?!\d))"
)
#: The number range's entries in an invoice's idempotency record (what it changed): the draw, and the
#: range's opening for the year's first invoice.
NR_VERSION = re.compile(rf'(?:\["{_U36}",1,"{NUMBER_RANGE}\.Opened"\],)?\["(?P<nr>{_U36})",(?P<v>\d+),'
                        rf'"{NUMBER_RANGE}\.Drawn"\]')

Segment = str | tuple[str, str]  # literal text, or (kind, template value)


def compile_text(text: str, nr_ids: frozenset[str]) -> list[Segment]:
    """``text`` split into literal runs and slots."""
    out: list[Segment] = []
    position = 0
    for m in _matches(text, nr_ids):
        start, end, kind, value = m
        if start > position:
            out.append(text[position:start])
        out.append((kind, value))
        position = end
    if position < len(text):
        out.append(text[position:])
    return out


def _matches(text: str, nr_ids: frozenset[str]) -> list[tuple[int, int, str, str]]:
    found = [(m.start(), m.end(), "nrv", f"{m['nr']}|{m['v']}") for m in NR_VERSION.finditer(text)
             if m["nr"] in nr_ids]
    spans = [(s, e) for s, e, _, _ in found]
    for m in SLOTS.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        kind = m.lastgroup if m.lastgroup != "rfbase" else "rf"
        found.append((m.start(), m.end(), str(kind), m["rfbase"] if kind == "rf" else m[0]))
    return sorted(found)


@dataclass
class Template:
    """The template customers' events and what their slots are made of."""

    events: list[tuple[UUID, int, str, bytes]]  #: every event, in log order
    derivations: dict[UUID, tuple[UUID, str]]  #: id -> (namespace, name) of its uuid5
    fingerprints: dict[str, str]  #: SHA-256 hex -> the canonical command text it hashes
    numbers: dict[str, int] = field(default_factory=dict)  #: template invoice number -> its variant
    per_customer: set[UUID] = field(default_factory=set)  #: ids that belong to one customer
    owner: dict[UUID, int] = field(default_factory=dict)  #: such an id -> its variant
    nr_ids: frozenset[str] = frozenset()  #: the number ranges' ids (dashed)

    def variant_of_text(self, text: str) -> int | None:
        """The variant a name or text belongs to (its token, a number or a per-customer id), if any."""
        for m in SLOTS.finditer(text):
            if m["tok"]:
                return int(m["tok"]) - TEMPLATE
            if m["num"] and m["num"] in self.numbers:
                return self.numbers[m["num"]]
            value = m["u36"] or m["u32"]
            if value and UUID(value) in self.owner:
                return self.owner[UUID(value)]
        return None


def capture(workdir: Path | None = None) -> Template:
    """Build the template customers through commands on a scratch SQLite store (a few seconds)."""
    derivations: dict[UUID, tuple[UUID, str]] = {}
    fingerprints: dict[str, str] = {}
    real_uuid5, real_fingerprint = ids_module.uuid5, application_module.fingerprint

    def uuid5(namespace: UUID, name: str) -> UUID:
        made = real_uuid5(namespace, name)
        derivations[made] = (namespace, name)
        return made

    def fingerprint(command: Any) -> str:
        digest = real_fingerprint(command)
        payload = command.idempotency_payload() if hasattr(command, "idempotency_payload") else command
        fingerprints[digest] = canonical_json(payload)
        return digest

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        today = [date(2023, 12, 1)]
        svc = build(f"sqlite:///{tmp}/template.sqlite", clock=lambda: today[0])
        ids_module.uuid5, application_module.fingerprint = uuid5, fingerprint  # type: ignore[assignment]
        try:
            build_history(svc, [TEMPLATE + v for v in range(VARIANTS)], lambda d: today.__setitem__(0, d))
            rows = svc.app.recorder.select_notifications(1, 10**9)
            events = [(n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in rows]
        finally:
            ids_module.uuid5, application_module.fingerprint = real_uuid5, real_fingerprint  # type: ignore[assignment]
            svc.close()
    template = Template(events, derivations, fingerprints)  # type: ignore[arg-type]
    _classify(template)
    return template


def _classify(t: Template) -> None:
    """Which ids and numbers belong to which template customer."""
    for _, _, topic, state in t.events:
        if topic == INVOICE_ISSUED:
            doc = json.loads(state)
            t.numbers[doc["number"]] = -1  # resolved below, once accounts have owners
    changed = True
    while changed:  # ids derive from ids: settle owners to a fixed point
        changed = False
        for made, (namespace, name) in t.derivations.items():
            if made in t.owner:
                continue
            owner = t.owner.get(namespace)
            if owner is None:
                owner = t.variant_of_text(name)
            if owner is not None and owner >= 0:
                t.owner[made] = owner
                changed = True
        for _, _, topic, state in t.events:
            if topic == INVOICE_ISSUED:
                doc = json.loads(state)
                account = UUID(doc["account_id"]["_data_"])
                if t.numbers[doc["number"]] < 0 and account in t.owner:
                    t.numbers[doc["number"]] = t.owner[account]
                    changed = True
    t.per_customer = set(t.owner)
    t.nr_ids = frozenset(str(o) for o, _, topic, _ in t.events if topic.startswith(NUMBER_RANGE + "."))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


Resolver = Callable[[str, str], str]
