"""A small demo portfolio: Italian, Spanish and Finnish households and firms with a year of bills.

Deterministic (a seeded generator, fixed dates) and idempotent: every command carries a key derived from
its place in the portfolio, so loading twice adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from stdnum.es import cups, dni
from stdnum.fi import ytunnus
from stdnum.it import codicefiscale

from importers.bank.service import ImportReport, import_file
from importers.bank.synth import SynthEntry, write_camt053
from importers.files import write_atomically
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.invoice import compute_totals, price_line
from ledger.accounts.terms import PaymentMethod
from ledger.application import DEFAULT_BANK_ACCOUNT, Saldo
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.identifiers import validate_supply_point
from ledger.parties.partner import PartnerKind, PostalAddress
from ledger.payments import commands as pmt
from projections.sql import LedgerViewSQL

if TYPE_CHECKING:
    from api.bootstrap import Services

#: Portfolio size; ≈50 as the issue asks, small enough to load in a couple of seconds.
DEMO_ACCOUNTS = 50
SEED = 2026
BILL_DATES = (
    date(2026, 1, 10),
    date(2026, 3, 10),
    date(2026, 5, 10),
    date(2026, 7, 10),
    date(2026, 9, 10),
    date(2026, 11, 10),
)

_FIRST = ("Mario", "Giulia", "Luca", "Sofia", "Marc", "Laia", "Jordi", "Aino", "Mikko", "Elina")
_LAST = (
    "Rossi",
    "Bianchi",
    "Esposito",
    "Ferrari",
    "Puig",
    "Vidal",
    "Serra",
    "Virtanen",
    "Korhonen",
    "Mäkinen",
)
_TOWNS = {"IT": ("Messina", "98122"), "ES": ("Reus", "43201"), "FI": ("Korpilahti", "41800")}


@dataclass(frozen=True)
class Country:
    code: str
    language: str
    supply_scheme: str
    commodity: Commodity
    vat_rate: Decimal


COUNTRIES = (
    Country("IT", "it", "pod", Commodity.ELECTRICITY, Decimal("10")),
    Country("ES", "ca", "cups", Commodity.WATER, Decimal("10")),
    Country("FI", "fi", "gsrn", Commodity.DISTRICT_HEATING, Decimal("25.5")),
)


def _digit_completing(prefix: str, is_valid: Callable[[str], bool]) -> str | None:
    """``prefix`` plus the check digit that makes it valid, or None where no digit can (mod-11 schemes)."""
    return next((prefix + d for d in "0123456789" if is_valid(prefix + d)), None)


def _tax_id(country: str, i: int) -> tuple[str, str]:
    if country == "IT":
        base = f"RSSMRA85T{10 + i % 20:02d}A562"
        return "it.codicefiscale", base + codicefiscale.calc_check_digit(base)
    if country == "ES":
        number = f"{40000000 + i:08d}"
        return "es.nif", number + dni.calc_check_digit(number)
    serial = 1572000 + 10 * i
    while (business_id := _digit_completing(f"{serial:07d}-", ytunnus.is_valid)) is None:
        serial += 1
    return "fi.ytunnus", business_id


def _supply_point(country: str, i: int) -> str:
    if country == "IT":
        return f"IT001E{10000000 + i:08d}"
    if country == "ES":
        base = f"ES0031{4063984530 + i:012d}"
        return base + cups.calc_check_digits(base)
    gsrn = _digit_completing(f"64370000000{i:06d}", lambda v: _valid_supply_point("gsrn", v))
    if gsrn is None:  # a GS1 mod-10 check digit always exists
        raise ValueError(f"no GSRN check digit for {i}")
    return gsrn


def _valid_supply_point(scheme: str, value: str) -> bool:
    try:
        validate_supply_point(scheme, value)
    except ValueError:
        return False
    return True


def _bill_lines(rng: random.Random, country: Country) -> tuple[ac.LineInput, ...]:
    energy = Decimal(rng.randint(150, 900))
    unit = "m3" if country.commodity is Commodity.WATER else "kWh"
    price = Decimal("1.4500") if unit == "m3" else Decimal("0.1380")
    return (
        ac.LineInput(
            "Standing charge, 61 days", "standing", Decimal("61"), "day", Decimal("0.3120"), country.vat_rate
        ),
        ac.LineInput("Consumption", "energy", energy, unit, price, country.vat_rate),
        ac.LineInput(
            "Network and system charges", "network", energy, unit, Decimal("0.0410"), country.vat_rate
        ),
    )


def _id(command: type, key: str, role: str) -> UUID:
    """The id a command run under ``key`` creates: derived, so the demo needs no lookups."""
    return child_id(record_id(command.__name__, key), role)


def demo_customer(i: int) -> tuple[UUID, UUID]:
    """The business partner and contract account of the demo's ``i``-th customer."""
    return (_id(pc.RegisterPartner, f"demo:{i}:partner", "partner"),
            _id(ac.OpenContractAccount, f"demo:{i}:account", "account"))


