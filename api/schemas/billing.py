"""Bodies of the billing cycle: readings and load curves, self-readings, tariffs, spot prices, runs."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from api.schemas import CompanyCode, Strict
from api.schemas import limits as n
from ledger.billing.readings import ReadingSource

#: Most readings or load-curve points one JSON request may carry (larger sets go as a file).
MAX_JSON_ITEMS = 5000
DecimalText = Annotated[str, Field(pattern=r"^[0-9]{1,15}(\.[0-9]{1,6})?$",
                                   max_length=n.MAX_NUMBER_TEXT_LENGTH, examples=["12345.678"])]


class ReadingIn(Strict):
    supply_point: str = Field(max_length=n.MAX_IDENTIFIER_LENGTH, examples=["IT001E12345678"])
    read_on: date = Field(description="the index at the end of this local day")
    index: DecimalText
    source: ReadingSource = ReadingSource.ACTUAL
    multiplier: DecimalText = "1"
    digits: int | None = Field(default=None, ge=1, le=15)
    supersedes: str | None = Field(default=None, max_length=n.MAX_IDENTIFIER_LENGTH)
    note: str = Field(default="", max_length=n.MAX_NOTE_LENGTH)


class ReadingsIn(Strict):
    readings: list[ReadingIn] = Field(min_length=1, max_length=MAX_JSON_ITEMS)


class CurvePointIn(Strict):
    start: datetime = Field(
        description="interval start with its UTC offset", examples=["2026-03-29T03:00:00+02:00"]
    )
    value: DecimalText


class LoadCurveIn(Strict):
    supply_point: str = Field(max_length=n.MAX_IDENTIFIER_LENGTH)
    time_zone: str = Field(default="Europe/Rome", max_length=n.MAX_TIME_ZONE_LENGTH)
    resolution_min: int | None = Field(
        default=None, description="15, 30 or 60; else from the points' spacing"
    )
    unit: str = Field(default="kWh", max_length=n.MAX_UNIT_LENGTH)
    points: list[CurvePointIn] = Field(min_length=1, max_length=MAX_JSON_ITEMS)


class SelfReadingIn(Strict):
    read_on: date
    index: DecimalText
    note: str = Field(default="", max_length=n.MAX_NOTE_LENGTH)


class TariffIn(Strict):
    version: dict[str, Any] = Field(description="a tariff version as data (see ledger.billing.rating.tariff)")
    spot_index: str | None = Field(default=None, max_length=n.MAX_CODE_LENGTH, examples=["IT-PUN"])


class SpotPricesIn(Strict):
    index: str = Field(max_length=n.MAX_CODE_LENGTH, examples=["IT-PUN"])
    start: datetime
    resolution_min: int = 60
    unit: str = Field(default="EUR/MWh", max_length=n.MAX_UNIT_LENGTH)
    prices: list[Annotated[str, Field(pattern=r"^-?[0-9]{1,9}(\.[0-9]{1,6})?$",
                                      max_length=n.MAX_NUMBER_TEXT_LENGTH)] | None] = Field(
        min_length=1, max_length=3000
    )


class RunIn(Strict):
    # Three bodies are called RunIn, so pydantic names them after their module in the OpenAPI document;
    # clients generated from it know this one as api__billing_http__RunIn. Pinning the module keeps
    # that name (and is why this file has no ``from __future__ import annotations``: pydantic would look
    # the field types up in the pinned module, which no longer exists).
    __module__ = "api.billing_http"
    period_start: date
    period_end: date = Field(description="last day included")
    issue_date: date | None = None
    company: CompanyCode | None = None


class SimulationIn(RunIn):
    drafts: int = Field(default=50, ge=0, le=10_000, description="how many draft invoices to return")
