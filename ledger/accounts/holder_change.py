"""A customer's life at a supply point: holder change (voltura / subentro), move-out, move-in, deposits, and
the regularisation of an irregular holder.

- :class:`SupplyPointOccupancy` (one per supply point) says which contract supplies it, or that it is
  vacant, and keeps who held it when. A holder change ends the old contract on the change date and signs
  the new holder's from the next day, on the new account; the old account keeps its open items, its
  dunning and its deposit (unless the old holder consents to move it to the new one:
  :class:`~ledger.accounts.life_commands.MoveDeposit`). A move-out without successor leaves the point
  vacant; a move-in reopens it. Each holder's portal sees the point's data of its own tenure only
  (:func:`holder_window`).
- :class:`Regularisations` (one per company) lists pending regularisations with their due dates: AMAM
  Messina gives an irregular holder 60 days to change holder, "onde evitare la rescissione del contratto"
  (the seed). A holder change of the contract settles it; :class:`~ledger.accounts.life_commands.
  LapseRegularisations` ends, on its due date, each contract not regularised in time (rescission: the
  point is vacant and supply ceases).

The final bill and the deposit's settlement are steps of the same flow run by
:func:`ledger.billing.final_bill.end_supply`, which bills through the billing run (accounts do not import
billing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.accounts import life_commands as lc
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract, SupplyPoint, TariffAssignment
from ledger.accounts.deposit_handlers import DepositHandlers
from ledger.accounts.deposit_handlers import text as _text
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.handling import Handled, handles
from ledger.core.ids import child_id, name_id
from ledger.parties.identifiers import InvalidIdentifier, validate_supply_point

#: Most regularisations one company keeps pending at once (a named limit on the list's aggregate).
MAX_PENDING_REGULARISATIONS = 10000
#: Most days a regularisation may be given.
MAX_REGULARISATION_DAYS = 365


@dataclass(frozen=True, slots=True)
class Tenure:
    """One contract's time at a supply point; ``until`` None while it lasts."""

    contract_id: str
    account_id: str
    since: date
    until: date | None = None
    how: str = "signed"  # signed, holder-change, move-in; ended: holder-change, move-out, lapsed


class SupplyPointOccupancy(Aggregate):
    """Who supplies one supply point, and who did."""

    @staticmethod
    def id_for(supply_point: SupplyPoint) -> UUID:
        return name_id("supply-point", supply_point.scheme, supply_point.id)

    @event("Created")
    def __init__(self, id: UUID, scheme: str, supply_point_id: str) -> None:
        self.scheme = scheme
        self.supply_point_id = supply_point_id
        self.tenures: tuple[Tenure, ...] = ()

    @property
    def current(self) -> Tenure | None:
        last = self.tenures[-1] if self.tenures else None
        return last if last is not None and last.until is None else None

    @property
    def vacant(self) -> bool:
        return self.current is None

    def occupy(self, contract: Contract, how: str) -> None:
        if self.current is not None:
            raise Conflict(f"supply point {self.supply_point_id} is supplied by contract "
                           f"{self.current.contract_id}", "supply_point_id")
        self._occupied(Tenure(str(contract.id), str(contract.account_id), contract.start_date, None, how))

    @event("Occupied")
    def _occupied(self, tenure: Tenure) -> None:
        self.tenures = (*self.tenures, tenure)

    def vacate(self, contract: Contract, on: date, how: str) -> None:
        current = self.current
        if current is not None and current.contract_id != str(contract.id):
            raise Conflict(f"supply point {self.supply_point_id} is supplied by contract "
                           f"{current.contract_id}, not {contract.id}", "contract_id")
        if current is None:  # a contract signed before occupancy was kept: it held the point until now
            self._occupied(Tenure(str(contract.id), str(contract.account_id), contract.start_date))
        self._vacated(on, how)

    @event("Vacated")
    def _vacated(self, vacated_on: date, how: str) -> None:
        self.tenures = (*self.tenures[:-1], replace(self.tenures[-1], until=vacated_on, how=how))


