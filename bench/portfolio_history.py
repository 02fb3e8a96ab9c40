"""The portfolio's 24 months, built through ``Saldo.execute`` and the billing run: what the loader copies.

Each customer ``i`` has one partner, one contract account, one monthly electricity contract on a
time-of-use tariff with three versions, and a register reading at the end of every month from December 2023
to January 2026. The months January 2024 to December 2025 are billed by :func:`ledger.billing.run.run_billing`
(issued on the 5th of the next month, due 20 days later) and paid on the 20th, except that:

* variants 0, 1, 2 (30 %) are on direct debit with a mandate: their December 2025 invoice is still open, for
  the collection run (their earlier months were paid by transfer, before the mandate was used);
* variant 8 owes November and December 2025, variant 9 December 2025: the dunning run's work.

The variant of customer ``i`` is ``i % 10``; consumption differs by variant. Everything a customer is
named by carries ``token(i)``, so that :mod:`bench.portfolio_loader` can copy one customer of each variant
to every other. ``build_history`` is also how tests build the same portfolio through commands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from api.bootstrap import Services
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.terms import PaymentMethod
from ledger.billing import commands as b
from ledger.billing.rating import Excise, PerUnitCharge, StandingCharge, TariffVersion, TimeOfUse
from ledger.billing.run import run_billing
from ledger.collections import commands as d
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from ledger.payments import commands as pmt

VARIANTS = 10
DIRECT_DEBIT = frozenset({0, 1, 2})
#: Variant -> how many of the last invoices stay open.
OPEN_AT_END = {0: 1, 1: 1, 2: 1, 8: 2, 9: 1}
MONTHS = 24
FIRST_MONTH = date(2024, 1, 1)
#: The month the benchmark bills (its reading is loaded with the history), and the day it runs.
RUN_START, RUN_END, RUN_DAY = date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 5)
IBAN = "IT60X0542811101000000123456"
COMMANDS_PER_BATCH = 3000


def _version(vid: str, valid_from: date, valid_to: date | None, f1: str) -> TariffVersion:
    return TariffVersion(
        "PF-TOU", vid, valid_from, valid_to, "EUR", Decimal("10"),
        (StandingCharge(Decimal("0.1780")),
         TimeOfUse((Decimal(f1), Decimal("0.1410"), Decimal("0.1190")), "IT-ARERA-F123"),
         PerUnitCharge("network", Decimal("0.0410")), Excise(Decimal("0.0227"))))


TARIFF_VERSIONS = (
    _version("2024", date(2023, 1, 1), date(2025, 1, 1), "0.1520"),
    _version("2025", date(2025, 1, 1), date(2026, 1, 1), "0.1580"),
    _version("2026", date(2026, 1, 1), None, "0.1610"),
)


def token(i: int) -> str:
    """What every name of customer ``i`` carries (8 digits: up to 99,999,999 customers)."""
    return f"{i:08d}"


def pod(i: int) -> str:
    return f"IT001E{token(i)}"


def account_id(i: int) -> object:
    return child_id(record_id("OpenContractAccount", f"pf:{token(i)}:account"), "account")


def month_start(m: int) -> date:
    """The first day of history month ``m`` (0 = January 2024; 24 = January 2026)."""
    year, month = divmod(FIRST_MONTH.month - 1 + m, 12)
    return date(FIRST_MONTH.year + year, month + 1, 1)


def month_end(m: int) -> date:
    return date.fromordinal(month_start(m + 1).toordinal() - 1)


def _index(i: int, m: int) -> Decimal:
    """The register's index at the end of month ``m`` (-1: December 2023)."""
    monthly = 180 + 35 * (i % VARIANTS)
    return Decimal(10_000 + (m + 1) * monthly + (m % 3) * 7)


def _customer(i: int) -> list[tuple[object, str]]:
    t = token(i)
    partner = child_id(record_id("RegisterPartner", f"pf:{t}:partner"), "partner")
    account = account_id(i)
    commands: list[tuple[object, str]] = [
        (pc.RegisterPartner(f"Customer {t}", PartnerKind.PERSON,
                            address=PostalAddress(f"Via Roma {t}", "98122", "Messina", "IT")),
         f"pf:{t}:partner"),
        (ac.OpenContractAccount(partner, f"Home {t}"), f"pf:{t}:account"),  # type: ignore[arg-type]
        (ac.SignContract(account, "pod", pod(i), Commodity.ELECTRICITY, "PF-TOU",  # type: ignore[arg-type]
                         BillingFrequency.MONTHLY, date(2023, 12, 1)), f"pf:{t}:contract"),
        (b.RecordReading(pod(i), date(2023, 12, 31), _index(i, -1)), f"pf:{t}:read:-1"),
    ]
    if i % VARIANTS in DIRECT_DEBIT:
        commands += [
            (d.RegisterMandate(account, f"UMR-PF-{t}", date(2023, 11, 20), f"Customer {t}",  # type: ignore[arg-type]
                               IBAN), f"pf:{t}:mandate"),
            (d.ChangePaymentMethod(account, PaymentMethod.DIRECT_DEBIT), f"pf:{t}:dd"),  # type: ignore[arg-type]
        ]
    return commands


def _execute(svc: Services, commands: Sequence[tuple[object, str]]) -> None:
    for start in range(0, len(commands), COMMANDS_PER_BATCH):
        for item in svc.app.execute_many(commands[start:start + COMMANDS_PER_BATCH]):
            if item.error is not None:
                raise RuntimeError(f"portfolio history refused {item.key}: {item.error}")


def build_history(svc: Services, customers: Sequence[int], set_today: Callable[[date], None]) -> None:
    """Customers ``customers`` with their 24 months, through commands and the billing run, month by month."""
    set_today(date(2023, 12, 1))
    _execute(svc, [(b.DefineTariffVersion(v), f"pf:tariff:{v.version_id}") for v in TARIFF_VERSIONS])
    _execute(svc, [c for i in customers for c in _customer(i)])
    for m in range(MONTHS):
        set_today(month_start(m + 1))
        _execute(svc, [(b.RecordReading(pod(i), month_end(m), _index(i, m)), f"pf:{token(i)}:read:{m}")
                       for i in customers])
        set_today(month_start(m + 1).replace(day=5))
        report = run_billing(svc.app, month_start(m), month_end(m))
        if report.invoices != len(customers) or report.errors:
            raise RuntimeError(f"portfolio history: month {m} billed {report.as_dict()}")
        set_today(month_start(m + 1).replace(day=20))
        _execute(svc, _payments(svc, customers, m))
    set_today(month_start(MONTHS + 1))
    _execute(svc, [(b.RecordReading(pod(i), RUN_END, _index(i, MONTHS)), f"pf:{token(i)}:read:{MONTHS}")
                   for i in customers])


def _payments(svc: Services, customers: Sequence[int], m: int) -> list[tuple[object, str]]:
    commands: list[tuple[object, str]] = []
    for i in customers:
        if m >= MONTHS - OPEN_AT_END.get(i % VARIANTS, 0):
            continue
        account = svc.app.get(ContractAccount, account_id(i), "account", "account_id")  # type: ignore[arg-type]
        item = max(account.items.live_values() if hasattr(account.items, "live_values")
                   else account.items.values(), key=lambda it: it.seq)
        commands.append((pmt.RecordPayment(account.id, item.open_amount, month_start(m + 1).replace(day=20),
                                           invoice_numbers=(item.document_number,)),
                         f"pf:{token(i)}:pay:{m}"))
    return commands