def portfolio() -> Iterator[tuple[str, object]]:
    """(idempotency key, command) pairs in load order."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    for i in range(DEMO_ACCOUNTS):
        country = COUNTRIES[i % len(COUNTRIES)]
        company = i % 7 == 0
        name = f"{_FIRST[i % 10]} {_LAST[(i * 3) % 10]}" + (" S.r.l." if company else "")
        town, postcode = _TOWNS[country.code]
        p, a, k = f"demo:{i}:partner", f"demo:{i}:account", f"demo:{i}:contract"
        partner_id = _id(pc.RegisterPartner, p, "partner")
        account_id = _id(ac.OpenContractAccount, a, "account")
        contract_id = _id(ac.SignContract, k, "contract")
        yield (
            p,
            pc.RegisterPartner(
                name,
                PartnerKind.ORGANISATION if company else PartnerKind.PERSON,
                (_tax_id(country.code, i),),
                f"customer{i}@example.org",
                country.language,
                PostalAddress(f"Via Demo {i}", postcode, town, country.code),
            ),
        )
        method = PaymentMethod.DIRECT_DEBIT if i % 3 == 0 else PaymentMethod.BANK_TRANSFER
        yield a, ac.OpenContractAccount(partner_id, f"{name} — home", "EUR", 20, method)
        yield (
            k,
            ac.SignContract(
                account_id,
                country.supply_scheme,
                _supply_point(country.code, i),
                country.commodity,
                f"{country.code}-STD-2026",
                BillingFrequency.BIMONTHLY,
                date(2025, 11, 1),
            ),
        )
        yield from _bills_and_payments(rng, i, country, account_id, contract_id)


def _bills_and_payments(
    rng: random.Random, i: int, country: Country, account_id: UUID, contract_id: UUID
) -> Iterator[tuple[str, object]]:
    """Six bimonthly bills; customers pay on time, late, in part, too much, or never."""
    behaviour = ("pays", "pays", "pays", "late", "partial", "overpays", "never")[i % 7]
    for n, issued in enumerate(BILL_DATES):
        lines = _bill_lines(rng, country)
        yield (
            f"demo:{i}:invoice:{n}",
            ac.IssueInvoice(
                account_id,
                lines,
                issued,
                None,
                contract_id,
                (date(issued.year, issued.month - 1 or 1, 1), issued),
            ),
        )
        if behaviour == "never" or (behaviour == "late" and n >= 4) or n == len(BILL_DATES) - 1:
            continue
        gross = _gross(lines)
        amount = {"partial": (gross / 2).quantize(Decimal("0.01")), "overpays": gross + Decimal("20.00")}.get(
            behaviour, gross
        )
        yield (
            f"demo:{i}:payment:{n}",
            pmt.RecordPayment(account_id, amount, date(issued.year, issued.month, 25), note="bank transfer"),
        )


def _gross(lines: tuple[ac.LineInput, ...]) -> Decimal:
    priced = [
        price_line(li.description, li.component, li.quantity, li.unit, li.unit_price, li.vat_rate)
        for li in lines
    ]
    return compute_totals(priced).gross


def load_demo(app: Saldo, progress: Callable[[int, int | None], None] | None = None) -> tuple[int, int]:
    """Load the portfolio; return (commands run, of which new). A second load runs all, adds none."""
    total = new = 0
    for key, command in portfolio():
        result = app.execute(command, key)
        total += 1
        new += 0 if result["replayed"] else 1
        if progress is not None:
            progress(total, None)
    return total, new


#: The demo's collection account (the statement's own IBAN) and a known payer of customer 3.
DEMO_PAYER_IBAN = "DE89370400440532013000"


def _open_amount(row: tuple[Any, ...]) -> Decimal:
    return Decimal(row[4]) / 100


def demo_statement(view: LedgerViewSQL, account_ids: list[str]) -> list[SynthEntry]:
    """A morning's camt.053: one receipt matched by each rule of the cascade, and three for the worklist."""

    def first_open(account: str) -> tuple[Any, ...]:
        return view.open_items(account)[0]

    a, b, c_, d = (first_open(x) for x in account_ids[1:5])
    return [
        SynthEntry(
            _open_amount(a), reference=a[7], debtor_name="Giulia", account_servicer_reference="DEMO-1"
        ),
        SynthEntry(
            _open_amount(b), unstructured=(f"Pagamento bolletta {b[7]}",), account_servicer_reference="DEMO-2"
        ),
        SynthEntry(_open_amount(c_), unstructured=(f"Factura {c_[1]}",), account_servicer_reference="DEMO-3"),
        SynthEntry(
            _open_amount(d),
            debtor_iban=DEMO_PAYER_IBAN,
            debtor_name="Marc",
            account_servicer_reference="DEMO-4",
        ),
        SynthEntry(
            Decimal("58.40"),
            debtor_name="Jordi Serra",
            unstructured=("aigua",),
            account_servicer_reference="DEMO-5",
        ),
        SynthEntry(
            Decimal("120.00"),
            debtor_name="Aino Virtanen",
            unstructured=("lasku maaliskuu",),
            account_servicer_reference="DEMO-6",
        ),
        SynthEntry(Decimal("9.99"), debtor_name="Unknown", account_servicer_reference="DEMO-7"),
    ]


