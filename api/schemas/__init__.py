"""Request and response bodies of the HTTP API (pydantic v2), one module per capability as FastAPI's
template keeps them apart from the routes; here the field types and bodies they share.

Amounts travel as decimal strings ("122.00"), never JSON numbers: a JSON number is a binary float in most
clients, and a ledger must not lose a cent in transit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.limits import MAX_NUMBER_TEXT_LENGTH, MAX_REASON_LENGTH
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH

AmountStr = Annotated[str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$", max_length=MAX_NUMBER_TEXT_LENGTH,
                                 examples=["122.00"],
                                 description="Amount in the account's currency, at most 2 decimals")]
DecimalStr = Annotated[str, Field(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$",
                                  max_length=MAX_NUMBER_TEXT_LENGTH, examples=["0.1234"])]



@dataclass(frozen=True)
class SheetKind:
    """What a field's cells are in a spreadsheet when its type alone does not say (a ``Decimal`` is an
    amount unless marked otherwise): metadata for :func:`api.listing.columns_of`, no part of the schema."""

    kind: str


#: A decimal that is not money (a meter index, a multiplier): a plain number in a spreadsheet.
Quantity = Annotated[Decimal, SheetKind("decimal")]


#: The company a run is for, by its code (SALDO_CONFIG); a run that names none is the default company's.
CompanyCode = Annotated[str, Field(min_length=1, max_length=MAX_COMPANY_CODE_LENGTH, pattern=r"^[a-z0-9-]+$",
                                   examples=["fi-network"],
                                   description="only this company's accounts (default: the default company)")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH)
