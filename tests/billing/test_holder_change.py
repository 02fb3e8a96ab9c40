"""Story (issue 11): a holder change with final reading, final bill, deposit offset and refund, on both
stores; move-out and move-in; the 60 days to regularise a holder."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from uuid import UUID

import pytest

from ledger.accounts import life_commands as lc
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import BillingFrequency, Contract
from ledger.accounts.holder_change import Regularisations, SupplyPointOccupancy
from ledger.billing.final_bill import EndOfSupply, end_supply
from ledger.billing.rating import FlatEnergy, StandingCharge
from ledger.core.errors import Conflict, InvalidInput, NotFound
from tests.billing.helpers import BillingClerk, D, pod

JAN = date(2026, 1, 1)
MONTHLY = BillingFrequency.MONTHLY
REFUND_IBAN = "DE89370400440532013000"


def _setup(biller: BillingClerk) -> tuple[UUID, UUID, UUID, str]:
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    old_account = biller.customer("Anna Bianchi")
    contract = biller.contract(old_account, sp, "FLAT", MONTHLY, start=JAN)
    new_account = biller.customer("Luca Verdi")
    return old_account, new_account, contract, sp


def _gl(biller: BillingClerk) -> dict[str, int]:
    """Debit less credit cents per GL account, from the journal."""
    sums: dict[str, int] = defaultdict(int)
    for row in biller.clerk.services.view.journal(0, 100000):
        sums[row[8]] += row[9] - row[10]
    return dict(sums)


def test_a_holder_change_bills_the_final_period_offsets_the_deposit_and_refunds_the_rest(
        biller: BillingClerk) -> None:
    """Deposit: 3 kW x 11.50 = 34.50 (ARERA household rule), billed 1 January and paid. Readings 1000 on
    31 December, 1050 on 31 January (January billed and paid) and the final 1100 on 15 February. The final
    bill covers 1-15 February; the deposit with 2 % interest for 45 days (0.09) clears it, and the rest goes
    back to the old holder's IBAN."""
    old_account, new_account, contract, sp = _setup(biller)
    deposit = biller.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))
    assert deposit["amount"] == "34.50"
    biller.clerk.pay(old_account, "34.50")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.read(sp, date(2026, 1, 31), "1050")
    biller.clerk.clock.today = date(2026, 2, 2)
    biller.bill(JAN, date(2026, 1, 31))
    (january,) = biller.documents(contract)
    biller.clerk.pay(old_account, str(january.totals.gross))
    assert biller.clerk.owes(old_account) == 0

    biller.clerk.clock.today = date(2026, 2, 16)
    end = EndOfSupply(contract, date(2026, 2, 15), new_account, final_index=D("1100"),
                      refund_name="Anna Bianchi", refund_iban=REFUND_IBAN, refund_town="Messina")
    result = end_supply(biller.app, end, "holder-change-1")
    biller.clerk.services.projections.catch_up()

    # final bill: 15 days x 0.10 = 1.50 + 50 kWh x 0.20 = 10.00, net 11.50, VAT 1.15, gross 12.65
    final = biller.documents(contract)[-1]
    assert final.period == (date(2026, 2, 1), date(2026, 2, 15)) and final.totals.gross == D("12.65")
    assert result["final_bill"]["invoices"] == 1
    # interest 34.50 x 2 % x 45 / 365 = 0.085 -> 0.09; refund 34.50 + 0.09 - 12.65 = 21.94
    assert result["deposit"]["interest"] == "0.09" and result["deposit"]["refunded"] == "21.94"
    assert biller.clerk.owes(old_account) == 0
    old = biller.app.get(Contract, contract, "contract", "contract_id")
    assert old.end_date == date(2026, 2, 15)
    new = biller.app.get(Contract, UUID(result["contract_id"]), "contract", "contract_id")
    assert (new.account_id, new.start_date, new.supply_point) == (new_account, date(2026, 2, 16),
                                                                   old.supply_point)
    occupancy = biller.app.get(SupplyPointOccupancy, SupplyPointOccupancy.id_for(old.supply_point), "", "")
    assert occupancy.current is not None and occupancy.current.contract_id == str(new.id)
    gl = _gl(biller)
    assert gl.get("security-deposits", 0) == 0  # nothing held any more: offset 12.65, refunded 21.94
    assert gl["deposit-interest"] == 9 and gl["receivables"] == 0
    assert sum(gl.values()) == 0

    # running it again repeats nothing
    events = biller.events()
    again = end_supply(biller.app, end, "holder-change-1")
    assert again["deposit"]["replayed"] and again["deposit"]["refunded"] == "21.94"
    assert again["final_bill"]["invoices"] == 0 and again["contract_id"] == result["contract_id"]
    assert biller.events() == events


