"""The credit check (信用检查) of an order, and overrides of its decision.

Exposure is what the customer already owes or has on order. custrecord does not
own orders, so it is made of two parts:

* ``exposure``, supplied by the caller: open receivables plus any open orders
  the ledger does not hold (orders never checked with an ``order_ref``);
* the ledger's reservations of the customer's *other* orders.

An order checked with ``order_ref`` leaves its earlier reservation out and, when
the check lets it through, reserves its new amount: an edited order replaces its
old amount, a copy (a new reference) is a new order, a reopened order counts its
amount once. Release the reservation when the order becomes a receivable (then
it is in ``exposure``) or is cancelled.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from custrecord.credit.errors import CreditError, CurrencyMismatchError, NotACustomerError
from custrecord.credit.ledger import CreditLedger, order_key
from custrecord.credit.limits import TemporaryRaise, effective_limit
from custrecord.credit.money import Money, to_money
from custrecord.credit.policy import DEFAULT_POLICY, CreditPolicy, resolve_terms
from custrecord.model import Customer, Status

__all__ = ["CreditDecision", "CreditOverride", "CreditRule", "Outcome", "check_credit", "override_credit"]


class Outcome(enum.StrEnum):
    """What a credit check says: go ahead, go ahead with a warning, or stop."""

    PASS = "pass"
    WARN = "warn"
    BLOCK = "block"


class CreditRule(enum.StrEnum):
    """The rule that decided a credit check."""

    FROZEN = "frozen"
    INACTIVE = "inactive"
    OVERDUE = "overdue"
    NO_CREDIT = "no_credit"
    EXPIRED = "expired"
    OVER_LIMIT = "over_limit"
    NEAR_LIMIT = "near_limit"
    WITHIN_LIMIT = "within_limit"


_STATUS_ZH = {
    Status.DRAFT: "草稿", Status.PENDING: "待审核", Status.ACTIVE: "正常", Status.FROZEN: "冻结",
    Status.DISABLED: "停用", Status.DELETED: "已删除",
}


@attrs.frozen
class CreditDecision:
    """The outcome of one credit check, with the figures behind it.

    ``exposure`` counts everything before this order (the caller's exposure plus
    other orders' reservations); ``available`` is ``limit - exposure`` (negative
    when already over; ``limit`` counts as 0 when there is no credit);
    ``replaced`` is this order's earlier reservation that the check left out.
    """

    outcome: Outcome
    rule: CreditRule
    reason: str
    reason_zh: str
    amount: Decimal
    exposure: Decimal
    limit: Decimal | None
    available: Decimal
    currency: str
    checked_on: date
    customer_code: str | None = None
    order_ref: str | None = None
    replaced: Decimal | None = None
    reserved: bool = False

    @property
    def ok(self) -> bool:
        """True unless blocked."""
        return self.outcome is not Outcome.BLOCK

    @property
    def available_after(self) -> Decimal:
        """What would be left once this order is counted."""
        return self.available - self.amount

    def reason_in(self, lang: str) -> str:
        """The reason in ``en`` or ``zh``."""
        return self.reason_zh if lang == "zh" else self.reason


def _pct(ratio: Decimal) -> str:
    return format((ratio * 100).normalize(), "f")


def check_credit(
    customer: Customer,
    order_amount: Money,
    exposure: Money = 0,
    *,
    policy: CreditPolicy = DEFAULT_POLICY,
    order_ref: str | None = None,
    ledger: CreditLedger | None = None,
    reserve: bool = True,
    overdue_days: int = 0,
    raises: Iterable[TemporaryRaise] = (),
    currency: str | None = None,
    today: date | None = None,
) -> CreditDecision:
    """Check an order of ``order_amount`` against the customer's credit.

    Rules, first that applies decides: a status the policy blocks (frozen
    always); ``overdue_days`` (age of the oldest unpaid receivable) beyond the
    credit days plus grace; no limit, or an expired one, for any exposure; exposure
    plus the order above ``block_above`` x limit blocks, above ``warn_above``
    x limit warns; otherwise pass. The limit is the higher of the customer's
    (or default) limit in its validity period and any active temporary raise.

    Amounts are Decimal, int or str in the customer's credit currency;
    ``currency`` names theirs and must match (:class:`CurrencyMismatchError`).
    With a ``ledger``, other orders' reservations count; with an ``order_ref``
    too, a check that does not block reserves the amount (unless ``reserve``
    is False). See the module docs for the exact semantics.
    """
    if not customer.is_customer:
        raise NotACustomerError(customer.code)
    amount = to_money(order_amount, "order amount")
    # A negative exposure would let an order pass over its limit unnoticed: refused, not netted.
    outside = to_money(exposure, "exposure")
    if isinstance(overdue_days, bool) or not isinstance(overdue_days, int) or overdue_days < 0:
        raise CreditError(f"overdue_days must be a whole number >= 0, not {overdue_days!r}")
    day = today or date.today()
    terms = resolve_terms(customer, policy)
    if currency is not None and currency.strip().upper() != terms.currency:
        raise CurrencyMismatchError(terms.currency, currency.strip().upper(), "the order")
    line = effective_limit(customer, policy=policy, raises=raises, today=day)
    ref = None if order_ref is None else order_key(order_ref)
    code = customer.code
    if ledger is None:
        return _decide(customer, amount, outside, None, line.limit, line.source, terms.days, overdue_days,
                       policy, terms.currency, day, ref)
    if not code:
        raise CreditError("a credit check against a ledger needs the customer's code")
    with ledger.hold(code):
        held = ledger.reservations(code)
        others = Decimal(0)
        for r in held.values():
            if r.currency != terms.currency:
                what = f"the reservation of order {r.order_ref}"
                raise CurrencyMismatchError(terms.currency, r.currency, what)
            if r.order_ref != ref:
                others += r.amount
        previous = held[ref].amount if ref is not None and ref in held else None
        decision = _decide(customer, amount, outside + others, previous, line.limit, line.source, terms.days,
                           overdue_days, policy, terms.currency, day, ref)
        if ref is not None and reserve and decision.ok:
            ledger.reserve(code, ref, amount, terms.currency)
            decision = attrs.evolve(decision, reserved=True)
    return decision


def _decide(
    customer: Customer,
    amount: Decimal,
    exposure: Decimal,
    previous: Decimal | None,
    limit: Decimal | None,
    source: str,
    days: int | None,
    overdue_days: int,
    policy: CreditPolicy,
    currency: str,
    day: date,
    ref: str | None,
) -> CreditDecision:
    th = policy.thresholds
    after = exposure + amount
    available = (limit or Decimal(0)) - exposure

    def done(outcome: Outcome, rule: CreditRule, en: str, zh: str) -> CreditDecision:
        return CreditDecision(outcome=outcome, rule=rule, reason=en, reason_zh=zh, amount=amount,
                              exposure=exposure, limit=limit, available=available, currency=currency,
                              checked_on=day, customer_code=customer.code, order_ref=ref, replaced=previous)

    status = Status(customer.status)
    if status is Status.FROZEN and status in policy.blocked_statuses:
        return done(Outcome.BLOCK, CreditRule.FROZEN, "the customer is frozen", "客户已冻结")
    if status in policy.blocked_statuses:
        return done(Outcome.BLOCK, CreditRule.INACTIVE, f"the customer is {status}",
                    f"客户状态为{_STATUS_ZH[status]}")
    allowed = (days or 0) + th.grace_days
    if th.block_overdue and overdue_days > allowed:
        return done(Outcome.BLOCK, CreditRule.OVERDUE,
                    f"the oldest receivable is {overdue_days} days old, more than the {allowed} days allowed",
                    f"最早未收款已{overdue_days}天，超过允许的{allowed}天")
    if limit is None:
        if after <= 0:
            return done(Outcome.PASS, CreditRule.WITHIN_LIMIT, "nothing is owed or ordered on credit",
                        "无赊销占用")
        if source == "expired":
            return done(Outcome.BLOCK, CreditRule.EXPIRED,
                        f"the credit is not valid on {day.isoformat()} (valid {_period(customer)})",
                        f"信用在{day.isoformat()}不在有效期内（有效期{_period(customer, '至')}）")
        return done(Outcome.BLOCK, CreditRule.NO_CREDIT, "the customer has no credit limit",
                    "客户没有信用额度")
    figures = f"exposure {exposure} + order {amount} = {after} {currency}"
    figures_zh = f"占用{exposure}加订单{amount}共{after} {currency}"
    if after > limit * th.block_above:
        return done(Outcome.BLOCK, CreditRule.OVER_LIMIT,
                    f"{figures}, above {_pct(th.block_above)}% of the limit {limit}",
                    f"{figures_zh}，超过额度{limit}的{_pct(th.block_above)}%")
    if after > limit * th.warn_above:
        return done(Outcome.WARN, CreditRule.NEAR_LIMIT,
                    f"{figures}, above {_pct(th.warn_above)}% of the limit {limit}",
                    f"{figures_zh}，超过额度{limit}的{_pct(th.warn_above)}%")
    return done(Outcome.PASS, CreditRule.WITHIN_LIMIT, f"{figures}, within the limit {limit}",
                f"{figures_zh}，在额度{limit}以内")


def _period(customer: Customer, sep: str = " to ") -> str:
    start, end = customer.credit.valid_from, customer.credit.valid_until
    return f"{start.isoformat() if start else '…'}{sep}{end.isoformat() if end else '…'}"


@attrs.frozen
class CreditOverride:
    """A warned or blocked order let through by a person, who says why (for history/audit)."""

    decision: CreditDecision
    actor: str
    reason: str
    at: datetime
    reserved: bool = False


def override_credit(
    decision: CreditDecision,
    *,
    actor: str,
    reason: str,
    ledger: CreditLedger | None = None,
    at: datetime | None = None,
) -> CreditOverride:
    """Record that ``actor`` lets a warned or blocked order through, for ``reason``.

    With a ``ledger``, a blocked order's amount is reserved now (a warned one
    already was). Raises :class:`CreditError` for a blank actor or reason or a
    decision that passed.
    """
    who = actor.strip() if isinstance(actor, str) else ""
    why = reason.strip() if isinstance(reason, str) else ""
    if not who or not why:
        raise CreditError("an override needs an actor and a reason")
    if decision.outcome is Outcome.PASS:
        raise CreditError("the check passed; there is nothing to override")
    reserved = decision.reserved
    if ledger is not None and decision.order_ref is not None and decision.customer_code and not reserved:
        ledger.reserve(decision.customer_code, decision.order_ref, decision.amount, decision.currency)
        reserved = True
    return CreditOverride(decision=decision, actor=who, reason=why, at=at or datetime.now(UTC),
                          reserved=reserved)
