"""Issue 12 item 5: the event store partitioned by company, and the read side on a read-only URL.

The three demo companies (config/companies.demo.toml) on three stores: it-power, the default company, on
the main store (SQLite), fi-network and fi-heat each on its own PostgreSQL database. Every write lands in the
store of its company only (counted by each store's notification log); reads answer from the store that holds
the account; a run for one company writes to its store, a run for none goes over all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from fastapi.testclient import TestClient

from api.bootstrap import Services, build
from api.cli import main
from api.company_file import check_file, load_companies
from api.http import create_app
from api.store_urls import StoreUrls, store_urls
from api.stores import Stores, build_stores
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from projections.runner import CatchUp
from tests.auth import TEST_AUTH, bearer
from tests.clerk import Clock
from tests.company_scenario import DEMO
from tests.postgres import scratch_database

CODES = ("it-power", "fi-network", "fi-heat")


@dataclass
class Group:
    stores: Stores
    http: TestClient
    config: Path
    main_url: str

    def positions(self) -> dict[str, int]:
        """How many events each company's store holds (its notification log's last id)."""
        return {code: self.stores.of_company(code).app.recorder.max_notification_id() or 0 for code in CODES}

    def post(self, path: str, body: dict[str, Any], **params: str) -> Any:
        response = self.http.post(path, json=body, params=params,
                                  headers={"Idempotency-Key": f"t-{uuid.uuid4().hex}"})
        assert response.status_code == 201, response.text
        return response.json()


def _config(tmp_path: Path, urls: dict[str, str]) -> Path:
    """The demo configuration with a ``store_url`` line under each company of ``urls``."""
    lines = []
    for line in DEMO.read_text("utf-8").splitlines():
        lines.append(line)
        for code, url in urls.items():
            if line == f'code = "{code}"':
                lines.append(f'store_url = "{url}"')
    path = tmp_path / "companies.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def pg_databases(pg_url: str) -> Iterator[tuple[str, str]]:
    tag = uuid.uuid4().hex[:8]
    with scratch_database(pg_url, f"saldo_network_{tag}") as network, \
            scratch_database(pg_url, f"saldo_heat_{tag}") as heat:
        assert network != heat != pg_url  # the server lets the tests create databases
        yield network, heat


@pytest.fixture
def group(tmp_path: Path, pg_databases: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Group]:
    network, heat = pg_databases
    config = _config(tmp_path, {"fi-network": network, "fi-heat": heat})
    monkeypatch.setenv("SALDO_CONFIG", str(config))
    main_url = f"sqlite:///{tmp_path}/main.sqlite"
    stores = build_stores(main_url, clock=Clock(date(2026, 3, 1)))
    assert stores is not None
    app = create_app(stores.main, auth=TEST_AUTH, stores=stores)
    with TestClient(app, headers=bearer("finance")) as http:
        yield Group(stores, http, config, main_url)
    stores.close()


def _customer(g: Group, company: str) -> str:
    """A partner and an account of ``company``, opened over HTTP: the partner in the company's store
    (``?company=``), the account by the company its body names."""
    partner = g.post("/partners", {"name": f"Asiakas {company}", "kind": "person"}, company=company)
    account = g.post("/accounts", {"partner_id": partner["partner_id"], "name": "Koti", "company": company})
    return str(account["account_id"])


def _invoice(g: Group, account: str) -> Any:
    return g.post(f"/accounts/{account}/invoices", {
        "issue_date": "2026-03-01", "lines": [{"description": "Energia", "component": "energy",
                                               "quantity": "100", "unit": "kWh", "unit_price": "0.2000",
                                               "vat_rate": "24"}]})


def test_each_company_writes_only_to_its_own_store_and_reads_answer_from_it(group: Group) -> None:
    g = group
    assert {s.database_url for s in g.stores.all} == {g.main_url, *(
        g.stores.of_company(c).database_url for c in CODES[1:])}
    assert len(g.stores.all) == 3
    accounts = {}
    for code in CODES:
        before = g.positions()
        accounts[code] = _customer(g, code)
        after = g.positions()
        grew = {c for c in CODES if after[c] != before[c]}
        assert grew == {code}, f"opening an account of {code} wrote to {grew}"
    for code, account in accounts.items():
        holders = [c for c in CODES if g.stores.of_company(c).app.exists(uuid.UUID(account))]
        assert holders == [code]

    before = g.positions()
    invoice = _invoice(g, accounts["fi-heat"])  # 100 x 0.20 = 20.00 + 24 % = 24.80
    assert invoice["number"].startswith("KLM") and invoice["gross"] == "24.80"
    paid = g.post(f"/accounts/{accounts['fi-heat']}/payments",
                  {"amount": "10.00", "received_on": "2026-03-05", "reference": invoice["payment_reference"]})
    assert paid["allocations"] == [{"invoice": invoice["number"], "amount": "10.00"}]
    after = g.positions()
    assert after["fi-heat"] > before["fi-heat"]
    assert (after["it-power"], after["fi-network"]) == (before["it-power"], before["fi-network"])

    # Reads answer from the store holding the account; the others never heard of it.
    balance = g.http.get(f"/accounts/{accounts['fi-heat']}/balance")
    assert balance.status_code == 200, balance.text
    assert balance.json()["balance"] == "14.80"
    assert g.stores.main.view.account(accounts["fi-heat"]) is None
    assert g.stores.of_company("fi-network").view.account(accounts["fi-heat"]) is None
    for code in ("it-power", "fi-network"):
        assert g.http.get(f"/accounts/{accounts[code]}/balance").json()["balance"] == "0.00"
    assert g.http.get(f"/accounts/{uuid.uuid4()}/balance").status_code == 404  # in no store: the main answers

    # Search and lists answer from one store: the main one, or the one ?company= names.
    found = g.http.get("/search", params={"q": "Asiakas fi-heat", "company": "fi-heat"}).json()["results"]
    assert [hit["label"] for hit in found if hit["entity"] == "partner"] == ["Asiakas fi-heat"]
    on_main = g.http.get("/search", params={"q": "Asiakas"}).json()["results"]
    assert [hit["label"] for hit in on_main if hit["entity"] == "partner"] == ["Asiakas it-power"]
    unknown = g.http.get("/search", params={"q": "x", "company": "nowhere"})
    assert unknown.status_code == 422 and "nowhere" in unknown.json()["detail"]


def test_the_portal_sees_its_own_account_in_its_company_store_and_no_other(group: Group) -> None:
    heat = _customer(group, "fi-heat")
    network = _customer(group, "fi-network")
    partner = group.http.get(f"/accounts/{heat}/balance").json()["partner_id"]
    portal = {**bearer("portal", partner=partner)}
    mine = group.http.get(f"/accounts/{heat}/balance", headers=portal)
    assert mine.status_code == 200 and mine.json()["account_id"] == heat
    other = group.http.get(f"/accounts/{network}/balance", headers=portal)
    assert other.status_code == 404 and network in other.text


def test_an_account_opened_in_a_company_store_without_a_company_names_the_store_company(group: Group) -> None:
    """Else it would name none, and belong to whichever company a later configuration listed first there."""
    partner = group.post("/partners", {"name": "Nameless", "kind": "person"}, company="fi-network")
    account = group.post("/accounts", {"partner_id": partner["partner_id"], "name": "Koti"})
    network = group.stores.of_company("fi-network").app
    assert network.get(ContractAccount, uuid.UUID(account["account_id"]), "account", "account_id").company \
        == "fi-network"
    main_partner = group.post("/partners", {"name": "Main", "kind": "person"})
    on_main = group.post("/accounts", {"partner_id": main_partner["partner_id"], "name": "Casa"})
    assert group.stores.main.app.get(ContractAccount, uuid.UUID(on_main["account_id"]), "account",
                                     "account_id").company is None  # the main store: as before


def test_an_account_store_refuses_a_company_it_does_not_serve(group: Group) -> None:
    """A partner of the main store cannot be given an account of fi-heat: fi-heat's store has no such partner,
    and the main store has no fi-heat, so nothing is written anywhere."""
    partner = group.post("/partners", {"name": "Main customer", "kind": "person"})
    before = group.positions()
    refused = group.http.post("/accounts", json={"partner_id": partner["partner_id"], "name": "x",
                                                 "company": "fi-heat"}, headers={"Idempotency-Key": "k"})
    assert refused.status_code == 404 and "partner" in refused.text
    assert group.positions() == before
    with pytest.raises(Exception, match="no company 'fi-heat'"):
        group.stores.main.app.execute(ac.OpenContractAccount(uuid.UUID(partner["partner_id"]), "x",
                                                             company="fi-heat"), "k2")


def test_a_run_for_one_company_writes_to_its_store_and_a_run_for_none_to_every_store(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    g = group
    period = ["--period", "2026-02-01:2026-02-28", "--issue-date", "2026-03-01"]
    before = g.positions()
    assert main(["--database-url", g.main_url, "billing", "run", *period, "--company", "fi-network"]) == 0
    after = g.positions()
    assert after["fi-network"] > before["fi-network"]  # the run's record
    assert (after["it-power"], after["fi-heat"]) == (before["it-power"], before["fi-heat"])

    before = after
    assert main(["--database-url", g.main_url, "billing", "run", *period]) == 0
    after = g.positions()
    assert all(after[c] > before[c] for c in CODES), (before, after)
    assert capsys.readouterr().out.count("store of ") == 3  # one report per store

    assert main(["--database-url", g.main_url, "billing", "run", *period, "--company", "nowhere"]) == 1
    assert "no company 'nowhere'" in capsys.readouterr().err
    assert main(["--database-url", g.main_url, "projections", "run", "--once", "--company", "fi-heat"]) == 0
    assert main(["--database-url", g.main_url, "projections", "rebuild"]) == 0
    out = capsys.readouterr().out
    assert "store of it-power:" in out and "store of fi-heat:" in out
    assert out.count("rebuilt the ledger view") == 3  # every store's views


def test_the_same_id_in_two_stores_is_refused_not_guessed(group: Group) -> None:
    ids = []
    for code in ("fi-network", "fi-heat"):  # one idempotency key, two stores: the same ids in both
        app = group.stores.of_company(code).app
        partner = app.execute(pc.RegisterPartner("Twin", PartnerKind.PERSON), "twin-partner")["partner_id"]
        ids.append(app.execute(ac.OpenContractAccount(uuid.UUID(partner), "twin", company=code),
                               "twin-account")["account_id"])
    assert ids[0] == ids[1]
    refused = group.http.get(f"/accounts/{ids[0]}/balance")
    assert refused.status_code == 409 and "fi-network" in refused.text and "fi-heat" in refused.text
    assert "postgresql" not in refused.text  # a store's URL may carry its password: never in an answer


def test_config_check_names_every_wrong_store_url(tmp_path: Path) -> None:
    good = _config(tmp_path, {"fi-network": "postgresql://db-a:5432/network", "fi-heat": "sqlite:///var/h.sqlite"})
    assert check_file(good) == []
    assert store_urls(good) == {"fi-network": StoreUrls("postgresql://db-a:5432/network"),
                                "fi-heat": StoreUrls("sqlite:///var/h.sqlite")}
    assert check_file(DEMO) == [] and store_urls(DEMO) == {}  # no store_url: one store, as before
    text = good.read_text("utf-8").replace('store_url = "sqlite:///var/h.sqlite"',
                                           'store_url = "mysql://db/heat"\nread_url = "sqlite:///var/r.sqlite"')
    text = text.replace('code = "it-power"', 'code = "it-power"\nstore_url = "postgresql://db-c/power"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, "utf-8")
    problems = check_file(bad)
    assert any(p.startswith("companies[2].store_url: must start with sqlite:/// or postgresql://")
               for p in problems), problems
    assert any(p.startswith("companies[2].read_url: must start with postgresql://") for p in problems)
    assert any(p.startswith("companies[0].store_url: the first company is the default one") for p in problems)
    lonely = tmp_path / "lonely.toml"
    lonely.write_text(DEMO.read_text("utf-8").replace(
        'code = "fi-heat"', 'code = "fi-heat"\nread_url = "postgresql://replica/heat"'), "utf-8")
    assert check_file(lonely) == ["companies[2].read_url: is the read-only view of the company's store_url: "
                                  "give store_url too"]
    assert main(["config", "check", str(bad)]) == 1


def test_without_any_store_url_nothing_is_partitioned(tmp_path: Path) -> None:
    assert build_stores(f"sqlite:///{tmp_path}/x.sqlite", companies=load_companies(DEMO), urls={}) is None


# -- the read side on a read-only URL (a streaming replica, in production) ----------------------------------


def _make_reader(pg_url: str, database: str, role: str) -> str:
    """A role that may only SELECT on ``database``, every transaction of it read-only; its URL."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
        conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
    with psycopg.connect(_on(pg_url, database), autocommit=True) as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    parts = psycopg.conninfo.conninfo_to_dict(_on(pg_url, database))
    return f"postgresql://{role}@{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}/{database}"


