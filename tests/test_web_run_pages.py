"""The run pages' logic without a browser, on both stores: a statement's import report, billing, collection
and dunning proposals, their review and their discard, and every refusal as a message on a form field."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from fastapi import UploadFile
from fastapi.testclient import TestClient

from api.auth.gate import SESSION_COOKIE
from api.body_limits import MAX_JSON_BODY_BYTES, MAX_STATEMENT_UPLOAD_BYTES, page_limits
from api.bootstrap import Services
from api.routes.dunning import dunning_state
from api.web import run_pages as rp
from api.web.forms import FormError
from importers.bank.synth import SynthEntry, write_camt053
from ledger.core.actor import Actor, Channel, Role
from ledger.dunning.run import DunningRun
from tests.auth import app, token
from tests.clerk import Clerk
from tests.dunning_flow.helpers import dd_customer

FINANCE = Actor("web-finance", Role.FINANCE, Channel.HTTP, "web-test")


def _upload(name: str, content: bytes) -> UploadFile:
    return UploadFile(io.BytesIO(content), filename=name)


def _overdue(clerk: Clerk) -> UUID:
    account = clerk.customer("Dario Ritardo", terms_days=10)
    clerk.bill(account, "60.00", vat="0")
    clerk.clock.today = date(2026, 3, 30)
    return account


def test_a_dunning_proposal_is_reviewed_with_its_totals_then_discarded_and_nothing_is_stepped(
        clerk: Clerk) -> None:
    account = _overdue(clerk)
    (run_id,) = rp.propose_dunning(clerk.services, FINANCE, "", "", "web-dun-1")
    review = rp.dunning_run(clerk.services, run_id)
    assert review["status"] == "proposed"
    assert review["totals"]["steps"] == len(review["proposed_steps"]) == 1
    assert review["totals"]["overdue"] == review["proposed_steps"][0]["overdue"] == "60.00"
    assert review["proposed_steps"][0]["account_id"] == str(account)
    with pytest.raises(FormError) as empty:
        rp.discard_dunning(clerk.services, FINANCE, run_id, "  ", "web-dis-0")
    assert empty.value.field == "reason"
    discarded = rp.discard_dunning(clerk.services, FINANCE, run_id, "not today", "web-dis-1")
    assert discarded["status"] == "discarded"
    assert rp.dunning_run(clerk.services, run_id)["status"] == "discarded"
    run = clerk.services.app.get(DunningRun, run_id, "dunning run", "run_id")
    state = dunning_state(clerk.services, account)
    assert run.steps == () and state.steps == [] and state.level == 0  # no dunning step was recorded
    with pytest.raises(FormError) as decided:  # a run decided once is not decided again
        rp.execute_dunning(clerk.services, FINANCE, run_id, "web-exe-1")
    assert decided.value.field == "run_id" and "discarded" in decided.value.message


def test_the_run_forms_name_the_field_they_refuse(clerk: Clerk) -> None:
    cases = [
        (lambda: rp.propose_dunning(clerk.services, FINANCE, "2026-13-01", "", "k1"), "run_on"),
        (lambda: rp.propose_dunning(clerk.services, FINANCE, "", "NO-SUCH-CO", "k2"), "company"),
        (lambda: rp.propose_collection(clerk.services, FINANCE, "2026-03-01", "", "", "k3"),
         "collection_date"),
        (lambda: rp.billing_form("2026-03-01", "2026-02-01", "", ""), "period_end"),
        (lambda: rp.billing_form("", "2026-02-01", "", ""), "period_start"),
        (lambda: rp.billing_form("2026-01-01", "2026-01-31", "31/01/2026", ""), "issue_date"),
        (lambda: rp.billing_form("2026-01-01", "2026-01-31", "", "x" * 40), "company"),
    ]
    for call, field in cases:
        with pytest.raises(FormError) as refused:
            call()
        assert refused.value.field == field, (field, refused.value.message)
        assert refused.value.message


def test_a_collection_proposal_lists_its_items_and_totals(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Sara Addebito", "UMR-WEB-1")
    clerk.bill(account, "45.00", vat="0")
    run_id = rp.propose_collection(clerk.services, FINANCE, "2026-03-31", "2026-03-20", "", "web-col-1")
    review = rp.collection_run(clerk.services, run_id)
    assert (review["status"], review["proposed"], review["proposed_amount"]) == ("proposed", 1, "45.00")
    assert review["proposals"][0]["account_id"] == str(account)
    assert rp.discard_collection(clerk.services, FINANCE, run_id, "wrong date", "web-col-d")["status"] == \
        "discarded"


def test_a_billing_proposal_is_a_simulation_that_writes_nothing(clerk: Clerk) -> None:
    position = clerk.services.app.recorder.max_notification_id()
    form = rp.billing_form("2026-01-01", "2026-01-31", "", "")
    report = rp.simulate_billing(clerk.services, FINANCE, form, "web-sim-1")
    assert report["simulate"] is True and report["invoices"] == 0 and Decimal(report["gross"]) == 0
    assert clerk.services.app.recorder.max_notification_id() == position


def test_a_statement_upload_gives_its_report_and_a_bad_file_names_the_file(clerk: Clerk,
                                                                           tmp_path: Path) -> None:
    account = clerk.customer("Giulia Banca")
    clerk.bill(account, "80.00", vat="0")
    path = tmp_path / "today.xml"
    write_camt053(path, [SynthEntry(Decimal("80.00"), debtor_name="Giulia Banca", unstructured=("luce",),
                                    account_servicer_reference="W1"),
                         SynthEntry(Decimal("12.345"), debtor_name="Nobody",
                                    account_servicer_reference="W2")],
                  booking_date=date(2026, 3, 5))
    report = rp.import_upload(clerk.services, FINANCE, _upload("today.xml", path.read_bytes()), "web-st-1")
    assert report["entries"] == 2
    summary = dict(rp.report_summary(report))
    assert summary["Entries"] == "2" and summary["File"] == "today.xml"
    refused = rp.report_lines(report, "refused") + rp.report_lines(report, "not_allocated")
    assert report["booked"] + report["to_suspense"] + len(refused) == 2
    assert all(line.where.startswith("today.xml line ") and line.reason for line in refused)
    again = rp.import_upload(clerk.services, FINANCE, _upload("today.xml", path.read_bytes()), "web-st-1")
    assert again == report  # the same form sent twice: the same answer

    with pytest.raises(FormError) as bad:
        rp.import_upload(clerk.services, FINANCE, _upload("bad.xml", b"<?xml version='1.0'?><Document><Bk"),
                         "web-st-2")
    assert bad.value.field == "file" and "bad.xml" in bad.value.message
    with pytest.raises(FormError) as none:
        rp.import_upload(clerk.services, FINANCE, _upload("", b""), "web-st-3")
    assert none.value.field == "file"


def test_the_upload_page_has_the_api_upload_limit_not_the_json_one(services: Services) -> None:
    application = app(services)
    limits = {(method, pattern.pattern): limit for method, pattern, limit in page_limits(application.routes)}
    assert limits[("POST", "^/ui/statements$")].max_bytes == MAX_STATEMENT_UPLOAD_BYTES
    with TestClient(application, cookies={SESSION_COOKIE: token("finance")}) as http:
        form = http.get("/ui/statements").text  # the form carries the session's CSRF token, as in a browser
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        big = b"x" * (MAX_JSON_BODY_BYTES + 1024)  # over a JSON body's limit, well under a statement's
        answer = http.post("/ui/statements", files={"file": ("big.csv", big, "text/csv")},
                           data={"csrf": csrf.group(1), "idempotency_key": "web-big"})
        assert answer.status_code == 422 and "big.csv" in answer.text  # read, and refused on its field
        too_big = http.post("/ui/statements", content=b"x",
                            headers={"Content-Length": str(MAX_STATEMENT_UPLOAD_BYTES + 1),
                                     "Content-Type": "multipart/form-data; boundary=b"})
        assert too_big.status_code == 413 and "MAX_STATEMENT_UPLOAD_BYTES" in too_big.text


def _session(services: Services, role: str) -> tuple[TestClient, str]:
    """A client with ``role``'s session cookie, and the CSRF token its pages carry (read off a page)."""
    http = TestClient(app(services), cookies={SESSION_COOKIE: token(role)})
    found = re.search(r'name="csrf" value="([^"]+)"', http.get("/ui/runs").text)
    assert found is not None
    return http, found.group(1)


