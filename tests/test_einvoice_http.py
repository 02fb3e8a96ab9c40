"""Issue 13 item 2 over HTTP and the CLI: ``GET /invoices/{number}/e-invoice`` and ``saldo documents
e-invoice``; which format a company sends (its country's, or the one its configuration names).

The readers of the PDF read the e-invoice (the portal its own account's only, anyone else's the same 404 as
a number that does not exist), accounting and admin may not; an unknown number is 404, an unknown format
or a fact the format needs (a Peppol address) a 422 problem naming the field; the CLI writes the same
bytes the route answers, whole, into the directory given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main
from api.company_file import check_file
from api.documents.einvoice import dispatch, validation
from ledger.core.actor import Role
from ledger.parties.company import CompanyAddress, CompanyConfig
from tests.auth import api_client, bearer
from tests.clerk import Clerk
from tests.documents_scenario import COMPANIES, doc_clerk, invoice
from tests.einvoice_business_scenario import business_invoice

__all__ = ["doc_clerk"]
PROBLEM = "application/problem+json"


def test_the_portal_reads_its_own_e_invoice_and_no_one_elses_and_only_readers_may(doc_clerk: Clerk) -> None:
    own_partner, own = invoice(doc_clerk, "fi-network")
    _, other = invoice(doc_clerk, "fi-network")
    path = f"/invoices/{own['number']}/e-invoice"
    portal = bearer(Role.PORTAL, partner=own_partner)
    with api_client(doc_clerk.services, None) as client:  # one app; each request names its role
        answer = client.get(path, headers=portal)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/xml")
        assert answer.headers["x-e-invoice-format"] == "finvoice"
        assert answer.headers["content-disposition"] == f'attachment; filename="{own["number"]}.finvoice.xml"'
        assert answer.content == dispatch.write(doc_clerk.services.app, own["number"]).content
        assert validation.xsd_problems(answer.content, "finvoice") == ()
        theirs = client.get(f"/invoices/{other['number']}/e-invoice", headers=portal)
        missing = client.get("/invoices/VRK-2026-999999/e-invoice", headers=portal)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["detail"] == missing.json()["detail"].replace("VRK-2026-999999", other["number"])
        for role in (Role.FINANCE, Role.AUDITOR):
            reader = client.get(f"/invoices/{other['number']}/e-invoice", headers=bearer(role))
            assert reader.status_code == 200
        for role in (Role.ACCOUNTING, Role.ADMIN):
            assert client.get(path, headers=bearer(role)).status_code == 403
        assert client.get(path).status_code == 401


def test_errors_are_problem_documents_naming_the_field(doc_clerk: Clerk) -> None:
    _, consumer = invoice(doc_clerk, "es-water")
    _, business = business_invoice(doc_clerk, "es-water")
    with api_client(doc_clerk.services, Role.FINANCE) as finance:
        missing = finance.get("/invoices/AR-2026-999999/e-invoice")
        assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
        assert "AR-2026-999999" in missing.json()["detail"]
        unknown = finance.get(f"/invoices/{business['number']}/e-invoice", params={"format": "pdf"})
        assert unknown.status_code == 422 and unknown.headers["content-type"] == PROBLEM
        assert "'pdf' is not an e-invoice format" in unknown.json()["detail"]
        no_address = finance.get(f"/invoices/{consumer['number']}/e-invoice", params={"format": "ubl"})
        assert no_address.status_code == 422 and no_address.headers["content-type"] == PROBLEM
        assert "electronic address" in no_address.json()["detail"]
        assert "partner.tax_ids" in no_address.text
        ubl = finance.get(f"/invoices/{business['number']}/e-invoice", params={"format": "ubl"})
        assert ubl.status_code == 200 and ubl.headers["x-e-invoice-format"] == "ubl"
        assert validation.xsd_problems(ubl.content, "ubl") == ()


def test_the_format_is_the_countrys_unless_the_company_names_another() -> None:
    def company(country: str, **kw: str) -> CompanyConfig:
        return CompanyConfig(address=CompanyAddress("Town", country), **kw)  # type: ignore[arg-type]

    assert [dispatch.format_for(company(c)) for c in ("IT", "ES", "FI", "DE", "NL")] == [
        "fatturapa", "facturae", "finvoice", "ubl", "ubl"]
    assert dispatch.format_for(company("FI", einvoice_format="ubl")) == "ubl"
    with pytest.raises(ValueError, match="not an e-invoice format"):
        company("FI", einvoice_format="edifact")


def test_a_configuration_file_names_the_format_or_is_refused_naming_the_field(tmp_path: Path) -> None:
    text = COMPANIES.read_text(encoding="utf-8")
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    terms = "payment_terms_days = 14"
    good.write_text(text.replace(terms, f'{terms}\neinvoice_format = "ubl"'), encoding="utf-8")
    bad.write_text(text.replace(terms, f'{terms}\neinvoice_format = "x"'), encoding="utf-8")
    assert check_file(good) == []
    problems = check_file(bad)
    assert len(problems) == 1 and "einvoice_format" in problems[0]
    assert "not an e-invoice format" in problems[0]


def test_the_cli_writes_the_routes_bytes_whole_into_the_directory(
        doc_clerk: Clerk, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(COMPANIES))
    _, issued = business_invoice(doc_clerk, "it-pagopa")
    number = issued["number"]
    expected = dispatch.write(doc_clerk.services.app, number, "ubl")
    cli = ["--database-url", store_url, "documents", "e-invoice"]
    out = tmp_path / "out"
    out.mkdir()
    assert main([*cli, number, "--format", "ubl", "--out", str(out)]) == 0
    assert (out / expected.file_name).read_bytes() == expected.content
    assert f"ubl, {len(expected.content)} bytes" in capsys.readouterr().out
    assert main([*cli, "NOPE-1"]) == 1
    assert "invoice or credit note NOPE-1 does not exist" in capsys.readouterr().err
    assert main([*cli, number, "--format", "ubl", "--out", str(out / "absent")]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert list(out.iterdir()) == [out / expected.file_name]  # nothing half-written
