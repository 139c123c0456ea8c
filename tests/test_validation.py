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
from custrecord.model import Address, BankAccount, Contact
from custrecord.problems import MESSAGES, make_problem
from custrecord.validation.engine import Context
from custrecord.validation.profiles import DEFAULT, LENIENT, PROFILES, YONYOU, get_profile
from custrecord.validation.rules import get_path

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


# -- each rule's problems word for word --------------------------------------------------


def problems(data: dict[str, Any], profile: Profile | None = None) -> list[dict[str, Any]]:
    """The problems of ``{"name": "x", **data}`` as ``to_dict`` gives them."""
    return [p.to_dict() for p in custrecord.validate({"name": "x", **data}, profile=profile).problems]


def _problem(path: str, code: str, message: str, message_zh: str, value: str | None) -> dict[str, Any]:
    return {"path": path, "code": code, "severity": "error", "message": message, "message_zh": message_zh,
            "value": value}


def _priority(value: str) -> dict[str, Any]:
    return _problem("priority", "out_of_range", "priority is out of range (1 (highest) to 5)",
                    "优先级超出范围（1（最高）至5）", value)


def _not_negative(path: str, label: str, label_zh: str, value: str) -> dict[str, Any]:
    return _problem(path, "out_of_range", f"{label} is out of range (must not be negative)",
                    f"{label_zh}超出范围（不能为负数）", value)


def _days(value: str) -> dict[str, Any]:
    return _problem("credit.days", "out_of_range", "credit days is out of range (0 to 3650 days)",
                    "信用期限超出范围（0至3650天）", value)


def test_range_problems_word_for_word_and_their_boundaries() -> None:
    assert problems({"priority": 0}) == [_priority("0")]
    assert problems({"priority": 6}) == [_priority("6")]
    assert problems({"priority": 1}) == problems({"priority": 5}) == []
    assert problems({"credit_limit": "-0.5"}) == [
        _not_negative("credit.limit", "credit limit", "信用额度", "-0.5")]
    assert problems({"credit": {"group_limit": "-0.5"}}) == [
        _not_negative("credit.group_limit", "group credit limit", "集团信用额度", "-0.5")]
    assert problems({"credit": {"limit": "0", "group_limit": "0"}}) == []
    assert problems({"credit_days": -1}) == [_days("-1")]
    assert problems({"credit_days": 3651}) == [_days("3651")]
    assert problems({"credit_days": 0}) == problems({"credit_days": 3650}) == []
    assert problems({"version": -1}) == [_problem("version", "out_of_range", "version is out of range",
                                                  "版本超出范围", "-1")]
    assert problems({"version": 0}) == []


def _choice(path: str, label: str, label_zh: str, choices: str, value: str) -> dict[str, Any]:
    return _problem(path, "invalid_choice", f"{label} must be one of: {choices}",
                    f"{label_zh}必须是以下之一：{choices}", value)


_ISO_4217 = "ISO 4217 codes such as CNY, USD, EUR"


def test_choice_problems_word_for_word() -> None:
    assert problems({"country": "ZZ"}) == [
        _choice("country", "country", "国家", "ISO 3166-1 alpha-2 codes such as CN, US, DE", "ZZ")]
    assert problems({"credit": {"currency": "RMBX"}}) == [
        _choice("credit.currency", "credit currency", "币种", _ISO_4217, "RMBX")]
    assert problems({"currency": "XYZ"}) == [
        _choice("currency", "trading currency", "交易币种", _ISO_4217, "XYZ")]
    accounts = [{"account": "6222021234567890", "currency": "USD"},
                {"account": "6222021234567891", "currency": "QQQ"}]
    assert problems({"bank_accounts": accounts}) == [
        _choice("bank_accounts[1].currency", "account currency", "币种", _ISO_4217, "QQQ")]
    assert problems({"currency": "USD", "bank_accounts": accounts[:1]}) == []
    graded = Profile(grades=frozenset({"B", "AA", "A"}))
    assert problems({"credit_grade": "C"}, graded) == [
        _choice("credit.grade", "credit grade", "信用等级", "A, AA, B", "C")]


