"""A collection is settled only on a day that has come, and not before its collection date (issue 10, item 4).

Settling books a bank receipt (Dr bank / Cr dd-clearing): settling "on 2099-01-01" would book receipts the
bank never sent, and settling before the collection date books money that cannot have arrived yet.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.cli.collections import cmd_settle
from importers.sepa import service as dd
from ledger.collections import commands as d
from ledger.core.errors import InvalidInput
from tests.auth import api_client, new_key
from tests.clerk import Clerk
from tests.dd_scenario import dd_customer, run_today

IBAN = "IT60X0542811101000000123456"


def _collected(clerk: Clerk) -> tuple[UUID, str]:
    """One customer billed, due today, collected today: (account, end-to-end id), still in transit."""
    account = dd_customer(clerk, "settle", "Mario Rossi", "UMR-SETTLE-1", IBAN)
    clerk.bill(account, "84.20", vat="0")
    clerk.clock.advance(10)
    run = run_today(clerk, "settle-run")
    (e2e,) = run.collections
    return account, e2e


def _in_transit(clerk: Clerk) -> int:
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100_000) if r[8] == "dd-clearing")


def test_a_collection_is_not_settled_on_a_day_that_has_not_come(clerk: Clerk) -> None:
    account, e2e = _collected(clerk)
    for day in (date(2099, 1, 1), clerk.clock.today + timedelta(days=1)):
        with pytest.raises(InvalidInput) as info:
            clerk.run(d.SettleCollection(account, e2e, day))
        assert info.value.field == "settled_on"
        assert "after today" in str(info.value)
    assert _in_transit(clerk) == 8420  # nothing booked
    clerk.run(d.SettleCollection(account, e2e, clerk.clock.today))  # today is fine
    assert _in_transit(clerk) == 0


def test_a_collection_is_not_settled_before_its_collection_date(clerk: Clerk) -> None:
    account, e2e = _collected(clerk)
    clerk.clock.advance(3)
    with pytest.raises(InvalidInput) as info:
        clerk.run(d.SettleCollection(account, e2e, clerk.clock.today - timedelta(days=4)))
    assert info.value.field == "settled_on"
    assert "before the collection date" in str(info.value)
    assert _in_transit(clerk) == 8420
    clerk.run(d.SettleCollection(account, e2e, clerk.clock.today - timedelta(days=3)))  # on its date
    assert _in_transit(clerk) == 0


def test_settling_what_is_due_refuses_a_future_day_and_writes_nothing(clerk: Clerk) -> None:
    _collected(clerk)
    position = clerk.services.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as info:
        dd.settle_due(clerk.services, date(2099, 1, 1))
    assert info.value.field == "on"
    assert clerk.services.app.recorder.max_notification_id() == position
    assert dd.settle_due(clerk.services, clerk.clock.today) == 1


@pytest.fixture
def http(clerk: Clerk) -> Iterator[TestClient]:
    with api_client(clerk.services, "finance") as client:
        yield client


def test_settlement_over_http_on_a_future_day_is_a_422_naming_the_field(clerk: Clerk,
                                                                        http: TestClient) -> None:
    _collected(clerk)
    response = http.post("/collections/settlement", json={"on": "2099-01-01"}, headers=new_key())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["on"]
    assert "2099-01-01" in body["detail"] and "after today" in body["detail"]
    assert _in_transit(clerk) == 8420
    today = http.post("/collections/settlement", json={"on": clerk.clock.today.isoformat()},
                      headers=new_key())
    assert today.status_code == 201 and today.json() == {"settled": 1}
    assert _in_transit(clerk) == 0


def test_the_command_line_refuses_a_future_settlement_day_without_a_traceback(
    clerk: Clerk, capsys: pytest.CaptureFixture[str]
) -> None:
    _collected(clerk)
    assert cmd_settle(clerk.services, argparse.Namespace(on=date(2099, 1, 1))) == 2
    err = capsys.readouterr().err
    assert "on: " in err and "after today" in err
    assert _in_transit(clerk) == 8420
