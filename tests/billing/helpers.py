"""A billing clerk: tariffs, contracts, readings and runs in the domain's words, on either store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.invoice import Invoice, document_id
from ledger.billing import commands as b
from ledger.billing.rating import Component, TariffVersion
from ledger.billing.readings import ReadingSource
from ledger.billing.records import ContractBilling
from ledger.billing.run import RunReport, run_billing
from tests.clerk import Clerk, key

ROME = ZoneInfo("Europe/Rome")
D = Decimal
_pods = count(1)


def pod() -> str:
    """A fresh, valid Italian POD."""
    return f"IT001E{next(_pods):08d}"


def rome(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ROME)


@dataclass
class BillingClerk:
    clerk: Clerk

    @property
    def app(self) -> Any:
        return self.clerk.services.app

    def run(self, command: object, idempotency_key: str | None = None) -> dict[str, Any]:
        return self.clerk.run(command, idempotency_key)  # type: ignore[arg-type]

    def tariff(
        self,
        code: str,
        *components: Component,
        vat: str = "22",
        valid_from: date = date(2025, 1, 1),
        vid: str = "v1",
        unit: str = "kWh",
        spot_index: str | None = None,
    ) -> TariffVersion:
        version = TariffVersion(code, vid, valid_from, None, "EUR", D(vat), components, unit)
        self.run(b.DefineTariffVersion(version, spot_index))
        return version

    def customer(self, name: str = "Mario Rossi") -> UUID:
        return self.clerk.customer(name)

    def contract(
        self,
        account: UUID,
        supply_point: str,
        tariff: str,
        frequency: BillingFrequency = BillingFrequency.BIMONTHLY,
        start: date = date(2025, 11, 1),
        commodity: Commodity = Commodity.ELECTRICITY,
        scheme: str = "pod",
    ) -> UUID:
        result = self.run(ac.SignContract(account, scheme, supply_point, commodity, tariff, frequency, start))
        return UUID(result["contract_id"])

    def read(
        self,
        supply_point: str,
        day: date,
        index: str,
        source: ReadingSource = ReadingSource.ACTUAL,
        supersedes: str | None = None,
    ) -> str:
        result = self.run(b.RecordReading(supply_point, day, D(index), source, supersedes=supersedes))
        return str(result["reading_id"])

    def curve(self, supply_point: str, first_day: date, resolution_min: int, values: list[float]) -> None:
        """Interval values from local midnight of ``first_day``, split into local months."""
        start = rome(first_day).astimezone(UTC)
        by_month: dict[str, list[tuple[datetime, float]]] = {}
        for i, v in enumerate(values):
            t = (start + timedelta(minutes=resolution_min * i)).astimezone(ROME)
            by_month.setdefault(f"{t:%Y-%m}", []).append((t, v))
        for points in by_month.values():
            self.run(
                b.RecordLoadCurve(supply_point, points[0][0], resolution_min, tuple(v for _, v in points))
            )

    def bill(self, start: date, end: date, *, simulate: bool = False, **kwargs: Any) -> RunReport:
        report = run_billing(self.app, start, end, simulate=simulate, **kwargs)
        self.clerk.services.projections.catch_up()
        return report

    def invoice(self, number: str) -> Invoice:
        found = self.app.repository.get(document_id(number))
        assert isinstance(found, Invoice)
        return found

    def history(self, contract: UUID) -> ContractBilling:
        found = self.app.repository.get(ContractBilling.id_for(contract))
        assert isinstance(found, ContractBilling)
        return found

    def documents(self, contract: UUID) -> list[Invoice]:
        return [self.invoice(n) for n in self.history(contract).documents()]

    def events(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def key(self) -> str:
        return key("billing")


def amounts(invoice: Invoice) -> list[tuple[str, str, str, str]]:
    """(description, quantity, unit price, amount) per line, as text."""
    return [(li.description, str(li.quantity), str(li.unit_price), str(li.amount)) for li in invoice.lines]
