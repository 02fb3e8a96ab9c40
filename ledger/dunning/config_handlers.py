"""Dunning procedures and packs as data: define a new version, and read what is in force and what was.

Functions of the running :class:`~ledger.core.handling.Workspace`, like :mod:`ledger.dunning.plan_handlers`:
:class:`ledger.dunning.handlers.DunningHandlers` registers the commands and delegates here, and resolves
what a run uses with :func:`ledger.dunning.configuration.in_force`. The model and its choices are in
:mod:`ledger.dunning.configuration`.
"""

from __future__ import annotations

from uuid import UUID

from ledger.accounts.contract import Commodity
from ledger.core.errors import InvalidInput, NotFound
from ledger.core.handling import Handled, Workspace
from ledger.dunning import commands as dc
from ledger.dunning.configuration import (
    MAX_PACK_ASSIGNMENTS,
    DunningConfiguration,
    DunningPack,
    PackAssignment,
    PackVersion,
    ProcedureVersion,
    check_country,
    in_force,
    pack_history,
    procedure_history,
    shipped_packs,
)
from ledger.dunning.settings import DunningSettings
from ledger.parties.company import CompanyConfig

_COMMODITIES = tuple(c.value for c in Commodity)


def configuration(ws: Workspace[CompanyConfig]) -> DunningConfiguration | None:
    return ws.find(DunningConfiguration, DunningConfiguration.id_for())


def _open(ws: Workspace[CompanyConfig]) -> DunningConfiguration:
    return configuration(ws) or DunningConfiguration(DunningConfiguration.id_for(), "company")


def _history_or_none(settings: DunningSettings, config: DunningConfiguration | None,
                     code: str) -> tuple[ProcedureVersion, ...]:
    try:
        return procedure_history(settings, config, code)
    except NotFound:
        return ()


def define_procedure(ws: Workspace[CompanyConfig], settings: DunningSettings,
                     cmd: dc.DefineDunningProcedure, rid: UUID) -> Handled:
    config = _open(ws)
    history = _history_or_none(settings, config, cmd.procedure.code)
    current = history[-1] if history else None
    version, new = config.define_procedure(cmd.procedure, ws.today(), cmd.reason, current.version if current
                                           else 0, current.procedure if current else None,
                                           cmd.expected_version)
    return ([config] if new else []), {"code": cmd.procedure.code, "version": version, "changed": new}


def _pack(cmd: dc.DefineDunningPack) -> DunningPack:
    if len(cmd.assignments) > MAX_PACK_ASSIGNMENTS:
        raise InvalidInput(f"a pack assigns 1..{MAX_PACK_ASSIGNMENTS} commodities", "assignments")
    assignments = []
    for k, (commodity, code) in enumerate(cmd.assignments):
        if commodity not in _COMMODITIES:
            raise InvalidInput(f"unknown commodity {commodity!r}; known: {', '.join(_COMMODITIES)}",
                               f"assignments[{k}].commodity")
        assignments.append(PackAssignment(commodity, code))
    return DunningPack(check_country(cmd.country), tuple(assignments), cmd.description.strip())


def define_pack(ws: Workspace[CompanyConfig], settings: DunningSettings, cmd: dc.DefineDunningPack,
                rid: UUID) -> Handled:
    pack = _pack(cmd)
    config = _open(ws)
    try:
        current: PackVersion | None = pack_history(settings, config, pack.country)[-1]
    except NotFound:
        current = None
    procedures = in_force(settings, config).settings.procedures
    version, new = config.define_pack(pack, ws.today(), cmd.reason, current.version if current else 0,
                                      current.pack if current else None, cmd.expected_version, procedures)
    return ([config] if new else []), {"country": pack.country, "version": version, "changed": new}


# -- queries ---------------------------------------------------------------------------------------------


def procedures(ws: Workspace[CompanyConfig], settings: DunningSettings) -> list[ProcedureVersion]:
    """The version in force of every procedure, by code."""
    config = configuration(ws)
    codes = sorted(in_force(settings, config).settings.procedures)
    return [procedure_history(settings, config, code)[-1] for code in codes]


def procedure(ws: Workspace[CompanyConfig], settings: DunningSettings,
              code: str) -> tuple[ProcedureVersion, ...]:
    """Every version of one procedure, oldest first (the last is in force)."""
    return procedure_history(settings, configuration(ws), code)


def packs(ws: Workspace[CompanyConfig], settings: DunningSettings) -> list[PackVersion]:
    """The version in force of every country's pack, by country."""
    config = configuration(ws)
    countries = set(shipped_packs(settings.by_country_commodity)) | set(config.packs if config else ())
    return [pack_history(settings, config, country)[-1] for country in sorted(countries)]


def pack(ws: Workspace[CompanyConfig], settings: DunningSettings, country: str) -> tuple[PackVersion, ...]:
    return pack_history(settings, configuration(ws), country)

