"""Credit policy: default terms, limits over time, the credit check, its ledger and overrides."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord import CreditProfile, Customer, Status
from custrecord.classification import ClassificationTree
from custrecord.credit import (
    CreditError,
    CreditPolicy,
    CreditRule,
    CreditTerms,
    CurrencyMismatchError,
    Grade,
    InMemoryCreditLedger,
    LimitChangeRefused,
    Outcome,
    TemporaryRaise,
    Thresholds,
    apply_credit_defaults,
    change_limit,
    check_credit,
    effective_limit,
    grant_raise,
    override_credit,
    resolve_terms,
)
from custrecord.errors import CustrecordError

D = Decimal
DAY = date(2026, 6, 1)
TREE = ClassificationTree.from_pairs(
    [("01", "批发"), ("0101", "华东"), ("010101", "上海"), ("02", "零售")], "2-2-2"
)
POLICY = CreditPolicy(
    grades=[
        Grade("A", limit=D("500000"), days=60, settlement_method="电汇", payment_terms="月结60天"),
        Grade("B", limit=D("100000"), days=30, settlement_method="承兑"),
        Grade("D", limit=0, days=0, payment_terms="款到发货"),
    ],
    default_grade="B",
    defaults=CreditTerms(payment_terms="月结30天"),
    categories={
        "01": CreditTerms(grade="A"),
        "0101": CreditTerms(days=45),
        "02": CreditTerms(limit=5000, currency="usd"),
    },
    tree=TREE,
)


def cust(limit: str | None = "1000", **kw: object) -> Customer:
    credit = CreditProfile(limit=None if limit is None else D(limit), days=30)
    return Customer(name="甲", code="C001", credit=credit, **kw)  # type: ignore[arg-type]


# -- policy and defaults ---------------------------------------------------------------------------


def test_resolve_terms_nearest_first() -> None:
    t = resolve_terms(Customer(name="x", category="010101"), POLICY)
    assert (t.grade, t.limit, t.currency, t.days, t.settlement_method, t.payment_terms) == (
        "A", D("500000"), "CNY", 45, "电汇", "月结60天")
    assert dict(t.sources) == {"grade": "category 01", "limit": "grade A", "currency": "grade A",
                               "days": "category 0101", "settlement_method": "grade A",
                               "payment_terms": "grade A"}
    t = resolve_terms(Customer(name="x"), POLICY)
    assert (t.grade, t.limit, t.days, t.payment_terms) == ("B", D("100000"), 30, "月结30天")
    assert t.sources["payment_terms"] == "policy"
    # A limit and its currency come from the same place.
    t = resolve_terms(Customer(name="x", category="02"), POLICY)
    assert (t.limit, t.currency, t.sources["limit"]) == (D(5000), "USD", "category 02")
    own = Customer(name="x", category="02", credit=CreditProfile(limit=D(7), currency="EUR", grade="D"))
    t = resolve_terms(own, POLICY)
    assert (t.grade, t.limit, t.currency, t.days, t.payment_terms) == ("D", D(7), "EUR", 0, "款到发货")


def test_resolution_without_a_tree_uses_code_prefixes() -> None:
    policy = attrs.evolve(POLICY, tree=None)
    assert resolve_terms(Customer(name="x", category="010101"), policy).days == 45
    assert resolve_terms(Customer(name="x", category="0199"), policy).grade == "A"


def test_apply_credit_defaults_keeps_given_values() -> None:
    c = apply_credit_defaults(Customer(name="x", category="010101", payment_terms="现结"), POLICY)
    assert (c.credit.grade, c.credit.limit, c.credit.days, c.settlement_method, c.payment_terms) == (
        "A", D("500000"), 45, "电汇", "现结")
    assert apply_credit_defaults(Customer(name="x", category="02"), POLICY).credit.currency == "USD"
    assert apply_credit_defaults(c, POLICY) == c
    assert POLICY.grade_codes == {"A", "B", "D"}


def test_bad_policies_are_refused() -> None:
    with pytest.raises(CreditError, match="grade 'Z'"):
        CreditPolicy(grades=[Grade("A", limit=1)], default_grade="Z")
    with pytest.raises(CreditError):
        CreditPolicy(categories={"01": CreditTerms(grade="Q")})
    with pytest.raises(CreditError):
        Thresholds(warn_above=D("1.2"), block_above=1)
    with pytest.raises(CreditError, match="float"):
        Grade("A", limit=1000.0)
    with pytest.raises(CreditError):
        CreditTerms(days=-1)


# -- the check -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "exposure", "outcome", "rule"),
    [
        ("100", "0", Outcome.PASS, CreditRule.WITHIN_LIMIT),
        ("100", "800", Outcome.PASS, CreditRule.WITHIN_LIMIT),  # exactly 90 %
        ("101", "800", Outcome.WARN, CreditRule.NEAR_LIMIT),
        ("200", "800", Outcome.WARN, CreditRule.NEAR_LIMIT),  # exactly 100 %
        ("200.01", "800", Outcome.BLOCK, CreditRule.OVER_LIMIT),
        (0, 1200, Outcome.BLOCK, CreditRule.OVER_LIMIT),
    ],
)
def test_thresholds(amount: str, exposure: str, outcome: Outcome, rule: CreditRule) -> None:
    d = check_credit(cust(), amount, exposure, today=DAY)
    assert (d.outcome, d.rule) == (outcome, rule)
    assert d.available == D(1000) - D(exposure)
    assert d.outcome == outcome.value  # a StrEnum compares with its text


@pytest.mark.parametrize(
    ("amount", "exposure"), [(500, -500), ("1e999999999", 0), (1, "-1e40"), (1, "9" * 40)]
)
def test_out_of_range_amounts_and_negative_exposure_are_errors(amount: object, exposure: object) -> None:
    """`check_credit(code, "1e999999999")` raised decimal.Overflow; a negative exposure let an order
    pass over the limit silently."""
    with pytest.raises(CreditError):
        check_credit(cust(), amount, exposure, today=DAY)  # type: ignore[arg-type]


def test_decision_figures_and_reasons() -> None:
    d = check_credit(cust(), D("150.50"), D("800"), today=DAY)
    assert d.outcome is Outcome.WARN
    assert (d.amount, d.exposure, d.limit, d.available, d.currency) == (D("150.50"), D(800), D(1000), D(200),
                                                                        "CNY")
    assert d.available_after == D("49.50")
    assert d.reason == "exposure 800 + order 150.50 = 950.50 CNY, above 90% of the limit 1000"
    assert d.reason_in("zh") == "占用800加订单150.50共950.50 CNY，超过额度1000的90%"
    assert d.ok
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        d.outcome = Outcome.PASS  # type: ignore[misc]


def test_custom_thresholds() -> None:
    policy = CreditPolicy(thresholds=Thresholds(warn_above=D("0.5"), block_above=D("1.2")))
    assert check_credit(cust(), 600, policy=policy).outcome is Outcome.WARN
    assert check_credit(cust(), 1100, policy=policy).outcome is Outcome.WARN
    assert check_credit(cust(), 1201, policy=policy).outcome is Outcome.BLOCK


def test_status_rules() -> None:
    d = check_credit(cust(status=Status.FROZEN), 0, today=DAY)
    assert (d.outcome, d.rule, d.reason_zh) == (Outcome.BLOCK, CreditRule.FROZEN, "客户已冻结")
    d = check_credit(cust(status=Status.DISABLED), 1, today=DAY)
    assert (d.outcome, d.rule) == (Outcome.BLOCK, CreditRule.INACTIVE)
    # Not yet approved (待审核) or still a draft: no orders.
    d = check_credit(cust(status=Status.PENDING), 1, today=DAY)
    assert (d.outcome, d.rule, d.reason_zh) == (Outcome.BLOCK, CreditRule.INACTIVE, "客户状态为待审核")
    assert check_credit(cust(status=Status.DRAFT), 1, today=DAY).outcome is Outcome.BLOCK
    # Even a policy that lets disabled customers through blocks frozen ones only if listed.
    lax = CreditPolicy(blocked_statuses={Status.FROZEN})
    assert check_credit(cust(status=Status.DISABLED), 1, policy=lax).outcome is Outcome.PASS


def test_overdue_rule() -> None:
    assert check_credit(cust(), 1, overdue_days=30, today=DAY).outcome is Outcome.PASS
    d = check_credit(cust(), 1, overdue_days=31, today=DAY)
    assert (d.outcome, d.rule) == (Outcome.BLOCK, CreditRule.OVERDUE)
    graceful = CreditPolicy(thresholds=Thresholds(grace_days=5))
    assert check_credit(cust(), 1, overdue_days=35, policy=graceful).outcome is Outcome.PASS
    with pytest.raises(CreditError):
        check_credit(cust(), 1, overdue_days=-1)


def test_no_credit_and_validity() -> None:
    d = check_credit(cust(limit=None), 1, today=DAY)
    assert (d.outcome, d.rule) == (Outcome.BLOCK, CreditRule.NO_CREDIT)
    assert check_credit(cust(limit=None), 0, today=DAY).outcome is Outcome.PASS
    expired = attrs.evolve(cust(), credit=attrs.evolve(cust().credit, valid_until=date(2026, 5, 31)))
    d = check_credit(expired, 1, today=DAY)
    assert (d.outcome, d.rule) == (Outcome.BLOCK, CreditRule.EXPIRED)
    assert "2026-05-31" in d.reason
    assert "至2026-05-31" in d.reason_zh
    assert check_credit(expired, 1, today=date(2026, 5, 31)).outcome is Outcome.PASS
    not_yet = attrs.evolve(cust(), credit=attrs.evolve(cust().credit, valid_from=date(2026, 7, 1)))
    assert check_credit(not_yet, 1, today=DAY).rule is CreditRule.EXPIRED


def test_temporary_raises() -> None:
    bump = TemporaryRaise(limit=D(3000), starts=date(2026, 5, 1), until=date(2026, 6, 30), reason="618")
    assert check_credit(cust(), 2500, raises=[bump], today=DAY).outcome is Outcome.PASS
    # After the raise the ordinary limit applies again.
    assert check_credit(cust(), 2500, raises=[bump], today=date(2026, 7, 1)).outcome is Outcome.BLOCK
    assert check_credit(cust(), 2500, raises=[bump], today=date(2026, 4, 30)).outcome is Outcome.BLOCK
    # A raise also carries an expired profile.
    expired = attrs.evolve(cust(), credit=attrs.evolve(cust().credit, valid_until=date(2026, 1, 1)))
    assert effective_limit(expired, raises=[bump], today=DAY).source == "raise"
    assert effective_limit(expired, today=DAY).source == "expired"
    assert effective_limit(cust(limit=None), today=DAY).source == "none"
    with pytest.raises(CurrencyMismatchError):
        effective_limit(cust(), raises=[attrs.evolve(bump, currency="USD")], today=DAY)


def test_grant_raise() -> None:
    r = grant_raise(cust(), "2000", date(2026, 6, 30), reason=" 大促 ", actor="王经理", today=DAY)
    assert (r.limit, r.currency, r.reason, r.actor) == (D(2000), "CNY", "大促", "王经理")
    with pytest.raises(CreditError, match="above"):
        grant_raise(cust(), 900, date(2026, 6, 30), reason="x", today=DAY)
    with pytest.raises(CreditError, match="reason"):
        grant_raise(cust(), 2000, date(2026, 6, 30), reason=" ", today=DAY)
    with pytest.raises(CreditError, match="end"):
        grant_raise(cust(), 2000, date(2026, 5, 30), reason="x", today=DAY)


def test_money_and_currency_are_strict() -> None:
    for bad in (1.5, float("nan"), "abc", D("NaN"), D("Infinity"), True, None):
        with pytest.raises(CreditError):
            check_credit(cust(), bad)  # type: ignore[arg-type]
    with pytest.raises(CreditError, match="negative"):
        check_credit(cust(), -1)
    with pytest.raises(CurrencyMismatchError, match="USD") as info:
        check_credit(cust(), 1, currency="usd")
    assert isinstance(info.value, CustrecordError)
    assert check_credit(cust(), "1,000", currency=" cny ").outcome is Outcome.WARN


# -- limits ----------------------------------------------------------------------------------------


def test_change_limit() -> None:
    up = change_limit(cust(), 5000, exposure=3000, actor="财务")
    assert (up.old, up.new, up.forced, up.customer.credit.limit) == (D(1000), D(5000), False, D(5000))
    assert change_limit(cust(), 900, exposure=800).customer.credit.limit == D(900)
    with pytest.raises(LimitChangeRefused):
        change_limit(cust(), 500, exposure=800)
    with pytest.raises(CreditError, match="reason"):
        change_limit(cust(), 500, exposure=800, force=True)
    forced = change_limit(cust(), 500, exposure=800, force=True, reason="客户经营恶化", actor="张三")
    assert (forced.forced, forced.reason, forced.actor) == (True, "客户经营恶化", "张三")
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    dated = change_limit(cust(), 2000, exposure=0, valid_from=start, valid_until=end)
    assert dated.customer.credit.valid_until == date(2026, 12, 31)
    with pytest.raises(CreditError):
        change_limit(cust(), 2000, exposure=0, valid_from=date(2026, 1, 1), valid_until=date(2025, 12, 31))
    with pytest.raises(CreditError):
        change_limit(cust(), -1, exposure=0)


# -- ledger: every order counted exactly once ------------------------------------------------------


def test_edited_order_replaces_its_amount() -> None:
    ledger = InMemoryCreditLedger()
    c = cust()
    first = check_credit(c, 600, 100, order_ref="SO-1", ledger=ledger, today=DAY)
    assert first.reserved
    assert first.exposure == D(100)
    # Editing SO-1 up to 800: 100 + 800, not 100 + 600 + 800.
    edited = check_credit(c, 800, 100, order_ref="SO-1", ledger=ledger, today=DAY)
    assert (edited.exposure, edited.replaced, edited.outcome) == (D(100), D(600), Outcome.PASS)
    assert ledger.total("C001") == D(800)
    # A copy is a new order: the original still counts.
    copy = check_credit(c, 50, 100, order_ref="SO-2", ledger=ledger, today=DAY)
    assert (copy.exposure, copy.outcome) == (D(900), Outcome.WARN)
    # A blocked edit keeps the earlier reservation.
    blocked = check_credit(c, 5000, 100, order_ref="SO-1", ledger=ledger, today=DAY)
    assert blocked.outcome is Outcome.BLOCK
    assert not blocked.reserved
    assert ledger.reservations("C001")["SO-1"].amount == D(800)
    # Closing SO-1 releases it; reopening counts it once again.
    assert ledger.release("C001", "SO-1") is not None
    reopened = check_credit(c, 800, 100, order_ref=" SO-1 ", ledger=ledger, today=DAY)
    assert (reopened.exposure, reopened.replaced, reopened.order_ref) == (D(150), None, "SO-1")
    # A what-if check reserves nothing.
    check_credit(c, 1, order_ref="SO-9", ledger=ledger, reserve=False, today=DAY)
    assert "SO-9" not in ledger.reservations("C001")


def test_ledger_errors() -> None:
    ledger = InMemoryCreditLedger()
    with pytest.raises(CreditError, match="code"):
        check_credit(attrs.evolve(cust(), code=None), 1, ledger=ledger)
    with pytest.raises(CreditError):
        check_credit(cust(), 1, order_ref=" ", ledger=ledger)
    ledger.reserve("C001", "SO-X", D(1), "USD")
    with pytest.raises(CurrencyMismatchError):
        check_credit(cust(), 1, order_ref="SO-1", ledger=ledger)
    numbered = check_credit(cust(), 1, order_ref=7)  # type: ignore[arg-type]
    assert numbered.order_ref == "7"


def test_concurrent_checks_cannot_overspend() -> None:
    ledger = InMemoryCreditLedger()
    c = cust()
    passed: list[str] = []
    lock = threading.Lock()
    policy = CreditPolicy(thresholds=Thresholds(warn_above=1))

    def order(i: int) -> None:
        d = check_credit(c, 100, order_ref=f"SO-{i}", ledger=ledger, policy=policy, today=DAY)
        if d.outcome is Outcome.PASS:
            with lock:
                passed.append(f"SO-{i}")

    threads = [threading.Thread(target=order, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(passed) == 10
    assert ledger.total("C001") == D(1000)


def test_override() -> None:
    ledger = InMemoryCreditLedger()
    d = check_credit(cust(), 5000, order_ref="SO-7", ledger=ledger, today=DAY)
    assert d.outcome is Outcome.BLOCK
    with pytest.raises(CreditError):
        override_credit(d, actor="李四", reason=" ")
    with pytest.raises(CreditError):
        override_credit(d, actor="", reason="老客户")
    o = override_credit(d, actor="李四", reason="老客户，已电话确认", ledger=ledger)
    assert (o.actor, o.reason, o.reserved, o.decision.rule) == ("李四", "老客户，已电话确认", True,
                                                                 CreditRule.OVER_LIMIT)
    assert ledger.total("C001") == D(5000)
    ok = check_credit(cust(), 1, today=DAY)
    with pytest.raises(CreditError, match="nothing to override"):
        override_credit(ok, actor="a", reason="b")


RANK = {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.BLOCK: 2}
_money = st.decimals(min_value=0, max_value=10**7, places=2)


@given(
    limit=st.one_of(st.none(), _money), small=_money, extra=_money,
    exposure=_money, more=_money,
    status=st.sampled_from(list(Status)), overdue=st.integers(0, 90),
)
def test_credit_decisions_are_monotonic(
    limit: Decimal | None, small: Decimal, extra: Decimal, exposure: Decimal, more: Decimal, status: Status,
    overdue: int,
) -> None:
    c = Customer(name="x", code="C", status=status, credit=CreditProfile(limit=limit, days=30))
    base = check_credit(c, small, exposure, overdue_days=overdue, today=DAY)
    bigger = check_credit(c, small + extra, exposure, overdue_days=overdue, today=DAY)
    heavier = check_credit(c, small, exposure + more, overdue_days=overdue, today=DAY)
    assert RANK[bigger.outcome] >= RANK[base.outcome]
    assert RANK[heavier.outcome] >= RANK[base.outcome]
    assert base.available == (limit or 0) - exposure


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), _money), max_size=12), _money)
def test_each_order_counts_once(checks: list[tuple[str, Decimal]], outside: Decimal) -> None:
    ledger = InMemoryCreditLedger()
    c = cust(limit="1E12")
    last: dict[str, Decimal] = {}
    for ref, amount in checks:
        d = check_credit(c, amount, outside, order_ref=ref, ledger=ledger, today=DAY)
        assert d.exposure == outside + sum(v for k, v in last.items() if k != ref)
        assert d.replaced == last.get(ref)
        last[ref] = amount
    assert ledger.total("C001") == sum(last.values(), D(0))
