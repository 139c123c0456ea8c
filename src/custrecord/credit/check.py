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

A customer in a group (集团) is also checked against the group limit of each parent
above it that sets one (``credit.group_limit``, a :class:`GroupLimit`): that parent's
whole subtree counts, its members' reservations and the ``group_exposure`` the caller
gives for them. An order passes only when it fits its own limit and every group limit;
a customer without a limit of its own is covered by its group's. A check in a company
(账套) other than the default one uses the customer's terms there and that company's
reservations.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from custrecord.credit.errors import CreditError, CurrencyMismatchError, NotACustomerError
from custrecord.credit.ledger import CreditLedger, company_ledger, order_key
from custrecord.credit.limits import TemporaryRaise, effective_limit
from custrecord.credit.money import Money, to_money
from custrecord.credit.policy import DEFAULT_POLICY, CreditPolicy, Thresholds, in_company, resolve_terms
from custrecord.model import Customer, Status

__all__ = [
    "CreditDecision",
    "CreditOverride",
    "CreditRule",
    "GroupLimit",
    "Outcome",
    "check_credit",
    "override_credit",
]


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
    GROUP_OVER_LIMIT = "group_over_limit"
    GROUP_NEAR_LIMIT = "group_near_limit"
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
    When a group limit decided (the tightest one, or the one that warned or
    blocked), ``group`` is the code of the parent that sets it and ``limit``,
    ``exposure`` and ``available`` are the group's figures. ``company`` is the
    company (账套) checked, None for the default one.
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
    group: str | None = None
    company: str | None = None

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


def _group_limit(value: Money) -> Decimal:
    return to_money(value, "group limit")


