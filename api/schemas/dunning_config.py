"""Bodies of the dunning configuration: procedures and country packs as data, with their versions.

Limits follow :mod:`ledger.dunning.configuration` (``MAX_LEVELS``, ``MAX_PACK_ASSIGNMENTS``, ``MAX_TEXT``),
so a body that is too large is refused before it reaches the domain, and the domain says why otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from api.schemas import AmountStr, Strict
from ledger.dunning.configuration import MAX_CODE_LENGTH, MAX_LEVELS, MAX_PACK_ASSIGNMENTS, MAX_TEXT

#: Longest wait a level may name, in days (ten years) and months: data a person types.
MAX_DAYS = 3650
MAX_MONTHS = 120


class DunningLevelIn(Strict):
    level: int = Field(ge=1, le=MAX_LEVELS, description="1, 2, … in order")
    name: str = Field(min_length=1, max_length=100, examples=["sollecito"])
    days_after_due: int = Field(ge=0, le=MAX_DAYS)
    min_amount: AmountStr
    fee: AmountStr
    template: str = Field(min_length=1, max_length=100, examples=["it-reminder"])
    charges_interest: bool
    min_days_since_previous: int = Field(ge=0, le=MAX_DAYS)
    min_months_since_previous: int = Field(default=0, ge=0, le=MAX_MONTHS)
    days_to_pay: int = Field(default=0, ge=0, le=MAX_DAYS)
    rule: str = Field(min_length=1, max_length=MAX_TEXT, examples=["IT-ARERA-258/2015 TIMOE art. 3"],
                      description="the text that allows the step; every step cites it")
    note: str = Field(default="", max_length=MAX_TEXT)


class DunningProcedureIn(Strict):
    country: str = Field(pattern=r"^[A-Z]{2}$", max_length=2, examples=["IT"])
    levels: list[DunningLevelIn] = Field(min_length=1, max_length=MAX_LEVELS)
    grace_days: int = Field(ge=0, le=MAX_DAYS)
    interest_free_days: int = Field(default=0, ge=0, le=MAX_DAYS,
                                    description="no late interest for these days after the due date; "
                                                "it then runs from the window's end")
    description: str = Field(default="", max_length=MAX_TEXT)
    reason: str = Field(min_length=1, max_length=MAX_TEXT, description="why this version")
    expected_version: int | None = Field(default=None, ge=0,
                                         description="the version you read (0: shipped or none); "
                                                     "another is a 409")


class DunningLevelOut(BaseModel):
    level: int
    name: str
    days_after_due: int
    min_amount: Decimal
    fee: Decimal
    template: str
    charges_interest: bool
    min_days_since_previous: int
    min_months_since_previous: int
    days_to_pay: int
    rule: str
    note: str


class DunningProcedureOut(BaseModel):
    code: str = Field(max_length=MAX_CODE_LENGTH)
    version: int = Field(description="0: as shipped with Saldo")
    defined_on: date | None
    reason: str
    country: str
    grace_days: int
    interest_free_days: int
    description: str
    levels: list[DunningLevelOut]


class DunningProcedureHistoryOut(BaseModel):
    code: str
    current: DunningProcedureOut
    versions: list[DunningProcedureOut] = Field(description="oldest first; the last is in force")


class DunningDefinedOut(BaseModel):
    version: int
    changed: bool = Field(description="false: what was sent is in force already, nothing was recorded")
    code: str | None = None
    country: str | None = None


class PackAssignmentIO(Strict):
    commodity: str = Field(max_length=MAX_CODE_LENGTH, examples=["water"],
                           description="electricity, gas, water or district-heating")
    procedure: str = Field(min_length=1, max_length=MAX_CODE_LENGTH, examples=["IT-WATER-AMAM"])


class DunningPackIn(Strict):
    assignments: list[PackAssignmentIO] = Field(min_length=1, max_length=MAX_PACK_ASSIGNMENTS)
    description: str = Field(default="", max_length=MAX_TEXT)
    reason: str = Field(min_length=1, max_length=MAX_TEXT)
    expected_version: int | None = Field(default=None, ge=0)


class DunningPackOut(BaseModel):
    country: str
    version: int = Field(description="0: as shipped with Saldo")
    defined_on: date | None
    reason: str
    description: str
    assignments: list[PackAssignmentIO]


class DunningPackHistoryOut(BaseModel):
    country: str
    current: DunningPackOut
    versions: list[DunningPackOut] = Field(description="oldest first; the last is in force")