def _default_address(index: int, role: str, role_zh: str) -> dict[str, Any]:
    return _problem(f"addresses[{index}].default", "duplicate_default",
                    f"default address: more than one default (another {role} address is the default)",
                    f"默认地址：默认项不止一个（已有默认的{role_zh}地址）", role)


def test_one_default_address_per_role_and_the_registered_address_counts() -> None:
    def entry(role: str, city: str) -> dict[str, Any]:
        return {"role": role, "default": True, "city": city}

    shipping = [entry("shipping", "甲"), entry("shipping", "乙")]
    assert problems({"addresses": shipping}) == [_default_address(1, "shipping", "收货")]
    billing = [entry("billing", "甲"), entry("billing", "乙")]
    assert problems({"addresses": billing}) == [_default_address(1, "billing", "开票")]
    # The registered address (``address``) is that role's default already.
    assert problems({"address": {"city": "苏州"}, "addresses": [entry("registered", "甲")]}) == [
        _default_address(0, "registered", "注册")]
    one_each = [entry("registered", "甲"), entry("billing", "乙"), entry("other", "丙")]
    assert problems({"addresses": one_each}) == []
    assert problems({"addresses": [entry("other", "甲"), entry("other", "乙")]}) == [
        _default_address(1, "other", "其他")]


def test_one_default_bank_account_per_currency() -> None:
    def account(number: str, currency: str | None) -> dict[str, Any]:
        return {"account": f"622202123456789{number}", "currency": currency, "default": True}

    found = problems({"bank_accounts": [account("0", None), account("1", None), account("2", "USD"),
                                        account("3", "USD"), account("4", "EUR")]})
    assert found == [
        _problem("bank_accounts[1].default", "duplicate_default",
                 "default account: more than one default (another account is the default for no currency)",
                 "默认账户：默认项不止一个（未指定币种已有默认账户）", None),
        _problem("bank_accounts[3].default", "duplicate_default",
                 "default account: more than one default (another account is the default for USD)",
                 "默认账户：默认项不止一个（USD已有默认账户）", "USD"),
    ]


def test_code_date_and_classification_problems_word_for_word() -> None:
    assert problems({"code": "C#1"}) == [_problem(
        "code", "invalid_format",
        "customer code has an invalid format (letters A-Z, digits, -, _, . and / only)",
        "客户编码格式不正确（只能包含字母A-Z、数字、-、_、.和/）", "C#1")]
    assert problems({"credit": {"valid_from": "2025-02-01", "valid_until": "2025-01-31"}}) == [_problem(
        "credit.valid_until", "invalid_date_range", "credit valid until is before the start date",
        "信用截止日期早于起始日期", "2025-01-31")]
    profile = Profile(categories=Tree(), regions=frozenset({"EAST"}))  # type: ignore[arg-type]
    assert problems({"category": "09", "region": "west"}, profile) == [
        _problem("category", "unknown_category", "category is not a known category code",
                 "所属分类不是已有的分类编码", "09"),
        _problem("region", "unknown_region", "region is not a known region code",
                 "所属地区不是已有的地区编码", "WEST"),
    ]
    assert problems({"category": "01"}, profile) == [_problem(
        "category", "not_leaf_category", "category has sub-categories; choose a leaf category",
        "所属分类含有下级分类，请选择末级分类", "01")]


