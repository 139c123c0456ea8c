"""The validation engine and built-in rules: profiles, severities, every problem with path and messages."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, ClassVar

import pytest

import custrecord
from custrecord import Customer, Kind, ProblemCode, Profile, Severity, ValidationError
from custrecord.fields import MAX_LENGTHS
from custrecord.problems import MESSAGES, make_problem
from custrecord.validation.engine import Context
from custrecord.validation.profiles import DEFAULT, LENIENT, PROFILES, YONYOU, get_profile

GOOD = {"name": "苏州示例科技有限公司", "tax_id": "91110000600037341L"}


def codes(data: Any, **kwargs: Any) -> dict[str, list[str]]:
    return custrecord.validate(data, **kwargs).codes()


class Tree:
    """A tiny category tree: 01 has children 0101 and 0102."""

    codes: ClassVar[dict[str, list[str]]] = {"01": ["0101", "0102"], "0101": [], "0102": [], "02": []}

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def is_leaf(self, code: str) -> bool:
        return not self.codes[code]


# -- required ---------------------------------------------------------------------


def test_name_is_required() -> None:
    for blank in (None, "", "   ", "\u3000"):
        assert codes({"name": blank}) == {"name": ["required"]}
    assert codes({}) == {"name": ["required"]}


def test_required_is_configurable_per_profile_and_kind() -> None:
    profile = Profile(
        required=frozenset({"name", "kind", "address.city"}),
        required_by_kind={
            Kind.ENTERPRISE: frozenset({"tax_id", "contacts[].mobile"}),
            Kind.INDIVIDUAL: frozenset({"contacts"}),
        },
    )
    assert codes({"name": "x"}, profile=profile) == {
        "address.city": ["required"],
        "contacts[0].mobile": ["required"],
        "tax_id": ["required"],
    }
    assert codes({"name": "x", "kind": "个人"}, profile=profile) == {
        "address.city": ["required"],
        "contacts": ["required"],
    }
    ok = {
        "name": "x",
        "tax_id": GOOD["tax_id"],
        "city": "苏州",
        "contact_name": "A",
        "contact_mobile": "13812345678",
    }
    assert codes(ok, profile=profile) == {}


def test_required_placeholder_tax_id_counts_as_missing() -> None:
    profile = Profile(required_by_kind={Kind.ENTERPRISE: frozenset({"tax_id"})})
    assert codes({"name": "x", "tax_id": "无"}, profile=profile) == {"tax_id": ["required"]}


def test_a_contact_needs_a_name() -> None:
    assert codes({"name": "x", "contacts": [{"mobile": "13812345678"}]}) == {"contacts[0].name": ["required"]}


# -- lengths, choices, ranges, dates, codes -------------------------------------------


def test_lengths() -> None:
    data = {
        "name": "名" * 101,
        "short_name": "s" * 41,
        "remarks": "r" * 501,
        "code": "C" * 31,
        "address": {"street": "街" * 201},
        "contacts": [{"name": "n" * 51}],
        "tags": ["t" * 31],
    }
    assert codes(data) == {
        "name": ["too_long"],
        "short_name": ["too_long"],
        "remarks": ["too_long"],
        "code": ["too_long"],
        "address.street": ["too_long"],
        "contacts[0].name": ["too_long"],
        "tags": ["too_long"],
    }
    exact = {"name": "名" * 100, "short_name": "s" * 40, "remarks": "r" * 500, "code": "C" * 30}
    assert codes(exact) == {}
    (problem,) = custrecord.validate({"name": "名" * 101}).problems
    assert "101" in problem.message
    assert "100" in problem.message
    assert "100" in problem.message_zh


def _one_field(path: str, value: Any) -> dict[str, Any]:
    head, _, tail = path.partition(".")
    if head == "contacts[]":
        return {"name": "x", "contacts": [{"name": "A", tail: value}]}
    if head == "tags[]":
        return {"name": "x", "tags": [value]}
    if head in ("addresses[]", "bank_accounts[]"):
        return {"name": "x", head[:-2]: [{tail: value}]}
    if head.startswith("addresses["):  # addresses[shipping].city: the shipping_city column
        return {"name": "x", f"{head[10:-1]}_{tail}": value}
    return {"name": "x", head: {tail: value}} if tail else {"name": "x", head: value}


@pytest.mark.parametrize(("path", "limit"), sorted(MAX_LENGTHS.items()))
def test_every_length_limit_is_checked(path: str, limit: int) -> None:
    """Each limit of the field catalogue, at its boundary (``owner`` and ``department`` had none)."""
    if path.startswith(("contacts", "addresses", "bank_accounts")):  # the first item of its list
        where = re.sub(r"\[\w*\]", "[0]", path)
    else:
        where = path.removesuffix("[]")
    assert codes(_one_field(path, "y" * (limit + 1))) == {where: ["too_long"]}
    assert "too_long" not in codes(_one_field(path, "y" * limit)).get(where, [])


def test_choices() -> None:
    assert codes({"name": "x", "country": "ZZ"}) == {"country": ["invalid_choice"]}
    assert codes({"name": "x", "credit": {"currency": "RMBX"}}) == {"credit.currency": ["invalid_choice"]}
    # Currencies by the names Chinese ERPs write: 人民币 / RMB (Kingdee's 币别), 美元, 港幣.
    for name, code in (("RMB", "CNY"), ("人民币", "CNY"), ("美元", "USD"), ("港幣", "HKD")):
        assert custrecord.structure({"name": "x", "币别": name}).credit.currency == code
    assert codes({"name": "x", "status": "archived"}) == {"status": ["invalid_choice"]}
    graded = Profile(grades=frozenset({"A", "B"}))
    assert codes({"name": "x", "credit_grade": "c"}, profile=graded) == {"credit.grade": ["invalid_choice"]}
    assert codes({"name": "x", "credit_grade": "a"}, profile=graded) == {}
    assert codes({"name": "x", "credit_grade": "Z"}) == {}
    (problem,) = custrecord.validate({"name": "x", "kind": "x"}).problems
    assert "enterprise" in problem.message
    assert "企业" in problem.message_zh


def test_ranges() -> None:
    assert codes({"name": "x", "priority": 9}) == {"priority": ["out_of_range"]}
    assert codes({"name": "x", "priority": 0}) == {"priority": ["out_of_range"]}
    assert codes({"name": "x", "priority": "1"}) == {}
    assert codes({"name": "x", "credit_limit": "-1"}) == {"credit.limit": ["out_of_range"]}
    assert codes({"name": "x", "credit_limit": "0"}) == {}
    assert codes({"name": "x", "credit_days": -1}) == {"credit.days": ["out_of_range"]}
    assert codes({"name": "x", "credit_days": 3651}) == {"credit.days": ["out_of_range"]}
    assert codes({"name": "x", "credit_limit": "1e40"}) == {"credit.limit": ["out_of_range"]}
    assert codes({"name": "x", "version": -1}) == {"version": ["out_of_range"]}


def test_date_ranges() -> None:
    bad = {"name": "x", "credit": {"valid_from": "2025-12-31", "valid_until": "2025-01-01"}}
    assert codes(bad) == {"credit.valid_until": ["invalid_date_range"]}
    same = {"name": "x", "credit": {"valid_from": "2025-01-01", "valid_until": "2025-01-01"}}
    assert codes(same) == {}
    assert codes({"name": "x", "credit_valid_from": "2025-02-30"}) == {
        "credit.valid_from": ["invalid_format"]
    }


def test_code_format() -> None:
    assert custrecord.structure({"name": "x", "code": " c-001_a "}).code == "C-001_A"
    assert codes({"name": "x", "code": "C#001"}) == {"code": ["invalid_format"]}
    # Codes as other systems write them: Kingdee 01.001, paths with /.
    assert custrecord.structure({"name": "x", "code": "01.001"}).code == "01.001"
    assert custrecord.structure({"name": "x", "code": "c/001"}).code == "C/001"
    assert codes({"name": "x", "code": "客户1"}) == {"code": ["invalid_format"]}


def test_classification_trees() -> None:
    profile = Profile(categories=Tree(), regions=frozenset({"EAST"}))  # type: ignore[arg-type]
    assert codes({"name": "x", "category": "0101", "region": "east"}, profile=profile) == {}
    assert codes({"name": "x", "category": "09"}, profile=profile) == {"category": ["unknown_category"]}
    assert codes({"name": "x", "category": "01"}, profile=profile) == {"category": ["not_leaf_category"]}
    assert codes({"name": "x", "category": "01"}, profile=profile.evolve(leaf_categories_only=False)) == {}
    assert codes({"name": "x", "region": "WEST"}, profile=profile) == {"region": ["unknown_region"]}
    assert codes({"name": "x", "category": "ANY"}) == {}


# -- profiles ----------------------------------------------------------------------


def test_builtin_profiles() -> None:
    assert set(PROFILES) == {"default", "yonyou", "lenient"}
    assert get_profile("yonyou") is YONYOU
    with pytest.raises(KeyError, match="known: default, lenient, yonyou"):
        get_profile("sap")
    assert custrecord.validate({"name": "x"}, profile="default").ok
    assert DEFAULT.required_paths(Kind.ENTERPRISE) == {"name", "kind"}


def test_yonyou_profile() -> None:
    assert codes({"name": "x"}, profile="yonyou") == {"short_name": ["required"]}
    assert codes({"name": "x", "short_name": "示例", "code": "C" * 21}, profile="yonyou") == {
        "code": ["too_long"]
    }
    assert codes({"name": "x", "short_name": "示例", "code": "C" * 20}, profile="yonyou") == {}
    assert YONYOU.unique_short_names
    with_tree = YONYOU.evolve(categories=Tree())
    assert codes({"name": "x", "short_name": "示例"}, profile=with_tree) == {"category": ["required"]}
    assert codes({"name": "x", "short_name": "示例", "category": "0102"}, profile=with_tree) == {}
    assert codes({"name": "x", "short_name": "示例", "category": "01"}, profile=with_tree) == {
        "category": ["not_leaf_category"]
    }


def test_lenient_profile_reports_without_refusing() -> None:
    data = {"name": "x", "tax_id": "91110000600037341M", "priority": 9}
    report = custrecord.validate(data, profile="lenient")
    assert not report.ok
    assert set(report.codes()) == {"tax_id", "priority"}
    customer = custrecord.structure(data, profile=LENIENT)
    assert customer.tax_id == "91110000600037341M"
    assert customer.priority == 9
    with pytest.raises(ValidationError):
        custrecord.structure(data)


def test_severity_overrides() -> None:
    profile = Profile(severities={"invalid_phone": Severity.WARNING, "unknown_column": Severity.WARNING})
    data = {"name": "x", "contacts": [{"name": "A", "mobile": "123"}], "旧编码": "1"}
    report = custrecord.validate(data, profile=profile)
    assert report.ok
    assert len(report.warnings) == 2
    assert report.errors == ()
    assert custrecord.structure(data, profile=profile).contacts[0].mobile == "123"


# -- severity, report, structure --------------------------------------------------------


def test_warnings_do_not_refuse() -> None:
    data = {"name": "x", "tax_id": "110108600037341"}
    report = custrecord.validate(data, profile=Profile(allow_legacy_tax_ids=True))
    assert report.ok
    assert report.warnings
    assert not report.errors
    assert custrecord.structure(data, profile=Profile(allow_legacy_tax_ids=True)).tax_id == "110108600037341"


def test_all_problems_are_reported_together_and_structure_raises_the_same() -> None:
    data = {
        "name": "",
        "kind": "partner",
        "tax_id": "91110000600037341M",
        "priority": 9,
        "address": {"postcode": "1"},
        "credit": {"limit": "-5", "valid_from": "2025-02-01", "valid_until": "2025-01-01"},
        "contacts": [{"name": "A", "phone": "1", "email": "x@"}],
        "bank_account": "12",
        "planet": "Mars",
    }
    report = custrecord.validate(data)
    assert report.codes() == {
        "planet": ["unknown_column"],
        "kind": ["invalid_choice"],
        "name": ["required"],
        "priority": ["out_of_range"],
        "credit.limit": ["out_of_range"],
        "credit.valid_until": ["invalid_date_range"],
        "tax_id": ["invalid_checksum"],
        "contacts[0].phone": ["invalid_phone"],
        "contacts[0].email": ["invalid_email"],
        "address.postcode": ["invalid_postcode"],
        "bank_account": ["invalid_format"],
    }
    with pytest.raises(ValidationError) as info:
        custrecord.structure(data)
    assert info.value.problems == report.problems
    assert "tax_id: invalid_checksum" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, custrecord.CustrecordError)


def test_report_api() -> None:
    report = custrecord.validate({"name": "x", "priority": 9, "tax_id": "110108600037341"}, profile="lenient")
    assert len(report) == 2
    assert [p.code for p in report] == ["out_of_range", "legacy_tax_id"]
    assert [p.code for p in report.errors] == ["out_of_range"]
    assert [p.code for p in report.warnings] == ["legacy_tax_id"]
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["ok"] is False
    assert data["problems"][0]["path"] == "priority"


def test_validate_accepts_a_customer() -> None:
    assert custrecord.validate(Customer(name="x", priority=7)).codes() == {"priority": ["out_of_range"]}


# -- user rules ---------------------------------------------------------------------


def no_test_accounts(customer: Customer, ctx: Context) -> None:
    """A user rule: names containing 测试 are refused, a missing industry only warned."""
    if "测试" in customer.name:
        ctx.report("name", "test_account", hint="test records are not allowed", hint_zh="不允许测试档案")
    if customer.industry is None:
        ctx.report("industry", ProblemCode.REQUIRED, severity=Severity.WARNING)


def upper_remarks(customer: Customer, ctx: Context) -> None:
    if customer.remarks:
        ctx.fix("remarks", customer.remarks.upper())


def test_user_rules() -> None:
    profile = DEFAULT.with_rules(no_test_accounts, upper_remarks)
    assert profile.rules[: len(DEFAULT.rules)] == DEFAULT.rules
    report = custrecord.validate({"name": "测试客户", "remarks": "vip"}, profile=profile)
    assert [(p.path, p.code, p.severity) for p in report.problems] == [
        ("name", "test_account", Severity.ERROR),
        ("industry", "required", Severity.WARNING),
    ]
    assert "test records are not allowed" in report.problems[0].message
    assert "不允许测试档案" in report.problems[0].message_zh
    customer = custrecord.structure({"name": "客户", "remarks": "vip", "industry": "制造业"}, profile=profile)
    assert customer.remarks == "VIP"


def test_fixes_reach_later_rules() -> None:
    seen: list[str | None] = []

    def spy(customer: Customer, ctx: Context) -> None:
        seen.append(customer.contacts[0].mobile)

    custrecord.validate(
        {"name": "x", "contacts": [{"name": "A", "mobile": "138 1234 5678"}]}, profile=DEFAULT.with_rules(spy)
    )
    assert seen == ["+8613812345678"]


def test_today_is_passed_to_rules() -> None:
    seen: list[date] = []
    custrecord.validate(
        {"name": "x"},
        profile=DEFAULT.with_rules(lambda c, ctx: seen.append(ctx.today)),
        today=date(2030, 1, 1),
    )
    assert seen == [date(2030, 1, 1)]


# -- messages ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(ProblemCode))
def test_every_code_has_en_and_zh_messages(code: ProblemCode) -> None:
    assert code.value in MESSAGES
    problem = make_problem("contacts[0].phone", code, value="x")
    assert problem.message
    assert problem.message_zh
    assert "{" not in problem.message
    assert "{" not in problem.message_zh
    assert re.search(r"[\u4e00-\u9fff]", problem.message_zh)
    assert problem.to_dict()["code"] == code.value


def test_labels_in_messages() -> None:
    problem = make_problem("contacts[1].mobile", ProblemCode.INVALID_PHONE, region="CN")
    assert problem.message.startswith("mobile")
    assert problem.message_zh.startswith("手机")
    assert make_problem("credit.limit", "required").message_zh == "信用额度不能为空"
    assert make_problem("address.postcode", "required").message == "postcode is required"
    custom = make_problem("name", "my_code", hint="why")
    assert custom.message == "customer name: my_code (why)"


def test_a_user_rule_between_builtin_rules_sees_earlier_fixes() -> None:
    from custrecord.validation.contact import check_phones
    from custrecord.validation.taxid import check_tax_id

    seen: list[tuple[str | None, str | None]] = []

    def spy(customer: Customer, ctx: Context) -> None:
        seen.append((customer.tax_id, customer.contacts[0].mobile))

    profile = Profile(rules=(check_tax_id, check_phones, spy))
    data = {
        "name": "x",
        "tax_id": "9111 0000 6000 3734 1L",
        "contacts": [{"name": "A", "mobile": "138 1234 5678"}],
    }
    customer = custrecord.structure(data, profile=profile)
    assert seen == [("91110000600037341L", "+8613812345678")]
    assert customer.tax_id == "91110000600037341L"


def test_fixes_go_through_the_models_converters() -> None:
    def tag_it(customer: Customer, ctx: Context) -> None:
        ctx.fix("tags", ["checked"])
        ctx.fix("extra", {"checked": True})

    customer = custrecord.structure({"name": "x"}, profile=DEFAULT.with_rules(tag_it))
    assert customer.tags == frozenset({"checked"})
    assert isinstance(customer.extra, custrecord.FrozenMap)
    hash(customer)


def test_unstorable_characters_are_refused() -> None:
    for bad in ("a\x00b", "a\x07b", "a\ud800b", "a\x7fb"):
        assert codes({"name": bad}) == {"name": ["invalid_format"]}
        assert codes({"name": "x", "tags": [bad]}) == {"tags": ["invalid_format"]}
        assert codes({"name": "x", "extra": {"k": bad}}) == {"extra.k": ["invalid_format"]}
        assert codes({"name": "x", "extra": {bad: 1}}) == {"extra": ["invalid_format"]}
    # Tabs and line breaks are white space: collapsed, not refused.
    assert custrecord.structure({"name": "a\tb\r\nc"}).name == "a b c"


def test_identifiers_without_a_scheme_still_have_a_length_limit() -> None:
    assert codes({"name": "x", "country": "HK", "tax_id": "1" * 65}) == {"tax_id": ["too_long"]}
    assert codes({"name": "x", "category": "C" * 31}) == {"category": ["too_long"]}


def test_huge_numbers_are_problems_not_crashes() -> None:
    assert codes({"name": "x", "tax_id": 10**5000}) == {"tax_id": ["invalid_format"]}
    assert codes({"name": "x", "extra": {"n": 2**64}}) == {"extra.n": ["out_of_range"]}
    assert codes({"name": "x", "priority": 10**5000}) == {"priority": ["out_of_range"]}
    assert codes({10**5000: 1, "name": "x"}) == {"<int>": ["unknown_column"]}