def _on(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{database}"


def _drop_role(pg_url: str, database: str, role: str) -> None:
    with psycopg.connect(_on(pg_url, database), autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def _portal_account(svc: Services) -> tuple[TestClient, str]:
    http = TestClient(create_app(svc, auth=TEST_AUTH), headers=bearer("finance"))
    partner = http.post("/partners", json={"name": "Lukija", "kind": "person"},
                        headers={"Idempotency-Key": "p"}).json()
    account = http.post("/accounts", json={"partner_id": partner["partner_id"], "name": "Koti"},
                        headers={"Idempotency-Key": "a"}).json()["account_id"]
    invoice = http.post(f"/accounts/{account}/invoices", headers={"Idempotency-Key": "i"}, json={
        "issue_date": "2026-03-01", "lines": [{"description": "Water", "component": "water", "quantity": "10",
                                               "unit": "m3", "unit_price": "2.0000", "vat_rate": "10"}]})
    assert invoice.status_code == 201, invoice.text
    return http, str(account)


def test_reads_go_through_the_read_only_url_and_nothing_writes_through_it(pg_url: str) -> None:
    """The read URL is a role that may only SELECT, in read-only transactions, on the primary's database:
    every portal read answers through it, and a write through it fails (so none is ever made)."""
    tag = uuid.uuid4().hex[:8]
    role = f"saldo_reader_{tag}"
    with scratch_database(pg_url, f"saldo_primary_{tag}") as primary:
        database = primary.rsplit("/", 1)[1]
        build(primary, read_url="").close()  # the primary's tables, before the reader is granted them
        reader = _make_reader(pg_url, database, role)
        try:
            svc = build(primary, read_url=reader, clock=Clock(date(2026, 3, 1)))
            try:
                assert svc.read_view is not None and svc.for_reads().view is svc.read_view
                http, account = _portal_account(svc)
                for path in ("balance", "open-items", "statement"):
                    answer = http.get(f"/accounts/{account}/{path}")
                    assert answer.status_code == 200, answer.text
                assert http.get(f"/accounts/{account}/balance").json()["balance"] == "22.00"
                assert http.get("/search", params={"q": "Lukija"}).json()["results"]
                with pytest.raises(PersistenceError, match="read-only transaction"):
                    CatchUp(svc.app, svc.read_view).rebuild()  # a write through the read URL fails
                assert http.get(f"/accounts/{account}/balance").json()["balance"] == "22.00"
                # The reads come through the reader: take its SELECT away and the portal's read fails, while
                # the primary (and every command) goes on.
                with psycopg.connect(primary, autocommit=True) as conn:
                    conn.execute(f'REVOKE SELECT ON saldo_accounts FROM "{role}"')
                assert http.get(f"/accounts/{account}/balance").status_code == 500  # an incident, logged
                assert svc.view.account(account) is not None
            finally:
                svc.close()
        finally:
            _drop_role(pg_url, database, role)


def test_without_a_read_url_commands_answer_no_position(store_url: str) -> None:
    svc = build(store_url, read_url="")
    try:
        created = TestClient(create_app(svc, auth=TEST_AUTH), headers=bearer("finance")).post(
            "/partners", json={"name": "x", "kind": "person"}, headers={"Idempotency-Key": "x"})
        assert created.status_code == 201 and "Saldo-Position" not in created.headers
        assert svc.for_reads(after=10**9) is svc
    finally:
        svc.close()


def test_a_lagging_replica_shows_the_old_balance_and_the_command_answers_the_new_state(pg_url: str) -> None:
    """A replica behind the primary (here: a read-only copy of the database taken before the payment) serves
    GET the old balance; the payment's own answer, and anything read from the primary, carries the new one."""
    tag = uuid.uuid4().hex[:8]
    clock = Clock(date(2026, 3, 1))
    with scratch_database(pg_url, f"saldo_lag_{tag}") as primary:
        svc = build(primary, read_url="", clock=clock)
        try:
            _, account = _portal_account(svc)
        finally:
            svc.close()
        replica = f"saldo_lag_replica_{tag}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{replica}" TEMPLATE "{primary.rsplit("/", 1)[1]}"')
            conn.execute(f'ALTER DATABASE "{replica}" SET default_transaction_read_only = on')
        try:
            svc = build(primary, read_url=_on(primary, replica), clock=clock)
            try:
                http = TestClient(create_app(svc, auth=TEST_AUTH), headers=bearer("finance"))
                assert http.get(f"/accounts/{account}/balance").json()["balance"] == "22.00"
                paid = http.post(f"/accounts/{account}/payments", headers={"Idempotency-Key": "pay"},
                                 json={"amount": "22.00", "received_on": "2026-03-02"})
                assert paid.status_code == 201 and paid.json()["allocations"][0]["amount"] == "22.00"
                assert http.get(f"/accounts/{account}/balance").json()["balance"] == "22.00"  # the lag
                assert svc.view.account(account)[4] == 0  # the primary's view has it already
                # Read your writes: sent back, the position the command answered passes the replica over.
                position = paid.headers["Saldo-Position"]
                assert int(position) == svc.app.recorder.max_notification_id()
                mine = http.get(f"/accounts/{account}/balance", headers={"Saldo-Read-After": position})
                assert mine.json()["balance"] == "0.00"
                assert http.get(f"/accounts/{account}/balance",  # a position the replica has: it answers
                                headers={"Saldo-Read-After": "1"}).json()["balance"] == "22.00"
            finally:
                svc.close()
        finally:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{replica}" WITH (FORCE)')
