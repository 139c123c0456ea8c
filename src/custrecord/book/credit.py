"""Credit of stored customers (信用管理): order checks against the store's ledger, raises, overrides.

Reservations and temporary raises live in the store (:class:`~custrecord.storage.ports.CreditStore`),
so a decision holds across processes, books and restarts: a check locks the customer's
credit, reads the other orders' reservations and reserves its own in one unit of work.
A customer in a group is also checked against the group limit of every parent above it
(and its own) that sets one, over that parent's whole subtree; a check in a company (账套)
uses the customer's terms and reservations there (temporary raises are the default company's).
Raises and overrides are recorded in the customer's history with who and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from custrecord.book.groups import ancestors, descendants
from custrecord.book.revisions import BookContext, entry
from custrecord.credit import (
    DEFAULT_POLICY,
    CreditDecision,
    CreditLedger,
    CreditOverride,
    GroupLimit,
    Money,
    Reservation,
    TemporaryRaise,
    check_credit,
    grant_raise,
    override_credit,
)
from custrecord.credit.ledger import company_ledger
from custrecord.diff import FieldChange
from custrecord.events import CreditChanged, Event
from custrecord.model import CreditProfile, Customer, Status
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
    company: str | None = None,
    group_exposure: Money | Mapping[str, Money] = 0,
) -> tuple[CreditDecision, list[Event]]:
    """Check an order against customer ``code``'s credit; a passing order with a reference reserves."""
    customer = ctx.load(uow, who, code)
    day = ctx.today()
    return check_credit(
        customer,
        amount,
        exposure,
        policy=ctx.settings.credit_policy or DEFAULT_POLICY,
        order_ref=order_ref,
        ledger=ledger or uow.credit,
        overdue_days=overdue_days,
        raises=uow.credit.raises(code) if company is None else (),
        currency=currency,
        today=day,
        groups=group_limits(uow, customer, company, day),
        group_exposure=group_exposure,
        company=company,
    ), []


def group_limits(uow: UnitOfWork, customer: Customer, company: str | None, day: date) -> list[GroupLimit]:
    """The group limits over ``customer``, nearest first: its own and each parent's above it, in
    ``company`` (a parent without terms there sets none), each over that parent's whole subtree."""
    found: list[GroupLimit] = []
    for head in (customer, *ancestors(uow, customer)):
        if head.status is Status.DELETED:
            continue
        terms = head.credit if company is None else _company_credit(head, company)
        if terms is None or terms.group_limit is None:
            continue
        members = [c.code or "" for c in descendants(uow, head)]
        limit = GroupLimit.of(attrs.evolve(head, credit=terms), members, today=day)
        if limit is not None:
            found.append(limit)
    return found


def _company_credit(customer: Customer, company: str) -> CreditProfile | None:
    terms = customer.companies.get("".join(company.split()).upper())
    return None if terms is None else terms.credit


def release_order(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, order_ref: str, ledger: CreditLedger | None,
    company: str | None = None,
) -> tuple[Reservation | None, list[Event]]:
    """Drop an order's reservation (it became a receivable, or was cancelled), in ``company``."""
    ctx.load(uow, who, code)
    return company_ledger(ledger or uow.credit, company).release(code, order_ref), []


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
