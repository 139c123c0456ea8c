"""Tolerant parsing: nested and flat input, normalisation, coercion, never an exception."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord import Address, Contact, Customer, Kind, Status
from custrecord.coerce import BadValue, parse_date, parse_decimal, parse_int, parse_text, split_tags
from custrecord.fields import FIELDS
from custrecord.parse import parse
from custrecord.testing.strategies import raw_records
from custrecord.text import clean_text


def codes(data: Any, **kwargs: Any) -> dict[str, list[str]]:
    _, problems = parse(data, **kwargs)
    return {p.path: [q.code for q in problems if q.path == p.path] for p in problems}


# -- normalisation ---------------------------------------------------------


def test_text_is_trimmed_nfkc_and_collapsed() -> None:
    customer, problems = parse({"name": "  苏州　示例（科技）  有限公司\t", "remarks": "   "})
    assert problems == []
    assert customer.name == "苏州 示例(科技) 有限公司"
    assert customer.remarks is None


def test_zero_width_spaces_pasted_from_the_web_are_dropped() -> None:
    """A name copied from a web page carries U+200B (and a word joiner or BOM) between characters:
    kept, it made a name that looks like a stored one a different text, missed by look-ups and
    the unique short name. Dropped, not made a space: they show as nothing."""
    customer, problems = parse({
        "name": "\ufeff苏州\u200b华信\u2060科技有限公司\u200b",
        "short_name": "华\u200b信",
        "tax_id": "91110000600037341L\u200b",
        "remarks": "\u200b\u200b",
        "contacts": [{"name": "王\u200b建国", "mobile": "138\u200b0000\u200b1111"}],
    })
    assert problems == []
    assert (customer.name, customer.short_name, customer.tax_id) == (
        "苏州华信科技有限公司", "华信", "91110000600037341L"
    )
    assert customer.remarks is None
    assert (customer.contacts[0].name, customer.contacts[0].mobile) == ("王建国", "13800001111")
    # The joiners that shape a script stay (ZWNJ in a Persian name).
    assert parse({"name": "می\u200cخواهم"})[0].name == "می\u200cخواهم"
    assert parse({"name": "\u200b"})[0].name == parse({"name": "  "})[0].name == ""  # blank


@given(st.text(alphabet=st.sampled_from("苏州ab \u200b\u2060\ufeff\t")))
def test_clean_text_leaves_no_zero_width_space(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned is None or not any(c in cleaned for c in "\u200b\u2060\ufeff")
    assert cleaned == clean_text(text.replace("\u200b", "").replace("\u2060", "").replace("\ufeff", ""))


def test_full_width_code_tax_id_and_phone_become_half_width() -> None:
    c = custrecord.structure(
        {
            "name": "x",
            "code": " ｃｕｓｔ－００１ ",
            "tax_id": "９１１１００００６０００３７３４１ｌ",
            "contacts": [
                {
                    "name": "王伟",
                    "mobile": "１３８ １２３４ ５６７８",
                    "phone": "（０５１２）６５２０１２３４",
                }
            ],
            "address": {"postcode": "２１５０００"},
        }
    )
    assert c.code == "CUST-001"
    assert c.tax_id == "91110000600037341L"
    assert c.contacts[0].mobile == "+8613812345678"
    assert c.contacts[0].phone == "+8651265201234"
    assert c.address.postcode == "215000"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("企业", Kind.ENTERPRISE),
        ("个人", Kind.INDIVIDUAL),
        ("Individual", Kind.INDIVIDUAL),
        (" company ", Kind.ENTERPRISE),
        ("ＰＥＲＳＯＮ", Kind.INDIVIDUAL),
        (Kind.INDIVIDUAL, Kind.INDIVIDUAL),
    ],
)
def test_kind_aliases(raw: Any, kind: Kind) -> None:
    customer, problems = parse({"name": "x", "kind": raw})
    assert problems == []
    assert customer.kind is kind


def test_unknown_kind_is_invalid_choice_and_blank_kind_is_default() -> None:
    assert codes({"name": "x", "kind": "partner"}) == {"kind": ["invalid_choice"]}
    assert codes({"name": "x", "kind": 1}) == {"kind": ["invalid_choice"]}
    customer, problems = parse({"name": "x", "kind": "  "})
    assert problems == []
    assert customer.kind is Kind.ENTERPRISE


@pytest.mark.parametrize(
    ("raw", "status"), [("冻结", Status.FROZEN), ("已审核", Status.ACTIVE), ("DRAFT", Status.DRAFT)]
)
def test_status_aliases(raw: str, status: Status) -> None:
    assert parse({"name": "x", "status": raw})[0].status is status


@pytest.mark.parametrize(
    ("raw", "cc"), [("中国", "CN"), ("cn", "CN"), ("UK", "GB"), ("美国", "US"), (" de ", "DE")]
)
def test_country_aliases(raw: str, cc: str) -> None:
    assert parse({"name": "x", "country": raw})[0].country == cc


def test_categories_regions_and_grades_are_upper_cased() -> None:
    c, _ = parse(
        {"name": "x", "category": " retail ", "region": "east", "credit": {"grade": "aa", "currency": "usd"}}
    )
    assert (c.category, c.region, c.credit.grade, c.credit.currency) == ("RETAIL", "EAST", "AA", "USD")


# -- flat form ---------------------------------------------------------------


def test_flat_form_english_columns() -> None:
    row = {
        "name": "苏州示例科技有限公司",
        "kind": "企业",
        "tax_id": "91110000600037341L",
        "province": "江苏省",
        "city": "苏州市",
        "street": "星湖街328号",
        "postcode": "215000",
        "contact_name": "王伟",
        "contact_mobile": "13812345678",
        "contact_email": "wang@example.com",
        "credit_limit": "500,000.00",
        "credit_days": "30天",
        "credit_valid_from": "2025/1/1",
        "credit_valid_until": "2025年12月31日",
        "credit_currency": "cny",
        "tags": "VIP，潜在;KA",
        "priority": "2",
    }
    c = custrecord.structure(row)
    assert c.address == Address(province="江苏省", city="苏州市", street="星湖街328号", postcode="215000")
    assert c.contacts == (Contact(name="王伟", mobile="+8613812345678", email="wang@example.com"),)
    assert c.credit.limit == Decimal("500000.00")
    assert c.credit.days == 30
    assert (c.credit.valid_from, c.credit.valid_until) == (date(2025, 1, 1), date(2025, 12, 31))
    assert c.tags == {"VIP", "潜在", "KA"}
    assert c.priority == 2


def test_flat_form_chinese_headers() -> None:
    row = {
        "客户名称": "张三",
        "客户类型": "个人",
        "税号": "360426199101010071",
        "手机": "13812345678",
        "联系人": "张三",
        "信用额度": "5万",
        "邮编": "215000",
        "所属分类": "0101",
    }
    c = custrecord.structure(row)
    assert c.kind is Kind.INDIVIDUAL
    assert c.tax_id == "360426199101010071"
    assert c.contacts[0].mobile == "+8613812345678"
    assert c.credit.limit == Decimal("50000")
    assert c.address.postcode == "215000"
    assert c.category == "0101"


def test_flat_and_nested_equal() -> None:
    nested = {
        "name": "x",
        "address": {"city": "苏州市"},
        "credit": {"limit": "100"},
        "contacts": [{"name": "王伟", "mobile": "13812345678"}],
    }
    flat = {
        "name": "x",
        "city": "苏州市",
        "credit_limit": "100",
        "contact_name": "王伟",
        "contact_mobile": "13812345678",
    }
    assert custrecord.structure(nested) == custrecord.structure(flat)


def test_flat_contact_comes_first_and_nested_ones_follow() -> None:
    c, problems = parse({"name": "x", "contact_name": "A", "contacts": [{"name": "B"}, {"name": "C"}]})
    assert problems == []
    assert [k.name for k in c.contacts] == ["A", "B", "C"]


def test_single_contact_mapping_and_one_line_address() -> None:
    c, problems = parse({"name": "x", "contacts": {"name": "A"}, "address": "苏州市星湖街328号"})
    assert problems == []
    assert c.contacts == (Contact(name="A"),)
    assert c.address.street == "苏州市星湖街328号"


def test_unknown_columns_are_reported_unless_declared() -> None:
    assert codes({"name": "x", "旧编码": "A1"}) == {"旧编码": ["unknown_column"]}
    c, problems = parse({"name": "x", "旧编码": "A1"}, custom_fields=["旧编码"])
    assert problems == []
    assert c.extra == {"旧编码": "A1"}
    assert codes({"name": "x", "address": {"planet": "Mars"}}) == {"address.planet": ["unknown_column"]}


def test_extra_keeps_json_scalars() -> None:
    c, problems = parse(
        {
            "name": "x",
            "extra": {
                "s": "t",
                "i": 1,
                "f": 1.5,
                "b": True,
                "n": None,
                "d": Decimal("1.10"),
                "day": date(2025, 1, 2),
            },
        }
    )
    assert problems == []
    assert c.extra == {"s": "t", "i": 1, "f": 1.5, "b": True, "n": None, "d": "1.10", "day": "2025-01-02"}


def test_empty_contacts_are_dropped_and_paths_follow_the_record() -> None:
    c, problems = parse({"name": "x", "contacts": [{}, {"name": " "}, {"name": "B", "mobile": ["x"]}]})
    assert len(c.contacts) == 1
    assert [p.path for p in problems] == ["contacts[0].mobile"]
    report = custrecord.validate({"name": "x", "contacts": [{}, {"name": "B", "mobile": "123"}]})
    assert report.codes() == {"contacts[0].mobile": ["invalid_phone"]}


def test_placeholders_in_identifier_fields_mean_none() -> None:
    for placeholder in ("/", "-", "N/A", "无", "暂无"):
        c = custrecord.structure(
            {
                "name": "x",
                "tax_id": placeholder,
                "bank_account": placeholder,
                "address": {"postcode": placeholder},
                "contacts": [
                    {"name": "A", "phone": placeholder, "mobile": placeholder, "email": placeholder}
                ],
            }
        )
        assert c.tax_id is None
        assert c.bank_account is None
        assert c.address.postcode is None
        assert c.contacts == (Contact(name="A"),)


def test_customer_input_is_normalised_like_its_dict() -> None:
    raw = Customer(name="  x  ", code="ab 1", contacts=[Contact(name="A", mobile="138 1234 5678")])
    c = custrecord.structure(raw)
    assert c.name == "x"
    assert c.code == "AB1"
    assert c.contacts[0].mobile == "+8613812345678"
    assert custrecord.structure(c) == c


def test_timestamps_become_aware() -> None:
    c, problems = parse({"name": "x", "created_at": "2025-01-02T03:04:05", "version": "3"})
    assert problems == []
    assert c.created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert c.version == 3


def test_non_mapping_input_is_one_problem() -> None:
    for junk in (None, "x", 3, ["name"], b"name"):
        c, problems = parse(junk)
        assert [p.code for p in problems] == ["invalid_format"]
        assert c == Customer(name="")


# -- scalar coercers -----------------------------------------------------------


def test_parse_text_numbers_from_spreadsheets() -> None:
    assert parse_text(13812345678) == "13812345678"
    assert parse_text(1.3812345678e10) == "13812345678"
    assert parse_text(Decimal("215000")) == "215000"
    assert parse_text(Decimal("1.5")) == "1.5"
    for bad in (True, 1.5, float("nan"), 10**50, Decimal("NaN"), Decimal("1E+60"), [1], b"x"):
        with pytest.raises(BadValue):
            parse_text(bad)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,000.50", Decimal("1000.50")),
        ("¥2000", Decimal(2000)),
        ("50万", Decimal(500000)),
        ("３００元", Decimal(300)),
        (1.25, Decimal("1.25")),
        (7, Decimal(7)),
        ("  ", None),
        (None, None),
        ("-5", Decimal(-5)),
    ],
)
def test_parse_decimal(raw: Any, value: Decimal | None) -> None:
    assert parse_decimal(raw) == value


@pytest.mark.parametrize(
    "raw", ["abc", "1e999", float("inf"), True, {"a": 1}, "9" * 50, Decimal("NaN"), 10**40]
)
def test_parse_decimal_rejects(raw: Any) -> None:
    with pytest.raises(BadValue):
        parse_decimal(raw)


def test_parse_int() -> None:
    assert parse_int("30天") == 30
    assert parse_int(" 45 days") == 45
    assert parse_int(30.0) == 30
    assert parse_int("") is None
    for bad in ("3.5", 3.5, True, "x", 2**40, "9" * 30, [1]):
        with pytest.raises(BadValue):
            parse_int(bad)


def test_parse_date() -> None:
    assert parse_date("2025-01-31") == date(2025, 1, 31)
    assert parse_date("2025/1/31") == date(2025, 1, 31)
    assert parse_date("2025年1月31日") == date(2025, 1, 31)
    assert parse_date("20250131") == date(2025, 1, 31)
    assert parse_date("2025-01-31T10:00:00") == date(2025, 1, 31)
    assert parse_date(datetime(2025, 1, 31, 10)) == date(2025, 1, 31)
    assert parse_date(" ") is None
    for bad in ("2025-02-30", "31/01/2025", 20250131, "x" * 1000):
        with pytest.raises(BadValue):
            parse_date(bad)


def test_split_tags() -> None:
    assert split_tags("VIP，潜在;KA；x、y") == {"VIP", "潜在", "KA", "x", "y"}
    assert split_tags(["VIP", " ", "KA"]) == {"VIP", "KA"}
    assert split_tags(None) == frozenset()
    with pytest.raises(BadValue):
        split_tags([1])
    with pytest.raises(BadValue):
        split_tags(5)


def test_every_kind_of_white_space_is_collapsed() -> None:
    for space in ("\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u3000", "\u00a0", "\u2003"):
        assert parse_text(f" a{space}{space}b{space}") == "a b", repr(space)


@pytest.mark.parametrize(
    "raw", [float("nan"), Decimal("NaN"), Decimal("sNaN"), float("inf"), Decimal("-Infinity")]
)
def test_a_number_that_is_not_finite_has_one_answer(raw: Any) -> None:
    """Decimal NaN was out_of_range while a float infinity was invalid_format; a float NaN is an
    empty Excel cell (no limit), every other non-finite number is invalid_format."""
    report = custrecord.validate({"name": "x", "credit": {"limit": raw}})
    expected = [] if isinstance(raw, float) and raw != raw else [("credit.limit", "invalid_format")]
    assert [(p.path, p.code) for p in report.problems] == expected


@pytest.mark.parametrize("raw", [Decimal("NaN"), Decimal("Infinity"), float("inf")])
def test_a_custom_field_refuses_a_number_that_is_not_finite(raw: Any) -> None:
    """A Decimal NaN was kept in ``extra`` as the text ``NaN``."""
    report = custrecord.validate({"name": "x", "extra": {"erp_id": raw}})
    assert [(p.path, p.code) for p in report.problems] == [("extra.erp_id", "invalid_format")]
    assert custrecord.validate({"name": "x", "extra": {"erp_id": Decimal("1.50")}}).customer.extra == {
        "erp_id": "1.50"
    }


# -- one plan per set of keys ------------------------------------------------


def test_keys_are_routed_once_per_set_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    import custrecord.parse as parse_module

    calls: list[Any] = []
    real_route = parse_module.route

    def counting_route(key: Any, custom_fields: frozenset[str] = frozenset()) -> tuple[str, Any]:
        calls.append(key)
        return real_route(key, custom_fields)

    monkeypatch.setattr(parse_module, "route", counting_route)
    monkeypatch.setattr(parse_module, "_PLANS", {})
    rows = [{"客户名称": f"公司{i}", "税号": "91110000600037341L", "city": "苏州", "手机": "13812345678"}
            for i in range(50)]
    customers = [parse(row)[0] for row in rows]
    assert len(calls) == 4  # the header is read once, not once a row
    assert [c.name for c in customers] == [f"公司{i}" for i in range(50)]
    assert customers[7].address.city == "苏州"
    assert customers[7].contacts[0].mobile == "13812345678"
    # Custom fields are part of the plan: the same keys read with other declarations route again.
    assert parse(rows[0], custom_fields={"city"})[0].extra == {"city": "苏州"}
    assert len(calls) == 8


def test_two_headers_of_one_field_read_the_last_as_a_dict_keeps_it() -> None:
    customer, problems = parse({"税号": "bad", "name": "x", "tax_id": "91110000600037341L"})
    assert problems == []
    assert customer.tax_id == "91110000600037341L"


def test_keys_equal_across_types_keep_their_own_text() -> None:
    # 1 == True: a plan made for one must not name the other's problem.
    assert [p.path for p in parse({"name": "x", 1: "a"})[1]] == ["1"]
    assert [p.path for p in parse({"name": "x", True: "a"})[1]] == ["True"]


class _Row(Mapping[Any, Any]):
    """A mapping that is not a dict (a database row, a pandas Series)."""

    def __init__(self, data: dict[Any, Any]) -> None:
        self._data = data

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


@given(raw_records())
def test_a_record_parses_alike_each_time_and_in_any_mapping(data: Any) -> None:
    first = parse(data)
    assert repr(parse(data)) == repr(first)  # the second time through a stored plan
    if isinstance(data, dict):
        assert repr(parse(_Row(data))) == repr(first)


def test_every_header_of_the_catalogue_has_a_place_in_the_plan() -> None:
    # A column added to the field catalogue is parsed without more work, in a part parse knows.
    for field in FIELDS:
        for header in (field.column, field.zh, *field.aliases):
            _, problems = parse({"name": "x", header: "1"})
            assert [p.code for p in problems if p.code == "unknown_column"] == [], header
