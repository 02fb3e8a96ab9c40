"""A booking timestamp counts on the account's own calendar day, not on the UTC day (issue 9, finding 6).

``2026-03-31T23:30:00+00:00`` is already 1 April in Rome, Madrid and Helsinki: the day the money is on
the account, the day the customer and the dunning deadlines speak of. The zone comes from the country of
the statement account's IBAN.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from importers.bank import BankFileError, read_camt
from importers.bank._zones import ZONE_BY_COUNTRY, zone_for
from ledger.payments.bank_entries import BankEntry, StatementPeriod

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
ROME = "IT60X0542811101000000123456"
MADRID = "ES9121000418450200051332"
HELSINKI = "FI2112345600000785"


def statement(account: str, booked: str, valued: str, *, period: str = "", other_id: bool = False) -> bytes:
    """One camt.053.001.08 statement with one 25.00 credit booked and valued at the given stamps."""
    acct = (f"<Id><Othr><Id>{account}</Id></Othr></Id>" if other_id else f"<Id><IBAN>{account}</IBAN></Id>")

    def balance(code: str, amount: str) -> str:
        return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
                "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-01</Dt></Dt></Bal>")

    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>\n'
        "<GrpHdr><MsgId>M-1</MsgId><CreDtTm>2026-04-01T06:00:00+02:00</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>S-1</Id>{period}<Acct>{acct}<Ccy>EUR</Ccy></Acct>\n"
        f"{balance('OPBD', '0.00')}{balance('CLBD', '25.00')}\n"
        '<Ntry><Amt Ccy="EUR">25.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\n'
        f"<BookgDt><DtTm>{booked}</DtTm></BookgDt><ValDt><DtTm>{valued}</DtTm></ValDt></Ntry>\n"
        "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def only_entry(data: bytes) -> BankEntry:
    (entry,) = read_camt(io.BytesIO(data), "dates.xml").read_all()
    return entry


@pytest.mark.parametrize(("account", "stamp", "day"), [
    (ROME, "2026-03-31T23:30:00+00:00", date(2026, 4, 1)),  # CEST, UTC+2
    (ROME, "2026-01-31T23:30:00Z", date(2026, 2, 1)),  # CET, UTC+1
    (ROME, "2026-01-31T22:30:00Z", date(2026, 1, 31)),
    (MADRID, "2026-10-24T22:30:00Z", date(2026, 10, 25)),  # the night summer time ends
    (HELSINKI, "2026-03-31T21:30:00+00:00", date(2026, 4, 1)),  # EEST, UTC+3
    (HELSINKI, "2026-04-01T05:00:00+08:00", date(2026, 4, 1)),  # any offset, the same instant in Helsinki
    (HELSINKI, "2026-03-31T19:30:00-01:00", date(2026, 3, 31)),  # 23:30 in Helsinki
])
def test_a_booking_timestamp_is_the_local_day_of_the_account(account: str, stamp: str, day: date) -> None:
    entry = only_entry(statement(account, stamp, stamp))
    assert (entry.booking_date, entry.value_date) == (day, day)


def test_a_timestamp_without_an_offset_is_local_time_already() -> None:
    entry = only_entry(statement(ROME, "2026-03-31T23:30:00", "2026-04-01T00:10:00"))
    assert (entry.booking_date, entry.value_date) == (date(2026, 3, 31), date(2026, 4, 1))


def test_an_account_without_iban_keeps_the_day_written_in_the_offset() -> None:
    """No IBAN, no country: the bank's own offset is the best account of its day there is."""
    entry = only_entry(statement("0123456789", "2026-03-31T23:30:00+00:00", "2026-04-01T01:30:00+02:00",
                                 other_id=True))
    assert entry.account_iban is None
    assert (entry.booking_date, entry.value_date) == (date(2026, 3, 31), date(2026, 4, 1))


def test_every_sepa_country_has_a_zone_and_the_home_countries_theirs() -> None:
    assert {c: str(zone_for(c + "00")) for c in ("IT", "ES", "FI")} == {
        "IT": "Europe/Rome", "ES": "Europe/Madrid", "FI": "Europe/Helsinki"}
    assert all(zone_for(country + "00") is not None for country in ZONE_BY_COUNTRY)
    assert zone_for("us00") is None


def test_the_statement_period_is_kept_as_instants_on_each_entry() -> None:
    """``FrToDt`` without an offset is the account's local time: midnight in Rome is 22:00 UTC in summer."""
    period = ("<FrToDt><FrDtTm>2026-04-01T00:00:00</FrDtTm>"
              "<ToDtTm>2026-04-01T23:59:59+02:00</ToDtTm></FrToDt>")
    reader = read_camt(io.BytesIO(statement(ROME, "2026-04-01T10:00:00Z", "2026-04-01T10:00:00Z",
                                            period=period)), "dates.xml")
    (entry,) = reader.read_all()
    expected = StatementPeriod(datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
                               datetime(2026, 4, 1, 21, 59, 59, tzinfo=UTC))
    assert reader.statements[0].period == entry.statement_period == expected
    without = only_entry(statement(ROME, "2026-04-01T10:00:00Z", "2026-04-01T10:00:00Z"))
    assert without.statement_period is None


def test_a_period_that_ends_before_it_starts_is_refused_naming_the_element() -> None:
    period = ("<FrToDt><FrDtTm>2026-04-02T00:00:00+02:00</FrDtTm>"
              "<ToDtTm>2026-04-01T00:00:00+02:00</ToDtTm></FrToDt>")
    with pytest.raises(BankFileError, match=r"dates.xml: line 4, Stmt\[1\]/FrToDt: FrToDt ends"):
        only_entry(statement(ROME, "2026-04-01T10:00:00Z", "2026-04-01T10:00:00Z", period=period))