def load_demo_statement(svc: Services, folder: Path) -> ImportReport:
    """Write the demo statement once (so reloading the demo imports the same file) and import it."""
    path = folder / "demo-statement.camt053.xml"
    if not path.exists():
        accounts = svc.view.account_ids(10)
        svc.app.execute(
            pmt.RecordPayment(
                UUID(accounts[4]),
                Decimal("0.01"),
                date(2026, 11, 1),
                payer_iban=DEMO_PAYER_IBAN,
                note="demo: card check",
            ),
            "demo:iban",
        )
        svc.projections.catch_up()
        write_camt053(
            path,
            demo_statement(svc.view, accounts),
            account_iban=DEFAULT_BANK_ACCOUNT,
            statement_id="DEMO-2026-11-20",
            booking_date=date(2026, 11, 20),
        )
    return import_file(svc, path)


#: The demo's direct-debit run: fixed dates, so that reloading the demo replays it.
DEMO_DD_DUE_BY = date(2026, 11, 30)
DEMO_DD_COLLECTION = date(2026, 12, 5)
#: The day the demo's run is proposed, executed and its returns come (its dunning day): fixed, so the demo
#: loads on any day (a pain.008 written after its collection date is refused), its file the same bytes.
DEMO_DD_DAY = date(2026, 11, 23)


def load_dd_demo(svc: Services, folder: Path) -> dict[str, Any]:
    """Mandates for the accounts paying by direct debit, one collection run (pain.008), returns; as of
    :data:`DEMO_DD_DAY`."""
    clock = svc.app.clock
    svc.app.clock = lambda: DEMO_DD_DAY
    try:
        return _load_dd_demo(svc, folder)
    finally:
        svc.app.clock = clock


def _load_dd_demo(svc: Services, folder: Path) -> dict[str, Any]:
    from schwifty import IBAN

    from importers.sepa import service as dd
    from ledger.collections import commands as d

    for i in range(0, DEMO_ACCOUNTS, 3):
        account = _id(ac.OpenContractAccount, f"demo:{i}:account", "account")
        iban = str(IBAN.generate("IT", bank_code="0306909606", account_code=f"{i + 1:012d}").compact)
        svc.app.execute(
            d.RegisterMandate(
                account,
                f"DEMO-UMR-{i:04d}",
                date(2025, 10, 20),
                f"{_FIRST[i % 10]} {_LAST[(i * 3) % 10]}",
                iban,
            ),
            f"demo:{i}:mandate",
        )
    proposal = dd.propose_run(svc, DEMO_DD_DUE_BY, DEMO_DD_COLLECTION, "demo:dd-run")
    run_id = UUID(proposal["run_id"])
    executed = dd.execute_run(svc, run_id)
    file = dd.run_file(svc, run_id)
    write_atomically(folder / "demo-collections.pain008.xml", file.content)
    run = dd.load_run(svc, run_id)
    rejected = [(b.end_to_end_id, code) for b, code in zip(run.booked[:2], ("AM04", "MD01"), strict=False)]
    body = _pain002(rejected).encode()
    write_atomically(folder / "demo-returns.pain002.xml", body)
    report = dd.import_returns(svc, body, "demo-returns.pain002.xml")
    return {
        "collections": executed["collections"],
        "amount": executed["amount"],
        "returns": report.returned + report.duplicates,
        "file": file.message_id,
    }


def _pain002(rejected: list[tuple[str, str]]) -> str:
    transactions = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf></TxInfAndSts>"
        for e2e, code in rejected
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>DEMO-STS-1</MsgId><CreDtTm>2026-12-04T06:00:00+01:00</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>DEMO</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"
        "<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>FRST</OrgnlPmtInfId>"
        f"{transactions}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n"
    )


#: The demo's dunning day: fixed, so that reloading the demo finds the steps already taken.
DEMO_DUNNING_DAY = date(2026, 11, 23)


def load_dunning_demo(svc: Services) -> dict[str, Any]:
    """One executed dunning run as of :data:`DEMO_DUNNING_DAY`: reminders for the customers who never pay."""
    from api.dunning_run import run_dunning

    clock = svc.app.clock
    svc.app.clock = lambda: DEMO_DUNNING_DAY
    try:
        results = run_dunning(svc, DEMO_DUNNING_DAY, True, key=f"demo:dunning:{DEMO_DUNNING_DAY}")
    finally:
        svc.app.clock = clock
    return {"day": DEMO_DUNNING_DAY.isoformat(), "steps": sum(r["steps"] for r in results),
            "fees": str(sum((Decimal(r["fees"]) for r in results), Decimal("0.00")))}