def test_the_old_holders_unpaid_items_stay_on_the_old_account_less_the_deposit(biller: BillingClerk) -> None:
    old_account, new_account, contract, sp = _setup(biller)
    biller.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))  # 34.50, never paid
    biller.clerk.bill(old_account, "100.00")  # 122.00, unpaid
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.clerk.clock.today = date(2026, 1, 16)
    result = end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 15), new_account,
                                                final_index=D("1010")), "hc")
    biller.clerk.services.projections.catch_up()
    # the deposit clears its own item first (oldest due), then part of the rest; nothing is refunded
    assert result["deposit"]["refunded"] == "0.00"
    final = biller.documents(contract)[-1]
    interest = D(result["deposit"]["interest"])
    assert biller.clerk.owes(old_account) == D("122.00") + final.totals.gross - interest
    assert biller.clerk.owes(new_account) == 0


def test_a_deposit_is_waived_with_direct_debit_where_the_rule_says_so(biller: BillingClerk) -> None:
    from ledger.accounts import commands as ac
    from ledger.accounts.terms import PaymentMethod
    from ledger.parties import commands as pc
    from ledger.parties.partner import PartnerKind
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")))
    partner = biller.run(pc.RegisterPartner("Dora", PartnerKind.PERSON))["partner_id"]
    account = UUID(biller.run(ac.OpenContractAccount(UUID(partner), "Dora home",
                                                     payment_method=PaymentMethod.DIRECT_DEBIT))["account_id"])
    contract = biller.contract(account, pod(), "FLAT", MONTHLY, start=JAN)
    assert biller.run(lc.BillDeposit(contract, "household", D("3")))["waived"] == "waived with direct debit"
    assert biller.run(lc.BillDeposit(contract, "business", D("3")))["waived"] == "no deposit rule fits"


def test_a_move_out_leaves_the_point_vacant_and_a_move_in_reopens_it(biller: BillingClerk) -> None:
    _, new_account, contract, sp = _setup(biller)
    biller.clerk.clock.today = date(2026, 1, 21)
    result = end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 20)), "mo")
    assert "deposit" not in result and result["final_bill"]["invoices"] == 1
    point = biller.app.get(Contract, contract, "contract", "contract_id").supply_point
    occupancy = biller.app.get(SupplyPointOccupancy, SupplyPointOccupancy.id_for(point), "", "")
    assert occupancy.vacant
    commodity = biller.app.get(Contract, contract, "", "").commodity
    move_in = lc.MoveIn(new_account, "pod", sp, commodity, "FLAT", MONTHLY, date(2026, 1, 20))
    with pytest.raises(InvalidInput, match="supplied until 2026-01-20"):
        biller.run(move_in)
    biller.run(lambda_replace(move_in, date(2026, 2, 1)))
    occupancy = biller.app.get(SupplyPointOccupancy, SupplyPointOccupancy.id_for(point), "", "")
    assert not occupancy.vacant and [t.how for t in occupancy.tenures] == ["move-out", "move-in"]
    with pytest.raises(Conflict, match="is supplied by contract"):
        biller.run(lambda_replace(move_in, date(2026, 3, 1)))


def lambda_replace(cmd: lc.MoveIn, start: date) -> lc.MoveIn:
    from dataclasses import replace
    return replace(cmd, start_date=start)


