"""Load curves (curve di carico): the interval consumption of one supply point, month by month.

:class:`LoadCurveMonth`, keyed by the supply point (normalised by
:func:`~ledger.billing.readings.supply_point_key`) and the local calendar month, stores the interval
consumption as compressed blocks: zlib of the little-endian float64 values, base64 text for the JSON
store, with the SHA-256 of the raw bytes checked on every replay. NaN means "not received". The month
keys and UTC helpers here place an instant in its local month (the spot-price months use them too).

>>> data, digest = encode_block(np.array([1.5, np.nan, 0.25]))
>>> decode_block(data, digest, 3).tolist()
[1.5, nan, 0.25]
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from datetime import UTC, date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from eventsourcing.domain import Aggregate, event
from numpy.typing import NDArray

from ledger.billing.readings import ReadingSource, supply_point_key
from ledger.core.errors import InvalidInput
from ledger.core.ids import name_id

#: Load-curve resolutions accepted, in minutes.
RESOLUTIONS = (15, 30, 60)


def encode_block(values: NDArray[np.float64]) -> tuple[str, str]:
    """(base64 of zlib of little-endian float64, SHA-256 hex of the raw bytes)."""
    raw = np.ascontiguousarray(values, dtype="<f8").tobytes()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii"), hashlib.sha256(raw).hexdigest()


def decode_block(data: str, sha256: str, count: int) -> NDArray[np.float64]:
    raw = zlib.decompress(base64.b64decode(data))
    if hashlib.sha256(raw).hexdigest() != sha256 or len(raw) != 8 * count:
        raise ValueError("load-curve block fails its checksum: the stored data is damaged")
    return np.frombuffer(raw, dtype="<f8").astype(np.float64)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start_utc(month: str, zone: str) -> tuple[int, int]:
    """UTC epoch seconds of the first local midnight of ``month`` and of the next month."""
    year, mon = (int(x) for x in month.split("-"))
    tz = ZoneInfo(zone)
    first = date(year, mon, 1)
    nxt = date(year + mon // 12, mon % 12 + 1, 1)
    return (
        int(datetime.combine(first, time(0), tzinfo=tz).timestamp()),
        int(datetime.combine(nxt, time(0), tzinfo=tz).timestamp()),
    )


def local_month_of(instant: datetime, zone: str) -> str:
    return month_key(instant.astimezone(ZoneInfo(zone)).date())


class LoadCurveMonth(Aggregate):
    """Interval consumption of one supply point in one local month; later blocks override earlier values."""

    class Opened(Aggregate.Created):
        supply_point: str
        month: str
        time_zone: str
        resolution_min: int
        unit: str
        first_utc_s: int
        n_intervals: int

    class BlockRecorded(Aggregate.Event):
        block: int
        first: int
        count: int
        data: str
        sha256: str
        source: ReadingSource
        changed: int  # intervals whose earlier value this block replaced (a correction)
        recorded_on: date
        note: str

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        supply_point: str,
        month: str,
        time_zone: str,
        resolution_min: int,
        unit: str,
        first_utc_s: int,
        n_intervals: int,
    ) -> None:
        self.supply_point = supply_point
        self.month = month
        self.time_zone = time_zone
        self.resolution_min = resolution_min
        self.unit = unit
        self.first_utc_s = first_utc_s
        self.n_intervals = n_intervals
        self.values: NDArray[np.float64] = np.full(n_intervals, np.nan)
        self.blocks = 0
        self.sources: set[ReadingSource] = set()

    @staticmethod
    def id_for(supply_point: str, month: str) -> UUID:
        return name_id("load-curve", supply_point_key(supply_point), month)

    @property
    def missing(self) -> int:
        return int(np.isnan(self.values).sum())

    def record(
        self, first: int, values: NDArray[np.float64], source: ReadingSource, recorded_on: date, note: str
    ) -> int:
        """Merge a block (NaN = not given); return how many intervals it changed (0: nothing recorded)."""
        if first < 0 or first + values.size > self.n_intervals:
            raise InvalidInput(
                f"block of {values.size} intervals from {first} overflows {self.month} "
                f"({self.n_intervals} intervals)",
                "values",
            )
        given = ~np.isnan(values)
        if not given.any():
            raise InvalidInput("the block has no values", "values")
        if not np.all(np.isfinite(values[given])) or np.any(values[given] < 0):
            raise InvalidInput("interval values must be finite and not negative", "values")
        old = self.values[first : first + values.size]
        differs = given & ~(old == values)
        if not differs.any():
            return 0
        replaced = int((differs & ~np.isnan(old)).sum())
        data, digest = encode_block(values)
        self._block(
            self.blocks + 1, first, int(values.size), data, digest, source, replaced, recorded_on, note
        )
        return int(differs.sum())

    @event(BlockRecorded)
    def _block(
        self,
        block: int,
        first: int,
        count: int,
        data: str,
        sha256: str,
        source: ReadingSource,
        changed: int,
        recorded_on: date,
        note: str,
    ) -> None:
        values = decode_block(data, sha256, count)
        target = self.values[first : first + count]
        np.copyto(target, values, where=~np.isnan(values))
        self.blocks = block
        self.sources.add(source)

    def slice_utc(self, start_s: int, stop_s: int, resolution_min: int) -> tuple[int, NDArray[np.float64]]:
        """(offset into [start_s, stop_s) in intervals, the values of this month inside it)."""
        if resolution_min != self.resolution_min:
            raise InvalidInput(
                f"load curve of {self.supply_point} {self.month} is at {self.resolution_min} "
                f"minutes, not {resolution_min}",
                "resolution_min",
            )
        step = resolution_min * 60
        lo = max(start_s, self.first_utc_s)
        hi = min(stop_s, self.first_utc_s + self.n_intervals * step)
        if hi <= lo:
            return 0, np.empty(0)
        a, b = (lo - self.first_utc_s) // step, (hi - self.first_utc_s) // step
        return (lo - start_s) // step, self.values[a:b]


def utc_seconds(instant: datetime) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"{instant.isoformat()} has no UTC offset: ambiguous around DST", "start")
    return int(instant.astimezone(UTC).timestamp())
