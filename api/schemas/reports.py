"""Bodies of the reports: aged receivables; consumption and revenue billed; the portfolio; the success of
direct-debit collections."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class AgedBucketsOut(BaseModel):
    not_due: Decimal = Field(description="open, due on or after the date")
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal
    total: Decimal = Field(description="the sum of the buckets: the open items' total on the date")
    credit: Decimal = Field(description="credit on account on the date (not aged, not in the total)")


class AgedAccountOut(AgedBucketsOut):
    account_id: UUID
    name: str
    currency: str


class AgedTotalOut(AgedBucketsOut):
    currency: str
    accounts: int = Field(description="accounts with something open or credit on account")


class AgedReceivablesOut(BaseModel):
    company: str = Field(description="the name of the company whose receivables these are (of each, when the "
                                     "report covers every company)")
    company_code: str | None = Field(description="its code (SALDO_CONFIG); null: every company's")
    as_of: date
    known_at: datetime
    totals: list[AgedTotalOut] = Field(description="the company's (or the one account's), per currency")
    accounts: list[AgedAccountOut] = Field(description="this page of accounts, in account-id order")
    next_after: UUID | None = Field(description="pass as `after` for the next page; null on the last")


# -- consumption and revenue, the portfolio, collection success (issue 14) ---------------------------------


class ReportPeriodOut(BaseModel):
    first_day: date = Field(description="the first day covered (1900-01-01: from the start)")
    last_day: date = Field(description="the last day covered, included (9999-12-31: to the end)")
    by: Literal["month", "range"] = Field(description="month: one period per month (YYYY-MM); range: the "
                                                      "days asked for are one period (first/last)")


class ConsumptionItem(BaseModel):
    period: str = Field(description="YYYY-MM, or first/last day of the range asked for (ISO 8601 interval)")
    company: str = Field(description="the code of the company whose documents these are")
    currency: str
    commodity: str | None = Field(description="the contract's commodity; null for a line of no contract")
    tariff_code: str | None = Field(description="the tariff that priced the line; null for a typed line")
    component: str = Field(description="the revenue component (revenue:<component>; excise is a liability)")
    kind: str = Field(description="standing, flat, per_unit, excise, tou, spot, tiers, demand, or other (a "
                                  "typed or lump-sum line)")
    band: str | None = Field(description="the time-of-use band (F1, F2, F3, peak, off-peak…) of a tou line")
    unit: str = Field(description="the unit of the quantity: kWh, Smc, m3, MWh, day, kW…")
    quantity: Decimal = Field(description="the lines' quantities added up; a credit note's count negative")
    supplied: Decimal | None = Field(description="the quantity when it is energy or volume supplied (flat, "
                                                 "tou, spot, tiers lines), else null")
    net: Decimal = Field(description="the lines' net amounts added up (credit notes negative)")
    lines: int = Field(description="how many document lines the row adds up")


class PeriodTotalOut(BaseModel):
    period: str
    company: str
    currency: str
    invoices: int
    credit_notes: int
    net: Decimal = Field(description="the documents' net: invoices less credit notes; equals the items' net "
                                     "of the period and company (with commodity: the whole documents that "
                                     "have a line of it, so a collective invoice of several commodities "
                                     "counts all its lines here)")
    vat: Decimal = Field(description="the documents' VAT, computed per rate on each document")
    gross: Decimal


class ConsumptionRevenueOut(BaseModel):
    period: ReportPeriodOut
    company: str | None = Field(description="the company asked for; null: every company")
    commodity: str | None = Field(description="the commodity asked for; null: every commodity")
    items: list[ConsumptionItem] = Field(description="per period, company, currency, commodity, tariff, "
                                                     "component, kind, band and unit, in that order")
    totals: list[PeriodTotalOut] = Field(description="per period, company and currency")


class PortfolioItem(BaseModel):
    subject: Literal["accounts", "contracts", "supply_points"] = Field(description="what the row counts")
    company: str
    status: str | None = Field(description="contracts: active or ended (on today's date); supply points: "
                                           "occupied or vacant; accounts: null")
    commodity: str | None
    scheme: str | None = Field(description="supply points: the identifier scheme (pod, pdr, cups, gsrn…)")
    payment_method: str | None = Field(description="the account's (a contract's or supply point's account)")
    currency: str | None = Field(description="accounts: the currency they are kept in")
    count: int
    open_items: Decimal | None = Field(description="accounts: their open items added up")
    credit: Decimal | None = Field(description="accounts: their credit on account added up")
    balance: Decimal | None = Field(description="accounts: open items less credit")


class PortfolioOut(BaseModel):
    company: str | None = Field(description="the company asked for; null: every company")
    on: date = Field(description="the day contracts are active or ended on (today)")
    items: list[PortfolioItem] = Field(description="accounts, then contracts, then supply points, each by "
                                                   "company and the group's dimensions")


class CollectionItem(BaseModel):
    period: str
    company: str
    currency: str
    outcome: Literal["collected", "pending", "returned"] = Field(
        description="collected: settled; pending: sent, neither settled nor returned yet; returned: "
                    "rejected or returned by the bank")
    label: str = Field(description="the outcome and reason code as one label (collected, returned AM04)")
    reason_code: str | None = Field(description="the bank's return reason code (returned only)")
    reason: str | None = Field(description="what the company's return policy says the code means")
    collections: int
    amount: Decimal
    share: Decimal = Field(description="of the period's and company's collections, in percent")


class CollectionSuccessOut(BaseModel):
    period: ReportPeriodOut
    company: str | None
    items: list[CollectionItem]
