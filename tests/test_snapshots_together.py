"""The snapshots one save makes due are taken together: one load, one insert, one prune (issue 12).

A billing run's batch posts one invoice on each of a thousand accounts; every account that passes the
snapshot interval then had its own load, insert and prune (half of a loaded portfolio's billing run,
bench/portfolio.py). Taken together, they are the same snapshots.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Services
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.clerk import energy_line

ACCOUNTS = 4


def _accounts(services: Services) -> list[UUID]:
    services.app.execute(pc.RegisterPartner("Together", PartnerKind.PERSON), "p")
    partner = child_id(record_id("RegisterPartner", "p"), "partner")
    services.app.execute_many([(ac.OpenContractAccount(partner, f"Site {i}"), f"a{i}")
                               for i in range(ACCOUNTS)])
    return [child_id(record_id("OpenContractAccount", f"a{i}"), "account") for i in range(ACCOUNTS)]


def _invoice_each(services: Services, accounts: list[UUID], n: int) -> None:
    items = services.app.execute_many([(ac.IssueInvoice(a, (energy_line("10.00"),)), f"i{n}:{a}")
                                       for a in accounts])
    assert all(item.error is None for item in items)


def test_a_batch_that_takes_many_accounts_past_the_interval_snapshots_them_in_one_insert(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(services.app.snapshotting_intervals, ContractAccount, 2)
    accounts = _accounts(services)
    assert services.app.snapshots is not None
    puts: list[int] = []
    put = services.app.snapshots.put

    def counted(snapshots: Any, **kwargs: Any) -> Any:
        puts.append(len(snapshots))
        return put(snapshots, **kwargs)

    monkeypatch.setattr(services.app.snapshots, "put", counted)
    _invoice_each(services, accounts, 1)  # version 2 of each: all four due
    assert puts == [ACCOUNTS]
    for n in (2, 3):  # version 4: due again; the snapshots at 2 are superseded and deleted
        _invoice_each(services, accounts, n)
    assert puts == [ACCOUNTS, ACCOUNTS]
    for account in accounts:
        kept = list(services.app.snapshots.get(account))
        assert [s.originator_version for s in kept] == [4]
        restored = services.app.repository.get(account)
        assert restored.version == 4 and restored.open_total == 3 * restored.open_items()[0].amount
