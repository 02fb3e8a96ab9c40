"""Every command records who asked for it, and a replay keeps the first actor (issue 10, "who did it")."""

from __future__ import annotations

from ledger.core.actor import SYSTEM, Actor, Channel, Role
from ledger.core.idempotency import IdempotencyRecord, record_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk


def test_the_actor_is_recorded_with_the_command_and_a_replay_keeps_the_first(clerk: Clerk) -> None:
    app = clerk.services.app
    anna = Actor("anna@example.com", Role.FINANCE, Channel.HTTP, request_id="req-1", reason="new customer")
    command = pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON)
    app.execute(command, "partner-1", actor=anna)
    app.execute(command, "partner-1", actor=Actor("bruno", Role.FINANCE, Channel.CLI, host="desk-7"))
    record: IdempotencyRecord = app.repository.get(record_id(type(command).__name__, "partner-1"))
    assert record.actor == {"subject": "anna@example.com", "role": "finance", "channel": "http",
                            "request_id": "req-1", "reason": "new customer", "host": None}


def test_a_command_without_an_actor_is_recorded_as_saldo_itself(clerk: Clerk) -> None:
    app = clerk.services.app
    command = pc.RegisterPartner("Lucia Bianchi", PartnerKind.PERSON)
    app.execute(command, "partner-2")
    record: IdempotencyRecord = app.repository.get(record_id(type(command).__name__, "partner-2"))
    assert record.actor == SYSTEM.as_dict()
    assert app.actor() == SYSTEM  # outside a unit of work
