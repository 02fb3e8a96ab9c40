"""Issue 11 item 4: a security deposit moves to the new holder on a holder change (with the old holder's
consent, a balanced transfer between the two accounts' deposit liabilities), and a deposit required of a new
contract is billed by the billing run with the contract's first invoice."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from uuid import UUID

import pytest

from ledger.accounts import life_commands as lc
from ledger.accounts.account import ContractAccount
from ledger.billing.final_bill import EndOfSupply, end_supply
from ledger.billing.rating import FlatEnergy, StandingCharge
from ledger.core.errors import Conflict, InvalidInput
from tests.billing.helpers import BillingClerk, D, pod
from tests.billing.test_holder_change import JAN, MONTHLY, _gl

CONSENT = "voltura form signed by Anna Bianchi on 2026-01-10"


def _setup(biller: BillingClerk) -> tuple[UUID, UUID, UUID, str]:
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    old_account = biller.customer("Anna Bianchi")
    contract = biller.contract(old_account, sp, "FLAT", MONTHLY, start=JAN)
    biller.read(sp, date(2025, 12, 31), "1000")
    return old_account, biller.customer("Luca Verdi"), contract, sp


def _deposits_by_account(biller: BillingClerk) -> dict[str, int]:
    """Credit less debit cents of security-deposits per contract account, from the journal."""
    held: dict[str, int] = defaultdict(int)
    for row in biller.clerk.services.view.journal(0, 100000):
        if row[8] == "security-deposits":
            held[row[7]] += row[10] - row[9]
    return dict(held)


def _account(biller: BillingClerk, account: UUID) -> ContractAccount:
    found: ContractAccount = biller.app.get(ContractAccount, account, "", "")
    return found


def test_a_paid_deposit_moves_to_the_new_holder_with_the_old_holders_consent(biller: BillingClerk) -> None:
    old_account, new_account, contract, _ = _setup(biller)
    biller.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))  # 34.50
    biller.clerk.pay(old_account, "34.50")
    biller.clerk.clock.today = date(2026, 1, 16)
    end = EndOfSupply(contract, date(2026, 1, 15), new_account, final_index=D("1010"), move_deposit=True,
                      deposit_consent=CONSENT)
    result = end_supply(biller.app, end, "hc")
    biller.clerk.services.projections.catch_up()
    # interest 34.50 x 2 % x 14 / 365 = 0.026 -> 0.03 goes with it; the final bill 3.85 stays open
    assert result["deposit"]["moved"] == "34.53"
    assert result["deposit"]["to_contract_id"] == result["contract_id"]
    assert biller.clerk.owes(old_account) == D("3.85") and biller.clerk.owes(new_account) == 0
    old_key, new_key = _account(biller, old_account).key, _account(biller, new_account).key
    assert _deposits_by_account(biller) == {old_key: 0, new_key: 3453}
    assert _gl(biller).get("deposit-transfers", 0) == 0 and sum(_gl(biller).values()) == 0
    gone = _account(biller, old_account).deposit_for(str(contract))
    assert gone is not None
    assert (gone.moved_to, gone.consent, gone.refunded) == (result["contract_id"], CONSENT, D(0))
    held = _account(biller, new_account).deposit_for(result["contract_id"])
    assert held is not None and (held.amount, held.moved_from, held.billed_on) == (D("34.53"), str(contract),
                                                                                   date(2026, 1, 15))
    events = biller.events()
    assert end_supply(biller.app, end, "hc")["deposit"]["replayed"]  # a re-run repeats nothing
    assert biller.events() == events

    # the new holder moves out later: their deposit is offset against their own final bill and refunded
    biller.clerk.clock.today = date(2026, 2, 1)
    out = end_supply(biller.app, EndOfSupply(UUID(result["contract_id"]), date(2026, 1, 31),
                                             final_index=D("1050"), refund_name="Luca Verdi",
                                             refund_iban="DE89370400440532013000"), "mo")
    biller.clerk.services.projections.catch_up()
    assert D(out["deposit"]["refunded"]) > 0 and biller.clerk.owes(new_account) == 0
    assert _deposits_by_account(biller)[new_key] == 0


def test_an_unpaid_deposit_or_a_move_without_consent_is_refused_before_anything_is_written(
        biller: BillingClerk) -> None:
    _, new_account, contract, _ = _setup(biller)
    biller.clerk.clock.today = date(2026, 1, 16)
    without = EndOfSupply(contract, date(2026, 1, 15), new_account, move_deposit=True,
                          deposit_consent=CONSENT)
    events = biller.events()
    with pytest.raises(Exception, match="has no deposit"):
        end_supply(biller.app, without, "a")
    biller.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))  # never paid
    events = biller.events()
    with pytest.raises(Conflict, match="not paid") as unpaid:
        end_supply(biller.app, without, "b")
    assert unpaid.value.field == "move_deposit"
    with pytest.raises(InvalidInput) as no_consent:
        end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 15), new_account, move_deposit=True), "c")
    assert no_consent.value.field == "deposit_consent"
    with pytest.raises(InvalidInput) as no_holder:
        end_supply(biller.app, EndOfSupply(contract, date(2026, 1, 15), move_deposit=True,
                                           deposit_consent=CONSENT), "d")
    assert no_holder.value.field == "move_deposit"
    assert biller.events() == events


def test_a_deposit_required_of_a_new_contract_is_billed_with_its_first_invoice(biller: BillingClerk) -> None:
    _, new_account, contract, sp = _setup(biller)
    required = biller.run(lc.RequireDeposit(contract, "household", D("4.5")))
    assert required == {"amount": "51.75", "with_first_invoice": True, "replayed": False}  # 4.5 kW x 11.50
    with pytest.raises(Conflict):
        biller.run(lc.RequireDeposit(contract, "household", D("3")))
    biller.read(sp, date(2026, 1, 31), "1100")
    biller.clerk.clock.today = date(2026, 2, 2)
    report = biller.bill(JAN, date(2026, 1, 31))
    assert report.invoices == 1 and report.errors == 0
    (first,) = biller.documents(contract)
    account = _account(biller, first.account_id)
    items = {i.document_number: i for i in account.items.values()}
    deposit = items[f"DEP-{contract.hex[:12].upper()}"]
    assert deposit.amount == D("51.75")
    assert (deposit.posted_on, deposit.due_date) == (first.issue_date, first.due_date)
    # the next invoice carries none: the deposit is billed once
    biller.read(sp, date(2026, 2, 28), "1200")
    biller.clerk.clock.today = date(2026, 3, 2)
    assert biller.bill(date(2026, 2, 1), date(2026, 2, 28)).invoices == 1
    account = _account(biller, first.account_id)
    assert [d.amount for d in account.deposits] == [D("51.75")]
    assert sum(1 for i in account.items.values() if i.document_number.startswith("DEP-")) == 1
    assert new_account != account.id


def test_a_required_deposit_billed_on_its_own_meanwhile_or_waived_is_not_billed_by_the_run(
        biller: BillingClerk) -> None:
    from ledger.accounts import commands as ac
    from ledger.accounts.terms import PaymentMethod
    from ledger.parties import commands as pc
    from ledger.parties.partner import PartnerKind
    old_account, _, contract, sp = _setup(biller)
    biller.run(lc.RequireDeposit(contract, "household", D("3")))
    biller.run(lc.BillDeposit(contract, "household", D("3"), issue_date=JAN))  # billed now after all
    with pytest.raises(Conflict, match="has a deposit already"):
        biller.run(lc.RequireDeposit(contract, "household", D("3")))
    partner = biller.run(pc.RegisterPartner("Dora", PartnerKind.PERSON))["partner_id"]
    dd = UUID(biller.run(ac.OpenContractAccount(UUID(partner), "Dora home",
                                                payment_method=PaymentMethod.DIRECT_DEBIT))["account_id"])
    other_sp = pod()
    other = biller.contract(dd, other_sp, "FLAT", MONTHLY, start=JAN)
    assert biller.run(lc.RequireDeposit(other, "household", D("3")))["waived"] == "waived with direct debit"
    biller.read(other_sp, date(2025, 12, 31), "0")
    for point in (sp, other_sp):
        biller.read(point, date(2026, 1, 31), "1100")
    biller.clerk.clock.today = date(2026, 2, 2)
    report = biller.bill(JAN, date(2026, 1, 31))
    assert report.invoices == 2 and report.errors == 0
    assert [d.amount for d in _account(biller, old_account).deposits] == [D("34.50")]
    assert _account(biller, dd).deposits == ()
    assert sum(_gl(biller).values()) == 0