def test_an_irregular_holder_has_60_days_and_then_the_contract_ends(biller: BillingClerk) -> None:
    old_account, new_account, contract, _ = _setup(biller)
    other = biller.contract(biller.customer("Eredi Rossi"), pod(), "FLAT", MONTHLY, start=JAN)
    due = biller.run(lc.RequireRegularisation(contract, date(2026, 1, 10), "tenant; the owner's name"))
    assert due["due_on"] == "2026-03-11"
    biller.run(lc.RequireRegularisation(other, date(2026, 1, 10), "heirs of a deceased holder"))
    with pytest.raises(Conflict):
        biller.run(lc.RequireRegularisation(other, date(2026, 1, 11), "again"))
    pending = biller.app.get(Regularisations, Regularisations.ID, "", "").pending
    assert [p.due_on for p in pending] == [date(2026, 3, 11)] * 2
    biller.clerk.clock.today = date(2026, 2, 2)
    end_supply(biller.app, EndOfSupply(contract, date(2026, 2, 1), new_account), "hc")  # regularised
    with pytest.raises(InvalidInput) as ahead:  # lapsing ahead of today would rescind holders still in time
        biller.run(lc.LapseRegularisations(date(2026, 3, 12)))
    assert ahead.value.field == "as_of"
    biller.clerk.clock.today = date(2026, 3, 11)
    assert biller.run(lc.LapseRegularisations())["ended_contracts"] == []  # the clock's day: still in time
    biller.clerk.clock.today = date(2026, 3, 12)
    lapsed = biller.run(lc.LapseRegularisations(date(2026, 3, 12)))
    assert lapsed["ended_contracts"] == [str(other)]
    assert biller.app.get(Contract, other, "", "").end_date == date(2026, 3, 11)
    assert biller.app.get(Regularisations, Regularisations.ID, "", "").pending == ()
    assert isinstance(biller.app.get(ContractAccount, old_account, "", ""), ContractAccount)


def test_without_an_iban_the_rest_of_the_deposit_stays_as_credit_on_account(biller: BillingClerk) -> None:
    old_account, new_account, contract, sp = _setup(biller)
    biller.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))
    biller.clerk.pay(old_account, "34.50")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.clerk.clock.today = date(2026, 1, 16)
    result = end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 15), new_account,
                                                final_index=D("1010")), "hc")
    biller.clerk.services.projections.catch_up()
    final = biller.documents(contract)[-1]
    rest = D("34.50") + D(result["deposit"]["interest"]) - final.totals.gross
    assert result["deposit"]["refunded"] == "0.00" and rest > 0
    assert biller.clerk.owes(old_account) == -rest  # we owe the old holder the rest
    assert _gl(biller).get("security-deposits", 0) == 0


def test_a_wrong_iban_or_an_unknown_new_account_is_refused_before_anything_is_written(
        biller: BillingClerk) -> None:
    _, new_account, contract, _ = _setup(biller)
    events = biller.events()
    with pytest.raises(InvalidInput, match="iban") as e:
        end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 15), new_account, final_index=D("1"),
                                           refund_name="A", refund_iban="IT00X0000000000000000000000"), "k")
    assert e.value.field == "refund_iban"
    with pytest.raises(NotFound) as missing:
        end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 15), contract), "k")
    assert missing.value.field == "new_account_id"
    assert biller.events() == events
    assert biller.app.get(Contract, contract, "", "").end_date is None


def test_a_contract_that_no_longer_supplies_the_point_cannot_vacate_it(biller: BillingClerk) -> None:
    _, new_account, contract, sp = _setup(biller)
    biller.run(lc.MoveOut(contract, date(2026, 1, 10)))
    commodity = biller.app.get(Contract, contract, "", "").commodity
    moved_in = biller.run(lc.MoveIn(new_account, "pod", sp, commodity, "FLAT", MONTHLY, date(2026, 1, 11)))
    stray = biller.contract(biller.customer("Stray"), sp, "FLAT", MONTHLY, start=JAN)  # signed directly
    with pytest.raises(Conflict, match=f"supplied by contract {moved_in['contract_id']}"):
        biller.run(lc.MoveOut(stray, date(2026, 1, 20)))
    assert biller.app.get(Contract, stray, "", "").end_date is None
