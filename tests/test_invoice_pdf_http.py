"""Issue 13 item 1 over HTTP and the CLI: ``GET /invoices/{number}.pdf`` (the portal gets its own account's
documents only, anyone else's is the same 404 as a number that does not exist), recording a rendering's
hash with ``POST /invoices/{number}/renderings``, and ``saldo documents render``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from api.documents import service
from api.documents.invoice_pdf import RENDERER, sha256
from ledger.core.actor import Role
from tests.auth import api_client, new_key
from tests.clerk import Clerk
from tests.documents_scenario import COMPANIES, doc_clerk, invoice, text_of

__all__ = ["doc_clerk"]


def test_the_portal_reads_its_own_invoice_pdf_and_no_one_elses(doc_clerk: Clerk) -> None:
    own_partner, own = invoice(doc_clerk, "es-water")
    _, other = invoice(doc_clerk, "it-pagopa")
    with api_client(doc_clerk.services, Role.PORTAL, partner=own_partner) as portal:
        answer = portal.get(f"/invoices/{own['number']}.pdf")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["x-content-sha256"] == sha256(answer.content)
        assert f"Total to pay {own['gross']} EUR" in text_of(answer.content)
        theirs = portal.get(f"/invoices/{other['number']}.pdf")
        missing = portal.get("/invoices/AR-2026-999999.pdf")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["detail"] == missing.json()["detail"].replace("AR-2026-999999", other["number"])
        assert portal.post(f"/invoices/{own['number']}/renderings", headers=new_key()).status_code == 403
    with api_client(doc_clerk.services, Role.AUDITOR) as auditor:
        assert auditor.get(f"/invoices/{other['number']}.pdf").status_code == 200
        assert auditor.get("/invoices/AR-2026-999999.pdf").status_code == 404


def test_finance_records_the_hash_of_the_pdf_it_issues_and_the_pdf_route_shows_it(doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "fi-network")
    number = issued["number"]
    with api_client(doc_clerk.services, Role.FINANCE) as finance:
        before = finance.get(f"/invoices/{number}.pdf")
        assert "x-recorded-sha256" not in before.headers
        key = new_key()
        recorded = finance.post(f"/invoices/{number}/renderings", headers=key)
        assert recorded.status_code == 201, recorded.text
        body = recorded.json()
        assert body == {"number": number, "sha256": sha256(before.content),
                        "byte_length": len(before.content), "renderer": RENDERER, "recorded": True}
        replay = finance.post(f"/invoices/{number}/renderings", headers=key)
        assert replay.json() == body and replay.headers["idempotent-replayed"] == "true"
        again = finance.post(f"/invoices/{number}/renderings", headers=new_key())
        assert again.status_code == 201 and again.json()["recorded"] is False
        after = finance.get(f"/invoices/{number}.pdf")
        assert after.content == before.content
        assert after.headers["x-recorded-sha256"] == after.headers["x-content-sha256"] == body["sha256"]
        missing = finance.post("/invoices/VRK-2026-999999/renderings", headers=new_key())
        assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "invoice_number"


def test_the_cli_renders_records_and_verifies(doc_clerk: Clerk, store_url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(COMPANIES))
    numbers = [invoice(doc_clerk, c)[1]["number"] for c in ("it-pagopa", "es-water")]
    cli = ["--database-url", store_url, "documents", "render"]
    assert main([*cli, *numbers, "--verify"]) == 1  # nothing recorded yet: nothing to verify against
    assert "recorded nothing" in capsys.readouterr().err
    assert main([*cli, *numbers, "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for number in numbers:
        pdf = (tmp_path / f"{number}.pdf").read_bytes()
        assert f"{number}: {len(pdf)} bytes, sha256 {sha256(pdf)}" in out
    assert main([*cli, *numbers, "--verify"]) == 0
    assert capsys.readouterr().out.count("as recorded") == 2
    assert main([*cli, "NOPE-1"]) == 1
    assert "invoice or credit note NOPE-1 does not exist" in capsys.readouterr().err


def test_another_process_with_another_hash_seed_renders_the_recorded_bytes(doc_clerk: Clerk,
                                                                          store_url: str) -> None:
    """No per-process state (string hashing's random seed orders sets and dicts of glyph names; the
    font cache; the time) reaches the bytes: a separate process verifies what this one recorded."""
    numbers = [invoice(doc_clerk, c)[1]["number"] for c in ("it-pagopa", "fi-network", "es-water")]
    for number in numbers:
        service.issue(doc_clerk.services.app, number, f"record:{number}")
    root = Path(__file__).resolve().parent.parent
    for seed in ("1", "4242"):
        env = dict(os.environ, SALDO_CONFIG=str(COMPANIES), PYTHONHASHSEED=seed, PYTHONPATH=str(root))
        run = subprocess.run([sys.executable, "-m", "api.cli", "--database-url", store_url, "documents",
                              "render", *numbers, "--verify"], cwd=root, env=env, capture_output=True,
                             text=True, timeout=300, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.stdout.count("as recorded") == 3
