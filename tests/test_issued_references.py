"""A payment reference Saldo issued is never issued twice in the company, whatever numbers callers choose.

Digits-only schemes built the reference from the digits of the number, so a caller's ``X-2026-000001``
got the reference of ``INV-2026-000001`` and its payment landed on the other customer's account; some
numbers gave an HTTP 500 in plain text, and ``be_ogm`` cut long numbers short. A caller's number now
never shapes the reference: its invoice gets the next reference of the company's own sequence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import Services
from importers.bank import service
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.accounts.invoice import ReferenceScheme
from ledger.accounts.references import SCHEMES
from ledger.core.errors import Conflict, InvalidInput
from tests.auth import api_client
from tests.clerk import Clerk, energy_line


def use_scheme(clerk: Clerk, scheme: ReferenceScheme) -> None:
    clerk.services.app.config = replace(clerk.services.app.config, reference_scheme=scheme)


def issue(clerk: Clerk, account: UUID, number: str | None, net: str = "10.00") -> dict[str, Any]:
    return clerk.run(ac.IssueInvoice(account, (energy_line(net, "0"),), clerk.clock.today, number=number))


@pytest.mark.parametrize("scheme", list(ReferenceScheme))
def test_a_callers_number_never_takes_the_reference_of_a_drawn_one(
    clerk: Clerk, tmp_path: Path, scheme: ReferenceScheme
) -> None:
    use_scheme(clerk, scheme)
    anna, bruno = clerk.customer("Anna"), clerk.customer("Bruno")
    theirs = issue(clerk, bruno, "X-2026-000001", "25.00")  # the caller picks it first
    ours = issue(clerk, anna, None, "25.00")  # INV-2026-000001: the same digits
    assert ours["number"] == "INV-2026-000001"
    assert ours["payment_reference"] != theirs["payment_reference"]
    assert SCHEMES[scheme.value].is_valid(theirs["payment_reference"])
    path = tmp_path / "s.xml"
    write_camt053(path, [SynthEntry(Decimal("25.00"), reference=ours["payment_reference"])])
    report = service.import_statement(clerk.services, path.read_bytes(), "s.xml")
    assert report.by_rule == {"structured-reference": 1}, report.as_dict()
    assert clerk.owes(anna) == 0 and clerk.owes(bruno) == Decimal("25.00")


@pytest.mark.parametrize("scheme", list(ReferenceScheme))
def test_numbers_that_differ_only_in_letters_or_punctuation_get_different_references(
    clerk: Clerk, scheme: ReferenceScheme
) -> None:
    use_scheme(clerk, scheme)
    account = clerk.customer()
    numbers = ["A-2026/7", "B-2026-7", "a20267", "12345678901", "02345678901", "2345678901"]
    references = [issue(clerk, account, n)["payment_reference"] for n in numbers]
    assert len(set(references)) == len(numbers)
    assert all(SCHEMES[scheme.value].is_valid(r) for r in references)


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with api_client(services) as client:
        yield client


def _invoice_over_http(http: TestClient, account: UUID, number: str, key: str) -> Any:
    body = {"issue_date": "2026-03-01", "number": number,
            "lines": [{"description": "Energia", "component": "energy", "quantity": "1", "unit": "kWh",
                       "unit_price": "10.00", "vat_rate": "0"}]}
    return http.post(f"/accounts/{account}/invoices", json=body, headers={"Idempotency-Key": key})


@pytest.mark.parametrize(
    ("scheme", "number"),
    [
        (ReferenceScheme.FI, "ABC"),  # no digits at all
        (ReferenceScheme.CH_QRR, "ABC"),
        (ReferenceScheme.NO_KID, "ABC"),
        (ReferenceScheme.FI, "12"),  # too few digits for a Finnish reference
        (ReferenceScheme.RF, "INV-12345678901234567890"),  # 23 letters and digits: too long for RF
        (ReferenceScheme.FI, "12345678901234567890"),
        (ReferenceScheme.IT_PAGOPA, "12345678901234567890"),
        (ReferenceScheme.BE_OGM, "12345678901234567890"),
        (ReferenceScheme.CH_QRR, "0000"),
    ],
)
def test_any_reasonable_number_gets_an_invoice_and_a_valid_reference(
    http: TestClient, clerk: Clerk, scheme: ReferenceScheme, number: str
) -> None:
    use_scheme(clerk, scheme)
    response = _invoice_over_http(http, clerk.customer(), number, f"n-{scheme.value}-{number}")
    assert response.status_code == 201, response.text
    assert response.json()["number"] == number
    assert SCHEMES[scheme.value].is_valid(response.json()["payment_reference"])


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (" ", "empty"),
        ("X" * 36, "35"),
        ("INV-\n2026", "printable"),
        ("INV-2026-000007", "series"),  # the company's own series: drawing would hit it later
        ("CN-2026-000001", "series"),
    ],
)
def test_a_number_that_cannot_be_an_invoice_number_is_a_problem_naming_the_field(
    http: TestClient, clerk: Clerk, number: str, why: str
) -> None:
    response = _invoice_over_http(http, clerk.customer(), number, f"bad-{why}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["number"]
    assert why in response.json()["detail"]


#: What callers send as invoice numbers: their own series, digits of every length, odd punctuation,
#: letters only, look-alikes of Saldo's own numbers; ``None`` draws from the company's series.
caller_numbers = st.one_of(
    st.none(),
    st.from_regex(r"[A-Z]{0,3}[-/ .]?20[0-9]{2}[-/ .]?[0-9]{1,7}", fullmatch=True),
    st.text("0123456789", min_size=1, max_size=24),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabc0123456789-/. ", min_size=1, max_size=35),
    st.from_regex(r"INV-2026-0000[0-9]{2}", fullmatch=True),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=st.sampled_from(list(ReferenceScheme)),
       numbers=st.lists(caller_numbers, min_size=1, max_size=6))
def test_no_reference_is_issued_twice_whatever_numbers_callers_choose(
    clerk: Clerk, scheme: ReferenceScheme, numbers: list[str | None]
) -> None:
    use_scheme(clerk, scheme)
    clerk.clock.today = date(2026, 3, 1)
    account = clerk.customer()
    for number in numbers:
        try:
            issue(clerk, account, number)
        except (InvalidInput, Conflict) as e:  # a clear refusal naming the field, never a crash
            assert number is not None and e.field == "number", e
    everyone = clerk.services.view.account_ids(100_000)
    issued = [r[3] for r in clerk.services.view.open_items_of(everyone) if r[3]]
    assert len(issued) == len(set(issued)), sorted(issued)
    mine = [r[3] for r in clerk.services.view.open_items_of([str(account)])]
    assert all(SCHEMES[scheme.value].is_valid(r) for r in mine)


@pytest.mark.parametrize("scheme", list(ReferenceScheme))
def test_instalments_never_repeat_a_reference_of_an_invoice_or_of_each_other(
    clerk: Clerk, scheme: ReferenceScheme
) -> None:
    """Plan numbers (``PLAN-2026-000001-001``) carry 13 digits, more than OGM's 10."""
    from ledger.dunning import commands as dc

    use_scheme(clerk, scheme)
    anna = clerk.customer("Anna")
    invoices = [issue(clerk, anna, None, "30.00") for _ in range(3)]
    plan = clerk.run(dc.CreateInstalmentPlan(anna, (invoices[0]["number"],), 3, date(2026, 4, 1)))
    later = issue(clerk, anna, None, "40.00")
    references = [i["payment_reference"] for i in plan["instalments"]]
    references += [i["payment_reference"] for i in (*invoices, later)]
    assert len(references) == len(set(references)) == 7, references
    assert all(SCHEMES[scheme.value].is_valid(r) for r in references)


@pytest.mark.parametrize("scheme", list(ReferenceScheme))
def test_plans_ten_years_apart_never_share_an_instalment_reference(
    clerk: Clerk, scheme: ReferenceScheme
) -> None:
    """OGM kept the last ten of 13 digits: ``PLAN-2026-000001-001`` and ``PLAN-2036-000001-001`` collided.

    Every plan number's digits start with its year, so any scheme that cuts or pads them can meet an
    earlier plan or an invoice; instalments take the company's own sequence instead.
    """
    from ledger.dunning import commands as dc

    use_scheme(clerk, scheme)
    references: list[str] = []
    for year in (2026, 2036):
        clerk.clock.today = date(year, 3, 1)
        account = clerk.customer(f"Customer {year}")
        invoice = issue(clerk, account, None, "30.00")
        references.append(invoice["payment_reference"])
        plan = clerk.run(dc.CreateInstalmentPlan(account, (invoice["number"],), 2, date(year, 4, 1)))
        assert plan["number"] == f"PLAN-{year}-000001"
        references += [i["payment_reference"] for i in plan["instalments"]]
    assert len(references) == len(set(references)) == 6, references
    assert all(SCHEMES[scheme.value].is_valid(r) for r in references)
