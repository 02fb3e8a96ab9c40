"""Issue 11: each company keeps its own books, and its configuration (terms, fees, GL numbers, dunning)
is used.

Two companies on one installation: Nord Energia (the default one) and Sud Acque, with different payment
terms, fees, dunning pack, interest table and GL account numbers. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import build
from api.cli import main as saldo
from api.company_file import check_file
from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.core.errors import InvalidInput
from ledger.dunning.company_rules import company_procedure
from ledger.dunning.configuration import in_force
from ledger.dunning.settings import DunningSettings
from ledger.parties import commands as pc
from ledger.parties.company import Companies, CompanyConfig
from ledger.parties.partner import PartnerKind, PostalAddress
from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from tests.auth import api_client, bearer
from tests.clerk import Clerk, Clock, energy_line

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
NORTH_IBAN = "IT60X0542811101000000123456"
SOUTH_IBAN = "FI2112345600000785"
NORTH_GL = (("receivables", "1200"), ("revenue", "4000"), ("vat-output", "2400"), ("bank", "1000"),
            ("suspense", "1090"), ("fees", "4500"), ("interest-income", "4600"), ("customer-credit", "2450"))
SOUTH_GL = (("receivables", "1300"), ("revenue:energy", "7010"), ("vat-output:22", "2222"),
            ("bank", "1100"), ("suspense", "1190"), ("fees", "7500"), ("interest-income", "7600"))
NORTH = CompanyConfig(code="nord", legal_name="Nord Energia S.p.A.", creditor_name="Nord Energia",
                      bank_account=NORTH_IBAN,
                      payment_terms_days=14, dunning_pack="FI", interest_table="FI",
                      fees=(("reminder", Decimal("2.00")), ("returned_debit", Decimal("4.00"))),
                      gl_accounts=NORTH_GL)
SOUTH = CompanyConfig(code="sud", legal_name="Sud Acque S.r.l.", creditor_name="Sud Acque",
                      bank_account=SOUTH_IBAN,
                      payment_terms_days=45, invoice_series="SUD", credit_note_series="SUDCN",
                      gl_accounts=SOUTH_GL)


@pytest.fixture
def books(store_url: str, clock: Clock) -> Iterator[Clerk]:
    svc = build(store_url, clock=clock)
    svc.app.companies = Companies((NORTH, SOUTH))
    yield Clerk(svc, clock)
    svc.close()


def _account(clerk: Clerk, company: str | None, tag: str, terms: int | None = None) -> UUID:
    partner = clerk.run(pc.RegisterPartner(f"Cliente {tag}", PartnerKind.PERSON), f"{tag}:p")
    opened = clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "casa", payment_terms_days=terms,
                                              company=company), f"{tag}:a")
    return UUID(opened["account_id"])


def _bill(clerk: Clerk, account: UUID, net: str) -> dict[str, Any]:
    return clerk.run(ac.IssueInvoice(account, (energy_line(net, "22"),), clerk.clock.today))


@dataclass
class Story:
    north: UUID
    south: UUID
    north_bill: dict[str, Any]
    south_bill: dict[str, Any]


def _story(clerk: Clerk) -> Story:
    """Both companies bill, get paid in part, and each parks a receipt nobody claims on its own bank."""
    north, south = _account(clerk, None, "n"), _account(clerk, "sud", "s")
    north_bill, south_bill = _bill(clerk, north, "100.00"), _bill(clerk, south, "50.00")
    clerk.pay(north, "40.00", north_bill["number"])
    clerk.pay(south, "30.00", south_bill["number"])
    for iban, amount in ((NORTH_IBAN, "7.00"), (SOUTH_IBAN, "9.00")):
        receipt = Receipt(Decimal(amount), "EUR", clerk.clock.today, "Ignoto", None, None, ())
        clerk.run(pmt.ImportReceipt(receipt, iban, MatchDecision(SUSPENSE, None, (), "no match")))
    return Story(north, south, north_bill, south_bill)


def _journal(clerk: Clerk, query: str = "") -> list[dict[str, str]]:
    http = api_client(clerk.services, "accounting")
    response = http.get(f"/journal?format=csv&limit=10000{query}")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_an_invoice_without_a_due_date_falls_due_after_its_companys_terms(books: Clerk) -> None:
    clerk = books
    north, south = _account(clerk, None, "n"), _account(clerk, "sud", "s")
    own = _account(clerk, "sud", "o", terms=5)
    today = clerk.clock.today
    assert _bill(clerk, north, "10.00")["due_date"] == (today + timedelta(days=14)).isoformat()
    assert _bill(clerk, south, "10.00")["due_date"] == (today + timedelta(days=45)).isoformat()
    assert _bill(clerk, own, "10.00")["due_date"] == (today + timedelta(days=5)).isoformat()  # its own
    # The company's terms are copied onto the account when it is opened, as its own from then on.
    assert clerk.services.app.repository.get(south).payment_terms_days == 45


def test_without_a_configuration_file_an_account_gets_the_twenty_days_it_always_had(clerk: Clerk) -> None:
    partner = clerk.run(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON))
    account = UUID(clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "casa"))["account_id"])
    bill = _bill(clerk, account, "10.00")
    assert bill["due_date"] == (clerk.clock.today + timedelta(days=20)).isoformat()


def test_the_journal_names_each_lines_company_and_the_filter_keeps_to_one(books: Clerk) -> None:
    clerk = books
    story = _story(clerk)
    everything = _journal(clerk)
    north, south = _journal(clerk, "&company=nord"), _journal(clerk, "&company=sud")
    assert {r["company"] for r in north} == {"nord"} and {r["company"] for r in south} == {"sud"}
    assert sorted(r["cursor"] for r in north + south) == sorted(r["cursor"] for r in everything)
    assert str(story.south) not in {r["contract_account"] for r in north}
    assert str(story.north) not in {r["contract_account"] for r in south}
    # The receipts in suspense belong to no account: each is in the books of the company it was paid to.
    assert {r["gl_account"] for r in north if r["event"] == "Parked"} == {f"bank:{NORTH_IBAN}", "suspense"}
    assert {r["gl_account"] for r in south if r["event"] == "Parked"} == {f"bank:{SOUTH_IBAN}", "suspense"}
    refused = api_client(clerk.services, "accounting").get("/journal?company=est")
    assert refused.status_code == 422 and "company" in refused.text and "nord" in refused.text


def test_each_line_carries_its_companys_gl_number(books: Clerk) -> None:
    clerk = books
    _story(clerk)
    numbers = {(r["company"], r["gl_account"]): r["gl_number"] for r in _journal(clerk)}
    assert numbers[("nord", "receivables")] == "1200" and numbers[("sud", "receivables")] == "1300"
    assert numbers[("nord", "revenue:energy")] == "4000"  # by its family
    assert numbers[("sud", "revenue:energy")] == "7010"  # by its own entry
    assert numbers[("nord", f"bank:{NORTH_IBAN}")] == "1000"
    assert numbers[("sud", f"bank:{SOUTH_IBAN}")] == "1100"


def test_a_line_its_company_does_not_map_is_refused_naming_the_account_and_the_company(books: Clerk) -> None:
    clerk = books
    south = _account(clerk, "sud", "s")
    clerk.run(ac.IssueInvoice(south, (energy_line("10.00", "10"),), clerk.clock.today))  # VAT 10 %: unmapped
    http = api_client(clerk.services, "accounting")
    refused = http.get("/journal?company=sud")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "'vat-output:10'" in refused.text and "'sud'" in refused.text
    assert http.get("/trial-balance?company=sud").status_code == 409
    # A company that maps nothing exports without numbers (the default of an installation without a file).
    unmapped = Companies((NORTH, CompanyConfig(code="sud", bank_account=SOUTH_IBAN)))
    clerk.services.app.companies = unmapped
    lines = _journal(clerk, "&company=sud")
    assert lines and {r["gl_number"] for r in lines} == {""}


def _sums(lines: list[dict[str, str]]) -> dict[str, tuple[Decimal, Decimal]]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in lines:
        sums[r["gl_account"]][0] += Decimal(r["debit"])
        sums[r["gl_account"]][1] += Decimal(r["credit"])
    return {account: (d, c) for account, (d, c) in sums.items()}


def test_each_companys_trial_balance_balances_and_reconciles_to_its_journal(books: Clerk) -> None:
    clerk = books
    _story(clerk)
    http = api_client(clerk.services, "accounting")
    response = http.get("/trial-balance")
    assert response.status_code == 200, response.text
    by_company = {b["company"]: b for b in response.json()["books"]}
    assert sorted(by_company) == ["nord", "sud"]  # each company separately, never mixed into one
    for code in ("nord", "sud"):
        book = by_company[code]
        assert book["balanced"] and Decimal(book["total_debit"]) == Decimal(book["total_credit"]) > 0
        journal = _sums(_journal(clerk, f"&company={code}"))
        assert {a["gl_account"]: (Decimal(a["debit"]), Decimal(a["credit"])) for a in book["accounts"]} \
            == journal
        alone = http.get(f"/trial-balance?company={code}").json()["books"]
        assert alone == [book]
    assert by_company["nord"]["legal_name"] == "Nord Energia S.p.A."
    assert {a["gl_account"]: a["gl_number"] for a in by_company["sud"]["accounts"]}["receivables"] == "1300"
    receivables = {a["gl_account"]: a for a in by_company["nord"]["accounts"]}["receivables"]
    assert Decimal(receivables["balance"]) == Decimal("122.00") - Decimal("40.00")


def test_the_trial_balance_of_a_period_adds_up_only_its_days(books: Clerk) -> None:
    clerk = books
    north = _account(clerk, None, "n")
    _bill(clerk, north, "100.00")
    first = clerk.clock.today
    clerk.clock.advance(10)
    _bill(clerk, north, "10.00")
    http = api_client(clerk.services, "auditor")
    (book,) = http.get(f"/trial-balance?company=nord&last_day={first}").json()["books"]
    assert Decimal(book["total_debit"]) == Decimal("122.00")
    (later,) = http.get(f"/trial-balance?company=nord&first_day={first + timedelta(days=1)}").json()["books"]
    assert Decimal(later["total_debit"]) == Decimal("12.20")
    backwards = http.get(f"/trial-balance?first_day={first}&last_day={first - timedelta(days=1)}")
    assert backwards.status_code == 422 and "last_day" in backwards.text
    assert http.get("/trial-balance", headers=bearer("finance")).status_code == 403  # accounting's, audit's


def test_the_aged_report_names_the_company_and_ages_only_its_accounts(books: Clerk) -> None:
    clerk = books
    story = _story(clerk)
    http = api_client(clerk.services, "finance")
    south = http.get("/reports/aged-receivables?company=sud").json()
    assert (south["company"], south["company_code"]) == ("Sud Acque", "sud")
    assert [a["account_id"] for a in south["accounts"]] == [str(story.south)]
    north = http.get("/reports/aged-receivables?company=nord").json()
    assert [a["account_id"] for a in north["accounts"]] == [str(story.north)]
    every = http.get("/reports/aged-receivables").json()  # every company's, each named
    assert (every["company"], every["company_code"]) == ("Nord Energia, Sud Acque", None)
    assert len(every["accounts"]) == 2
    one = http.get(f"/reports/aged-receivables?account={story.south}").json()
    assert one["company_code"] == "sud"
    crossed = http.get(f"/reports/aged-receivables?account={story.south}&company=nord")
    assert crossed.status_code == 422 and "sud" in crossed.text


def test_each_company_duns_with_its_pack_fees_and_interest_table_and_a_run_keeps_to_one(books: Clerk) -> None:
    clerk = books
    north, south = _account(clerk, None, "n", terms=0), _account(clerk, "sud", "s", terms=0)
    _bill(clerk, north, "100.00")
    _bill(clerk, south, "100.00")
    clerk.clock.advance(30)
    http = api_client(clerk.services, "finance")
    response = http.post("/dunning/runs", json={"company": "nord"}, headers={"Idempotency-Key": "run-nord"})
    assert response.status_code == 201, response.text
    (run,) = response.json()["runs"]
    assert (run["company"], run["accounts"], run["steps"]) == ("nord", 1, 1)
    detail = http.get(f"/dunning/runs/{run['run_id']}").json()
    assert detail["company"] == "nord"
    (step,) = detail["proposed_steps"]
    # The FI pack (one procedure) and north's reminder fee, not the procedure's 5.00.
    assert (step["account_id"], step["procedure"], step["level"]) == (str(north), "FI-POWER", 1)
    assert Decimal(step["fee"]) == Decimal("2.00") and Decimal(step["interest"]) > 0
    overview = clerk.services.app.dunning.dunning_overview(south)[1]
    assert overview.procedure == "IT-POWER-LV"  # south names no pack: the installation's default
    south_run = http.post("/dunning/runs", json={"company": "sud"}, headers={"Idempotency-Key": "run-sud"})
    (run,) = south_run.json()["runs"]
    (step,) = http.get(f"/dunning/runs/{run['run_id']}").json()["proposed_steps"]
    assert (step["account_id"], step["procedure"], Decimal(step["fee"])) == (str(south), "IT-POWER-LV",
                                                                              Decimal("0.00"))
    listed = http.post("/dunning/runs", json={"company": "sud", "account_ids": [str(north)]},
                       headers={"Idempotency-Key": "run-crossed"}).json()["runs"][0]
    assert (listed["steps"], listed["problems"]) == (0, 1)
    unknown = http.post("/dunning/runs", json={"company": "est"}, headers={"Idempotency-Key": "run-est"})
    assert unknown.status_code == 422 and "company" in unknown.text


def test_a_company_s_returned_debit_fee_replaces_the_policy_s() -> None:
    north_rule, south_rule = (c.return_policy.rule_for("AM04") for c in (NORTH, SOUTH))
    assert (north_rule.return_fee, south_rule.return_fee) == (Decimal("4.00"), Decimal("5.00"))
    assert NORTH.return_policy.rule_for("MD07").return_fee == Decimal("0.00")  # a reason without a fee
    assert north_rule.bank_charge == south_rule.bank_charge  # the bank's charge is the bank's


def test_each_companys_returned_debit_fee_is_charged_on_a_return(books: Clerk) -> None:
    """Through real collections and returns: north's own 4.00, south's the policy's 5.00 (each plus the
    bank's 3.50)."""
    clerk = books
    fees = {}
    for code, tag, iban in (("nord", "rn", "IT87V0306909606000000000001"),
                            ("sud", "rs", "IT64W0306909606000000000002")):
        partner = clerk.run(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON, address=PostalAddress(
            "Via Roma 1", "98122", "Messina", "IT")))
        opened = clerk.run(ac.OpenContractAccount(UUID(partner["partner_id"]), "casa",
                                                  payment_terms_days=10, company=code))
        account = UUID(opened["account_id"])
        signed = clerk.clock.today - timedelta(days=30)
        clerk.run(d.RegisterMandate(account, f"UMR-{tag}", signed, "Mario Rossi", iban))
        clerk.bill(account, "84.20", vat="0")
        clerk.clock.advance(10)
        run_id = UUID(dd.propose_run(clerk.services, clerk.clock.today, clerk.clock.today, f"run-{tag}",
                                     company=code)["run_id"])
        dd.execute_run(clerk.services, run_id)
        (booked,) = dd.load_run(clerk.services, run_id).booked
        returned = d.ReturnCollection(account, booked.end_to_end_id, "AM04", clerk.clock.today)
        fees[code] = clerk.run(returned)["fee"]
    assert fees == {"nord": "7.50", "sud": "8.50"}