def _codes(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class GroupLimit:
    """The group limit (集团信用额度) of a parent company and the members it covers.

    ``members`` are the codes of the parent and everyone below it; ``valid`` is
    False when the parent's credit terms are outside their validity period on the
    day of the check (then the group has no credit: any exposure blocks).
    """

    head: str
    limit: Decimal = attrs.field(converter=_group_limit)
    currency: str = "CNY"
    members: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)
    valid: bool = True

    @classmethod
    def of(cls, head: Customer, members: Iterable[str], *, today: date | None = None) -> GroupLimit | None:
        """The group limit ``head`` sets over ``members`` (a company's terms: see
        :func:`~custrecord.credit.policy.in_company`), or None when it sets none."""
        credit = head.credit
        if credit.group_limit is None or not head.code:
            return None
        return cls(head.code, credit.group_limit, credit.currency, frozenset({head.code, *members}),
                   credit.is_valid_on(today or date.today()))


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
    groups: Iterable[GroupLimit] = (),
    group_exposure: Money | Mapping[str, Money] = 0,
    company: str | None = None,
) -> CreditDecision:
    """Check an order of ``order_amount`` against the customer's credit.

    Rules, first that applies decides: a status the policy blocks (frozen
    always); ``overdue_days`` (age of the oldest unpaid receivable) beyond the
    credit days plus grace; no limit, or an expired one, for any exposure; exposure
    plus the order above ``block_above`` x limit blocks, above ``warn_above``
    x limit warns; otherwise pass. The limit is the higher of the customer's
    (or default) limit in its validity period and any active temporary raise.

    ``groups`` are the group limits over the customer (nearest parent first); each is
    checked the same way against its members' exposure, and the worst outcome wins
    (the customer's own first on a tie; among passes, the tightest). ``group_exposure``
    is the other members' receivables and unheld orders: by member code, or one amount
    that counts against every group limit. A customer without a limit of its own (none
    from its policy either) is covered by its group limits alone.

    Amounts are Decimal, int or str in the customer's credit currency;
    ``currency`` names theirs and must match (:class:`CurrencyMismatchError`), as
    must the group limits'. ``company`` checks the customer's terms in that company
    (账套) and its reservations there (:class:`UnknownCompanyError` when it has none).
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
    customer = in_company(customer, company)
    company = None if company is None else "".join(str(company).split()).upper()
    terms = resolve_terms(customer, policy)
    if currency is not None and currency.strip().upper() != terms.currency:
        raise CurrencyMismatchError(terms.currency, currency.strip().upper(), "the order")
    limits = tuple(groups)
    for group in limits:
        if group.currency != terms.currency:
            raise CurrencyMismatchError(terms.currency, group.currency, f"the group limit of {group.head}")
    line = effective_limit(customer, policy=policy, raises=raises, today=day)
    ref = None if order_ref is None else order_key(order_ref)
    code = customer.code

    def decide(own_others: Decimal, previous: Decimal | None, held: Mapping[str, Decimal]) -> CreditDecision:
        own = _decide(customer, amount, outside + own_others, previous, line.limit, line.source, terms.days,
                      overdue_days, policy, terms.currency, day, ref, covered=bool(limits))
        checks = [
            _decide_group(customer, group, amount, outside + own_others + _given(group, group_exposure, code)
                          + sum((v for m, v in held.items() if m in group.members), Decimal(0)),
                          previous, policy, terms.currency, day, ref)
            for group in limits
        ]
        return attrs.evolve(_worst(own, checks), company=company)

    if ledger is None:
        return decide(Decimal(0), None, {})
    if not code:
        raise CreditError("a credit check against a ledger needs the customer's code")
    book = company_ledger(ledger, company)
    with ExitStack() as stack:
        # Parents before children, root first: every check of a group member locks in one order.
        for head in dict.fromkeys(g.head for g in reversed(limits)):
            if head != code:
                stack.enter_context(book.hold(head))
        stack.enter_context(book.hold(code))
        others, previous = _held(book, code, ref, terms.currency)
        members = {m for g in limits for m in g.members} - {code}
        held = {m: _held(book, m, None, terms.currency)[0] for m in sorted(members)}
        decision = decide(others, previous, held)
        if ref is not None and reserve and decision.ok:
            book.reserve(code, ref, amount, terms.currency)
            decision = attrs.evolve(decision, reserved=True)
    return decision


def _held(ledger: CreditLedger, code: str, ref: str | None, currency: str) -> tuple[Decimal, Decimal | None]:
    """The sum of ``code``'s reservations other than order ``ref``, and ``ref``'s own (or None)."""
    total = Decimal(0)
    previous = None
    for r in ledger.reservations(code).values():
        if r.currency != currency:
            raise CurrencyMismatchError(currency, r.currency, f"the reservation of order {r.order_ref}")
        if r.order_ref == ref:
            previous = r.amount
        else:
            total += r.amount
    return total, previous


def _given(group: GroupLimit, given: Money | Mapping[str, Money], code: str | None) -> Decimal:
    """The caller's exposure of the group's other members."""
    if isinstance(given, Mapping):
        return sum((to_money(v, f"group exposure of {m}") for m, v in given.items()
                    if m in group.members and m != code), Decimal(0))
    return to_money(given, "group exposure")


_SEVERITY = {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.BLOCK: 2}


def _worst(own: CreditDecision, groups: list[CreditDecision]) -> CreditDecision:
    """The deciding check: the worst outcome (own first on a tie); among passes, the least headroom."""
    worst = max((own, *groups), key=lambda d: _SEVERITY[d.outcome])  # max keeps the first of equals
    if worst.outcome is not Outcome.PASS:
        return worst
    limited = [d for d in (own, *groups) if d.limit is not None]
    return min(limited, key=lambda d: d.available_after) if limited else own


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
    *,
    covered: bool = False,
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
        if covered:
            return done(Outcome.PASS, CreditRule.WITHIN_LIMIT,
                        "the customer has no limit of its own; its group limit covers it",
                        "客户没有自己的信用额度，由集团额度控制")
        return done(Outcome.BLOCK, CreditRule.NO_CREDIT, "the customer has no credit limit",
                    "客户没有信用额度")
    figures = f"exposure {exposure} + order {amount} = {after} {currency}"
    figures_zh = f"占用{exposure}加订单{amount}共{after} {currency}"
    return _against(done, th, after, limit, (figures, figures_zh), CreditRule.OVER_LIMIT,
                    CreditRule.NEAR_LIMIT, ("limit", "额度"))


def _decide_group(
    customer: Customer,
    group: GroupLimit,
    amount: Decimal,
    exposure: Decimal,
    previous: Decimal | None,
    policy: CreditPolicy,
    currency: str,
    day: date,
    ref: str | None,
) -> CreditDecision:
    th = policy.thresholds
    after = exposure + amount
    limit = group.limit if group.valid else Decimal(0)

    def done(outcome: Outcome, rule: CreditRule, en: str, zh: str) -> CreditDecision:
        return CreditDecision(outcome=outcome, rule=rule, reason=en, reason_zh=zh, amount=amount,
                              exposure=exposure, limit=limit, available=limit - exposure, currency=currency,
                              checked_on=day, customer_code=customer.code, order_ref=ref, replaced=previous,
                              group=group.head)

    if not group.valid and after > 0:
        return done(Outcome.BLOCK, CreditRule.EXPIRED,
                    f"the group limit of {group.head} is not valid on {day.isoformat()}",
                    f"集团{group.head}的信用额度在{day.isoformat()}不在有效期内")
    figures = f"group {group.head}: exposure {exposure} + order {amount} = {after} {currency}"
    figures_zh = f"集团{group.head}占用{exposure}加订单{amount}共{after} {currency}"
    return _against(done, th, after, limit, (figures, figures_zh), CreditRule.GROUP_OVER_LIMIT,
                    CreditRule.GROUP_NEAR_LIMIT, ("group limit", "集团额度"))


def _against(
    done: Callable[[Outcome, CreditRule, str, str], CreditDecision],
    th: Thresholds,
    after: Decimal,
    limit: Decimal,
    figures: tuple[str, str],
    over: CreditRule,
    near: CreditRule,
    what: tuple[str, str],
) -> CreditDecision:
    """``after`` (exposure plus order) against ``limit`` by the thresholds: block above the one,
    warn above the other, else pass. ``figures`` and ``what`` name the sums and the limit (en, zh)."""
    (en, zh), (name, name_zh) = figures, what
    if after > limit * th.block_above:
        return done(Outcome.BLOCK, over, f"{en}, above {_pct(th.block_above)}% of the {name} {limit}",
                    f"{zh}，超过{name_zh}{limit}的{_pct(th.block_above)}%")
    if after > limit * th.warn_above:
        return done(Outcome.WARN, near, f"{en}, above {_pct(th.warn_above)}% of the {name} {limit}",
                    f"{zh}，超过{name_zh}{limit}的{_pct(th.warn_above)}%")
    return done(Outcome.PASS, CreditRule.WITHIN_LIMIT, f"{en}, within the {name} {limit}",
                f"{zh}，在{name_zh}{limit}以内")


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
        book = company_ledger(ledger, decision.company)
        book.reserve(decision.customer_code, decision.order_ref, decision.amount, decision.currency)
        reserved = True
    return CreditOverride(decision=decision, actor=who, reason=why, at=at or datetime.now(UTC),
                          reserved=reserved)
