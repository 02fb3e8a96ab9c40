"""A receipt without a bank reference is a duplicate only within overlapping periods (issue 9, finding 6).

Known by its content alone (amount, dates, payer, text), the same receipt in a statement of an
overlapping period of the same account (the file again, a statement re-sent, 1-15 March and 10-20 March)
is one payment. In a statement of another period (the next intraday notification, next month's statement
with a back-valued booking) the statement's own balances prove the money came again: it is booked, and
waits in the worklist as a possible duplicate for a person to confirm, instead of vanishing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from importers.bank import service
from importers.bank._periods import ALL_TIME, statement_periods
from ledger.payments import commands as pmt
from ledger.payments.bank_entries import BankEntry, fingerprint_entries
from ledger.payments.duplicates import POSSIBLE_DUPLICATE
from ledger.payments.matching import SUSPENSE, MatchDecision
from tests.auth import api_client, new_key
from tests.clerk import Clerk

OUR_IBAN = "IT60X0542811101000000123456"
PAYER_IBAN = "DE89370400440532013000"

#: (amount, remittance text, booking date): a 25.00 water bill paid without any structured reference.
WATER = ("25.00", "acqua marzo Rossi", "2026-03-31")
OTHER = ("40.00", "gas marzo Bianchi", "2026-03-12")


def camt(kind: str, ident: str, period: tuple[str, str] | None, entries: list[tuple[str, str, str]],
         opening: str = "0.00") -> bytes:
    """A camt.053.001.08 statement (with balances) or camt.054.001.08 notification, one entry per row."""
    container, tag = ("BkToCstmrStmt", "Stmt") if kind == "053" else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    frto = ("" if period is None
            else f"<FrToDt><FrDtTm>{period[0]}</FrDtTm><ToDtTm>{period[1]}</ToDtTm></FrToDt>")
    total = sum((Decimal(amount) for amount, _, _ in entries), Decimal(opening))

    def balance(code: str, amount: object) -> str:
        return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
                "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-30</Dt></Dt></Bal>\n")

    balances = balance("OPBD", opening) + balance("CLBD", total) if kind == "053" else ""
    rows = "".join(
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt><NtryDtls><TxDtls>"
        f"<RltdPties><Dbtr><Pty><Nm>Mario Rossi</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>{PAYER_IBAN}</IBAN>"
        f"</Id></DbtrAcct></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
        for amount, text, booked in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.08"><{container}>\n'
            f"<GrpHdr><MsgId>{ident}</MsgId><CreDtTm>2026-04-30T22:00:00+02:00</CreDtTm></GrpHdr>\n"
            f"<{tag}><Id>{ident}</Id>{frto}<Acct><Id><IBAN>{OUR_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
            f"{balances}{rows}</{tag}></{container}></Document>\n").encode()


def _entries(data: bytes, name: str) -> list[BankEntry]:
    (read,) = service.read_file(data, name).files
    return read.entries


def bank_cents(clerk: Clerk) -> int:
    journal = clerk.services.view.journal(0, 1_000_000)
    return sum(r[9] - r[10] for r in journal if r[8] == f"bank:{OUR_IBAN}")


def imported(clerk: Clerk, data: bytes, name: str) -> service.ImportReport:
    return service.import_statement(clerk.services, data, name)


MARCH = ("2026-03-01T00:00:00+01:00", "2026-03-31T23:59:59+02:00")
APRIL = ("2026-04-01T00:00:00+02:00", "2026-04-30T23:59:59+02:00")


def test_the_same_receipt_in_next_months_statement_is_booked_and_flagged(clerk: Clerk) -> None:
    """April's statement reports a 25.00 booked on 31 March (back-valued): its balances count it in April."""
    imported(clerk, camt("053", "STMT-MAR", MARCH, [WATER]), "march.xml")
    april = camt("053", "STMT-APR", APRIL, [WATER], opening="25.00")
    report = imported(clerk, april, "april.xml")
    assert (report.duplicates, report.to_suspense, report.refused) == (0, 1, [])
    assert bank_cents(clerk) == 5000
    (flagged,) = report.possible_duplicates
    assert flagged["where"] == "april.xml line 7, Stmt[1]/Ntry[1]"
    assert flagged["reason"].startswith(POSSIBLE_DUPLICATE)
    assert "march.xml line 7, Stmt[1]/Ntry[1] (statement STMT-MAR)" in flagged["reason"]
    with api_client(clerk.services) as http:
        upload = http.post("/bank/statements", files={"file": ("april-copy.xml", april, "application/xml")},
                           headers=new_key())
        assert upload.json()["file_already_imported"] is True
        worklist = http.get("/worklist").json()
    (waiting,) = [i for i in worklist if i["possible_duplicate"]]
    assert waiting["reason"].startswith(POSSIBLE_DUPLICATE)
    assert (waiting["amount"], waiting["payer_iban"]) == ("25.00", PAYER_IBAN)
    assert [i["possible_duplicate"] for i in worklist].count(False) == 1  # March's, the first one
    assert bank_cents(clerk) == 5000


