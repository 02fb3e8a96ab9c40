"""Rule packs: the dunning procedures of Italy, Spain and Finland as data.

Every number here comes from architecture.md §5 ("Dunning rules by country") and must be checked
against the regulator's text before it is relied on; the ``rule`` of each level names that text.
Fees, grace days, minimum amounts and the reminder's timing are company policy placeholders for
finance to set, not regulated values.

* Italy (ARERA): formal notice (costituzione in mora) by registered letter or PEC giving at least
  15 days to pay (the PEC variant allows 10 days from the delivery receipt; 15 satisfies both);
  suspension request at least 25 days after the notice for low-voltage power (power first reduced
  to 15 %, suspension 15 days later, both done by the distributor), 40 days for gas.
* Spain: supply may be suspended no earlier than 2 months after a certified payment demand
  (requerimiento fehaciente), 4 months for vulnerable customers (bono social).
* Finland: reminder, then a disconnection warning at least 2 weeks later, then disconnection at
  least 2 weeks after the warning and (Electricity Market Act) not before 5 weeks after the due date.

The texts cited (check the current consolidated versions):

* IT-ARERA-258/2015 TIMOE: https://www.arera.it/it/docs/15/258-15.htm
* IT-ARERA-ARG/gas 99/11 TIMG: https://www.arera.it/it/docs/11/099-11arg.htm
* ES-RD-1955/2000: https://www.boe.es/buscar/act.php?id=BOE-A-2000-24019
* ES-RD-897/2017: https://www.boe.es/buscar/act.php?id=BOE-A-2017-11505
* FI-SML-588/2013 (sähkömarkkinalaki): https://www.finlex.fi/fi/laki/ajantasa/2013/20130588
* FI-PerintäL-513/1999 (laki saatavien perinnästä): https://www.finlex.fi/fi/laki/ajantasa/1999/19990513
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from ledger.dunning.procedure import DunningLevel, Procedure

_NONE = Decimal("0.00")


def _italy(code: str, commodity: str, suspension_days: int, suspension_rule: str) -> Procedure:
    return Procedure(code, "IT", (
        DunningLevel(1, "sollecito", days_after_due=7, min_amount=Decimal("10.00"), fee=_NONE,
                     template="it-reminder", charges_interest=False, min_days_since_previous=0,
                     rule="IT-company-policy reminder (no regulated minimum)"),
        DunningLevel(2, "costituzione in mora", days_after_due=14, min_amount=Decimal("10.00"),
                     fee=Decimal("5.00"), template="it-formal-notice", charges_interest=True,
                     min_days_since_previous=10, days_to_pay=15,
                     rule="IT-ARERA-258/2015 TIMOE art. 3",
                     note="registered letter or PEC; at least 15 days to pay"),
        DunningLevel(3, "richiesta di sospensione", days_after_due=14, min_amount=Decimal("50.00"),
                     fee=_NONE, template=f"it-suspension-request-{commodity}", charges_interest=True,
                     min_days_since_previous=suspension_days, rule=suspension_rule,
                     note="power: first reduced to 15 %, suspended 15 days later" if commodity == "power"
                     else "gas: closure of the delivery point"),
    ), grace_days=3, description=f"Italy, {commodity}, regulated protection and free market")


#: Italy, low-voltage power: suspension request ≥ 25 days after the formal notice.
IT_POWER_LV = _italy("IT-POWER-LV", "power", 25, "IT-ARERA-258/2015 TIMOE art. 4")
#: Italy, gas (and power above low voltage uses the same 40 days): ≥ 40 days after the notice.
IT_GAS = _italy("IT-GAS", "gas", 40, "IT-ARERA-ARG/gas 99/11 TIMG art. 4")


def _spain(code: str, months: int, rule: str, description: str) -> Procedure:
    return Procedure(code, "ES", (
        DunningLevel(1, "recordatorio de pago", days_after_due=7, min_amount=Decimal("10.00"),
                     fee=_NONE, template="es-reminder", charges_interest=False, min_days_since_previous=0,
                     rule="ES-company-policy reminder (no regulated minimum)"),
        DunningLevel(2, "requerimiento fehaciente de pago", days_after_due=20,
                     min_amount=Decimal("10.00"), fee=_NONE, template="es-certified-demand",
                     charges_interest=True, min_days_since_previous=7,
                     rule="ES-RD-1955/2000 art. 84"),
        DunningLevel(3, "aviso de suspensión", days_after_due=20, min_amount=Decimal("10.00"),
                     fee=_NONE, template="es-suspension", charges_interest=True,
                     min_days_since_previous=0, min_months_since_previous=months, rule=rule),
    ), grace_days=0, description=description)


#: Spain, power: suspension no earlier than 2 months after the certified demand.
ES_POWER = _spain("ES-POWER", 2, "ES-RD-1955/2000 art. 85", "Spain, power")
#: Spain, power, vulnerable customers (bono social): 4 months.
ES_POWER_VULNERABLE = _spain("ES-POWER-VULNERABLE", 4, "ES-RD-897/2017 art. 19",
                             "Spain, power, vulnerable customers")

#: Finland, power: reminder, disconnection warning ≥ 14 days later, disconnection ≥ 14 days after it.
FI_POWER = Procedure("FI-POWER", "FI", (
    DunningLevel(1, "maksumuistutus", days_after_due=14, min_amount=Decimal("5.00"), fee=Decimal("5.00"),
                 template="fi-reminder", charges_interest=True, min_days_since_previous=0,
                 rule="FI-PerintäL-513/1999 §10e",
                 note="consumer reminder fee capped at 5 EUR"),
    DunningLevel(2, "katkaisuvaroitus", days_after_due=14, min_amount=Decimal("5.00"), fee=Decimal("5.00"),
                 template="fi-disconnection-warning", charges_interest=True, min_days_since_previous=14,
                 rule="FI-SML-588/2013 §102"),
    DunningLevel(3, "katkaisu", days_after_due=35, min_amount=Decimal("5.00"), fee=_NONE,
                 template="fi-disconnection", charges_interest=True, min_days_since_previous=14,
                 rule="FI-SML-588/2013 §102",
                 note="not before 5 weeks after the due date"),
), grace_days=0, description="Finland, power (consumers)")

#: Every shipped procedure by code.
PROCEDURES: Mapping[str, Procedure] = MappingProxyType({
    p.code: p for p in (IT_POWER_LV, IT_GAS, ES_POWER, ES_POWER_VULNERABLE, FI_POWER)})
