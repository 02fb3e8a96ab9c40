"""Dunning procedures and country packs as data with versions: the company's dunning configuration, as events.

:class:`DunningConfiguration` is one aggregate per company. Each definition is an event with a version
number per procedure code (or pack country): 1 for the first definition, then 2, 3, … Version **0** is
what ships in the code (:mod:`ledger.dunning.packs` and the country/commodity table of
:class:`~ledger.dunning.settings.DunningSettings`), in force until a first definition replaces it. A
dunning run takes the latest version of each procedure on the day it looks, and every step it proposes and
records names the procedure and that version, so an auditor can always tell which text of the procedure
allowed a step (a later version never changes a step already taken).

Choices where the issue was silent:

- **A version applies from the run after it was defined**, not from a business date: a procedure is the
  company's instructions for its next letters, not a fact about the past. A run proposed under version 1
  and executed after version 2 was defined is executed under version 2 (execution always looks again).
- **Defining what is already in force changes nothing** (no new version), so sending the same definition
  twice is harmless; ``expected_version`` (when given) refuses a definition made on top of a version the
  sender did not see (optimistic concurrency, https://www.rfc-editor.org/rfc/rfc9110#name-if-match).
- **A pack names procedures of its own country** that exist when the pack is defined (shipped or
  defined). A procedure a pack names can still get new versions; it cannot be removed (nothing can).
- One aggregate for the whole configuration: it changes a few times a year, a run reads it once, and a
  definition is checked against everything else in it in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.core.ids import name_id
from ledger.dunning.procedure import Procedure
from ledger.dunning.settings import DunningSettings

#: Most levels a procedure may have, and most commodities a pack may assign: data a person types.
MAX_LEVELS = 10
MAX_PACK_ASSIGNMENTS = 20
#: Longest procedure code, and longest free text (reason, description, rule, note).
MAX_CODE_LENGTH = 40
MAX_TEXT = 500


def _text(value: str, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    if required and not value.strip():
        raise InvalidInput(f"{field} must not be empty", field)
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field)
    return value


def check_code(code: str) -> str:
    """A procedure code as it is stored: printable, no spaces, at most :data:`MAX_CODE_LENGTH` characters."""
    if not code or len(code) > MAX_CODE_LENGTH or not code.isprintable() or any(c.isspace() for c in code):
        raise InvalidInput(f"a procedure code is 1..{MAX_CODE_LENGTH} printable characters without spaces",
                           "code")
    return code


def check_country(country: str, field: str = "country") -> str:
    if len(country) != 2 or not country.isascii() or not country.isalpha() or not country.isupper():
        raise InvalidInput(f"country {country!r} is not a two-letter ISO 3166 code in capitals", field)
    return country


def check_procedure(procedure: Procedure) -> Procedure:
    """What a person may define, beyond what :class:`Procedure` itself checks: sizes and texts."""
    check_code(procedure.code)
    check_country(procedure.country)
    if len(procedure.levels) > MAX_LEVELS:
        raise InvalidInput(f"a procedure has at most {MAX_LEVELS} levels", "levels")
    _text(procedure.description, "description", required=False)
    for level in procedure.levels:
        where = f"levels[{level.level}]"
        _text(level.name, f"{where}.name", limit=100)
        _text(level.template, f"{where}.template", limit=100)
        _text(level.rule, f"{where}.rule")
        _text(level.note, f"{where}.note", required=False)
    return procedure


@dataclass(frozen=True, slots=True)
class PackAssignment:
    """In a pack's country, accounts of ``commodity`` are dunned by ``procedure`` (a code)."""

    commodity: str
    procedure: str


@dataclass(frozen=True, slots=True)
class DunningPack:
    """A country's rule pack: which procedure duns each commodity there."""

    country: str
    assignments: tuple[PackAssignment, ...]
    description: str = ""

    def procedure_for(self, commodity: str) -> str | None:
        for assignment in self.assignments:
            if assignment.commodity == commodity.lower():
                return assignment.procedure
        return None


@dataclass(frozen=True, slots=True)
class ProcedureVersion:
    version: int
    procedure: Procedure
    defined_on: date | None  # None: shipped
    reason: str


@dataclass(frozen=True, slots=True)
class PackVersion:
    version: int
    pack: DunningPack
    defined_on: date | None  # None: shipped
    reason: str


def shipped_packs(by_country_commodity: Mapping[tuple[str, str], str]) -> dict[str, DunningPack]:
    """The packs version 0 stands for: the settings' country/commodity table, grouped by country."""
    packs: dict[str, list[PackAssignment]] = {}
    for (country, commodity), code in sorted(by_country_commodity.items()):
        packs.setdefault(country, []).append(PackAssignment(commodity, code))
    return {country: DunningPack(country, tuple(assignments), "shipped with Saldo")
            for country, assignments in packs.items()}