def test_required_problems_word_for_word() -> None:
    profile = Profile(required_by_kind={Kind.INDIVIDUAL: frozenset({"contacts", "name", "tags"})})
    # "contacts" comes first in the order paths are checked; the paths after it are still checked.
    assert problems({"kind": "个人", "name": None}, profile) == [
        _problem("contacts", "required", "contacts is required", "联系人不能为空", None),
        _problem("name", "required", "customer name is required", "客户名称不能为空", None),
        _problem("tags", "required", "tags is required", "标签不能为空", None),
    ]
    mobile = Profile(required=frozenset({"name", "kind", "contacts[].mobile"}))
    assert problems({"contacts": [{"name": "A"}]}, mobile) == [
        _problem("contacts[0].mobile", "required", "mobile is required", "手机不能为空", None)]
    assert problems({"contacts": [{"name": "A", "mobile": "13812345678"}]}, mobile) == []


def test_a_required_path_the_model_lacks_is_reported_missing() -> None:
    """A misspelt path in a profile shows on the first record instead of breaking validation."""
    profile = Profile(required=frozenset({"name", "adress", "address.town", "contacts[].wechat"}))
    assert codes({"name": "x", "contacts": [{"name": "A"}]}, profile=profile) == {
        "address.town": ["required"], "adress": ["required"], "contacts[0].wechat": ["required"]}


def test_a_zero_or_a_filled_collection_is_not_blank() -> None:
    profile = Profile(required=frozenset({"name", "kind", "credit.limit", "tags"}))
    assert codes({"name": "x", "credit_limit": "0", "tags": ["a"]}, profile=profile) == {}
    assert codes({"name": "x", "tags": []}, profile=profile) == {
        "credit.limit": ["required"], "tags": ["required"]}


def test_a_profile_without_a_limit_for_a_text_checks_none() -> None:
    profile = Profile(max_lengths={"name": 100})
    data = {"name": "x", "remarks": "r" * 600, "address": {"street": "街" * 300},
            "contacts": [{"name": "n" * 500}]}
    assert codes(data, profile=profile) == {}
    assert codes({**data, "name": "名" * 101}, profile=profile) == {"name": ["too_long"]}


def test_required_paths_add_the_kinds_own() -> None:
    profile = Profile(required_by_kind={Kind.INDIVIDUAL: frozenset({"contacts"})})
    assert profile.required_paths(Kind.INDIVIDUAL) == {"name", "kind", "contacts"}
    assert profile.required_paths(Kind.ENTERPRISE) == {"name", "kind"}


def test_get_path_reads_a_field_or_a_part_of_one() -> None:
    customer = custrecord.structure({"name": "x", "city": "苏州", "credit_days": 30})
    found = [get_path(customer, path) for path in ("name", "address.city", "credit.days")]
    assert found == ["x", "苏州", 30]
    unknown = ("address.street", "nosuch", "address.nosuch", "nosuch.city")
    assert [get_path(customer, path) for path in unknown] == [None] * 4


def fail_first(customer: Customer, ctx: Context) -> None:
    """Reports an error on each field below before any built-in rule runs."""
    for path in _FAILED_FIRST:
        ctx.report(path, "failed_first")


_FAILED_FIRST = (
    "name", "code", "country", "currency", "credit.currency", "credit.grade", "bank_accounts[0].currency",
    "category", "region", "parent", "contacts[0].mobile", "contacts[0].name", "address.city",
    "companies.002.currency", "companies.002.limit", "companies.002.group_limit", "companies.002.days",
)


def test_built_in_rules_skip_a_field_that_already_failed() -> None:
    """A field a rule has refused gets no second problem from the rules after it."""
    profile = Profile(
        rules=(fail_first, *DEFAULT.rules),
        required=frozenset({"name", "kind", "address.city", "contacts[].mobile"}),
        categories=Tree(),  # type: ignore[arg-type]
        regions=frozenset({"EAST"}),
        grades=frozenset({"A"}),
    )
    data = {
        "name": "名" * 101, "code": "C#1", "country": "ZZ", "currency": "XYZ", "parent": "P#1",
        "credit": {"currency": "RMBX", "grade": "C"},
        "bank_accounts": [{"account": "6222021234567890", "currency": "QQQ"}],
        "category": "09", "region": "WEST", "contacts": [{"title": "经理"}],
        "companies": {"002": {"currency": "XXX", "limit": "-1", "group_limit": "-1", "days": -1}},
    }
    report = custrecord.validate(data, profile=profile)
    assert report.codes() == {path: ["failed_first"] for path in _FAILED_FIRST}


