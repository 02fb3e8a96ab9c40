"""Direct-debit returns (insoluti / devolucions / palautukset): the reason-code policy as data.

A return or reject carries an ISO 20022 reason code. What Saldo does about it is a
:class:`ReturnPolicy`: a frozen mapping code → :class:`ReturnRule` that finance can replace
wholesale or in part (:meth:`ReturnPolicy.with_rules`). :data:`DEFAULT_POLICY` follows the table in
architecture.md §5; unknown codes go to investigation.

:func:`decide_return` applies the policy to one return and also checks the return's time window,
counted from the collection (interbank settlement) date:

* bank returns and rejects: up to D+5 TARGET business days for Core, D+2 for B2B;
* MD06 refund on request: the debtor may claim for 8 weeks after the debit (Core only);
* MD01 unauthorised collection: 13 months after the debit (Core only).

(EPC SDD Core and B2B Rulebooks, sections 4.4 "R-transactions",
https://www.europeanpaymentscouncil.eu/what-we-do/epc-payment-schemes/sepa-direct-debit/sdd-rulebooks.)
The refund's interbank leg settles after the debtor's claim, so refund windows get the same
D+5 business days of slack. A return outside its window is not refused or silently booked: the
decision says ``within_window=False`` and ``needs_investigation=True``.

>>> from datetime import date
>>> d = decide_return(DEFAULT_POLICY, "AM04", 1, date(2026, 3, 2), date(2026, 3, 5))
>>> d.action.name, d.retry, d.bank_charge, d.return_fee, d.window_ends
('RETRY', True, Decimal('3.50'), Decimal('5.00'), datetime.date(2026, 3, 9))
>>> decide_return(DEFAULT_POLICY, "AM04", 3, date(2026, 3, 2), date(2026, 3, 5)).action.name
'NO_RETRY_CONTACT'
>>> late = decide_return(DEFAULT_POLICY, "AC04", 1, date(2026, 3, 2), date(2026, 3, 20))
>>> late.action.name, late.within_window, late.needs_investigation
('STOP_DD_SWITCH_TO_TRANSFER', False, True)
>>> decide_return(DEFAULT_POLICY, "ZZ99", 1, date(2026, 3, 2), date(2026, 3, 3)).action.name
'INVESTIGATE'
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from ledger.core.calendar import add_months, add_target_business_days
from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO


class ReturnAction(enum.Enum):
    RETRY = "retry"  # re-present at the next run with a new end-to-end id
    NO_RETRY_CONTACT = "no-retry-contact"  # leave the item to dunning, contact the customer
    STOP_DD_SWITCH_TO_TRANSFER = "stop-dd-switch-to-transfer"
    STOP_MANDATE_NEW_NEEDED = "stop-mandate-new-needed"
    REFUND_NO_RECOLLECT = "refund-no-recollect"
    FIX_DATA_RESUBMIT = "fix-data-resubmit"
    INVESTIGATE = "investigate"


class ReturnCategory(enum.Enum):
    INSUFFICIENT_FUNDS = "insufficient-funds"
    DEBTOR_REFUSAL = "debtor-refusal"
    ACCOUNT_UNUSABLE = "account-unusable"
    UNAUTHORISED = "unauthorised"
    REFUND = "refund"
    DATA_ERROR = "data-error"
    DUPLICATE = "duplicate"
    REGULATORY = "regulatory"
    UNKNOWN = "unknown"


class WindowKind(enum.Enum):
    BANK_RETURN = "bank-return"  # D+5 (Core) / D+2 (B2B) TARGET business days
    REFUND_ON_REQUEST = "refund-on-request"  # 8 weeks, Core only
    UNAUTHORISED = "unauthorised"  # 13 months, Core only


@dataclass(frozen=True, slots=True)
class ReturnRule:
    """What to do with one reason code. Fees are what the customer is charged for the return.

    ``bank_charge`` passes our bank's return charge on; ``return_fee`` is the company's own fee.
    ``max_retries`` counts re-presentations after the first collection.
    """

    category: ReturnCategory
    action: ReturnAction
    description: str
    max_retries: int = 0
    bank_charge: Decimal = ZERO
    return_fee: Decimal = ZERO
    window: WindowKind = WindowKind.BANK_RETURN

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise InvalidInput("max_retries must not be negative", "max_retries")
        for name in ("bank_charge", "return_fee"):
            value = getattr(self, name)
            if value < 0 or value != value.quantize(Decimal("0.01")):
                raise InvalidInput(f"{name} must be a non-negative amount in cents", name)


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """Reason code → rule, plus the rule for codes not listed. Immutable; derive new ones."""

    rules: Mapping[str, ReturnRule]
    unknown: ReturnRule
    name: str = "custom"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))

    def rule_for(self, reason_code: str) -> ReturnRule:
        return self.rules.get(reason_code.strip().upper(), self.unknown)

    def with_rules(self, rules: Mapping[str, ReturnRule], name: str | None = None) -> ReturnPolicy:
        """A copy with ``rules`` added or replacing existing codes."""
        return ReturnPolicy({**self.rules, **rules}, self.unknown, name or self.name)


@dataclass(frozen=True, slots=True)
class ReturnDecision:
    """The outcome of :func:`decide_return`: the action to take, the fees, and the window check."""

    reason_code: str
    rule: ReturnRule
    action: ReturnAction
    retry: bool
    retries_left: int
    bank_charge: Decimal
    return_fee: Decimal
    window_ends: date | None
    within_window: bool
    needs_investigation: bool
    notes: tuple[str, ...] = field(default=())


_BANK_CHARGE = Decimal("3.50")
_RETURN_FEE = Decimal("5.00")


def _rules() -> dict[str, ReturnRule]:
    funds = ReturnRule(ReturnCategory.INSUFFICIENT_FUNDS, ReturnAction.RETRY,
                       "insufficient funds / reason not specified by the bank", 2, _BANK_CHARGE, _RETURN_FEE)
    refusal = ReturnRule(ReturnCategory.DEBTOR_REFUSAL, ReturnAction.NO_RETRY_CONTACT,
                         "refused by the debtor, account blocked or debtor's bank limits", 0,
                         _BANK_CHARGE, _RETURN_FEE)
    account = ReturnRule(ReturnCategory.ACCOUNT_UNUSABLE, ReturnAction.STOP_DD_SWITCH_TO_TRANSFER,
                         "wrong or closed account, direct debit not allowed, bank unreachable", 0,
                         _BANK_CHARGE)
    # A deceased debtor's estate is not charged for our bank's costs.
    deceased = ReturnRule(ReturnCategory.ACCOUNT_UNUSABLE, ReturnAction.STOP_DD_SWITCH_TO_TRANSFER,
                          "debtor deceased")
    data = ReturnRule(ReturnCategory.DATA_ERROR, ReturnAction.FIX_DATA_RESUBMIT,
                      "our data error (mandate data, sequence, creditor id, BIC, file, name/address)")
    rules = {code: funds for code in ("AM04", "MS03")}
    rules |= {code: refusal for code in ("MS02", "AC06", "SL01")}
    rules |= {code: account for code in ("AC01", "AC04", "AG01", "DNOR")}
    rules["MD07"] = deceased
    rules["MD01"] = ReturnRule(ReturnCategory.UNAUTHORISED, ReturnAction.STOP_MANDATE_NEW_NEEDED,
                               "no valid mandate / unauthorised transaction", window=WindowKind.UNAUTHORISED)
    rules["MD06"] = ReturnRule(ReturnCategory.REFUND, ReturnAction.REFUND_NO_RECOLLECT,
                               "refund on the debtor's request", window=WindowKind.REFUND_ON_REQUEST)
    rules |= {code: data for code in ("MD02", "AG02", "BE05", "RC01", "FF01", "RR01", "RR02", "RR03")}
    rules["AM05"] = ReturnRule(ReturnCategory.DUPLICATE, ReturnAction.INVESTIGATE,
                               "duplicate collection: do not resubmit")
    rules["RR04"] = ReturnRule(ReturnCategory.REGULATORY, ReturnAction.INVESTIGATE,
                               "regulatory reason: stop and investigate")
    return rules


#: The default policy of architecture.md §5. Fees are placeholders for finance to set.
DEFAULT_POLICY = ReturnPolicy(
    _rules(),
    ReturnRule(ReturnCategory.UNKNOWN, ReturnAction.INVESTIGATE, "reason code not in the policy"),
    "default",
)


def window_end(window: WindowKind, collection_date: date, scheme: str = "CORE") -> date | None:
    """The last day a return of this kind may arrive; ``None`` if the scheme has no such return."""
    core = scheme.upper() == "CORE"
    if window is WindowKind.BANK_RETURN:
        return add_target_business_days(collection_date, 5 if core else 2)
    if not core:  # B2B debtors waived refunds: MD06/MD01 after settlement are not possible
        return None
    slack = 5  # the refund's interbank leg settles after the claim: allow a return's D+5
    if window is WindowKind.REFUND_ON_REQUEST:
        return add_target_business_days(collection_date + timedelta(weeks=8), slack)
    return add_target_business_days(add_months(collection_date, 13), slack)


def decide_return(policy: ReturnPolicy, reason_code: str, attempts_so_far: int, collection_date: date,
                  return_date: date, *, scheme: str = "CORE") -> ReturnDecision:
    """Apply ``policy`` to a return of a collection presented ``attempts_so_far`` times (≥ 1).

    ``attempts_so_far`` includes the collection just returned: with ``max_retries=2`` the item is
    re-presented after the 1st and 2nd attempt, and goes to dunning after the 3rd. ``retries_left``
    counts the re-presentations still allowed, the one about to be made included.

    Outside its window the rule's ``action`` is still reported (what would have happened), but
    ``retry`` is off and ``needs_investigation`` on: a person looks before anything is re-collected.
    """
    if attempts_so_far < 1:
        raise InvalidInput("attempts_so_far counts the returned collection: it must be ≥ 1",
                           "attempts_so_far")
    code = reason_code.strip().upper()
    rule = policy.rule_for(code)
    notes: list[str] = []
    if code not in policy.rules:
        notes.append(f"reason code {code!r} is not in policy {policy.name!r}")
    retries_left = max(0, rule.max_retries - (attempts_so_far - 1))
    action = rule.action
    if action is ReturnAction.RETRY and retries_left == 0:
        action = ReturnAction.NO_RETRY_CONTACT
        notes.append(f"{rule.max_retries} re-presentations used: the item goes to dunning")
    ends = window_end(rule.window, collection_date, scheme)
    within = ends is not None and return_date <= ends
    if not within:
        notes.append(f"return on {return_date} is outside the {rule.window.value} window "
                     f"{'(none for ' + scheme + ')' if ends is None else 'ending ' + str(ends)}")
    return ReturnDecision(
        reason_code=code,
        rule=rule,
        action=action,
        retry=action is ReturnAction.RETRY and within,
        retries_left=retries_left if action is ReturnAction.RETRY else 0,
        bank_charge=rule.bank_charge,
        return_fee=rule.return_fee,
        window_ends=ends,
        within_window=within,
        needs_investigation=action is ReturnAction.INVESTIGATE or not within,
        notes=tuple(notes),
    )