def test_a_companys_pack_fees_and_interest_table_choose_what_duns_its_accounts() -> None:
    settings = DunningSettings()
    resolved = in_force(settings, None)
    procedure, version, rates = company_procedure(resolved, NORTH, None)
    assert (procedure.code, version, rates) == ("FI-POWER", 0, settings.rates["FI"])
    assert [lvl.fee for lvl in procedure.levels] == [Decimal("2.00"), Decimal("5.00"), Decimal("0.00")]
    assert company_procedure(resolved, NORTH, "IT-GAS")[0].code == "IT-GAS"  # the account's own wins
    spanish_interest = replace(SOUTH, interest_table="ES")
    procedure, _, rates = company_procedure(resolved, spanish_interest, None)
    assert (procedure.code, rates) == ("IT-POWER-LV", settings.rates["ES"])
    assert procedure is settings.procedures["IT-POWER-LV"]  # south prices no level: the procedure as is
    with pytest.raises(InvalidInput) as ambiguous:
        company_procedure(resolved, replace(SOUTH, dunning_pack="IT"), None)
    assert ambiguous.value.field == "dunning_pack" and "IT-GAS, IT-POWER-LV" in str(ambiguous.value)
    with pytest.raises(InvalidInput) as unknown:
        company_procedure(resolved, replace(SOUTH, interest_table="SE"), None)
    assert unknown.value.field == "interest_table" and "'sud'" in str(unknown.value)


