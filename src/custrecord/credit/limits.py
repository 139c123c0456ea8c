"""Credit limits over time: validity periods, temporary raises and guarded limit changes.

A customer's own limit holds during ``credit.valid_from``..``credit.valid_until``
(an expired profile counts as no credit). A :class:`TemporaryRaise` lifts the
limit until a date, after which the ordinary limit applies again. Lowering a
limit below what the customer already owes is refused unless forced with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs

from custrecord.credit.errors import CreditError, CurrencyMismatchError, LimitChangeRefused
from custrecord.credit.money import Money, to_money
from custrecord.credit.policy import DEFAULT_POLICY, CreditPolicy, resolve_terms
from custrecord.model import Customer

__all__ = [
    "EffectiveLimit",
    "LimitChange",
    "TemporaryRaise",
    "change_limit",
    "effective_limit",
    "grant_raise",
]


def _limit(value: Any) -> Decimal:
    return to_money(value, "credit limit")


def _text(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


@attrs.frozen
class TemporaryRaise:
    """A higher limit from ``starts`` (or at once) until ``until`` inclusive (临时额度)."""

    limit: Decimal = attrs.field(converter=_limit)
    until: date
    starts: date | None = None
    currency: str | None = None
    reason: str | None = None
    actor: str | None = None

    def active_on(self, day: date) -> bool:
        """Whether the raise is in force on ``day``."""
        return (self.starts is None or self.starts <= day) and day <= self.until


@attrs.frozen
class EffectiveLimit:
    """The limit in force on a day.

    ``source`` is ``profile`` (the customer's or a default limit), ``raise``
    (a temporary raise), ``expired`` (the profile is outside its validity
    period and no raise applies) or ``none`` (no limit at all); ``limit`` is
    None for the last two.
    """

    limit: Decimal | None
    currency: str
    source: str
    raised_by: TemporaryRaise | None = None


def effective_limit(
    customer: Customer,
    *,
    policy: CreditPolicy = DEFAULT_POLICY,
    raises: Iterable[TemporaryRaise] = (),
    today: date | None = None,
) -> EffectiveLimit:
    """The customer's limit on ``today``: the higher of its valid ordinary limit and any active raise."""
    day = today or date.today()
    terms = resolve_terms(customer, policy)
    base = terms.limit if customer.credit.is_valid_on(day) else None
    best: TemporaryRaise | None = None
    for r in raises:
        if r.currency is not None and r.currency.upper() != terms.currency:
            raise CurrencyMismatchError(terms.currency, r.currency.upper(), "a temporary raise")
        if r.active_on(day) and (best is None or r.limit > best.limit):
            best = r
    if best is not None and (base is None or best.limit > base):
        return EffectiveLimit(best.limit, terms.currency, "raise", best)
    if base is not None:
        return EffectiveLimit(base, terms.currency, "profile")
    return EffectiveLimit(None, terms.currency, "none" if terms.limit is None else "expired")


def grant_raise(
    customer: Customer,
    limit: Money,
    until: date,
    *,
    reason: str,
    actor: str | None = None,
    starts: date | None = None,
    policy: CreditPolicy = DEFAULT_POLICY,
    today: date | None = None,
) -> TemporaryRaise:
    """A temporary raise, checked: above the ordinary limit, ending on or after its start, with a reason.

    The book stores it; :func:`effective_limit` and ``check_credit`` take it through ``raises``.
    """
    amount = to_money(limit, "raised limit")
    why = _text(reason)
    if why is None:
        raise CreditError("a temporary raise needs a reason")
    first = starts or today or date.today()
    if until < first:
        raise CreditError(
            f"a temporary raise must end on or after {first.isoformat()}, not {until.isoformat()}"
        )
    base = resolve_terms(customer, policy)
    if base.limit is not None and amount <= base.limit:
        raise CreditError(f"a temporary raise must be above the ordinary limit {base.limit} {base.currency}")
    return TemporaryRaise(limit=amount, until=until, starts=starts, currency=base.currency, reason=why,
                          actor=_text(actor))


@attrs.frozen
class LimitChange:
    """A limit change as made: the updated customer, old and new limit, exposure, and who forced it why."""

    customer: Customer
    old: Decimal | None
    new: Decimal
    exposure: Decimal
    forced: bool
    reason: str | None
    actor: str | None
    at: datetime


def change_limit(
    customer: Customer,
    new_limit: Money,
    *,
    exposure: Money,
    force: bool = False,
    reason: str | None = None,
    actor: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    policy: CreditPolicy = DEFAULT_POLICY,
    at: datetime | None = None,
) -> LimitChange:
    """Set the customer's ordinary limit (and, when given, its validity period).

    Lowering the limit below ``exposure`` (open receivables plus open orders) raises
    :class:`LimitChangeRefused` unless ``force=True`` with a ``reason``; the change
    records who forced it and why.
    """
    new = to_money(new_limit, "credit limit")
    owed = to_money(exposure, "exposure", negative=True)
    why = _text(reason)
    old = resolve_terms(customer, policy).limit
    lowering = old is not None and new < old
    forced = False
    if lowering and new < owed:
        if not force:
            raise LimitChangeRefused(
                f"the new limit {new} is below the current exposure {owed}; pass force=True with a reason"
            )
        if why is None:
            raise CreditError("forcing a limit below the exposure needs a reason")
        forced = True
    start = valid_from if valid_from is not None else customer.credit.valid_from
    end = valid_until if valid_until is not None else customer.credit.valid_until
    if start is not None and end is not None and end < start:
        raise CreditError(f"credit valid_until {end.isoformat()} is before valid_from {start.isoformat()}")
    credit = attrs.evolve(customer.credit, limit=new, valid_from=start, valid_until=end)
    return LimitChange(
        customer=attrs.evolve(customer, credit=credit),
        old=old,
        new=new,
        exposure=owed,
        forced=forced,
        reason=why,
        actor=_text(actor),
        at=at or datetime.now(UTC),
    )