def holder_window(occupancy: SupplyPointOccupancy | None,
                  contract: Contract) -> tuple[date | None, date | None]:
    """The days of its supply point's data (readings, load curve) a contract's holder may see in the portal:
    from the day after the holder before them left (no bound for the first one known, whose opening read
    predates the contract), to the contract's end (the change date, included; no bound while it lasts).

    Why: after a voltura the old and the new holder are different customers of the same meter; each may
    see their own consumption and nothing of the other's (GDPR art. 5(1)(c), data minimisation).
    """
    since: date | None = None
    for tenure in occupancy.tenures if occupancy is not None else ():
        if tenure.contract_id != str(contract.id) and tenure.until is not None \
                and tenure.until < contract.start_date:
            after = tenure.until + timedelta(days=1)
            since = after if since is None or after > since else since
    return since, contract.end_date


def within(window: tuple[date | None, date | None], day: date) -> bool:
    since, until = window
    return (since is None or since <= day) and (until is None or day <= until)


@dataclass(frozen=True, slots=True)
class PendingRegularisation:
    contract_id: str
    supply_point_id: str
    notified_on: date
    due_on: date
    reason: str


class Regularisations(Aggregate):
    """The company's pending regularisations of holders, with their due dates."""

    ID = name_id("regularisations", "company")

    @event("Created")
    def __init__(self, id: UUID) -> None:
        self.pending: tuple[PendingRegularisation, ...] = ()

    def require(self, entry: PendingRegularisation) -> None:
        if any(p.contract_id == entry.contract_id for p in self.pending):
            raise Conflict(f"contract {entry.contract_id} is already to be regularised", "contract_id")
        if len(self.pending) >= MAX_PENDING_REGULARISATIONS:
            raise Conflict(f"{MAX_PENDING_REGULARISATIONS} regularisations are pending already")
        self._required(entry)

    @event("Required")
    def _required(self, entry: PendingRegularisation) -> None:
        self.pending = (*self.pending, entry)

    def close(self, contract_id: str, closed_on: date, outcome: str) -> None:
        if any(p.contract_id == contract_id for p in self.pending):
            self._closed(contract_id, closed_on, outcome)

    @event("Closed")
    def _closed(self, contract_id: str, closed_on: date, outcome: str) -> None:
        self.pending = tuple(p for p in self.pending if p.contract_id != contract_id)

    def overdue(self, as_of: date) -> list[PendingRegularisation]:
        return [p for p in self.pending if p.due_on < as_of]