def test_intraday_notifications_of_consecutive_hours_are_two_payments(clerk: Clerk) -> None:
    """camt.054 per batch run: a customer paying the same 25.00 twice in a day is paid twice."""
    ten = ("2026-03-31T10:00:00+02:00", "2026-03-31T11:00:00+02:00")
    eleven = ("2026-03-31T11:00:00+02:00", "2026-03-31T12:00:00+02:00")
    half_past = ("2026-03-31T11:30:00+02:00", "2026-03-31T12:30:00+02:00")
    assert imported(clerk, camt("054", "N-10", ten, [WATER]), "n10.xml").to_suspense == 1
    second = imported(clerk, camt("054", "N-11", eleven, [WATER]), "n11.xml")
    assert (second.to_suspense, len(second.possible_duplicates), second.duplicates) == (1, 1, 0)
    resent = imported(clerk, camt("054", "N-11-RESENT", eleven, [WATER]), "n11-resent.xml")
    overlapping = imported(clerk, camt("054", "N-1130", half_past, [WATER, OTHER]), "n1130.xml")
    assert (resent.duplicates, resent.to_suspense) == (1, 0)
    assert (overlapping.duplicates, overlapping.to_suspense, overlapping.possible_duplicates) == (1, 1, [])
    assert bank_cents(clerk) == 2500 + 2500 + 4000


def test_overlapping_statements_book_a_shared_receipt_once(clerk: Clerk) -> None:
    first_half = ("2026-03-01T00:00:00+01:00", "2026-03-15T23:59:59+01:00")
    middle = ("2026-03-10T00:00:00+01:00", "2026-03-20T23:59:59+01:00")
    imported(clerk, camt("053", "S-1-15", first_half, [OTHER]), "a.xml")
    third = ("12.00", "luce Verdi", "2026-03-18")
    report = imported(clerk, camt("053", "S-10-20", middle, [OTHER, third]), "b.xml")
    assert (report.duplicates, report.to_suspense, report.possible_duplicates) == (1, 1, [])
    assert bank_cents(clerk) == 4000 + 1200


def test_without_a_period_the_booking_days_are_the_period(clerk: Clerk) -> None:
    """No FrToDt: 2-5 March and 5-7 March share 5 March, so the receipt booked on 5 March is one payment."""
    fifth = ("25.00", "acqua Rossi", "2026-03-05")
    imported(clerk, camt("053", "S-A", None, [("1.00", "a", "2026-03-02"), fifth]), "a.xml")
    report = imported(clerk, camt("053", "S-B", None, [fifth, ("2.00", "b", "2026-03-07")]), "b.xml")
    assert (report.duplicates, report.to_suspense, report.possible_duplicates) == (1, 1, [])
    assert bank_cents(clerk) == 100 + 2500 + 200


def test_identical_twins_in_one_file_and_a_rerun_after_a_crash_book_exactly_once(
    clerk: Clerk, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(clerk, camt("053", "STMT-MAR", MARCH, [WATER]), "march.xml")
    april = camt("053", "STMT-APR", APRIL, [WATER, WATER, OTHER], opening="25.00")
    monkeypatch.setattr(service, "IMPORT_BATCH", 1)
    real = clerk.services.app.execute_many
    calls: list[int] = []

    def crash_on_second_batch(batch, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(batch, **kwargs)

    monkeypatch.setattr(clerk.services.app, "execute_many", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        imported(clerk, april, "april.xml")
    monkeypatch.setattr(clerk.services.app, "execute_many", real)
    report = imported(clerk, april, "april.xml")  # the first 25.00, the look-alike, is booked already
    assert (report.duplicates, report.to_suspense, report.possible_duplicates) == (1, 2, [])
    assert bank_cents(clerk) == 2500 + 2500 * 2 + 4000
    waiting = [r for r in clerk.services.view.suspense("open") if r[8].startswith(POSSIBLE_DUPLICATE)]
    assert len(waiting) == 1  # March had one 25.00: April's second is no look-alike of anything
    monkeypatch.setattr(clerk.services.app.payments, "statement_file", lambda sha256: None)
    position = clerk.services.app.recorder.max_notification_id()
    again = imported(clerk, april, "april.xml")
    assert (again.duplicates, again.to_suspense, again.booked) == (3, 0, 0)
    assert clerk.services.app.recorder.max_notification_id() == position


def test_a_receipt_booked_before_periods_were_kept_is_not_booked_again(clerk: Clerk) -> None:
    """Older imports keyed it ``bank:sha256:<hash>#1``; reading its file again must not book it twice."""
    data = camt("053", "STMT-MAR", MARCH, [WATER])
    ((entry, fingerprint),) = fingerprint_entries(_entries(data, "march.xml"))
    receipt = service._receipt(entry, clerk.services.app.today())
    parked = MatchDecision(SUSPENSE, None, (), "no reference")
    clerk.services.app.execute(pmt.ImportReceipt(receipt, OUR_IBAN, parked), f"bank:{fingerprint}")
    clerk.services.projections.catch_up()
    report = imported(clerk, data, "march.xml")
    assert (report.duplicates, report.to_suspense) == (1, 0)
    assert bank_cents(clerk) == 2500



def test_a_statement_without_any_date_covers_all_time() -> None:
    """Nothing tells its receipts from earlier ones: they are deduplicated by content, as before."""
    undated = camt("053", "S-X", None, [WATER])
    (entry,) = _entries(undated.replace(b"<BookgDt><Dt>2026-03-31</Dt></BookgDt>", b"")
                                    .replace(b"<ValDt><Dt>2026-03-31</Dt></ValDt>", b""), "x.xml")
    assert entry.booking_date is None and entry.value_date is None
    assert statement_periods([entry], OUR_IBAN) == {(OUR_IBAN, "S-X"): ALL_TIME}
    assert ALL_TIME.key == "00010101T000000Z/99991231T235959Z"
    assert all(ALL_TIME.overlaps(p) for p in (ALL_TIME, *statement_periods(
        _entries(camt("053", "S-Y", MARCH, [WATER]), "y.xml"), OUR_IBAN).values()))
