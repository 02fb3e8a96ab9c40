"""Contract (contratto di fornitura): one supply at one supply point, on one contract account."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput


class Commodity(enum.Enum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"
    DISTRICT_HEATING = "district-heating"


class BillingFrequency(enum.Enum):
    """How often a contract is billed; the value is the number of months per billing period."""

    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"
    QUARTERLY = "quarterly"
    FOUR_MONTHLY = "four-monthly"
    HALF_YEARLY = "half-yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "bimonthly": 2, "quarterly": 3, "four-monthly": 4,
                "half-yearly": 6, "yearly": 12}[self.value]


@dataclass(frozen=True, slots=True)
class SupplyPoint:
    """POD / PDR (IT), CUPS (ES), metering point GSRN (FI), EIC, or a water meter number."""

    scheme: str
    id: str
    time_zone: str = "Europe/Rome"


@dataclass(frozen=True, slots=True)
class TariffAssignment:
    tariff_code: str
    effective_from: date


@dataclass(frozen=True, slots=True)
class DepositRequirement:
    """A deposit the contract's first invoice is to carry (:mod:`ledger.accounts.deposits`): the customer
    kind and size its rule is looked up by, and the amount the rule asked when it was required."""

    customer_kind: str
    size: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FrequencyAssignment:
    """How often the contract is billed from ``effective_from`` on (the first of a month)."""

    billing_frequency: BillingFrequency
    effective_from: date


class Contract(Aggregate):
    #: Class-level default, so contracts stored before deposits on first invoices load as "none required".
    deposit_requirement: DepositRequirement | None = None

    @event("Signed")
    def __init__(
        self,
        id: UUID,
        account_id: UUID,
        supply_point: SupplyPoint,
        commodity: Commodity,
        tariff: TariffAssignment,
        billing_frequency: BillingFrequency,
        start_date: date,
        end_date: date | None,
    ) -> None:
        self.account_id = account_id
        self.supply_point = supply_point
        self.commodity = commodity
        self.tariffs: tuple[TariffAssignment, ...] = (tariff,)
        #: The frequency assigned last (the one in force from its date on): what lists show.
        self.billing_frequency = billing_frequency
        self.frequencies: tuple[FrequencyAssignment, ...] = (
            FrequencyAssignment(billing_frequency, start_date),)
        self.start_date = start_date
        self.end_date = end_date

    def change_tariff(self, tariff_code: str, effective_from: date) -> None:
        """Assign a new tariff from a date (effective-dated; earlier assignments stay for re-rating)."""
        if effective_from <= self.tariffs[-1].effective_from:
            raise InvalidInput(f"a tariff change must be later than the current assignment (from "
                               f"{self.tariffs[-1].effective_from})", "effective_from")
        self._check_within(effective_from)
        self._tariff_changed(TariffAssignment(tariff_code, effective_from))

    def _check_within(self, effective_from: date) -> None:
        if self.end_date is not None and effective_from > self.end_date:
            raise InvalidInput(f"the contract ended on {self.end_date}", "effective_from")

    @event("TariffChanged")
    def _tariff_changed(self, tariff: TariffAssignment) -> None:
        self.tariffs = (*self.tariffs, tariff)

    class BillingFrequencyChanged(Aggregate.Event):
        frequency: FrequencyAssignment

    def change_billing_frequency(self, frequency: BillingFrequency, effective_from: date) -> None:
        """Bill every ``frequency`` from the first of a month on; the period running then ends the day before.

        Periods are calendar months grouped from January (:func:`ledger.billing.decisions.billing_periods`),
        so a change takes effect on the first of a month, later than the frequency assigned last.
        """
        last = self.frequencies[-1]
        if effective_from.day != 1:
            raise InvalidInput("a billing frequency changes on the first day of a month", "effective_from")
        if effective_from <= last.effective_from:
            raise InvalidInput(f"a billing frequency change must be later than the current assignment "
                               f"(from {last.effective_from})", "effective_from")
        self._check_within(effective_from)
        if frequency is last.billing_frequency:
            raise InvalidInput(f"the contract is already billed {frequency.value}", "billing_frequency")
        self._frequency_changed(FrequencyAssignment(frequency, effective_from))

    @event(BillingFrequencyChanged)
    def _frequency_changed(self, frequency: FrequencyAssignment) -> None:
        self.frequencies = (*self.frequencies, frequency)
        self.billing_frequency = frequency.billing_frequency

    def frequency_on(self, day: date) -> BillingFrequency:
        """The billing frequency in force on ``day`` (the signed one before the first change)."""
        current = self.frequencies[0].billing_frequency
        for assignment in self.frequencies:
            if assignment.effective_from <= day:
                current = assignment.billing_frequency
        return current

    def frequency_spans(self) -> list[tuple[BillingFrequency, date, date | None]]:
        """(frequency, first day, last day or None) of each stretch of the contract billed one way."""
        spans: list[tuple[BillingFrequency, date, date | None]] = []
        for i, assignment in enumerate(self.frequencies):
            start = max(assignment.effective_from, self.start_date)
            nxt = self.frequencies[i + 1].effective_from if i + 1 < len(self.frequencies) else None
            last = self.end_date if nxt is None else (nxt - timedelta(days=1))
            if self.end_date is not None and last is not None:
                last = min(last, self.end_date)
            if last is None or start <= last:
                spans.append((assignment.billing_frequency, start, last))
        return spans

    def end(self, end_date: date) -> None:
        if self.end_date is not None:
            raise Conflict(f"contract already ended on {self.end_date}", "end_date")
        if end_date < self.start_date:
            raise InvalidInput("end date is before the start date", "end_date")
        self._ended(end_date)

    @event("Ended")
    def _ended(self, end_date: date) -> None:
        self.end_date = end_date

    def require_deposit(self, requirement: DepositRequirement) -> None:
        if self.deposit_requirement is not None:
            raise Conflict("the contract requires a deposit already", "contract_id")
        if self.end_date is not None:
            raise Conflict(f"contract ended on {self.end_date}", "contract_id")
        self._deposit_required(requirement)

    @event("DepositRequired")
    def _deposit_required(self, requirement: DepositRequirement) -> None:
        self.deposit_requirement = requirement

    def tariff_on(self, day: date) -> str | None:
        """The tariff code in force on ``day``, or None before the contract's first assignment."""
        current = None
        for assignment in self.tariffs:
            if assignment.effective_from <= day:
                current = assignment.tariff_code
        return current