# -- the engine: many rows, severities, labels, fixes ------------------------------------------


def test_validate_many_reads_rows_as_one_table() -> None:
    rows = [{"name": "甲", "旧编码": "1", "priority": 9}, {"name": "乙", "旧编码": "2"},
            Customer(name="丙", priority=7)]
    first, second, third = custrecord.validate_many(rows)
    # An unknown column is a warning of the first row that has it, before that row's own problems.
    assert [(p.path, p.code, p.severity) for p in first.problems] == [
        ("旧编码", "unknown_column", Severity.WARNING), ("priority", "out_of_range", Severity.ERROR)]
    assert first.customer == Customer(name="甲", priority=9)
    assert second.problems == ()
    assert second.customer == Customer(name="乙")
    assert third.codes() == {"priority": ["out_of_range"]}
    strict = custrecord.validate_many(rows[:2], strict_columns=True)
    assert [[(p.path, p.code, p.severity) for p in r.problems if p.path == "旧编码"] for r in strict] == [
        [("旧编码", "unknown_column", Severity.ERROR)]] * 2
    (mapped,) = custrecord.validate_many([{"旧名称": "甲"}], columns={"旧名称": "name"})
    assert (mapped.problems, mapped.customer) == ((), Customer(name="甲"))


def test_validate_many_uses_the_profile_and_the_day() -> None:
    (yonyou,) = custrecord.validate_many([{"name": "x"}], profile="yonyou")
    assert yonyou.codes() == {"short_name": ["required"]}
    custom = Profile(custom_fields=frozenset({"erp_id"}))
    (report,) = custrecord.validate_many([{"name": "x", "erp_id": "7"}], profile=custom)
    assert (report.problems, report.customer) == ((), Customer(name="x", extra={"erp_id": "7"}))
    seen: list[date] = []
    spy = DEFAULT.with_rules(lambda c, ctx: seen.append(ctx.today))
    custrecord.validate_many([{"name": "x"}, Customer(name="y")], profile=spy, today=date(2030, 1, 1))
    assert seen == [date(2030, 1, 1)] * 2


def test_custom_fields_of_the_profile_reach_parsing() -> None:
    profile = Profile(custom_fields=frozenset({"erp_id"}))
    report = custrecord.validate({"name": "x", "erp_id": "7"}, profile=profile)
    assert (report.problems, report.customer) == ((), Customer(name="x", extra={"erp_id": "7"}))


def test_severity_overrides_reach_parsing_problems() -> None:
    data = {"name": "x", "credit_valid_from": "2025-02-30"}
    report = custrecord.validate(data, profile=Profile(severities={"invalid_format": Severity.WARNING}))
    assert [(p.path, p.code, p.severity) for p in report.problems] == [
        ("credit.valid_from", "invalid_format", Severity.WARNING)]
    # A profile that overrides other codes leaves this one an error.
    other = custrecord.validate(data, profile=Profile(severities={"invalid_phone": Severity.WARNING}))
    assert [(p.path, p.code, p.severity) for p in other.problems] == [
        ("credit.valid_from", "invalid_format", Severity.ERROR)]


def test_structure_names_the_record_by_code_else_name() -> None:
    for data, record in (
        ({"code": "C1", "name": "甲", "priority": 9}, "'C1'"),
        ({"code": "C1", "priority": 9}, "'C1'"),
        ({"name": "甲", "priority": 9}, "'甲'"),
        ({"priority": 9}, None),
    ):
        with pytest.raises(ValidationError) as info:
            custrecord.structure(data)
        assert info.value.record == record
    with pytest.raises(ValidationError, match=r"^customer 'C1' has 1 error\(s\):\n  priority: out_of_range"):
        custrecord.structure({"code": "C1", "name": "甲", "priority": 9})