class DunningConfiguration(Aggregate):
    """The company's procedures and packs, each with every version ever defined."""

    class Opened(Aggregate.Created):
        company: str

    class ProcedureDefined(Aggregate.Event):
        code: str
        version: int
        procedure: Procedure
        defined_on: date
        reason: str

    class PackDefined(Aggregate.Event):
        country: str
        version: int
        pack: DunningPack
        defined_on: date
        reason: str

    @event(Opened)
    def __init__(self, id: UUID, company: str) -> None:
        self.company = company
        self.procedures: dict[str, tuple[ProcedureVersion, ...]] = {}
        self.packs: dict[str, tuple[PackVersion, ...]] = {}

    @staticmethod
    def id_for(company: str = "company") -> UUID:
        return name_id("dunning-configuration", company)

    @staticmethod
    def _expect(expected: int | None, current: int, what: str, field: str = "expected_version") -> None:
        if expected is not None and expected != current:
            raise Conflict(f"{what} is at version {current}, not {expected}: read it again", field)

    def define_procedure(self, procedure: Procedure, defined_on: date, reason: str, current: int,
                         in_force: Procedure | None, expected_version: int | None) -> tuple[int, bool]:
        """Record ``procedure`` as the version after ``current`` (0: shipped or none); (version, new?)."""
        check_procedure(procedure)
        _text(reason, "reason")
        self._expect(expected_version, current, f"procedure {procedure.code}")
        if procedure == in_force:
            return current, False
        self._procedure_defined(procedure.code, current + 1, procedure, defined_on, reason.strip())
        return current + 1, True

    @event(ProcedureDefined)
    def _procedure_defined(self, code: str, version: int, procedure: Procedure, defined_on: date,
                           reason: str) -> None:
        entry = ProcedureVersion(version, procedure, defined_on, reason)
        self.procedures = {**self.procedures, code: (*self.procedures.get(code, ()), entry)}

    def define_pack(self, pack: DunningPack, defined_on: date, reason: str, current: int,
                    in_force: DunningPack | None, expected_version: int | None,
                    procedures: Mapping[str, Procedure]) -> tuple[int, bool]:
        """Record ``pack`` as the next version after ``current``; its procedures must be in ``procedures``."""
        check_country(pack.country)
        _text(reason, "reason")
        _text(pack.description, "description", required=False)
        if not pack.assignments or len(pack.assignments) > MAX_PACK_ASSIGNMENTS:
            raise InvalidInput(f"a pack assigns 1..{MAX_PACK_ASSIGNMENTS} commodities", "assignments")
        commodities = [a.commodity for a in pack.assignments]
        if len(set(commodities)) != len(commodities):
            raise InvalidInput("a commodity is assigned twice", "assignments")
        for k, assignment in enumerate(pack.assignments):
            known = procedures.get(assignment.procedure)
            if known is None:
                raise InvalidInput(f"unknown dunning procedure {assignment.procedure!r}",
                                   f"assignments[{k}].procedure")
            if known.country != pack.country:
                raise InvalidInput(f"procedure {known.code} is for {known.country}, not {pack.country}",
                                   f"assignments[{k}].procedure")
        self._expect(expected_version, current, f"pack {pack.country}")
        if pack == in_force:
            return current, False
        self._pack_defined(pack.country, current + 1, pack, defined_on, reason.strip())
        return current + 1, True

    @event(PackDefined)
    def _pack_defined(self, country: str, version: int, pack: DunningPack, defined_on: date,
                      reason: str) -> None:
        entry = PackVersion(version, pack, defined_on, reason)
        self.packs = {**self.packs, country: (*self.packs.get(country, ()), entry)}


@dataclass(frozen=True, slots=True)
class InForce:
    """The dunning configuration in force: the settings with every defined procedure and pack applied, and
    the version of each (0: as shipped)."""

    settings: DunningSettings
    procedure_versions: Mapping[str, int]
    pack_versions: Mapping[str, int]

    def procedure(self, code: str | None) -> tuple[Procedure, int]:
        """The procedure ``code`` (default: the settings' default) and its version."""
        procedure = self.settings.procedure(code)
        return procedure, self.procedure_versions.get(procedure.code, 0)


def in_force(settings: DunningSettings, configuration: DunningConfiguration | None) -> InForce:
    """What a run uses: the latest version of every procedure and pack over what ships."""
    if configuration is None:
        return InForce(settings, MappingProxyType({}), MappingProxyType({}))
    procedures = dict(settings.procedures)
    versions = {}
    for code, history in configuration.procedures.items():
        procedures[code] = history[-1].procedure
        versions[code] = history[-1].version
    table = {key: code for key, code in settings.by_country_commodity.items()
             if key[0] not in configuration.packs}
    pack_versions = {}
    for country, packs in configuration.packs.items():
        table.update({(country, a.commodity): a.procedure for a in packs[-1].pack.assignments})
        pack_versions[country] = packs[-1].version
    merged = replace(settings, procedures=MappingProxyType(procedures),
                     by_country_commodity=MappingProxyType(table))
    return InForce(merged, MappingProxyType(versions), MappingProxyType(pack_versions))


def procedure_history(settings: DunningSettings, configuration: DunningConfiguration | None,
                      code: str) -> tuple[ProcedureVersion, ...]:
    """Every version of procedure ``code``, oldest first: the shipped one (0) if any, then each defined."""
    shipped = settings.procedures.get(code)
    history = (ProcedureVersion(0, shipped, None, "shipped with Saldo"),) if shipped is not None else ()
    defined = configuration.procedures.get(code, ()) if configuration is not None else ()
    if not history and not defined:
        raise NotFound(f"unknown dunning procedure {code!r}; known: "
                       f"{', '.join(sorted(in_force(settings, configuration).settings.procedures))}", "code")
    return (*history, *defined)


def pack_history(settings: DunningSettings, configuration: DunningConfiguration | None,
                 country: str) -> tuple[PackVersion, ...]:
    """Every version of the pack of ``country``, oldest first (0: the shipped table, if it has one)."""
    shipped = shipped_packs(settings.by_country_commodity).get(country)
    history = (PackVersion(0, shipped, None, "shipped with Saldo"),) if shipped is not None else ()
    defined = configuration.packs.get(country, ()) if configuration is not None else ()
    if not history and not defined:
        raise NotFound(f"no dunning pack for {country!r}", "country")
    return (*history, *defined)