class LifeHandlers(DepositHandlers):
    """The life at a supply point; the deposits' handlers are :class:`DepositHandlers`'."""

    def _occupancy(self, supply_point: SupplyPoint) -> SupplyPointOccupancy:
        found = self.find(SupplyPointOccupancy, SupplyPointOccupancy.id_for(supply_point))
        return found or SupplyPointOccupancy(SupplyPointOccupancy.id_for(supply_point), supply_point.scheme,
                                             supply_point.id)

    def _regularisations(self) -> Regularisations:
        return self.find(Regularisations, Regularisations.ID) or Regularisations(Regularisations.ID)

    def _end(self, contract: Contract, on: date, how: str) -> tuple[SupplyPointOccupancy, list[Aggregate]]:
        contract.end(on)
        occupancy = self._occupancy(contract.supply_point)
        occupancy.vacate(contract, on, how)
        regularisations = self._regularisations()
        regularisations.close(str(contract.id), on, how)
        return occupancy, [contract, occupancy, regularisations]

    @handles(lc.ChangeHolder)
    def change_holder(self, cmd: lc.ChangeHolder, rid: UUID) -> Handled:
        old = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        new_account = self.get(ContractAccount, cmd.new_account_id, "contract account", "new_account_id")
        if new_account.id == old.account_id:
            raise InvalidInput("the new holder's account is the old holder's", "new_account_id")
        tariff = (cmd.tariff_code or old.tariff_on(cmd.change_date) or "").strip()
        if not tariff:
            raise InvalidInput("the new contract needs a tariff code", "tariff_code")
        occupancy, saved = self._end(old, cmd.change_date, "holder-change")
        start = cmd.change_date + timedelta(days=1)
        new = Contract(child_id(rid, "contract"), new_account.id, old.supply_point, old.commodity,
                       TariffAssignment(_text(tariff, "tariff_code"), start),
                       cmd.billing_frequency or old.billing_frequency, start, None)
        occupancy.occupy(new, "holder-change")
        return [*saved, new], {"contract_id": str(new.id), "ended_contract_id": str(old.id),
                               "start_date": start.isoformat()}

    @handles(lc.MoveOut)
    def move_out(self, cmd: lc.MoveOut, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        return self._end(contract, cmd.move_out_date, "move-out")[1], {
            "contract_id": str(contract.id),
            "vacant_from": (cmd.move_out_date + timedelta(days=1)).isoformat()}

    @handles(lc.MoveIn)
    def move_in(self, cmd: lc.MoveIn, rid: UUID) -> Handled:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        try:
            sp_id = validate_supply_point(cmd.supply_point_scheme, cmd.supply_point_id)
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), "supply_point_id") from e
        if not cmd.tariff_code.strip():
            raise InvalidInput("a contract needs a tariff code", "tariff_code")
        point = SupplyPoint(cmd.supply_point_scheme, sp_id, cmd.time_zone)
        occupancy = self._occupancy(point)
        last = occupancy.tenures[-1] if occupancy.tenures else None
        if last is not None and last.until is not None and cmd.start_date <= last.until:
            raise InvalidInput(f"the supply point is supplied until {last.until}", "start_date")
        contract = Contract(child_id(rid, "contract"), account.id, point, cmd.commodity,
                            TariffAssignment(_text(cmd.tariff_code, "tariff_code"), cmd.start_date),
                            cmd.billing_frequency, cmd.start_date, None)
        occupancy.occupy(contract, "move-in")
        return [occupancy, contract], {"contract_id": str(contract.id)}

    @handles(lc.RequireRegularisation)
    def require_regularisation(self, cmd: lc.RequireRegularisation, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        if contract.end_date is not None:
            raise Conflict(f"contract {contract.id} ended on {contract.end_date}", "contract_id")
        notified_on = cmd.notified_on or self.today()
        if not 1 <= cmd.days <= MAX_REGULARISATION_DAYS:
            raise InvalidInput(f"give 1..{MAX_REGULARISATION_DAYS} days", "days")
        reason = _text(cmd.reason, "reason")
        if not reason:
            raise InvalidInput("say why the holder is irregular", "reason")
        due = notified_on + timedelta(days=cmd.days)
        regularisations = self._regularisations()
        regularisations.require(PendingRegularisation(str(contract.id), contract.supply_point.id,
                                                      notified_on, due, reason))
        return [regularisations], {"contract_id": str(contract.id), "due_on": due.isoformat()}

    @handles(lc.LapseRegularisations)
    def lapse_regularisations(self, cmd: lc.LapseRegularisations, rid: UUID) -> Handled:
        as_of = cmd.as_of or self.today()
        if as_of > self.today():  # a later day would end contracts whose holders still have time
            raise InvalidInput(f"regularisations lapse as of today ({self.today()}) at the latest", "as_of")
        regularisations = self._regularisations()
        saved: dict[UUID, Aggregate] = {}
        ended = []
        for pending in regularisations.overdue(as_of):
            contract = self.get(Contract, UUID(pending.contract_id), "contract", "contract_id")
            if contract.end_date is None:
                for aggregate in self._end(contract, pending.due_on, "lapsed")[1]:
                    saved[aggregate.id] = aggregate
                ended.append(pending.contract_id)
            else:
                regularisations.close(pending.contract_id, pending.due_on, "ended")
        saved[regularisations.id] = regularisations
        return list(saved.values()), {"as_of": as_of.isoformat(), "ended_contracts": ended}
