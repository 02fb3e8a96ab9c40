"""Letters and notices on both stores (issue 13 item 3): each flow is driven for real — a dunning run, a
plan, a collection run, a return, a holder change — and its letter rendered from the events, read back
with pypdf, and checked for the amount, the deadline in the customer's language, the rule cited and the
language; the same events always give the same bytes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from api.documents import service
from api.i18n import day, money
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.accounts import life_commands as lc
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.collections import commands as d
from ledger.core.errors import NotFound
from ledger.dunning import commands as dc
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk
from tests.dunning_flow.helpers import do
from tests.letters_scenario import dd_speaker, flat, letter_text, speaker, step_on


def eur(amount: Decimal, language: str) -> str:
    return flat(money(amount, "EUR", language))


def test_an_italian_customer_gets_a_reminder_then_a_costituzione_in_mora_then_a_suspension_warning(
        clerk: Clerk) -> None:
    _, account = speaker(clerk, "Mario Rossi", "it")
    invoice = clerk.bill(account, "100.00", vat="0")  # 1 March, due 11 March
    reminder = step_on(clerk, account, date(2026, 3, 18))
    text, _ = letter_text(clerk, account, "dunning-step", reminder.step_id)
    assert "Sollecito di pagamento" in text and "Gentile Mario Rossi," in text
    assert f"{invoice['number']} {flat(day(date(2026, 3, 11), 'it'))} " in text
    assert f"Importo dovuto: {eur(Decimal('100.00'), 'it')}" in text and "100,00 €" in text
    assert f"livello 1 (sollecito): {reminder.rule}" in text

    notice = step_on(clerk, account, date(2026, 3, 28))
    assert notice.payment_deadline == notice.sent_on + timedelta(days=15)  # TIMOE: at least 15 days
    due = Decimal("100.00") + notice.fee + notice.interest
    text, _ = letter_text(clerk, account, "dunning-step", notice.step_id)
    deadline = flat(day(notice.payment_deadline, "it"))
    assert "Costituzione in mora" in text
    assert "intimazione scritta ai sensi dell'art. 1219 del codice civile" in text
    assert f"la somma di {eur(due, 'it')} entro il {deadline}, ossia entro 15 giorni" in text
    assert f"Da pagare entro il: {deadline}" in text and deadline == "12 apr 2026"
    assert "raccomandata o posta elettronica certificata (PEC)" in text
    assert "258/2015/R/com" in text and "IT-ARERA-258/2015 TIMOE art. 3" in text
    assert "decreto legislativo 9 ottobre 2002, n. 231" not in text  # a consumer: no B2B interest
    assert f"Spese di sollecito {eur(notice.fee, 'it')}" in text

    warning = step_on(clerk, account, date(2026, 4, 30))
    text, _ = letter_text(clerk, account, "dunning-step", warning.step_id)
    suspended = flat(day(warning.sent_on + timedelta(days=15), "it"))
    assert "Preavviso di sospensione della fornitura" in text
    assert f"potrà essere sospesa a partire dal {suspended}" in text and warning.rule in text


def test_a_business_customer_in_italy_is_told_of_the_commercial_interest_of_d_lgs_231_2002(
        clerk: Clerk) -> None:
    _, account = speaker(clerk, "Officina Bianchi S.r.l.", "it", kind=PartnerKind.ORGANISATION)
    clerk.bill(account, "400.00", vat="0")
    step_on(clerk, account, date(2026, 3, 18))
    notice = step_on(clerk, account, date(2026, 3, 28))
    text, _ = letter_text(clerk, account, "dunning-step", notice.step_id)
    assert "transazione commerciale" in text and "del decreto legislativo 9 ottobre 2002, n. 231" in text


def test_a_finnish_customer_gets_the_reminder_and_the_disconnection_warning_in_finnish(clerk: Clerk) -> None:
    _, account = speaker(clerk, "Maija Meikäläinen", "fi", procedure="FI-POWER")
    clerk.bill(account, "80.00", vat="0")  # due 11 March
    reminder = step_on(clerk, account, date(2026, 3, 25))
    text, _ = letter_text(clerk, account, "dunning-step", reminder.step_id)
    assert "Maksumuistutus" in text and "Hyvä Maija Meikäläinen" in text
    assert f"Muistutusmaksu {eur(reminder.fee, 'fi')}" in text and "Sollecito" not in text
    assert reminder.rule == "FI-PerintäL-513/1999 §10e" and reminder.rule in text

    warning = step_on(clerk, account, date(2026, 4, 8))
    text, _ = letter_text(clerk, account, "dunning-step", warning.step_id)
    cut_off = next(e for e in clerk.services.app.events_after(account, 0)
                   if getattr(e, "step_id", None) == warning.step_id).earliest_next_step
    assert cut_off is not None and cut_off >= warning.sent_on + timedelta(days=14)  # SML §102: 2 weeks
    finnish = day(cut_off, "fi")
    assert re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", finnish)  # 22.4.2026, as Finland writes it
    assert "Katkaisuvaroitus" in text and f"voidaan keskeyttää {finnish} alkaen" in text
    assert "FI-SML-588/2013 §102" in text


def test_an_instalment_plan_letter_carries_its_schedule_in_spanish(clerk: Clerk) -> None:
    _, account = speaker(clerk, "Núria Castellví", "es")
    invoice = clerk.bill(account, "300.00", vat="0")["number"]
    plan = do(clerk, dc.CreateInstalmentPlan(account, (invoice,), 3, date(2026, 4, 1),
                                             interest_rate=Decimal("3.65")))
    text, _ = letter_text(clerk, account, "instalment-plan", plan["number"])
    assert f"Su plan de pagos {plan['number']}" in text and invoice in text
    for i in plan["instalments"]:
        row = (f"{i['number']} {flat(day(date.fromisoformat(i['due_date']), 'es'))} "
               f"{eur(Decimal(i['principal']), 'es')} {eur(Decimal(i['interest']), 'es')} "
               f"{eur(Decimal(i['amount']), 'es')} {i['payment_reference']}")
        assert row in text
    total = sum(Decimal(i["amount"]) for i in plan["instalments"])
    first = plan["instalments"][0]
    totals = (Decimal("300.00"), Decimal(plan["interest"]), total)
    assert "Total " + " ".join(eur(x, "es") for x in totals) in text
    assert f"Importe adeudado: {eur(Decimal(first['amount']), 'es')}" in text and "3,65 % anual" in text
    assert f"Fecha límite de pago: {flat(day(date.fromisoformat(first['due_date']), 'es'))}" in text
    assert f"acuerdo de plan de pagos {plan['number']}" in text
    assert service.render_letter(clerk.services.app, account, "instalment-plan", plan["plan_id"]).pdf == \
        service.render_letter(clerk.services.app, account, "instalment-plan", plan["number"]).pdf


def test_a_collection_is_pre_notified_and_its_return_explained(clerk: Clerk) -> None:
    _, account = dd_speaker(clerk, "Giulia Verdi", "it", "UMR-LETTER-1")
    invoice = clerk.bill(account, "60.00", vat="0")  # due 11 March
    clerk.clock.today = date(2026, 3, 11)
    run_id = dd.propose_run(clerk.services, date(2026, 3, 11), date(2026, 3, 25), "letters-run")["run_id"]
    text, _ = letter_text(clerk, account, "pre-notification", run_id)
    assert "Preavviso di addebito diretto SEPA" in text
    assert (f"Il {flat(day(date(2026, 3, 25), 'it'))} addebiteremo l'importo di {eur(Decimal('60.00'), 'it')}"
            in text)
    assert "IT60 **** 3456" in text and "UMR-LETTER-1" in text and IBAN_NOT_PRINTED not in text
    assert CompanyConfig().creditor_id in text and "14 giorni di calendario" in text
    assert invoice["number"] in text

    dd.execute_run(clerk.services, UUID(run_id))
    e2e = dd.load_run(clerk.services, UUID(run_id)).booked[0].end_to_end_id
    clerk.clock.today = date(2026, 3, 27)
    result = do(clerk, d.ReturnCollection(account, e2e, "AM04", clerk.clock.today))
    text, _ = letter_text(clerk, account, "direct-debit-return", e2e)
    fee = Decimal(result["fee"])
    assert fee > 0 and "Addebito diretto non andato a buon fine" in text
    assert "codice motivo AM04" in text and f"pari a {eur(fee, 'it')}" in text
    assert f"Importo dovuto: {eur(Decimal('60.00') + fee, 'it')}" in text
    assert "nuovamente addebitato con il prossimo addebito diretto" in text
    assert "regole sugli insoluti default: codice motivo AM04" in text


IBAN_NOT_PRINTED = "IT60X0542811101000000123456 "  # the debtor's IBAN, masked on the notice


def test_the_new_holder_gets_the_voltura_confirmation_and_the_old_holder_does_not(clerk: Clerk) -> None:
    _, old = speaker(clerk, "Otto Vecchio", "it")
    _, new = speaker(clerk, "Sara Lindqvist", "sv")
    contract = UUID(do(clerk, ac.SignContract(old, "pod", "IT001E12345678", Commodity.ELECTRICITY, "HOME",
                                              BillingFrequency.BIMONTHLY, date(2026, 1, 1)))["contract_id"])
    change = do(clerk, lc.ChangeHolder(contract, date(2026, 3, 31), new))
    text, _ = letter_text(clerk, new, "holder-change", change["contract_id"])
    assert "Bekräftelse av innehavarbyte" in text and "Bästa Sara Lindqvist," in text
    assert f"IT001E12345678 (el) från och med {flat(day(date(2026, 4, 1), 'sv'))}" in text
    assert "ARERA:s beslut 102/2016/R/com" in text and "Otto Vecchio" not in text
    with pytest.raises(NotFound):
        service.render_letter(clerk.services.app, old, "holder-change", change["contract_id"])
    with pytest.raises(NotFound):  # the old holder's own contract was signed, not taken over
        service.render_letter(clerk.services.app, old, "holder-change", str(contract))


@pytest.mark.parametrize(("kind", "source"), [("dunning-step", "no-such-step"), ("instalment-plan", "P-0"),
                                              ("pre-notification", "not-a-uuid"),
                                              ("direct-debit-return", "DD00000000000000001"),
                                              ("holder-change", "00000000-0000-0000-0000-000000000000"),
                                              ("invoice", "x"), ("dunning-step", "x" * 65)])
def test_a_letter_no_event_caused_does_not_exist(clerk: Clerk, kind: str, source: str) -> None:
    _, account = speaker(clerk, "Mario Rossi", "it")
    with pytest.raises(NotFound):
        service.render_letter(clerk.services.app, account, kind, source)
    with pytest.raises(NotFound, match="contract account"):
        service.render_letter(clerk.services.app, UUID(int=7), "dunning-step", "x")
