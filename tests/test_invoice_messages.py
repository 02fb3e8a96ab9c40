"""Issue 13 item 4: personal messages on invoices, chosen by the company's rules from the account's state
when the invoice was issued, printed in the customer's language — on both stores.

A customer of Aigües de Reus whose direct debit came back and who left two invoices unpaid reads, in
Catalan, how many debits were returned and how many invoices for how much are unpaid; a customer on an
instalment plan reads the next instalment; a customer with nothing to be told gets no box; a wrong rule in
the company file is an error naming the company, the rule and the field; and what was chosen when the
invoice was issued is what every later re-render prints (paying afterwards changes nothing).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from api.bootstrap import build
from api.company_file import check_file
from api.documents import service
from api.documents.message_texts import DEFAULT_TEXTS, box_texts
from api.i18n import catalogue, money
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.accounts.invoice import Invoice, document_id
from ledger.billing import commands as b
from ledger.collections import commands as d
from ledger.documents.loading import as_of, load_invoice_document
from ledger.documents.message_state import account_state
from ledger.documents.messages import (
    DEFAULT_MESSAGE_RULES,
    MAX_MESSAGES_PER_INVOICE,
    AccountState,
    Condition,
    MessageRule,
    choose_messages,
)
from ledger.dunning.commands import CreateInstalmentPlan
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.clerk import Clerk
from tests.documents_scenario import COMPANIES, CUSTOMERS, doc_clerk, text_of

__all__ = ["doc_clerk"]
D = Decimal


def _catalan_customer(clerk: Clerk, tag: str) -> UUID:
    name, address = CUSTOMERS["es-water"]
    partner = clerk.run(pc.RegisterPartner(name, PartnerKind.PERSON, language="ca", address=address))
    return UUID(clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), f"{name} — {tag}",
                                                 company="es-water"))["account_id"])


def _bill(clerk: Clerk, account: UUID, net: str) -> Invoice:
    line = ac.LineInput("aigua: consum", "energy", D("1"), "m3", D(net), D("10"))
    number = clerk.run(ac.IssueInvoice(account, (line,), clerk.clock.today))["number"]
    return clerk.services.app.get(Invoice, document_id(number), "invoice", "number")


def _flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def test_a_returned_debit_and_two_unpaid_invoices_are_told_in_catalan_and_stay_as_issued(
        doc_clerk: Clerk, store_url: str) -> None:
    clerk = doc_clerk
    account = _catalan_customer(clerk, "domiciliat")
    clerk.run(d.RegisterMandate(account, "AR-UMR-MSG-1", clerk.clock.today - timedelta(days=30),
                                "Núria Castellví", "ES7620770024003102575766"))
    first = _bill(clerk, account, "40.00")
    clerk.clock.advance(20)
    run_id = UUID(dd.propose_run(clerk.services, clerk.clock.today, clerk.clock.today, "msg-run",
                                 company="es-water")["run_id"])
    dd.execute_run(clerk.services, run_id)
    (booked,) = dd.load_run(clerk.services, run_id).booked
    clerk.run(d.ReturnCollection(account, booked.end_to_end_id, "AM04", clerk.clock.today))
    second = _bill(clerk, account, "25.10")
    clerk.clock.advance(25)  # both past due, neither collected again
    third = _bill(clerk, account, "12.00")

    doc = load_invoice_document(clerk.services.app, third.number)
    assert doc.messages is not None and doc.messages.language == "ca"
    chosen = {m.rule_id: {f.name: f.value for f in m.fields} for m in doc.messages.messages}
    unpaid = first.totals.gross + second.totals.gross
    assert chosen == {"returned-debits": {"count": "1"},
                      "unpaid-invoices": {"count": "2", "amount": format(unpaid, "f")}}
    pdf = service.render(clerk.services.app, third.number).pdf
    text = _flat(text_of(pdf))
    assert "Missatges per a vostè" in text
    assert "Rebuts domiciliats retornats al seu compte en els darrers 12 mesos: 1." in text
    total = money(unpaid, "EUR", "ca")
    assert _flat(f"Té 2 factura(es) pendent(s) de pagament per un import total de {total}") in text

    app = clerk.services.app
    items = app.get(ContractAccount, account, "account", "account_id").open_items()
    clerk.pay(account, str(sum((i.open_amount for i in items), D(0))))  # paid after: the bill stays as issued
    assert service.render(app, third.number).pdf == pdf
    clerk.services.projections.rebuild()
    fresh = build(store_url, clock=clerk.clock)
    try:
        assert service.render(fresh.app, third.number).pdf == pdf
    finally:
        fresh.close()


def test_a_customer_on_an_instalment_plan_reads_the_next_instalment(doc_clerk: Clerk) -> None:
    clerk = doc_clerk
    account = _catalan_customer(clerk, "pla")
    debt = _bill(clerk, account, "90.00")
    clerk.run(CreateInstalmentPlan(account, (debt.number,), 3, date(2026, 4, 1)))
    plan = clerk.services.app.get(ContractAccount, account, "account", "account_id").plan
    assert plan is not None
    clerk.clock.advance(10)
    doc = load_invoice_document(clerk.services.app, _bill(clerk, account, "10.00").number)
    assert doc.messages is not None
    (message,) = doc.messages.messages  # the plan replaced the debt: nothing unpaid
    first = min(plan.instalments, key=lambda i: i.number)
    assert message.rule_id == "instalment-plan"
    assert {f.name: f.value for f in message.fields} == {
        "plan": plan.number, "date": first.due_date.isoformat(), "amount": format(first.amount, "f")}
    _, (text,) = box_texts(doc.messages)
    assert text == (f"Pla de pagament fraccionat {plan.number}: el proper termini, de "
                    f"{money(first.amount, 'EUR', 'ca')}, venç el 1 d’abr. 2026.")


def test_a_customer_with_nothing_to_be_told_gets_no_message_box(doc_clerk: Clerk) -> None:
    account = _catalan_customer(doc_clerk, "nou")
    number = _bill(doc_clerk, account, "10.00").number
    assert load_invoice_document(doc_clerk.services.app, number).messages is None
    assert "Missatges" not in text_of(service.render(doc_clerk.services.app, number).pdf)


def _config_with(tmp_path: Path, rule: str) -> Path:
    """The documents' companies with ``rule`` added to es-water's (the third company's) messages."""
    text = COMPANIES.read_text(encoding="utf-8")
    end = text.find("\n[[companies]]", text.index('code = "es-water"'))
    end = len(text) if end < 0 else end
    path = tmp_path / "companies.toml"
    path.write_text(text[:end] + "\n[[companies.messages]]\n" + rule + text[end:], encoding="utf-8")
    return path


def test_a_wrong_rule_in_the_company_file_names_the_company_the_rule_and_the_field(tmp_path: Path) -> None:
    wrong_field = _config_with(tmp_path, 'id = "x"\ncondition = "returned_debits"\nmessage = "{amount}"\n')
    (problem,) = check_file(wrong_field)
    assert problem.startswith("companies[2].messages[0].message: (company es-water) {amount} is not a field")
    unknown = _config_with(tmp_path, 'id = "x"\ncondition = "unpaid"\nmessage = "pay"\n')
    (problem,) = check_file(unknown)
    assert problem.startswith("companies[2].messages[0].condition: (company es-water) must be one of")
    typo = _config_with(tmp_path, 'id = "x"\ncondition = "telemetering"\nmessage = "m"\nmin_cont = 2\n')
    assert check_file(typo)[0].startswith("companies[2].messages[0].min_cont: (company es-water) is not")
    right = _config_with(tmp_path, 'id = "social"\ncondition = "tariff"\ntariff = "SOCIAL"\n'
                                   'message = "The {tariff} tariff was applied."\n')
    assert check_file(right) == []


def test_rules_fire_on_their_thresholds_by_priority_and_at_most_the_limit() -> None:
    rules = (*DEFAULT_MESSAGE_RULES,
             MessageRule("social", Condition.TARIFF, "Tariff {tariff} applied.", priority=5, tariff="SOCIAL"),
             MessageRule("big-debt", Condition.UNPAID_INVOICES, "{amount}!", priority=1, min_amount=D("100")))
    state = AccountState("es-water", returned_debits=2, unpaid_count=1, unpaid_amount=D("99.99"),
                         telemetering=True, tariffs=("SOCIAL",))
    chosen = choose_messages(rules, state)
    assert len(chosen) == MAX_MESSAGES_PER_INVOICE
    assert [m.rule_id for m in chosen] == ["social", "returned-debits", "unpaid-invoices"]
    richer = choose_messages(rules, AccountState("es-water", unpaid_count=1, unpaid_amount=D("100")))
    assert [m.rule_id for m in richer] == ["big-debt", "unpaid-invoices"]
    elsewhere = MessageRule("only-fi", Condition.TELEMETERING, "m", companies=("fi-network",))
    assert choose_messages((elsewhere,), state) == ()


def test_every_default_message_is_marked_for_translation_and_translated() -> None:
    assert set(DEFAULT_TEXTS) == {r.message for r in DEFAULT_MESSAGE_RULES}
    for language in ("es", "ca", "fi", "sv", "it"):
        translated = catalogue(language, "messages")
        assert all(translated.get(text) for text in DEFAULT_TEXTS), language


def test_telemetering_and_tariffs_are_read_as_they_were_when_the_invoice_was_issued(doc_clerk: Clerk) -> None:
    clerk, site = doc_clerk, "ES0031405000000001AA"
    account = _catalan_customer(clerk, "telemesura")
    february = (date(2026, 2, 1), date(2026, 2, 28))
    line = ac.LineInput("aigua: consum", "energy", D("12.5"), "m3", D("1.2"), D("10"), site=site,
                        period=february, sources=("tariff:AR-SOCIAL/3",))
    before = clerk.run(ac.IssueInvoice(account, (line,), clerk.clock.today))["number"]
    clerk.run(b.RecordLoadCurve(site, datetime(2026, 2, 2, tzinfo=UTC), 60, (0.5, 0.75), unit="m3",
                                time_zone="Europe/Madrid"))
    after = clerk.run(ac.IssueInvoice(account, (line,), clerk.clock.today))["number"]
    app = clerk.services.app
    states = {}
    for number in (before, after):
        invoice = app.get(Invoice, document_id(number), "invoice", "number")
        account_then = as_of(app, account, invoice.created_on)
        assert isinstance(account_then, ContractAccount)
        states[number] = account_state(app, invoice, account_then, "es-water")
    assert (states[before].telemetering, states[after].telemetering) == (False, True)
    assert states[before].tariffs == states[after].tariffs == ("AR-SOCIAL",)
    doc = load_invoice_document(app, after)
    assert doc.messages is not None and [m.rule_id for m in doc.messages.messages] == ["telemetering"]
    assert load_invoice_document(app, before).messages is None  # the curve came after it was issued
