"""The company's dunning configuration: which procedure duns an account (dunning levels, reminders,
formal notices), the late-interest rate tables by country, and the instalment-plan (rateizzazione)
defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO
from ledger.dunning import (
    FINLAND_MARGIN,
    IT_POWER_LV,
    ITALY_REGULATED_MARGIN,
    PROCEDURES,
    DayCount,
    InterestRate,
    InterestRateTable,
    Procedure,
)

#: ECB main refinancing operations rate by the day each decision took effect
#: (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/key_ecb_interest_rates/html/index.en.html);
#: check it, and add each new decision, before relying on it.
ECB_MRO: tuple[tuple[date, Decimal], ...] = (
    (date(2016, 3, 16), Decimal("0.00")),
    (date(2022, 7, 27), Decimal("0.50")),
    (date(2022, 9, 14), Decimal("1.25")),
    (date(2022, 11, 2), Decimal("2.00")),
    (date(2022, 12, 21), Decimal("2.50")),
    (date(2023, 2, 8), Decimal("3.00")),
    (date(2023, 3, 22), Decimal("3.50")),
    (date(2023, 5, 10), Decimal("3.75")),
    (date(2023, 6, 21), Decimal("4.00")),
    (date(2023, 8, 2), Decimal("4.25")),
    (date(2023, 9, 20), Decimal("4.50")),
    (date(2024, 6, 12), Decimal("4.25")),
    (date(2024, 9, 18), Decimal("3.65")),
    (date(2024, 10, 23), Decimal("3.40")),
    (date(2024, 12, 18), Decimal("3.15")),
    (date(2025, 2, 5), Decimal("2.90")),
    (date(2025, 3, 12), Decimal("2.65")),
    (date(2025, 4, 23), Decimal("2.40")),
    (date(2025, 6, 11), Decimal("2.15")),
)

#: Spain's interés legal del dinero by year (Ley de Presupuestos); a placeholder to check.
ES_LEGAL_INTEREST: tuple[tuple[date, Decimal], ...] = (
    (date(2016, 1, 1), Decimal("3.00")),
    (date(2023, 1, 1), Decimal("3.25")),
)


def half_yearly(reference: Iterable[tuple[date, Decimal]], last_year: int = 2030
                ) -> list[tuple[date, Decimal]]:
    """A reference rate fixed per half-year: the rate in force on the day before 1 Jan / 1 Jul.

    Finland's viitekorko (korkolaki 633/1982 §12) is fixed this way from the ECB rate.

    >>> [(str(d), str(r)) for d, r in half_yearly(ECB_MRO, 2025)][-3:]
    [('2024-07-01', '4.25'), ('2025-01-01', '3.15'), ('2025-07-01', '2.15')]
    """
    table = InterestRateTable(tuple(InterestRate(day, rate) for day, rate in reference))
    first = table.rates[0].effective_from
    starts = [date(y, m, 1) for y in range(first.year, last_year + 1) for m in (1, 7)]
    return [(start, table.rate_on(start - timedelta(days=1))) for start in starts if start > first]


def default_rate_tables() -> dict[str, InterestRateTable]:
    """Late-interest tables by country (annual percent): IT ECB + 3.5, FI viitekorko + 7, ES legal rate."""
    return {
        "IT": InterestRateTable.reference_plus_margin(ECB_MRO, ITALY_REGULATED_MARGIN, "IT ECB + 3.5"),
        "FI": InterestRateTable.reference_plus_margin(half_yearly(ECB_MRO), FINLAND_MARGIN,
                                                      "FI viitekorko + 7"),
        "ES": InterestRateTable.reference_plus_margin(ES_LEGAL_INTEREST, ZERO, "ES interés legal"),
    }


def _default_by_country_commodity() -> dict[tuple[str, str], str]:
    return {("IT", "electricity"): "IT-POWER-LV", ("IT", "gas"): "IT-GAS", ("ES", "electricity"): "ES-POWER",
            ("FI", "electricity"): "FI-POWER", ("FI", "district-heating"): "FI-POWER"}


@dataclass(frozen=True, slots=True)
class DunningSettings:
    """The company's dunning configuration; finance may replace it (``app.dunning.dunning_settings = ...``).

    An account is dunned by the procedure assigned to it (:class:`~ledger.dunning.commands.
    AssignDunningProcedure`, by code or by country and commodity), else by ``default_procedure``; late
    interest comes from the rate table of the procedure's country.
    """

    default_procedure: str = IT_POWER_LV.code
    procedures: Mapping[str, Procedure] = field(default_factory=lambda: dict(PROCEDURES))
    by_country_commodity: Mapping[tuple[str, str], str] = field(default_factory=_default_by_country_commodity)
    rates: Mapping[str, InterestRateTable] = field(default_factory=default_rate_tables)
    day_count: DayCount = "ACT/365"
    #: Days after an instalment's due date before a miss cancels the plan.
    plan_grace_days: int = 10
    #: Number series of instalment plans; instalment k of plan ``PLAN-2026-000001`` is
    #: ``PLAN-2026-000001-00k``. Its payment reference comes from the company's sequence, not these digits.
    plan_series: str = "PLAN"

    def procedure(self, code: str | None) -> Procedure:
        wanted = code or self.default_procedure
        procedure = self.procedures.get(wanted)
        if procedure is None:
            known = ", ".join(sorted(self.procedures))
            raise InvalidInput(f"unknown dunning procedure {wanted!r}; known: {known}", "procedure")
        return procedure

    def procedure_for(self, country: str, commodity: str) -> str:
        code = self.by_country_commodity.get((country.upper(), commodity.lower()))
        if code is None:
            raise InvalidInput(f"no dunning procedure is configured for {country}/{commodity}", "country")
        return code

    def rates_for(self, procedure: Procedure) -> InterestRateTable | None:
        return self.rates.get(procedure.country)
