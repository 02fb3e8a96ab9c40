"""Changes to how a contract is billed, each effective from a date: its tariff, billing frequency, VAT rate.

Billing reads them per day or per period: the rating step prices each day by the tariff assigned then
(:meth:`ledger.accounts.contract.Contract.tariff_on`), a run cuts periods by the frequency in force
(:func:`ledger.billing.decisions.contract_periods`), and a period's VAT is the rate in force on its last
day (:meth:`ledger.billing.records.ContractBilling.vat_rate_on`). A change never reaches back into a period
already billed: that is corrected by a credit note and a new invoice, never by rewriting the past.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.accounts.contract import Contract
from ledger.billing import commands as b
from ledger.billing.records import ContractBilling
from ledger.billing.tariffs import Tariff
from ledger.core.errors import InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.parties.company import CompanyConfig


def _billed_up_to(history: ContractBilling | None) -> date | None:
    return None if history is None else max((p.period_end for p in history.periods.values()), default=None)


class ContractChangeHandlers(Capability[CompanyConfig]):
    def _after_billed(self, contract_id: UUID, effective_from: date) -> None:
        billed = _billed_up_to(self.find(ContractBilling, ContractBilling.id_for(contract_id)))
        if billed is not None and effective_from <= billed:
            raise InvalidInput(f"the contract is billed up to {billed}: a change takes effect after that "
                               "(correct a billed period with a credit note)", "effective_from")

    @handles(b.ChangeContractTariff)
    def change_contract_tariff(self, cmd: b.ChangeContractTariff, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        code = cmd.tariff_code.strip()
        if not code:
            raise InvalidInput("a tariff change needs a tariff code", "tariff_code")
        if self.find(Tariff, Tariff.id_for(code)) is None:
            raise InvalidInput(f"there is no tariff {code!r} (define it with POST /tariffs first)",
                               "tariff_code")
        self._after_billed(contract.id, cmd.effective_from)
        contract.change_tariff(code, cmd.effective_from)
        return [contract], {"contract_id": str(contract.id), "tariff_code": code,
                            "effective_from": cmd.effective_from.isoformat()}

    @handles(b.ChangeBillingFrequency)
    def change_billing_frequency(self, cmd: b.ChangeBillingFrequency, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        self._after_billed(contract.id, cmd.effective_from)
        contract.change_billing_frequency(cmd.billing_frequency, cmd.effective_from)
        return [contract], {"contract_id": str(contract.id),
                            "billing_frequency": cmd.billing_frequency.value,
                            "effective_from": cmd.effective_from.isoformat()}

    @handles(b.ChangeContractVatRate)
    def change_contract_vat_rate(self, cmd: b.ChangeContractVatRate, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        if not cmd.reason.strip():
            raise InvalidInput("say why the contract's VAT rate changes", "reason")
        if contract.end_date is not None and cmd.effective_from > contract.end_date:
            raise InvalidInput(f"the contract ended on {contract.end_date}", "effective_from")
        history_id = ContractBilling.id_for(contract.id)
        history = self.find(ContractBilling, history_id) or ContractBilling(history_id, contract.id)
        history.change_vat_rate(cmd.vat_rate, cmd.effective_from, cmd.reason.strip())
        return [history], {"contract_id": str(contract.id),
                           "vat_rate": None if cmd.vat_rate is None else str(cmd.vat_rate),
                           "effective_from": cmd.effective_from.isoformat()}