def test_structure_passes_the_day_to_rules() -> None:
    seen: list[date] = []
    custrecord.structure({"name": "x"}, profile=DEFAULT.with_rules(lambda c, ctx: seen.append(ctx.today)),
                         today=date(2030, 1, 1))
    assert seen == [date(2030, 1, 1)]


class _UnhashableSpy:
    """A user rule that is a callable object without a hash."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self.seen: list[str | None] = []

    def __call__(self, customer: Customer, ctx: Context) -> None:
        self.seen.append(customer.contacts[0].mobile)


def test_an_unhashable_user_rule_sees_the_fixes_made_before_it() -> None:
    spy = _UnhashableSpy()
    custrecord.validate({"name": "x", "contacts": [{"name": "A", "mobile": "138 1234 5678"}]},
                        profile=DEFAULT.with_rules(spy))
    assert spy.seen == ["+8613812345678"]


def test_a_problem_reported_twice_is_listed_once() -> None:
    def twice(customer: Customer, ctx: Context) -> None:
        ctx.report("name", "test_account")
        ctx.report("name", "test_account")
        ctx.report("remarks", "test_account")

    report = custrecord.validate({"name": "x"}, profile=DEFAULT.with_rules(twice))
    assert [(p.path, p.code) for p in report.problems] == [
        ("name", "test_account"), ("remarks", "test_account")]


def test_built_in_fixes_reach_nested_and_listed_parts() -> None:
    """The built-in rules' fixes (written into the engine's own customer) land where they belong,
    and only there."""
    customer = custrecord.structure({
        "name": "x", "country": "GB", "address": {"postcode": "sw1a 1aa", "city": "London"},
        "contacts": [{"name": "A", "mobile": "07400 123456"}, {"name": "B", "email": "b@EXAMPLE.COM"},
                     {"name": "C", "title": "CFO"}],
        "bank_accounts": [{"account": "6222 0212 3456 7890"}],
    })
    assert customer.address == Address(city="London", postcode="SW1A 1AA")
    assert customer.contacts == (Contact(name="A", mobile="+447400123456"),
                                 Contact(name="B", email="b@example.com"), Contact(name="C", title="CFO"))
    assert customer.bank_accounts == (BankAccount(account="6222021234567890"),)


def test_a_user_rule_fixes_nested_fields() -> None:
    def fix_nested(customer: Customer, ctx: Context) -> None:
        ctx.fix("credit.limit", 5)
        ctx.fix("address.city", "苏州市")
        ctx.fix("address.district", "姑苏区")

    customer = custrecord.structure({"name": "x", "city": "苏州", "credit_days": 30},
                                    profile=DEFAULT.with_rules(fix_nested))
    assert (customer.credit.limit, customer.credit.days) == (5, 30)
    assert (customer.address.city, customer.address.district) == ("苏州市", "姑苏区")


def test_a_customer_a_user_rule_saw_is_never_changed_afterwards() -> None:
    kept: list[Customer] = []

    def keep(customer: Customer, ctx: Context) -> None:
        kept.append(customer)

    profile = DEFAULT.with_rules(keep, upper_remarks, keep)
    customer = custrecord.structure({"name": "x", "remarks": "vip"}, profile=profile)
    assert [c.remarks for c in kept] == ["vip", "VIP"]
    assert customer.remarks == "VIP"
    kept.clear()
    fixed = custrecord.structure({"name": "x", "remarks": "vip"},
                                 profile=DEFAULT.with_rules(keep, upper_remarks))
    assert fixed.remarks == "VIP"
    assert [c.remarks for c in kept] == ["vip"]
