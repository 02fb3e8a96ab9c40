"""Rating core: interval grids and TOU calendars, tariffs as data, a vectorised pricing kernel,
and the Decimal boundary that turns its floats into invoice lines.

Pure domain code: standard library, numpy, ``holidays`` and numba (the compiled scan, optional: numpy gives
the same bits without it), and from the ledger only the one rule for a
line's amount (:func:`ledger.core.money.line_amount`), so that rated and typed lines round alike.
"""

from ledger.billing.rating.batch import BatchResult, RatingError, rate_batch
from ledger.billing.rating.calendar import (
    DEFAULT_CALENDARS,
    ITALY_ARERA,
    BandCalendar,
    CalendarError,
    IntervalGrid,
    WeeklyBandCalendar,
    build_grid,
    peak_offpeak_calendar,
)
from ledger.billing.rating.kernel import (
    KernelResult,
    LineSpec,
    RowIssue,
    SegmentResult,
    rate_arrays,
    rate_period,
    split_by_versions,
)
from ledger.billing.rating.lines import (
    InvoiceTotals,
    RatedLine,
    VatSummary,
    invoice_totals,
    rated_lines,
    round_half_up,
)
from ledger.billing.rating.profile import (
    BandProfile,
    FlatProfile,
    Profile,
    profile_consumption,
    profile_weights,
)
from ledger.billing.rating.tariff import (
    Component,
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TariffError,
    TariffVersion,
    TieredBlocks,
    TimeOfUse,
)

__all__ = [
    "DEFAULT_CALENDARS",
    "ITALY_ARERA",
    "BandCalendar",
    "BandProfile",
    "BatchResult",
    "CalendarError",
    "Component",
    "Demand",
    "Excise",
    "FlatEnergy",
    "FlatProfile",
    "IntervalGrid",
    "InvoiceTotals",
    "KernelResult",
    "LineSpec",
    "PerUnitCharge",
    "Profile",
    "RatedLine",
    "RatingError",
    "RowIssue",
    "SegmentResult",
    "SpotIndexed",
    "StandingCharge",
    "TariffError",
    "TariffVersion",
    "TieredBlocks",
    "TimeOfUse",
    "VatSummary",
    "WeeklyBandCalendar",
    "build_grid",
    "invoice_totals",
    "peak_offpeak_calendar",
    "profile_consumption",
    "profile_weights",
    "rate_arrays",
    "rate_batch",
    "rate_period",
    "rated_lines",
    "round_half_up",
    "split_by_versions",
]
