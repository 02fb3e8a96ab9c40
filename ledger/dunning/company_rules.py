"""What a company's configuration changes in dunning: the procedure, the fees and the interest table.

A company (ledger/parties/company.py) may name, in SALDO_CONFIG:

- ``dunning_pack``: what duns its accounts that name no procedure of their own (an account's assigned
  procedure always wins). Either a procedure's code (``FI-POWER``, or one defined through the API) or a
  country whose pack duns all its commodities with one procedure (``FI``). A country whose pack uses several
  procedures (``IT``: power and gas) cannot choose for an account that names none, which Saldo does not
  know the commodity of: it is refused, naming the procedures to choose from, rather than guessed.
- ``fees``: ``reminder``, ``formal_notice``, ``disconnection_notice`` replace the fee of dunning levels 1, 2
  and 3 of whichever procedure duns the account; a level the company prices not keeps the procedure's fee.
- ``interest_table``: the late-interest rate table (its key in the dunning settings: ``IT``, ``FI``, ``ES``)
  instead of the table of the procedure's country.

The default company of an installation without a configuration file names none of them: its accounts are
dunned exactly as before companies existed. A step records the fee and interest it charged, so changing a
company's configuration never changes a step already taken.
"""

from __future__ import annotations

from dataclasses import replace

from ledger.core.errors import InvalidInput
from ledger.dunning.configuration import InForce
from ledger.dunning.interest import InterestRateTable
from ledger.dunning.procedure import Procedure
from ledger.dunning.settings import DunningSettings
from ledger.parties.company import CompanyConfig


def pack_procedure(settings: DunningSettings, company: CompanyConfig) -> str | None:
    """The code of the procedure the company's ``dunning_pack`` names (None: it names none)."""
    name = company.dunning_pack
    if name is None:
        return None
    if name in settings.procedures:
        return name
    assigned = sorted({code for (country, _), code in settings.by_country_commodity.items()
                       if country == name.upper()})
    if len(assigned) == 1:
        return assigned[0]
    if not assigned:
        known = ", ".join(sorted(settings.procedures))
        raise InvalidInput(f"company {company.code!r}: dunning_pack {name!r} is neither a dunning procedure "
                           f"(known: {known}) nor a country with a pack", "dunning_pack")
    raise InvalidInput(f"company {company.code!r}: the {name} pack duns its commodities with "
                       f"{', '.join(assigned)}; name one of them as dunning_pack, or assign the accounts' "
                       "procedures", "dunning_pack")


def with_company_fees(procedure: Procedure, company: CompanyConfig) -> Procedure:
    """``procedure`` with the company's fee on each level it prices (the same procedure if it prices none)."""
    levels = tuple(level if (fee := company.dunning_fee(level.level)) is None else replace(level, fee=fee)
                   for level in procedure.levels)
    return procedure if levels == procedure.levels else replace(procedure, levels=levels)


def company_rates(settings: DunningSettings, procedure: Procedure,
                  company: CompanyConfig) -> InterestRateTable | None:
    """The late-interest table for the company's accounts dunned by ``procedure``."""
    if company.interest_table is None:
        return settings.rates_for(procedure)
    table = settings.rates.get(company.interest_table)
    if table is None:
        known = ", ".join(sorted(settings.rates))
        raise InvalidInput(f"company {company.code!r}: there is no interest table {company.interest_table!r} "
                           f"(known: {known})", "interest_table")
    return table


def company_procedure(resolved: InForce, company: CompanyConfig,
                      assigned: str | None) -> tuple[Procedure, int, InterestRateTable | None]:
    """What duns an account of ``company`` whose assigned procedure is ``assigned``: the procedure with the
    company's fees, its version (the text it cites), and the interest table."""
    code = assigned if assigned is not None else pack_procedure(resolved.settings, company)
    procedure, version = resolved.procedure(code)
    return (with_company_fees(procedure, company), version,
            company_rates(resolved.settings, procedure, company))
