"""Credit policy: default terms, limits over time, the credit check, its ledger and overrides."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
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


# -- every outcome word for word (what a sales clerk reads), at its boundaries ------------------


def decision_of(decision: object) -> tuple[object, ...]:
    return tuple(attrs.asdict(decision, recurse=False).values())  # type: ignore[arg-type]


def _expiring(limit: str | None, start: date | None, end: date | None) -> Customer:
    base = cust(limit)
    return attrs.evolve(base, credit=attrs.evolve(base.credit, valid_from=start, valid_until=end))


@pytest.mark.parametrize(
    ("customer", "amount", "exposure", "overdue", "expected"),
    [
        (cust(), 850, 50, 0, ("pass", "within_limit",
                              "exposure 50 + order 850 = 900 CNY, within the limit 1000",
                              "占用50加订单850共900 CNY，在额度1000以内", D(1000), D(950))),
        (cust(), 851, 50, 0, ("warn", "near_limit",
                              "exposure 50 + order 851 = 901 CNY, above 90% of the limit 1000",
                              "占用50加订单851共901 CNY，超过额度1000的90%", D(1000), D(950))),
        (cust(), 950, 50, 0, ("warn", "near_limit",
                              "exposure 50 + order 950 = 1000 CNY, above 90% of the limit 1000",
                              "占用50加订单950共1000 CNY，超过额度1000的90%", D(1000), D(950))),
        (cust(), 951, 50, 0, ("block", "over_limit",
                              "exposure 50 + order 951 = 1001 CNY, above 100% of the limit 1000",
                              "占用50加订单951共1001 CNY，超过额度1000的100%", D(1000), D(950))),
        (cust(status=Status.FROZEN), 1, 0, 0, ("block", "frozen", "the customer is frozen", "客户已冻结",
                                               D(1000), D(1000))),
        (cust(status=Status.DISABLED), 1, 0, 0, ("block", "inactive", "the customer is disabled",
                                                 "客户状态为停用", D(1000), D(1000))),
        (cust(), 1, 0, 30, ("pass", "within_limit", "exposure 0 + order 1 = 1 CNY, within the limit 1000",
                            "占用0加订单1共1 CNY，在额度1000以内", D(1000), D(1000))),
        (cust(), 1, 0, 31, ("block", "overdue",
                            "the oldest receivable is 31 days old, more than the 30 days allowed",
                            "最早未收款已31天，超过允许的30天", D(1000), D(1000))),
        (cust(None), 1, 0, 0, ("block", "no_credit", "the customer has no credit limit", "客户没有信用额度",
                               None, D(0))),
        (cust(None), 0, 0, 0, ("pass", "within_limit", "nothing is owed or ordered on credit", "无赊销占用",
                               None, D(0))),
        (_expiring("1000", date(2026, 1, 1), date(2026, 5, 31)), 1, 0, 0,
         ("block", "expired", "the credit is not valid on 2026-06-01 (valid 2026-01-01 to 2026-05-31)",
          "信用在2026-06-01不在有效期内（有效期2026-01-01至2026-05-31）", None, D(0))),
        (_expiring("1000", None, date(2026, 5, 31)), 1, 0, 0,
         ("block", "expired", "the credit is not valid on 2026-06-01 (valid … to 2026-05-31)",
          "信用在2026-06-01不在有效期内（有效期…至2026-05-31）", None, D(0))),
        (_expiring("1000", date(2026, 7, 1), None), 1, 0, 0,
         ("block", "expired", "the credit is not valid on 2026-06-01 (valid 2026-07-01 to …)",
          "信用在2026-06-01不在有效期内（有效期2026-07-01至…）", None, D(0))),
    ],
)
def test_each_outcome_word_for_word(customer: Customer, amount: int, exposure: int, overdue: int,
                                    expected: tuple[object, ...]) -> None:
    decision = check_credit(customer, amount, exposure=exposure, overdue_days=overdue, today=DAY)
    outcome, rule, en, zh, limit, available = expected
    assert decision_of(decision) == (outcome, rule, en, zh, D(amount), D(exposure), limit, available, "CNY",
                                     DAY, "C001", None, None, False)
    assert decision.reason_in("en") == en
    assert decision.reason_in("zh") == zh
    assert decision.ok is (outcome != "block")


def test_the_ledger_counts_other_orders_and_replaces_the_same_one() -> None:
    ledger = InMemoryCreditLedger()
    first = check_credit(cust(), 600, order_ref=" SO-1 ", ledger=ledger, today=DAY)
    assert (first.order_ref, first.replaced, first.reserved, first.exposure) == ("SO-1", None, True, D(0))
    second = check_credit(cust(), 300, order_ref="SO-2", ledger=ledger, today=DAY)
    assert (second.exposure, second.available, second.reserved) == (D(600), D(400), True)
    again = check_credit(cust(), 500, order_ref="SO-1", ledger=ledger, today=DAY)
    assert (again.exposure, again.replaced, again.available, again.reserved) == (D(300), D(600), D(700), True)
    assert {k: r.amount for k, r in ledger.reservations("C001").items()} == {"SO-1": D(500), "SO-2": D(300)}
    unreserved = check_credit(cust(), 150, order_ref="SO-3", ledger=ledger, today=DAY, reserve=False)
    assert (unreserved.outcome, unreserved.reserved) == ("warn", False)
    blocked = check_credit(cust(), 250, order_ref="SO-4", ledger=ledger, today=DAY)
    assert (blocked.outcome, blocked.reserved) == ("block", False)
    without_ref = check_credit(cust(), 10, ledger=ledger, today=DAY)
    assert (without_ref.reserved, without_ref.exposure) == (False, D(800))
    assert sorted(ledger.reservations("C001")) == ["SO-1", "SO-2"]


def test_check_credit_refusals_word_for_word() -> None:
    with pytest.raises(CurrencyMismatchError) as info:
        check_credit(cust(), 1, currency=" usd ", today=DAY)
    assert (info.value.expected, info.value.got) == ("CNY", "USD")
    assert str(info.value) == ("the order is in USD, but the customer's credit is in CNY; convert it first "
                               "(custrecord does not convert currencies)")
    assert check_credit(cust(), 1, currency=" cny ", today=DAY).ok
    ledger = InMemoryCreditLedger()
    ledger.reserve("C001", "SO-9", D(1), "USD")
    with pytest.raises(CurrencyMismatchError, match=r"^the reservation of order SO-9 is in USD, but"):
        check_credit(cust(), 1, ledger=ledger, today=DAY)
    for bad in (-1, True, 1.5):
        with pytest.raises(CreditError) as refused:
            check_credit(cust(), 1, overdue_days=bad, today=DAY)  # type: ignore[arg-type]
        assert str(refused.value) == f"overdue_days must be a whole number >= 0, not {bad!r}"
    with pytest.raises(CreditError, match=r"^a credit check against a ledger needs the customer's code$"):
        check_credit(attrs.evolve(cust(), code=None), 1, ledger=InMemoryCreditLedger(), today=DAY)
    assert check_credit(cust(), 1, overdue_days=0, today=DAY).ok


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "order amount must be a Decimal, int or str, not float 1.5: floats cannot hold money exactly"),
        (True, "order amount must be a Decimal, int or str, not bool True: floats cannot hold money exactly"),
        ("abc", "order amount 'abc' is not an amount such as 50000, 50万 or ¥1,000.00"),
        ("  ", "order amount is blank"),
        ([1], "order amount must be a Decimal, int or str, not list"),
        (D("NaN"), "order amount must be a finite number, not Decimal('NaN')"),
        (D("1E+31"), "order amount Decimal('1E+31') is out of range: at most 30 digits either side of the "
                     "decimal point"),
        (D("1E-31"), "order amount Decimal('1E-31') is out of range: at most 30 digits either side of the "
                     "decimal point"),
        (-1, "order amount must not be negative, not -1"),
    ],
)
def test_money_refusals_word_for_word(value: object, message: str) -> None:
    with pytest.raises(CreditError) as info:
        check_credit(cust(), value, today=DAY)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_money_boundaries_and_names() -> None:
    from custrecord.credit.money import to_money

    assert to_money(D("1E+30")) == D("1E+30")
    assert to_money(D("1E-30")) == D("1E-30")
    assert to_money(0) == 0
    with pytest.raises(CreditError, match=r"^amount is blank$"):
        to_money("")
    with pytest.raises(CreditError, match=r"^credit limit 'x' is not an amount"):
        CreditTerms(limit="x")  # type: ignore[arg-type]
    with pytest.raises(CreditError, match=r"^credit limit 'x' is not an amount"):
        Grade("A", limit="x")
    with pytest.raises(CreditError, match=r"^credit limit 'x' is not an amount"):
        change_limit(cust(), "x", exposure=0)
    with pytest.raises(CreditError, match=r"^exposure 'x' is not an amount"):
        change_limit(cust(), 1, exposure="x")
    with pytest.raises(CreditError, match=r"^raised limit 'x' is not an amount"):
        grant_raise(cust(), "x", DAY, reason="r", today=DAY)
    with pytest.raises(CreditError, match=r"^credit limit 'x' is not an amount"):
        TemporaryRaise(limit="x", until=DAY, reason="r")  # type: ignore[arg-type]


def test_policy_refusals_word_for_word() -> None:
    with pytest.raises(CreditError, match=r"^warn_above 1\.2 must not exceed block_above 1$"):
        Thresholds(warn_above="1.2", block_above="1")
    with pytest.raises(CreditError, match=r"^threshold must not be negative, not '-0\.1'$"):
        Thresholds(warn_above="-0.1")
    with pytest.raises(CreditError, match=r"^threshold: a ratio such as 0\.9 or 90% expected, not 'x'$"):
        Thresholds(warn_above="x")
    assert Thresholds(warn_above=0, block_above=0).block_above == 0
    with pytest.raises(CreditError) as info:
        CreditPolicy(default_grade="Z")
    assert str(info.value) == "default_grade names grade 'Z', which the policy does not define (grades: none)"
    with pytest.raises(CreditError) as info:
        CreditPolicy(grades=[Grade("A", limit=1), Grade("B", limit=2)], defaults=CreditTerms(grade="Z"))
    assert str(info.value) == (
        "defaults.grade names grade 'Z', which the policy does not define (grades: A, B)"
    )
    for bad in (-1, True, 1.5):
        with pytest.raises(CreditError) as info:
            CreditTerms(days=bad)  # type: ignore[arg-type]
        assert str(info.value) == f"days must be a whole number of days >= 0, not {bad!r}"
    assert CreditTerms(days=0).days == 0
    assert CreditTerms(currency=" usd ").currency == "USD"
    assert Grade("a", limit=1, currency="usd").terms() == CreditTerms(grade="a", limit=D(1), currency="USD",
                                                                      days=30)


def test_category_chain_with_and_without_a_tree() -> None:
    flat = CreditPolicy(categories={"01": CreditTerms(days=10), "0101": CreditTerms(days=20),
                                    "010": CreditTerms(days=15)})
    assert flat.category_chain("010101") == ("0101", "010", "01")
    assert flat.category_chain("0") == ()
    assert CreditPolicy(categories={"0": CreditTerms(days=1)}).category_chain("0") == ("0",)
    assert POLICY.category_chain("010101") == ("0101", "01")
    assert POLICY.category_chain("0199") == ("01",)  # not in the tree: prefixes
    assert POLICY.category_chain(None) == ()


def test_resolve_terms_names_the_customer_and_policy_sources() -> None:
    own = Customer(name="x", credit=CreditProfile(grade="B", limit=D(7), days=5), payment_terms="现结",
                   settlement_method="现金")
    t = resolve_terms(own, POLICY)
    assert dict(t.sources) == dict.fromkeys(
        ("grade", "limit", "currency", "days", "settlement_method", "payment_terms"), "customer"
    )
    t = resolve_terms(Customer(name="x"), CreditPolicy(defaults=CreditTerms(grade=None, days=9)))
    assert (t.grade, dict(t.sources)) == (None, {"days": "policy"})
    unknown = resolve_terms(Customer(name="x", credit=CreditProfile(grade="Q")), POLICY)
    assert (unknown.grade, unknown.limit, unknown.sources["payment_terms"]) == ("Q", None, "policy")
    graded = resolve_terms(Customer(name="x"), CreditPolicy(grades=[Grade("A", limit=1)], default_grade="A"))
    assert dict(graded.sources) == {"grade": "policy", "limit": "grade A", "currency": "grade A",
                                    "days": "grade A"}


def test_effective_limit_word_for_word() -> None:
    raise_a = TemporaryRaise(limit=D(2000), until=date(2026, 6, 30), reason="旺季", starts=DAY)
    raise_b = TemporaryRaise(limit=D(3000), until=date(2026, 6, 30), reason="旺季")
    same = TemporaryRaise(limit=D(3000), until=date(2026, 6, 30), reason="另一个")
    line = effective_limit(cust(), raises=[raise_a, raise_b, same], today=DAY)
    assert (line.limit, line.currency, line.source, line.raised_by) == (D(3000), "CNY", "raise", raise_b)
    equal = TemporaryRaise(limit=D(1000), until=date(2026, 6, 30), reason="r")
    line = effective_limit(cust(), raises=[equal], today=DAY)
    assert (line.limit, line.currency, line.source, line.raised_by) == (D(1000), "CNY", "profile", None)
    days = (date(2026, 5, 31), DAY, date(2026, 6, 30), date(2026, 7, 1))
    assert [raise_a.active_on(day) for day in days] == [False, True, True, False]
    usd = TemporaryRaise(limit=D(5000), until=date(2026, 6, 30), reason="r", currency="usd")
    with pytest.raises(CurrencyMismatchError) as info:
        effective_limit(cust(), raises=[usd], today=DAY)
    assert (info.value.expected, info.value.got) == ("CNY", "USD")
    assert str(info.value).startswith("a temporary raise is in USD, but the customer's credit is in CNY")
    assert effective_limit(cust(), raises=[attrs.evolve(usd, currency="cny")], today=DAY).limit == D(5000)
    none = effective_limit(cust(None), today=DAY)
    assert (none.limit, none.currency, none.source) == (None, "CNY", "none")
    graded = effective_limit(Customer(name="x", category="02"), policy=POLICY, today=DAY)
    assert (graded.limit, graded.currency, graded.source) == (D(5000), "USD", "profile")


def test_grant_raise_word_for_word() -> None:
    granted = grant_raise(cust(), "1500", date(2026, 6, 30), reason=" 旺季 ", actor=" li ", starts=DAY,
                          today=DAY)
    assert (granted.limit, granted.until, granted.starts) == (D(1500), date(2026, 6, 30), DAY)
    assert granted.currency == "CNY"
    assert (granted.reason, granted.actor) == ("旺季", "li")
    assert grant_raise(cust(), 1500, DAY, reason="当天", today=DAY).until == DAY
    with pytest.raises(CreditError, match=r"^a temporary raise needs a reason$"):
        grant_raise(cust(), 1500, DAY, reason=" ", today=DAY)
    with pytest.raises(CreditError, match=r"^a temporary raise must end on or after 2026-06-01, not 2026-05"):
        grant_raise(cust(), 1500, date(2026, 5, 31), reason="r", today=DAY)
    with pytest.raises(CreditError, match=r"^a temporary raise must be above the ordinary limit 1000 CNY$"):
        grant_raise(cust(), 1000, DAY, reason="r", today=DAY)
    assert grant_raise(Customer(name="x", category="02"), 6000, DAY, reason="r", policy=POLICY,
                       today=DAY).currency == "USD"


def test_change_limit_word_for_word() -> None:
    at = datetime(2026, 6, 1, 8, tzinfo=UTC)
    change = change_limit(cust(), "800", exposure="-50", at=at, actor=" li ")
    assert (change.old, change.new, change.exposure, change.forced) == (D(1000), D(800), D(-50), False)
    assert (change.reason, change.actor, change.at) == (None, "li", at)
    assert change_limit(cust(), 800, exposure=800, at=at).new == D(800)  # not below the exposure
    with pytest.raises(LimitChangeRefused) as info:
        change_limit(cust(), 799, exposure=800, at=at)
    assert str(info.value) == (
        "the new limit 799 is below the current exposure 800; pass force=True with a reason"
    )
    with pytest.raises(CreditError, match=r"^forcing a limit below the exposure needs a reason$"):
        change_limit(cust(), 799, exposure=800, force=True, at=at)
    forced = change_limit(cust(), 799, exposure=800, force=True, reason=" 降级 ", at=at)
    assert (forced.forced, forced.reason) == (True, "降级")
    raised = change_limit(cust(), 5000, exposure=9000, at=at)  # raising is never refused
    assert (raised.forced, raised.customer.credit.limit) == (False, D(5000))
    same = change_limit(cust(), 1000, exposure=9000, at=at)
    assert same.forced is False
    assert change_limit(cust(None), 1, exposure=9000, at=at).forced is False  # no old limit
    dated = _expiring("1000", date(2026, 1, 1), date(2026, 12, 31))
    moved = change_limit(dated, 900, exposure=0, valid_until=date(2027, 12, 31), at=at).customer.credit
    assert (moved.valid_from, moved.valid_until) == (date(2026, 1, 1), date(2027, 12, 31))
    moved = change_limit(dated, 900, exposure=0, valid_from=date(2026, 3, 1), at=at).customer.credit
    assert (moved.valid_from, moved.valid_until) == (date(2026, 3, 1), date(2026, 12, 31))
    one_day = change_limit(dated, 900, exposure=0, valid_until=date(2026, 1, 1), at=at)
    assert one_day.customer.credit.limit == 900
    with pytest.raises(CreditError, match=r"^credit valid_until 2025-12-31 is before valid_from 2026-01-01$"):
        change_limit(dated, 900, exposure=0, valid_until=date(2025, 12, 31), at=at)
    now = change_limit(cust(), 900, exposure=0).at
    assert now.tzinfo is UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 60


def test_override_credit_word_for_word() -> None:
    ledger = InMemoryCreditLedger()
    blocked = check_credit(cust(), 5000, order_ref="SO-1", ledger=ledger, today=DAY)
    for actor, reason in ((" ", "r"), ("li", " "), (None, "r"), ("li", None)):
        with pytest.raises(CreditError, match=r"^an override needs an actor and a reason$"):
            override_credit(blocked, actor=actor, reason=reason)  # type: ignore[arg-type]
    passed = check_credit(cust(), 1, today=DAY)
    with pytest.raises(CreditError, match=r"^the check passed; there is nothing to override$"):
        override_credit(passed, actor="li", reason="r")
    at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    unrecorded = override_credit(blocked, actor=" li ", reason=" 老客户 ", at=at)
    assert (unrecorded.actor, unrecorded.reason) == ("li", "老客户")
    assert (unrecorded.at, unrecorded.reserved) == (at, False)
    assert ledger.reservations("C001") == {}
    recorded = override_credit(blocked, actor="li", reason="老客户", ledger=ledger)
    assert recorded.reserved is True
    assert recorded.at.tzinfo is UTC
    held = ledger.reservations("C001")["SO-1"]
    assert (held.customer_code, held.amount, held.currency) == ("C001", D(5000), "CNY")
    without_ref = check_credit(cust(), 5000, today=DAY)
    assert override_credit(without_ref, actor="li", reason="r", ledger=ledger).reserved is False
    no_code = check_credit(attrs.evolve(cust(), code=None), 5000, order_ref="SO-2", today=DAY)
    assert override_credit(no_code, actor="li", reason="r", ledger=ledger).reserved is False
    warned = check_credit(cust(), 950, order_ref="SO-3", ledger=InMemoryCreditLedger(), today=DAY)
    assert warned.reserved is True
    assert override_credit(warned, actor="li", reason="r", ledger=ledger).reserved is True
    assert "SO-3" not in ledger.reservations("C001")  # reserved already, in its own ledger


def test_ledger_edges() -> None:
    from custrecord.credit.ledger import order_key

    ledger = InMemoryCreditLedger()
    assert ledger.release("nobody", "SO-1") is None
    assert ledger.total("nobody") == D(0)
    assert isinstance(ledger.total("nobody"), Decimal)
    assert order_key(5) == "5"
    assert order_key(" SO-1 ") == "SO-1"
    for bad, message in ((" ", "an order reference must be a non-blank text, not ' '"),
                         (True, "an order reference must be a non-blank text, not True"),
                         ("a\x00", "an order reference holds control characters or broken Unicode: "
                                    "'a\\x00'")):
        with pytest.raises(CreditError) as info:
            order_key(bad)
        assert str(info.value) == message


def test_the_ledger_path_decides_as_the_plain_one() -> None:
    ledger = InMemoryCreditLedger()
    expired = check_credit(_expiring("1000", None, date(2026, 5, 31)), 1, ledger=ledger, today=DAY)
    assert (expired.rule, expired.checked_on) == ("expired", DAY)
    overdue = check_credit(cust(), 1, overdue_days=31, ledger=ledger, today=DAY)
    assert overdue.rule == "overdue"
    assert check_credit(cust(), 1, overdue_days=30, ledger=ledger, today=DAY).rule == "within_limit"
    ledger.reserve("C001", "SO-9", D(1), "USD")
    with pytest.raises(CurrencyMismatchError) as info:
        check_credit(cust(), 1, ledger=ledger, today=DAY)
    assert (info.value.expected, info.value.got) == ("CNY", "USD")
    with pytest.raises(CreditError, match=r"^exposure 'x' is not an amount"):
        check_credit(cust(), 1, exposure="x", today=DAY)  # type: ignore[arg-type]


def test_terms_from_the_policy_reach_the_check_and_the_limit_change() -> None:
    customer = Customer(name="x", code="K1", category="02")  # category 02: 5000 USD
    decision = check_credit(customer, 4000, policy=POLICY, today=DAY)
    assert (decision.limit, decision.currency, decision.outcome) == (D(5000), "USD", "pass")
    assert change_limit(customer, 100, exposure=0, policy=POLICY).old == D(5000)
    no_days = Customer(name="x", code="K2", credit=CreditProfile(limit=D(1000)))
    assert check_credit(no_days, 1, today=DAY).outcome == "pass"  # nothing overdue unless said
    late = check_credit(no_days, 1, overdue_days=1, today=DAY)
    assert (late.outcome, late.reason) == (
        "block", "the oldest receivable is 1 days old, more than the 0 days allowed"
    )
    assert Grade("A", limit=1, currency=" usd ").currency == "USD"
    graded = resolve_terms(Customer(name="x"),
                           CreditPolicy(grades=[Grade("A", limit=1)], defaults=CreditTerms(grade="A")))
    assert graded.sources["grade"] == "policy"


def test_default_terms_in_another_currency_are_not_applied() -> None:
    policy = CreditPolicy(grades=[Grade("A", limit=1000, payment_terms="月结")], default_grade="A")
    gbp = apply_credit_defaults(Customer(name="x", credit=CreditProfile(currency="GBP")), policy)
    assert (gbp.credit.limit, gbp.credit.currency, gbp.credit.grade) == (None, "GBP", "A")
    assert gbp.payment_terms == "月结"
    own = apply_credit_defaults(Customer(name="x", credit=CreditProfile(currency="GBP", limit=D(5))), policy)
    assert (own.credit.limit, own.credit.currency) == (D(5), "GBP")
    plain = apply_credit_defaults(Customer(name="x"), policy)
    assert (plain.credit.limit, plain.credit.currency, plain.payment_terms) == (D(1000), "CNY", "月结")
    usd = CreditPolicy(grades=[Grade("A", limit=1000, currency="USD")], default_grade="A")
    same = apply_credit_defaults(Customer(name="x", credit=CreditProfile(currency="USD")), usd)
    assert (same.credit.limit, same.credit.currency) == (D(1000), "USD")
    none = apply_credit_defaults(Customer(name="x", credit=CreditProfile(currency="USD")), CreditPolicy())
    assert (none.credit.limit, none.credit.currency) == (None, "USD")
