"""The billing clerk fixture; the store fixtures (SQLite and PostgreSQL) come from tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.billing.helpers import BillingClerk
from tests.clerk import Clerk


@pytest.fixture
def biller(clerk: Clerk) -> BillingClerk:
    return BillingClerk(clerk)
