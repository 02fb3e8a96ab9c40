"""Commands of dunning and instalment plans: locks, procedures, dunning runs, steps and plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.dunning import LockKind, Procedure


@dataclass(frozen=True, slots=True)
class SetDunningLock:
    """Stop dunning the account, or one item of it (``invoice_number``), for a reason, until a day.

    Only ``dispute`` and ``manual`` locks are set by hand; a manual lock must expire (``until``).
    """

    account_id: UUID
    kind: LockKind
    reason: str
    until: date | None = None
    invoice_number: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseDunningLock:
    account_id: UUID
    lock_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AssignDunningProcedure:
    """Dun the account by ``procedure`` (a code such as ``FI-POWER``), or by its country and commodity."""

    account_id: UUID
    procedure: str | None = None
    country: str | None = None
    commodity: str | None = None


@dataclass(frozen=True, slots=True)
class DefineDunningProcedure:
    """The next version of a dunning procedure (its first, for a new code): levels, waits, fees, windows.

    ``expected_version``: the version the sender read (0: shipped, or none yet); another is a conflict.
    Defining what is in force already records nothing (see :mod:`ledger.dunning.configuration`).
    """

    procedure: Procedure
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DefineDunningPack:
    """The next version of a country's pack: ``assignments`` (commodity, procedure code) pairs."""

    country: str
    assignments: tuple[tuple[str, str], ...]
    reason: str
    description: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ProposeDunningRun:
    """Review the candidate accounts on ``run_on`` (default: today): the steps and plan endings due."""

    candidate_account_ids: tuple[UUID, ...]
    run_on: date | None = None
    #: Only this company's accounts (its code); a candidate of another company is listed as a problem.
    company: str | None = None


@dataclass(frozen=True, slots=True)
class ExecuteDunningRun:
    run_id: UUID


@dataclass(frozen=True, slots=True)
class DiscardDunningRun:
    run_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class ReverseDunningRun:
    """Compensate every step the run recorded (plan cancellations stand: a new plan is a new agreement)."""

    run_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class ReverseDunningStep:
    account_id: UUID
    step_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class CreateInstalmentPlan:
    """Replace the open items ``invoice_numbers`` by ``instalments`` rates (rateizzazione).

    Equal principal parts unless ``custom_amounts`` are given; monthly from ``first_due`` unless
    ``interval_days`` is given; simple interest at ``interest_rate`` (annual percent) on the declining
    balance when given. ``grace_days`` after each due date before a miss cancels the plan (default: the
    company's setting).
    """

    account_id: UUID
    invoice_numbers: tuple[str, ...]
    instalments: int
    first_due: date
    interval_months: int | None = None
    interval_days: int | None = None
    interest_rate: Decimal | None = None
    custom_amounts: tuple[Decimal, ...] | None = None
    grace_days: int | None = None


@dataclass(frozen=True, slots=True)
class CancelInstalmentPlan:
    """End a live plan by hand (the customer asks, or a clerk decides); the rest goes back to dunning."""

    account_id: UUID
    reason: str
    plan_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewInstalmentPlan:
    """Cancel the account's plan if an instalment was missed past its grace; complete it when all is paid."""

    account_id: UUID
