"""The group rule's problems word for word: the parent code and each company's terms.

What docs/reference/problems.md promises for `parent` and `companies.<id>.*`: path, code,
value and both messages, with the boundaries (0 and 3650 days, a zero limit, one day's
validity) accepted.
"""

from __future__ import annotations

from typing import Any

import custrecord
from custrecord import Profile


def problems(data: dict[str, Any], profile: Profile | None = None) -> list[dict[str, Any]]:
    report = custrecord.validate({"name": "x", **data}, profile=profile)
    return [p.to_dict() for p in report.problems]


def _problem(path: str, code: str, message: str, message_zh: str, value: str) -> dict[str, Any]:
    return {"path": path, "code": code, "severity": "error", "message": message,
            "message_zh": message_zh, "value": value}


def test_a_customer_cannot_be_its_own_parent() -> None:
    assert problems({"code": "C1", "parent": "C1"}) == [_problem(
        "parent", "parent_cycle", "parent customer would make the group a cycle "
        "(a customer cannot be its own parent)",
        "上级客户会使集团形成循环（客户不能是自己的上级客户）", "C1")]
    assert problems({"code": "C1", "parent": "C2"}) == []


def test_a_parent_must_look_like_a_code_and_fit_its_length() -> None:
    assert problems({"parent": "no spaces?"}) == [_problem(
        "parent", "invalid_format", "parent customer has an invalid format "
        "(letters A-Z, digits, -, _, . and / only)",
        "上级客户格式不正确（只能包含字母A-Z、数字、-、_、.和/）",
        "NOSPACES?")]
    assert problems({"parent": "P" * 31}) == [_problem(
        "parent", "too_long", "parent customer is too long: 31 characters, at most 30",
        "上级客户过长：31个字符，最多30个", "P" * 31)]
    assert problems({"parent": "P" * 30}) == []


def test_each_companys_terms_are_checked_and_named_by_company() -> None:
    terms = {"currency": "XXX", "limit": "-1", "group_limit": "-2", "days": 3651,
             "valid_from": "2025-02-01", "valid_until": "2025-01-31", "settlement_method": "m" * 51}
    assert problems({"companies": {"002": terms}}) == [
        _problem("companies.002.currency", "invalid_choice",
                 "credit currency (company 002) must be one of: ISO 4217 codes such as CNY, USD, EUR",
                 "账套002币种必须是以下之一：ISO 4217 codes such as CNY, USD, EUR", "XXX"),
        _problem("companies.002.limit", "out_of_range",
                 "credit limit (company 002) is out of range (must not be negative)",
                 "账套002信用额度超出范围（不能为负数）", "-1"),
        _problem("companies.002.group_limit", "out_of_range",
                 "group credit limit (company 002) is out of range (must not be negative)",
                 "账套002集团信用额度超出范围（不能为负数）", "-2"),
        _problem("companies.002.days", "out_of_range",
                 "credit days (company 002) is out of range (0 to 3650 days)",
                 "账套002信用期限超出范围（0至3650天）", "3651"),
        _problem("companies.002.valid_until", "invalid_date_range",
                 "credit valid until (company 002) is before the start date",
                 "账套002信用截止日期早于起始日期", "2025-01-31"),
        _problem("companies.002.settlement_method", "too_long",
                 "settlement method (company 002) is too long: 51 characters, at most 50",
                 "账套002结算方式过长：51个字符，最多50个", "m" * 51),
    ]


def test_the_boundaries_of_company_terms_are_accepted() -> None:
    for days in (0, 3650):
        terms = {"currency": "USD", "limit": "0", "group_limit": "0", "days": days,
                 "valid_from": "2025-01-01", "valid_until": "2025-01-01", "settlement_method": "m" * 50}
        assert problems({"companies": {"002": terms}}) == []
    assert [p["path"] for p in problems({"companies": {"002": {"days": -1}}})] == ["companies.002.days"]


def test_a_company_grade_must_be_one_of_the_profiles_grades() -> None:
    profile = Profile(grades=frozenset({"A", "B"}))
    found = problems({"companies": {"002": {"grade": "Z"}, "003": {"grade": "A"}}}, profile)
    assert [(p["path"], p["code"], p["value"]) for p in found] == [
        ("companies.002.grade", "invalid_choice", "Z")]
    assert found[0]["message"].endswith("must be one of: A, B")
    assert problems({"companies": {"002": {"grade": "Z"}}}) == []  # no grades: any grade
