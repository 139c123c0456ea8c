"""Group credit (集团信用) and credit by company (账套), in the book and in the pure check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from custrecord import CompanyTerms, CreditProfile, Customer
from custrecord.book import CustomerBook
from custrecord.credit import (
    CreditRule,
    GroupLimit,
    InMemoryCreditLedger,
    Outcome,
    UnknownCompanyError,
    check_credit,
    company_ledger,
    override_credit,
)
from custrecord.permissions import Actor, PermissionDenied


def _group(book: CustomerBook, *, group_limit: str = "250000") -> None:
    """A parent with a group limit and three children, each with a limit of its own of 100 000."""
    book.add({"name": "集团总部", "code": "G1", "credit": {"limit": "100000", "group_limit": group_limit}})
    for n in (1, 2, 3):
        book.add({"name": f"{n}号分公司", "code": f"S{n}", "parent": "G1", "credit": {"limit": "100000"}})


def test_three_children_under_their_own_limits_are_blocked_by_the_group_limit(
    make_any_book: Callable[..., CustomerBook],
) -> None:
    book = make_any_book()
    _group(book)
    assert book.check_credit("S1", 80000, order_ref="SO-1").outcome is Outcome.PASS
    assert book.check_credit("S2", 80000, order_ref="SO-2").outcome is Outcome.PASS
    # S3 is far under its own limit, but the group would hold 80000 * 3 = 240000 of 250000: a warning.
    near = book.check_credit("S3", 80000, order_ref="SO-3")
    assert (near.outcome, near.rule, near.group) == (Outcome.WARN, CreditRule.GROUP_NEAR_LIMIT, "G1")
    # One more order of S3, still within its own 100000, passes the group limit: blocked.
    blocked = book.check_credit("S3", 15000, order_ref="SO-4")
    assert (blocked.outcome, blocked.rule) == (Outcome.BLOCK, CreditRule.GROUP_OVER_LIMIT)
    assert blocked.group == "G1"
    assert blocked.reason == (
        "group G1: exposure 240000 + order 15000 = 255000 CNY, above 100% of the group limit 250000"
    )
    assert blocked.reason_zh == "集团G1占用240000加订单15000共255000 CNY，超过集团额度250000的100%"
    assert (blocked.limit, blocked.exposure, blocked.available) == (Decimal(250000), Decimal(240000),
                                                                     Decimal(10000))
    assert not blocked.reserved
    # The parent's own orders count against the group too; releasing an order frees the group.
    assert book.check_credit("G1", 20000).rule is CreditRule.GROUP_OVER_LIMIT
    book.release_credit("S1", "SO-1")
    freed = book.check_credit("S3", 15000, order_ref="SO-4")
    assert (freed.outcome, freed.rule, freed.group) == (Outcome.WARN, CreditRule.NEAR_LIMIT, None)  # its own


def test_the_callers_group_exposure_counts(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    others = {"S2": 90000, "S3": 90000, "ELSEWHERE": 10**6}
    by_member = book.check_credit("S1", 70000, exposure=10000, group_exposure=others)
    assert by_member.rule is CreditRule.GROUP_OVER_LIMIT
    assert by_member.exposure == Decimal(190000)
    assert book.check_credit("S1", 50000, group_exposure=180000).outcome is Outcome.WARN  # 230000
    passed = book.check_credit("S1", 50000, group_exposure=10000)
    # Among passes the tightest limit speaks: the child's own (50000 of 100000 left).
    assert (passed.outcome, passed.group, passed.limit) == (Outcome.PASS, None, Decimal(100000))


def test_a_child_without_a_limit_of_its_own_is_covered_by_the_group(
    make_book: Callable[..., CustomerBook],
) -> None:
    book = make_book()
    book.add({"name": "集团总部", "code": "G1", "credit": {"group_limit": "1000"}})
    book.add({"name": "分公司", "code": "S1", "parent": "G1"})
    book.add({"name": "散户", "code": "X1"})
    covered = book.check_credit("S1", 600)
    assert (covered.outcome, covered.group, covered.available_after) == (Outcome.PASS, "G1", Decimal(400))
    assert book.check_credit("S1", 1200).rule is CreditRule.GROUP_OVER_LIMIT
    assert book.check_credit("X1", 1).rule is CreditRule.NO_CREDIT


def test_every_parent_with_a_group_limit_caps_its_subtree(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    book.add({"name": "集团", "code": "G", "credit": {"group_limit": "1000"}})
    book.add({"name": "华东区", "code": "E", "parent": "G", "credit": {"group_limit": "300"}})
    book.add({"name": "华东一厂", "code": "E1", "parent": "E", "credit": {"limit": "500"}})
    book.add({"name": "华南区", "code": "S", "parent": "G", "credit": {"limit": "900"}})
    assert book.check_credit("S", 800, order_ref="S-1").outcome is Outcome.PASS  # 800 of G's 1000
    region = book.check_credit("E1", 350)
    assert (region.rule, region.group) == (CreditRule.GROUP_OVER_LIMIT, "E")
    whole = book.check_credit("E1", 250)
    assert (whole.rule, whole.group) == (CreditRule.GROUP_OVER_LIMIT, "G")


def test_an_expired_group_limit_gives_no_group_credit(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    book.add({"name": "集团", "code": "G", "credit": {"group_limit": "1000", "valid_until": "2000-01-01"}})
    book.add({"name": "分公司", "code": "S", "parent": "G", "credit": {"limit": "500"}})
    expired = book.check_credit("S", 10)
    assert (expired.outcome, expired.rule, expired.group) == (Outcome.BLOCK, CreditRule.EXPIRED, "G")
    assert "the group limit of G is not valid on" in expired.reason


def test_credit_by_company_uses_that_companys_terms_and_reservations(
    make_any_book: Callable[..., CustomerBook],
) -> None:
    book = make_any_book()
    companies = {"002": {"limit": "100", "days": 10}, "003": {"limit": "5000", "currency": "USD"}}
    book.add({"name": "多账套客户", "code": "M1", "credit": {"limit": "1000"}, "companies": companies})
    assert book.check_credit("M1", 950, order_ref="A").outcome is Outcome.WARN  # default company: 950 of 1000
    in_002 = book.check_credit("M1", 95, order_ref="A", company="002")
    assert (in_002.outcome, in_002.company, in_002.exposure) == (Outcome.WARN, "002", Decimal(0))
    assert book.check_credit("M1", 20, order_ref="B", company="002").rule is CreditRule.OVER_LIMIT
    assert book.check_credit("M1", 50, order_ref="B").outcome is Outcome.WARN  # 950 of 1000: 002 apart
    assert book.check_credit("M1", 10, company="002", overdue_days=11).rule is CreditRule.OVERDUE
    usd = book.check_credit("M1", 4000, company="003", currency="USD")
    assert (usd.outcome, usd.currency) == (Outcome.PASS, "USD")
    released = book.release_credit("M1", "A", company="002")
    assert released is not None
    assert (released.company, released.amount) == ("002", Decimal(95))
    assert book.check_credit("M1", 20, order_ref="B", company="002").outcome is Outcome.PASS
    with pytest.raises(UnknownCompanyError, match=r"no credit terms in company '009'.*002, 003"):
        book.check_credit("M1", 1, company="009")


def test_company_terms_are_a_credit_field_for_rights(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    book.add({"name": "多账套客户", "code": "M1"})
    sales = Actor("wang", {"sales"})
    for change in ({"companies": {"002": {"limit": "1"}}}, {"parent": "M1"}):
        with pytest.raises(PermissionDenied):
            book.update("M1", change, expected_version=1, actor=sales)
    updated = book.update("M1", {"companies": {"002": {"limit": "1"}}}, expected_version=1,
                          actor=Actor("li", {"finance"}))
    again = book.update("M1", {"companies": {"003": {"limit": "2"}}}, expected_version=updated.version)
    assert sorted(again.companies) == ["002", "003"]
    dropped = book.update("M1", {"companies": {"002": None}}, expected_version=again.version)
    assert sorted(dropped.companies) == ["003"]
    changes = [c for e in book.history("M1") for c in e.changes if c.path == "companies"]
    cny = {"currency": "CNY"}
    assert changes[-1].old == {"002": {"limit": "1", **cny}, "003": {"limit": "2", **cny}}


def test_the_pure_check_with_group_limits_and_a_ledger() -> None:
    ledger = InMemoryCreditLedger()
    child = Customer(name="子", code="S1", parent="G1", credit=CreditProfile(limit=Decimal(100)))
    group = GroupLimit("G1", "150", members={"G1", "S1", "S2"})
    ledger.reserve("S2", "X", Decimal(100), "CNY")
    ledger.reserve("ELSEWHERE", "Y", Decimal(10**6), "CNY")
    day = date(2025, 1, 1)
    decision = check_credit(child, 60, groups=[group], ledger=ledger, order_ref="O1", today=day)
    assert (decision.rule, decision.exposure) == (CreditRule.GROUP_OVER_LIMIT, Decimal(100))
    assert check_credit(child, 40, groups=[group], ledger=ledger, order_ref="O1", today=day).reserved
    assert check_credit(child, 40, groups=[group], ledger=ledger, order_ref="O1", today=day).ok  # replaced
    assert not check_credit(child, 51, groups=[group], ledger=ledger, order_ref="O1", today=day).ok
    with pytest.raises(Exception, match="group limit of G1"):
        check_credit(child, 1, groups=[GroupLimit("G1", 10, currency="USD")], today=day)
    assert GroupLimit.of(child, ["S2"]) is None


def test_overriding_a_company_decision_reserves_in_that_company() -> None:
    ledger = InMemoryCreditLedger()
    customer = Customer(name="甲", code="M1", companies={"002": CompanyTerms(limit=Decimal(10))})
    blocked = check_credit(customer, 50, company="002", ledger=ledger, order_ref="O", today=date(2025, 1, 1))
    assert not blocked.ok
    done = override_credit(blocked, actor="li", reason="老客户", ledger=ledger)
    assert done.reserved
    assert ledger.reservations("M1") == {}
    assert company_ledger(ledger, "002").reservations("M1")["O"].amount == Decimal(50)
    assert ledger.reservations("M1@002")["O"].amount == Decimal(50)
