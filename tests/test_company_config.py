"""Issue 11: companies as a versioned TOML file, checked field by field; SEPA files carry its data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from api.bootstrap import build, companies_from_env
from api.cli import main
from api.company_file import ConfigFileError, check_file, load_companies
from ledger.accounts.invoice import ReferenceScheme

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"

BROKEN = '''
version = 1

[[companies]]
code = "it-power"
legal_name = "Energia Sicula S.p.A."
vat_id = "IT00743110158"
reference_scheme = "rf"
[companies.address]
town = "Messina"
country = "Italy"
[companies.bank_accounts]
collections = "IT60X0542811101000000123456"
[companies.sepa]
creditor_id = "IT19ZZZ00743110157"
creditor_name = "Energia Sicula"

[[companies]]
code = "fi-network"
legal_name = "Helsingin Sähköverkko Oy"
reference_scheme = "viite"
payment_terms_days = -3
colour = "blue"
[companies.address]
town = "Helsinki"
country = "FI"
[companies.bank_accounts]
collections = "FI2112345600000786"
receipts = ["IT60X0542811101000000123456"]
[companies.sepa]
creditor_id = "FI99ZZZ20774740"
creditor_name = "Helsingin Sähköverkko"
[companies.fees]
reminder = "5,00"
'''


def test_the_demo_file_has_three_companies_with_their_own_accounts_and_schemes() -> None:
    companies = load_companies(DEMO)
    assert [c.code for c in companies.companies] == ["it-power", "fi-network", "fi-heat"]
    it, network, heat = companies.companies
    assert (it.reference_scheme, network.reference_scheme, heat.reference_scheme) == (
        ReferenceScheme.RF, ReferenceScheme.FI, ReferenceScheme.FI)
    assert (network.bank_account, network.creditor_id, network.vat_id) == (
        "FI2112345600000785", "FI46ZZZ20774740", "FI20774740")
    assert heat.refunds_account == "FI1080001234567890" and it.refunds_account == it.bank_account
    assert (it.invoice_series, network.invoice_series, heat.credit_note_series) == ("ITP", "VRK", "KLMH")
    assert dict(it.fees) == {"reminder": Decimal("5.00"), "returned_debit": Decimal("7.50")}
    assert dict(it.gl_accounts)["revenue:energy"] == "3010"
    assert (it.address.town, it.address.postcode, it.bic) == ("Messina", "98122", "BLOPIT22")
    assert companies.default is it and companies.owning("FI7815723500012349") is heat
    assert main(["config", "check", str(DEMO)]) == 0


def test_config_check_names_every_wrong_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "companies.toml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["config", "check", str(path)]) == 1
    out = capsys.readouterr().out
    for field in ("companies[0].vat_id", "companies[0].address.country", "companies[1].reference_scheme",
                  "companies[1].payment_terms_days", "companies[1].colour",
                  "companies[1].bank_accounts.collections", "companies[1].bank_accounts.receipts[0]",
                  "companies[1].sepa.creditor_id", "companies[1].fees.reminder"):
        assert field in out, field
    with pytest.raises(ConfigFileError) as info:
        load_companies(path)
    assert len(info.value.problems) == 9
    assert "IT60X0542811101000000123456" in str(info.value)  # the IBAN of two companies is named


def test_a_file_that_is_not_toml_or_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("version = 1\n[[companies]\n", encoding="utf-8")
    problems = check_file(path)
    assert len(problems) == 1 and "line 2" in problems[0]
    path.write_text("version = 2\n", encoding="utf-8")
    assert any(p.startswith("version") for p in check_file(path))
    assert any("companies" in p for p in check_file(path))
    assert check_file(tmp_path / "missing.toml")[0].startswith(str(tmp_path / "missing.toml"))


def test_without_a_file_the_environment_makes_the_single_default_company(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALDO_CONFIG", raising=False)
    monkeypatch.setenv("SALDO_REFERENCE_SCHEME", "fi")
    companies = companies_from_env()
    assert len(companies.companies) == 1
    assert (companies.default.code, companies.default.reference_scheme) == ("default", ReferenceScheme.FI)


def test_saldo_config_names_the_file_the_installation_runs_on(store_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url)
    try:
        assert svc.app.config.code == "it-power"
        assert [c.code for c in svc.app.companies.companies] == ["it-power", "fi-network", "fi-heat"]
    finally:
        svc.close()