def test_config_check_names_an_unknown_fee_and_a_gl_key_that_is_no_ledger_account(tmp_path: Path) -> None:
    path = tmp_path / "companies.toml"
    path.write_text('version = 1\n[[companies]]\ncode = "nord"\nlegal_name = "Nord"\n'
                    '[companies.address]\ntown = "Milano"\ncountry = "IT"\n'
                    f'[companies.bank_accounts]\ncollections = "{NORTH_IBAN}"\n'
                    '[companies.fees]\nlate = "1.00"\n[companies.gl_accounts]\nreceivable = "1200"\n'
                    'bank = "1000"\n', encoding="utf-8")
    problems = check_file(path)
    assert len(problems) == 2, problems
    assert problems[0].startswith("companies[0].fees.late") and "returned_debit" in problems[0]
    assert problems[1].startswith("companies[0].gl_accounts.receivable") and "receivables" in problems[1]


def test_saldo_export_journal_exports_one_companys_books_with_its_gl_numbers(
        store_url: str, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    try:
        clerk = Clerk(svc, clock)
        _bill(clerk, _account(clerk, "fi-network", "n"), "100.00")
        _bill(clerk, _account(clerk, None, "i"), "100.00")
    finally:
        svc.close()
    out = tmp_path / "network.csv"
    assert saldo(["--database-url", store_url, "export", "journal", "--company", "fi-network",
                  "--output", str(out)]) == 0
    lines = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["company"] for r in lines} == {"fi-network"} and len(lines) == 3
    assert {r["gl_account"]: r["gl_number"] for r in lines}["receivables"] == "1700"
    assert saldo(["--database-url", store_url, "export", "journal", "--company", "se-heat"]) == 1
    assert "se-heat" in capsys.readouterr().err


def test_a_view_written_before_it_kept_companies_reads_as_the_default_companys(books: Clerk) -> None:
    """Entries without a company row (a view built by older code, when every entry was the default
    company's) are the default company's: in the journal, its filter and the trial balance."""
    clerk = books
    north = _account(clerk, None, "n")
    _bill(clerk, north, "100.00")
    view = clerk.services.view
    with view._write() as curs:  # what the older code left: no company rows at all
        curs.execute(view._q("DELETE FROM {entry_companies}"))
        curs.execute(view._q("DELETE FROM {account_companies}"))
    lines = _journal(clerk, "&company=nord")
    assert len(lines) == 3 and {r["company"] for r in lines} == {"nord"}
    assert _journal(clerk, "&company=sud") == []
    _bill(clerk, north, "10.00")  # caught up onto that view: the account it has no row for is the default's
    assert len(_journal(clerk, "&company=nord")) == 6
    (book,) = api_client(clerk.services, "accounting").get("/trial-balance").json()["books"]
    assert (book["company"], book["balanced"]) == ("nord", True)