def test_a_confirmed_execution_sent_twice_is_one_and_the_auditor_only_reads(clerk: Clerk) -> None:
    _overdue(clerk)
    (run_id,) = rp.propose_dunning(clerk.services, FINANCE, "", "", "web-dun-2")
    finance, csrf = _session(clerk.services, "finance")
    asked = finance.post(f"/ui/runs/dunning/{run_id}/execution", data={"csrf": csrf})
    key = re.search(r'name="idempotency_key" value="([^"]+)"', asked.text)
    assert asked.status_code == 200 and key is not None  # the confirmation, nothing done yet
    assert rp.dunning_run(clerk.services, run_id)["status"] == "proposed"
    confirmed = {"csrf": csrf, "idempotency_key": key.group(1), "confirmed": "yes"}
    first = finance.post(f"/ui/runs/dunning/{run_id}/execution", data=confirmed, follow_redirects=False)
    again = finance.post(f"/ui/runs/dunning/{run_id}/execution", data=confirmed, follow_redirects=False)
    assert (first.status_code, again.status_code) == (303, 303)  # the reload replays the execution
    assert rp.dunning_run(clerk.services, run_id)["status"] == "executed"
    other_key = finance.post(f"/ui/runs/dunning/{run_id}/execution",
                             data={**confirmed, "idempotency_key": "x"})
    assert other_key.status_code == 409 and "executed" in other_key.text  # a message on the page, no 500
    auditor, auditor_csrf = _session(clerk.services, "auditor")
    review = auditor.get(f"/ui/runs/dunning/{run_id}")
    assert review.status_code == 200 and 'id="discard-form"' not in review.text
    assert auditor.post(f"/ui/runs/dunning/{run_id}/discard", data={"csrf": auditor_csrf, "reason": "x"}
                        ).status_code == 403
