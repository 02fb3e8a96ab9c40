"""Dunning procedures and country packs defined as data, with versions, on both stores; the run records the
version it used, and lists the accounts a lock kept from a step with the lock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from api.bootstrap import build
from ledger.core.errors import Conflict, InvalidInput
from ledger.dunning import IT_POWER_LV, DunningLevel, LockKind
from ledger.dunning import commands as dc
from ledger.dunning.run import DunningRun
from tests.clerk import Clerk
from tests.dunning_flow.helpers import account_of, customer, do, dun, state

AMAM = replace(IT_POWER_LV, code="IT-WATER-AMAM", description="AMAM Messina, water", interest_free_days=15)


def _run(clerk: Clerk, run_id: str) -> DunningRun:
    run: DunningRun = clerk.services.app.get(DunningRun, UUID(run_id), "dunning run", "run_id")
    return run


def test_a_new_procedure_gets_version_1_then_2_and_each_step_records_its_version(clerk: Clerk) -> None:
    first = do(clerk, dc.DefineDunningProcedure(AMAM, "AMAM Messina's water rules", expected_version=0))
    assert first == {"code": "IT-WATER-AMAM", "version": 1, "changed": True, "replayed": False}
    same = do(clerk, dc.DefineDunningProcedure(AMAM, "sent twice"))
    assert (same["version"], same["changed"]) == (1, False)
    with pytest.raises(Conflict, match="at version 1, not 0") as info:
        do(clerk, dc.DefineDunningProcedure(replace(AMAM, grace_days=5), "stale", expected_version=0))
    assert info.value.field == "expected_version"

    account = customer(clerk, "Ciccio Pace", terms_days=30)
    do(clerk, dc.AssignDunningProcedure(account, "IT-WATER-AMAM"))
    clerk.bill(account, "100.00", vat="0")  # due 31 March
    clerk.clock.today = date(2026, 4, 7)
    reminder = dun(clerk)
    assert reminder["by_level"] == {"1": 1}
    (proposed,) = _run(clerk, reminder["runs"][0]).proposed_steps
    assert (proposed.procedure, proposed.procedure_version) == ("IT-WATER-AMAM", 1)
    assert account_of(clerk, account).dunning_steps[-1].procedure_version == 1

    # Version 2: the formal notice costs 7.00. The next step is taken under it.
    levels = (AMAM.levels[0], replace(AMAM.levels[1], fee=Decimal("7.00")), AMAM.levels[2])
    second = do(clerk, dc.DefineDunningProcedure(replace(AMAM, levels=levels), "notice fee 7.00",
                                                 expected_version=1))
    assert (second["version"], second["changed"]) == (2, True)
    clerk.clock.today = date(2026, 4, 17)
    notice = dun(clerk)
    assert notice["by_level"] == {"2": 1}
    (executed,) = _run(clerk, notice["runs"][0]).steps
    assert (executed.procedure, executed.procedure_version, executed.fee) == ("IT-WATER-AMAM", 2,
                                                                             Decimal("7.00"))
    history = clerk.services.app.dunning.dunning_procedure("IT-WATER-AMAM")
    assert [(v.version, v.reason, v.defined_on) for v in history] == [
        (1, "AMAM Messina's water rules", date(2026, 3, 1)), (2, "notice fee 7.00", date(2026, 4, 7))]
    assert history[-1].procedure.levels[1].fee == Decimal("7.00")

    # Another application on the same store reads the same versions from the events.
    fresh = build(clerk.services.database_url, clock=clerk.clock)
    try:
        assert fresh.app.dunning.dunning_procedure("IT-WATER-AMAM") == history
    finally:
        fresh.close()


def test_a_shipped_procedure_is_version_0_until_it_is_redefined(clerk: Clerk) -> None:
    app = clerk.services.app
    assert [(v.version, v.defined_on) for v in app.dunning.dunning_procedure("IT-POWER-LV")] == [(0, None)]
    current = {v.procedure.code: v.version for v in app.dunning.dunning_procedures()}
    assert current["IT-POWER-LV"] == 0 and "IT-WATER-AMAM" not in current
    cheaper = replace(IT_POWER_LV, levels=(IT_POWER_LV.levels[0], replace(IT_POWER_LV.levels[1],
                                                                           fee=Decimal("3.00")),
                                           IT_POWER_LV.levels[2]))
    assert do(clerk, dc.DefineDunningProcedure(cheaper, "notice fee 3.00", 0))["version"] == 1
    assert [v.version for v in app.dunning.dunning_procedure("IT-POWER-LV")] == [0, 1]
    account = customer(clerk, "Nella Sole")  # the default procedure, IT-POWER-LV
    clerk.bill(account, "80.00", vat="0")  # due 11 March
    clerk.clock.today = date(2026, 3, 18)
    dun(clerk)
    clerk.clock.today = date(2026, 3, 28)
    assert dun(clerk)["by_level"] == {"2": 1}
    notice = account_of(clerk, account).dunning_steps[-1]
    assert (notice.procedure, notice.procedure_version, notice.fee) == ("IT-POWER-LV", 1, Decimal("3.00"))
    assert state(clerk, account).fees == Decimal("3.00")


def test_a_pack_names_the_procedure_of_each_commodity_of_its_country(clerk: Clerk) -> None:
    app = clerk.services.app
    packs = [(p.pack.country, p.version) for p in app.dunning.dunning_packs()]
    assert packs == [("ES", 0), ("FI", 0), ("IT", 0)]
    do(clerk, dc.DefineDunningProcedure(AMAM, "AMAM"))
    italy = (("electricity", "IT-POWER-LV"), ("gas", "IT-GAS"), ("water", "IT-WATER-AMAM"))
    assert do(clerk, dc.DefineDunningPack("IT", italy, "AMAM for water", "Italy"))["version"] == 1
    account = customer(clerk, "Lillo Ganzirri")
    assert do(clerk, dc.AssignDunningProcedure(account, country="IT", commodity="water"))["procedure"] == (
        "IT-WATER-AMAM")
    (shipped, defined) = app.dunning.dunning_pack("IT")
    assert (shipped.version, defined.version, defined.pack.procedure_for("water")) == (0, 1, "IT-WATER-AMAM")
    assert shipped.pack.procedure_for("water") is None


@pytest.mark.parametrize(("assignments", "field"), [
    ((("water", "NOPE"),), "assignments[0].procedure"),
    ((("electricity", "IT-POWER-LV"), ("gas", "FI-POWER")), "assignments[1].procedure"),  # Finland's
    ((("wind", "IT-POWER-LV"),), "assignments[0].commodity"),
    ((("gas", "IT-GAS"), ("gas", "IT-POWER-LV")), "assignments"),
    ((), "assignments"),
])
def test_a_bad_pack_is_refused_naming_the_field_and_writes_nothing(
        clerk: Clerk, assignments: tuple[tuple[str, str], ...], field: str) -> None:
    position = clerk.services.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as info:
        do(clerk, dc.DefineDunningPack("IT", assignments, "bad"))
    assert info.value.field == field
    assert clerk.services.app.recorder.max_notification_id() == position


def _level(number: int, **changes: object) -> DunningLevel:
    return replace(IT_POWER_LV.levels[0], level=number, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("build_it", "field"), [
    (lambda: replace(AMAM, code="HAS SPACE"), "code"),
    (lambda: replace(AMAM, country="it"), "country"),
    (lambda: replace(AMAM, levels=tuple(_level(n) for n in range(1, 12))), "levels"),
    (lambda: replace(AMAM, levels=(_level(1, template=""),)), "levels[1].template"),
    (lambda: replace(AMAM, description="x" * 501), "description"),
])
def test_a_bad_procedure_is_refused_naming_the_field_and_writes_nothing(  # type: ignore[no-untyped-def]
        clerk: Clerk, build_it, field) -> None:
    position = clerk.services.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as info:
        do(clerk, dc.DefineDunningProcedure(build_it(), "bad"))
    assert info.value.field == field
    with pytest.raises(InvalidInput) as info:
        do(clerk, dc.DefineDunningProcedure(AMAM, " "))
    assert info.value.field == "reason"
    assert clerk.services.app.recorder.max_notification_id() == position


def test_a_run_lists_the_accounts_a_lock_kept_from_a_step_with_the_lock(clerk: Clerk) -> None:
    disputed = customer(clerk, "Saro Lanterna")
    clerk.bill(disputed, "90.00", vat="0")  # due 11 March
    one_bill = customer(clerk, "Mela Torre")
    held_bill = clerk.bill(one_bill, "60.00", vat="0")["number"]
    free = customer(clerk, "Turi Mare")
    clerk.bill(free, "70.00", vat="0")
    whole = do(clerk, dc.SetDunningLock(disputed, LockKind.MANUAL, "customer in hospital", date(2026, 4, 30)))
    item = do(clerk, dc.SetDunningLock(one_bill, LockKind.DISPUTE, "meter reading disputed",
                                       invoice_number=held_bill))
    clerk.clock.today = date(2026, 3, 18)
    result = dun(clerk)
    assert result["by_level"] == {"1": 1}
    run = _run(clerk, result["runs"][0])
    assert {entry.account_id: [(s.kind, s.reason, s.until, s.document, s.source, s.lock_id)
                               for s in entry.locks] for entry in run.locked} == {
        disputed: [(LockKind.MANUAL, "customer in hospital", date(2026, 4, 30), None, "manual",
                    whole["lock_id"])],
        one_bill: [(LockKind.DISPUTE, "meter reading disputed", None, held_bill, "manual", item["lock_id"])],
    }
    assert result["locked"] == 2
    assert free not in {lock.account_id for lock in run.locked}
