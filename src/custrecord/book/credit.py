"""Credit of stored customers (信用管理): order checks against the store's ledger, raises, overrides.

Reservations and temporary raises live in the store (:class:`~custrecord.storage.ports.CreditStore`),
so a decision holds across processes, books and restarts: a check locks the customer's
credit, reads the other orders' reservations and reserves its own in one unit of work.
Raises and overrides are recorded in the customer's history with who and why.
"""

from __future__ import annotations

from datetime import date

from custrecord.book.revisions import BookContext, entry
from custrecord.credit import (
    DEFAULT_POLICY,
    CreditDecision,
    CreditLedger,
    CreditOverride,
    Money,
    Reservation,
    TemporaryRaise,
    check_credit,
    grant_raise,
    override_credit,
)
from custrecord.diff import FieldChange
from custrecord.events import CreditChanged, Event
from custrecord.permissions import Actor
from custrecord.storage.ports import UnitOfWork

__all__ = ["check_order", "grant_temporary_raise", "override_decision", "release_order"]


def check_order(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    code: str,
    amount: Money,
    exposure: Money,
    order_ref: str | None,
    overdue_days: int,
    currency: str | None,
    ledger: CreditLedger | None,
) -> tuple[CreditDecision, list[Event]]:
    """Check an order against customer ``code``'s credit; a passing order with a reference reserves."""
    customer = ctx.load(uow, who, code)
    return check_credit(
        customer,
        amount,
        exposure,
        policy=ctx.settings.credit_policy or DEFAULT_POLICY,
        order_ref=order_ref,
        ledger=ledger or uow.credit,
        overdue_days=overdue_days,
        raises=uow.credit.raises(code),
        currency=currency,
        today=ctx.today(),
    ), []


def release_order(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, order_ref: str, ledger: CreditLedger | None
) -> tuple[Reservation | None, list[Event]]:
    """Drop an order's reservation (it became a receivable, or was cancelled)."""
    ctx.load(uow, who, code)
    return (ledger or uow.credit).release(code, order_ref), []


def grant_temporary_raise(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    code: str,
    limit: Money,
    until: date,
    starts: date | None,
    reason: str,
) -> tuple[TemporaryRaise, list[Event]]:
    """Keep a temporary raise (临时额度) of the customer, checked, with its history entry."""
    customer = ctx.load(uow, who, code)
    grant = grant_raise(customer, limit, until, reason=reason, actor=who.name, starts=starts,
                        policy=ctx.settings.credit_policy or DEFAULT_POLICY, today=ctx.today())
    uow.credit.add_raise(code, grant)
    record = {"limit": str(grant.limit), "currency": grant.currency, "until": grant.until.isoformat(),
              "starts": grant.starts.isoformat() if grant.starts else None}
    at = ctx.now()
    change = FieldChange("credit.raise", None, record)
    uow.history.append(entry(customer, "credit_raise", who, grant.reason, [change], at))
    event = CreditChanged(code=code, at=at, actor=who.name, version=customer.version,
                          changes=(change.to_dict(),), reason=grant.reason)
    return grant, [event]


def override_decision(
    ctx: BookContext, uow: UnitOfWork, who: Actor, decision: CreditDecision, reason: str,
    ledger: CreditLedger | None,
) -> tuple[CreditOverride, list[Event]]:
    """Let a warned or blocked order through, recorded with who and why (a blocked one reserves now)."""
    code = decision.customer_code or ""
    customer = ctx.load(uow, who, code)
    done = override_credit(decision, actor=who.name, reason=reason, ledger=ledger or uow.credit,
                           at=ctx.now())
    record = {"order_ref": decision.order_ref, "amount": str(decision.amount),
              "outcome": decision.outcome.value, "rule": decision.rule.value, "reserved": done.reserved}
    change = FieldChange("credit.override", None, record)
    uow.history.append(entry(customer, "credit_override", who, done.reason, [change], done.at))
    return done, []
