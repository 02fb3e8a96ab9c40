"""Which calendar day a bank's timestamp falls on: the account's own day, by the country of its IBAN.

A bank may stamp a booking ``2026-03-31T23:30:00+00:00`` (``BookgDt/DtTm``). For an Italian account
that is 1 April in Rome, and 1 April is the day the money is on the account, the day finance, the
customer and the dunning deadlines speak of. So a timestamp with a zone (``Z`` or an offset) is turned
into the local date of the account, by the country in its IBAN (IT → Europe/Rome, ES → Europe/Madrid,
FI → Europe/Helsinki, …); a country spanning several zones takes the zone of its capital (Spain:
Madrid, not the Canaries; Portugal: Lisbon, not the Azores).

No configuration is needed, or wanted: a statement belongs to one bank account, and a group with
accounts in Italy, Spain and Finland has each account's country in its IBAN. When there is no IBAN
(an ``Acct/Id/Othr`` account number), or its country is not in the table, the date is the one written
in the timestamp's own offset, which is the bank's local day whenever the bank writes local offsets.
A timestamp without any zone is local time already (ISO 8601) and keeps its date.

>>> from datetime import datetime, timezone
>>> late = datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc)
>>> local_date(late, zone_for("IT60X0542811101000000123456")), local_date(late, None)
(datetime.date(2026, 4, 1), datetime.date(2026, 3, 31))
>>> str(zone_for("FI2112345600000785")), zone_for("XX00") is None, zone_for(None) is None
('Europe/Helsinki', True, True)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

__all__ = ["ONE_DAY", "ZONE_BY_COUNTRY", "day_start", "instant", "local_date", "zone_for"]

ONE_DAY = timedelta(days=1)

#: SEPA countries and territories → the IANA zone their accounts keep their days in.
ZONE_BY_COUNTRY: dict[str, str] = {
    "AD": "Europe/Andorra", "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia",
    "CH": "Europe/Zurich", "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "ES": "Europe/Madrid", "FI": "Europe/Helsinki",
    "FR": "Europe/Paris", "GB": "Europe/London", "GI": "Europe/Gibraltar", "GR": "Europe/Athens",
    "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IS": "Atlantic/Reykjavik",
    "IT": "Europe/Rome", "LI": "Europe/Vaduz", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga", "MC": "Europe/Monaco", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava", "SM": "Europe/San_Marino",
    "VA": "Europe/Vatican", "AL": "Europe/Tirane", "MD": "Europe/Chisinau", "ME": "Europe/Podgorica",
    "MK": "Europe/Skopje", "RS": "Europe/Belgrade",
}


def zone_for(iban: str | None) -> tzinfo | None:
    """The zone of the account's country (its IBAN's first two letters), or ``None`` if unknown."""
    if not iban or len(iban) < 2:
        return None
    name = ZONE_BY_COUNTRY.get(iban[:2].upper())
    return None if name is None else _zone(name)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(stamp: datetime, zone: tzinfo | None) -> date:
    """The account's calendar day of a bank timestamp (see the module doc)."""
    if stamp.tzinfo is None or zone is None:
        return stamp.date()
    return stamp.astimezone(zone).date()


def instant(stamp: datetime, zone: tzinfo | None) -> datetime:
    """A point in time, in UTC: a timestamp without a zone is the account's local time (else UTC)."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone or UTC)
    return stamp.astimezone(UTC)


def day_start(day: date, zone: tzinfo | None) -> datetime:
    """When ``day`` begins on the account (local midnight, in UTC); ``day + 1`` gives when it ends.

    >>> rome = zone_for("IT60X0542811101000000123456")
    >>> day_start(date(2026, 3, 29), rome).isoformat()  # the night summer time begins: a 23-hour day
    '2026-03-28T23:00:00+00:00'
    >>> day_start(date(2026, 3, 30), rome) - day_start(date(2026, 3, 29), rome)
    datetime.timedelta(seconds=82800)
    """
    return instant(datetime.combine(day, time()), zone)

