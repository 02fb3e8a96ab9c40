"""Dunning: procedures as data, country rule packs, late interest, locks, and the step proposal.

Pure functions over immutable records; the dunning run (an aggregate and a projection) wires them
to accounts later.
"""

from ledger.dunning.interest import (
    FINLAND_MARGIN,
    ITALY_REGULATED_MARGIN,
    DayCount,
    InterestRate,
    InterestRateTable,
    OpenPrincipal,
    exact_interest,
    late_interest,
)
from ledger.dunning.locks import Lock, LockKind
from ledger.dunning.packs import ES_POWER, ES_POWER_VULNERABLE, FI_POWER, IT_GAS, IT_POWER_LV, PROCEDURES
from ledger.dunning.procedure import DunningLevel, Procedure
from ledger.dunning.proposal import DunningProposal, DunningState, earliest_next_step_date, propose_step

__all__ = [
    "ES_POWER",
    "ES_POWER_VULNERABLE",
    "FINLAND_MARGIN",
    "FI_POWER",
    "ITALY_REGULATED_MARGIN",
    "IT_GAS",
    "IT_POWER_LV",
    "PROCEDURES",
    "DayCount",
    "DunningLevel",
    "DunningProposal",
    "DunningState",
    "InterestRate",
    "InterestRateTable",
    "Lock",
    "LockKind",
    "OpenPrincipal",
    "Procedure",
    "earliest_next_step_date",
    "exact_interest",
    "late_interest",
    "propose_step",
]
