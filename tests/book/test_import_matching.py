"""Matching on import is explicit: by code, then tax ID; another name is a name_conflict.

Given codes are kept; identical rows write no version; masked cells are never written back.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

import custrecord
from custrecord.book import CustomerBook
from custrecord.codes import CodeRule
from custrecord.permissions import Actor, RolePolicy
from custrecord.settings import Settings
from custrecord.storage.values import Scope
from custrecord.validation.profiles import LENIENT

TAX = "91110000600037341L"
STORED = {"客户名称": "苏州甲科技有限公司", "税号": TAX, "地址": "星湖街1号", "联系人": "王",
          "手机": "13812345678"}
OTHER = {"客户名称": "苏州乙贸易有限公司", "税号": TAX, "地址": "人民路9号", "联系人": "李",
         "手机": "13912345678"}


def _history(book: CustomerBook, code: str | None) -> int:
    return len(book.history(code or ""))


def test_a_tax_id_match_with_another_name_keeps_the_stored_customer(book: CustomerBook) -> None:
    (added,) = book.import_records([(2, STORED)])
    (outcome,) = book.import_records([(3, OTHER)])
    assert (outcome.action, outcome.code) == ("skipped", added.code)
    (problem,) = outcome.problems
    assert (problem.path, problem.code, problem.is_error) == ("name", "name_conflict", False)
    assert "苏州甲科技有限公司" in problem.message
    assert f"客户{added.code}" in problem.message_zh
    stored = book.get(added.code or "")
    assert (stored.name, stored.address.street, stored.contacts[0].name) == (
        "苏州甲科技有限公司", "星湖街1号", "王"
    )
    assert _history(book, added.code) == 1


def test_on_conflict_update_takes_the_row_name_included(book: CustomerBook) -> None:
    (added,) = book.import_records([(2, STORED)])
    (outcome,) = book.import_records([(3, OTHER)], on_conflict="update")
    assert outcome.action == "updated"
    assert [p.code for p in outcome.problems] == ["name_conflict"]
    assert book.get(added.code or "").name == "苏州乙贸易有限公司"


def test_on_conflict_refuse_refuses_the_row(book: CustomerBook) -> None:
    list(book.import_records([(2, STORED)]))
    (outcome,) = book.import_records([(3, OTHER)], on_conflict="refuse")
    assert outcome.action == "invalid"
    assert [(p.code, p.is_error) for p in outcome.problems] == [("name_conflict", True)]


def test_on_conflict_is_checked() -> None:
    with pytest.raises(ValueError, match="on_conflict"):
        list(custrecord.open().import_records([(2, STORED)], on_conflict="merge"))


def test_a_code_match_renames_without_conflict(book: CustomerBook) -> None:
    stored = book.add({"name": "旧名称有限公司", "tax_id": TAX})
    row = {"客户编码": stored.code, "客户名称": "新名称有限公司", "税号": TAX}
    (outcome,) = book.import_records([(2, row)])
    assert (outcome.action, outcome.problems) == ("updated", ())
    assert book.get(stored.code or "").name == "新名称有限公司"


def test_rows_identical_to_the_store_write_no_version(book: CustomerBook) -> None:
    rows = [(2, {**STORED, "信用额度": "900000.00", "标签": "VIP，重点"}), (3, {"客户名称": "无税号商行"})]
    first = list(book.import_records(rows))
    versions = [book.get(o.code or "").version for o in first]
    # The same amount written as a spreadsheet keeps it, tags in another order: unchanged.
    again = [(2, {**STORED, "信用额度": 900000, "标签": "重点,VIP"}), (3, {"客户名称": "无税号商行"})]
    assert [o.action for o in book.import_records(again)] == ["unchanged", "unchanged"]
    assert [book.get(o.code or "").version for o in first] == versions
    assert [_history(book, o.code) for o in first] == [1, 1]


def test_masked_cells_are_never_written_back(book: CustomerBook) -> None:
    contacts = [{"name": "王", "email": "wang@example.com"}]
    stored = book.add({"name": "甲", "tax_id": TAX, "contacts": contacts})
    row = {"客户编码": stored.code, "客户名称": "甲", "电子邮箱": "w***@example.com",
           "税号": "9111********341L",
           "备注": "新备注"}
    (outcome,) = book.import_records([(2, row)])
    assert outcome.action == "invalid"
    assert {(p.path, p.code) for p in outcome.problems} == {
        ("contacts[0].email", "masked_value"), ("tax_id", "masked_value")
    }
    after = book.get(stored.code or "")
    assert (after.contacts[0].email, after.tax_id, after.remarks) == ("wang@example.com", TAX, None)


def test_a_masked_cell_under_lenient_is_not_given(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(profile=LENIENT))
    stored = book.add({"name": "甲", "contacts": [{"name": "王", "email": "wang@example.com"}]})
    row = {"客户编码": stored.code, "电子邮箱": "w***@example.com", "备注": "新"}
    (outcome,) = book.import_records([(2, row)])
    assert outcome.action == "updated"
    after = book.get(stored.code or "")
    assert (after.contacts[0].email, after.remarks) == ("wang@example.com", "新")


def test_given_codes_are_kept_and_the_rule_fills_the_rest(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(code_rule=CodeRule("KH{seq:4}")))
    rows = [(2, {"客户编码": "01.001", "客户名称": "甲"}), (3, {"客户编码": "0101/3", "客户名称": "乙"}),
            (4, {"客户名称": "丙"})]
    assert [(o.action, o.code) for o in book.import_records(rows)] == [
        ("added", "01.001"), ("added", "0101/3"), ("added", "KH0001")
    ]


def test_given_codes_checked_by_the_rule_when_asked(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(code_rule=CodeRule("KH{seq:4}"), given_codes="rule"))
    (outcome,) = book.import_records([(2, {"客户编码": "01.001", "客户名称": "甲"})])
    assert outcome.action == "invalid"
    assert [p.code for p in outcome.problems] == ["invalid_code"]


def test_lenient_keeps_a_code_the_rule_refuses(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(profile=LENIENT, code_rule=CodeRule("KH{seq:4}"), given_codes="rule"))
    (outcome,) = book.import_records([(2, {"客户编码": "01.001", "客户名称": "甲"})])
    assert (outcome.action, outcome.code) == ("added", "01.001")
    assert [p.code for p in outcome.problems] == ["invalid_code"]


def test_unknown_columns_of_records_are_warned_once(book: CustomerBook) -> None:
    rows = [(2, {"客户名称": "甲", "传真": "1"}), (3, {"客户名称": "乙", "传真": "2"})]
    outcomes = list(book.import_records(rows))
    assert [o.action for o in outcomes] == ["added", "added"]
    assert [[(p.path, p.code, p.is_error) for p in o.problems] for o in outcomes] == [
        [("传真", "unknown_column", False)], []
    ]
    strict = list(book.import_records([(4, {"客户名称": "丙", "传真": "3"})], strict_columns=True))
    assert strict[0].action == "invalid"
    mapped = list(book.import_records([(5, {"旧名称": "丁", "limit": "5万"})],
                                      columns={"旧名称": "name", "limit": "credit.limit"}))
    assert mapped[0].action == "added"
    assert book.get(mapped[0].code or "").credit.limit == Decimal(50000)


@pytest.mark.parametrize(
    ("on_conflict", "action", "outcome_en", "outcome_zh"),
    [
        ("keep", "skipped", "the stored customer is kept as it is", "已保留原客户，未导入本行"),
        ("update", "updated", "the stored customer is updated, name included", "已按本行更新客户（含名称）"),
        ("refuse", "invalid", "the row is refused", "本行被拒绝"),
    ],
)
def test_a_name_conflict_says_who_holds_the_tax_id_and_what_was_done(
    book: CustomerBook, on_conflict: str, action: str, outcome_en: str, outcome_zh: str
) -> None:
    (added,) = book.import_records([(2, STORED)])
    (outcome,) = book.import_records([(3, OTHER)], on_conflict=on_conflict)
    assert (outcome.row, outcome.action, outcome.code) == (3, action, added.code)
    assert [(p.path, p.code, p.message, p.message_zh, p.value) for p in outcome.problems] == [(
        "name", "name_conflict",
        f"customer name differs from that of the stored customer it matches (tax ID {TAX} is customer "
        f"{added.code}, '苏州甲科技有限公司'; {outcome_en})",
        f"客户名称与匹配到的已有客户不一致（税号{TAX}属于客户{added.code}“苏州甲科技有限公司”；{outcome_zh}）",
        "苏州乙贸易有限公司",
    )]


def test_a_row_matching_a_customer_out_of_scope_is_refused_without_naming_it(book: CustomerBook) -> None:
    """Found by code, by tax ID or by name, the customer is not named: the key that found it is."""
    north = book.add({"name": "北京乙公司", "region": "NORTH01", "tax_id": TAX}).code
    scoped = Actor("wang", {"sales"}, scope=Scope(regions={"EAST"}))
    rows = [(7, {"客户名称": "北京乙公司", "备注": "y"}), (8, {"客户编码": north, "客户名称": "北京乙公司"}),
            (9, {"税号": TAX, "客户名称": "北京乙公司"})]
    outcomes = list(book.import_records(rows, actor=scoped))
    assert [(o.row, o.action, o.code, [(p.path, p.code) for p in o.problems]) for o in outcomes] == [
        (7, "invalid", None, [("name", "permission_denied")]),
        (8, "invalid", None, [("code", "permission_denied")]),
        (9, "invalid", None, [("tax_id", "permission_denied")]),
    ]
    assert [(p.message, p.message_zh) for p in outcomes[0].problems] == [(
        "customer name: not allowed for this user (matches a customer you may not see)",
        "客户名称：当前用户无权操作（与您无权查看的客户相符）",
    )]
    assert book.get(north or "").remarks is None


def _import_name_only(book: CustomerBook, **data: str) -> tuple[str, str | None]:
    (outcome,) = book.import_records([(2, {"name": "华信科技", "remarks": "导入", **data})])
    return outcome.action, outcome.code


def test_a_row_with_only_a_name_is_the_one_customer_of_exactly_that_name(book: CustomerBook) -> None:
    """Same name, kind and country, among many customers, deleted ones too; a name that only
    contains it, or two holders of it, is no match."""
    for i in range(55):
        book.add({"name": f"其他公司{i}"})
    code = book.add({"name": "华信科技"}).code
    book.add({"name": "华信科技苏州分公司"})
    assert _import_name_only(book) == ("updated", code)
    assert book.get(code or "").remarks == "导入"


def test_name_matching_takes_kind_and_country_and_deleted_customers(
    make_book: Callable[..., CustomerBook],
) -> None:
    book = make_book()
    deleted = book.add({"name": "华信科技"}).code or ""
    book.delete(deleted)
    assert _import_name_only(book) == ("invalid", deleted)  # found: a deleted customer is not revived
    other = make_book()
    other.add({"name": "华信科技", "kind": "个人"})
    other.add({"name": "华信科技", "country": "HK"})
    action, added = _import_name_only(other)  # neither the person nor the HK company
    assert action == "added"
    assert _import_name_only(other) == ("unchanged", added)
    other.add({"name": "华信科技"})
    assert _import_name_only(other)[0] == "added"  # two of that name: neither is taken
    assert other.count() == 5


def test_a_name_only_row_finds_its_customer_behind_many_similar_names(book: CustomerBook) -> None:
    """The exact holder sorts after hundreds of longer names that contain it; a second one,
    as far down, makes the name ambiguous."""
    # import_records is a generator: each import is read to its end.
    list(book.import_records([(i, {"name": f"华信科技{i}"}) for i in range(450)]))
    code = book.add({"name": "华信科技"}).code
    assert _import_name_only(book) == ("updated", code)
    list(book.import_records([(i, {"name": f"华信科技{i}分公司"}) for i in range(300)]))
    book.add({"name": "华信科技", "tax_id": "91110000600037341L"})
    assert _import_name_only(book)[0] == "added"


def test_a_stored_customer_left_alone_is_reported_with_its_row_and_code(book: CustomerBook) -> None:
    (added,) = book.import_records([(2, STORED)])
    (outcome,) = book.import_records([(5, {**STORED, "备注": "新"})], update_existing=False)
    assert (outcome.row, outcome.action, outcome.code, outcome.problems) == (5, "skipped", added.code, ())


def test_an_import_update_records_its_reason_and_reports_its_own_warnings(book: CustomerBook) -> None:
    """The update's ``duplicate_phone`` (another customer's mobile) is reported beside the row."""
    (first,) = book.import_records([(2, STORED)])
    second = book.add({"name": "苏州丙有限公司"}).code
    (outcome,) = book.import_records([(3, {"客户编码": second, "客户名称": "苏州丙有限公司", "联系人": "赵",
                                            "手机": "13812345678"})])
    assert (outcome.action, outcome.code) == ("updated", second)
    assert [(p.path, p.code, p.is_error) for p in outcome.problems] == [
        ("contacts[0].mobile", "duplicate_phone", False)
    ]
    assert f"客户{first.code}" in outcome.problems[0].message_zh
    assert book.history(second or "")[-1].reason == "import"


def test_an_import_update_the_book_refuses_is_reported_on_its_row(book: CustomerBook) -> None:
    """A row that is customer C2 but takes C1's tax ID, or sets a field its user may not set."""
    first = book.add({"name": "甲", "tax_id": TAX}).code
    second = book.add({"name": "乙"}).code
    (taken,) = book.import_records([(6, {"客户编码": second, "客户名称": "乙", "税号": TAX})])
    assert (taken.row, taken.action, taken.code) == (6, "invalid", second)
    assert [(p.path, p.code, p.message) for p in taken.problems] == [
        ("tax_id", "duplicate_tax_id", f"tax ID is already used by another customer (customer {first})")
    ]
    (denied,) = book.import_records([(7, {"客户编码": second, "客户名称": "乙", "信用额度": "5000"})],
                                    actor=Actor("wang", {"sales"}))
    assert (denied.row, denied.action, denied.code) == (7, "invalid", None)
    assert [(p.path, p.code) for p in denied.problems] == [("credit.limit", "permission_denied")]
    assert book.get(second or "").tax_id is None


def test_a_row_with_a_new_code_is_not_matched_by_its_name(book: CustomerBook) -> None:
    """Only a row with neither code nor tax ID is looked up by name: a new code is a new customer."""
    stored = book.add({"name": "华信科技"}).code
    (outcome,) = book.import_records([(2, {"客户编码": "X0009", "客户名称": "华信科技", "备注": "新"})])
    assert (outcome.action, outcome.code) == ("added", "X0009")
    assert book.get(stored or "").remarks is None


def test_a_stored_customer_left_alone_keeps_the_rows_warnings(book: CustomerBook) -> None:
    list(book.import_records([(2, STORED)]))
    (outcome,) = book.import_records([(3, {**STORED, "传真": "1"})], update_existing=False)
    assert (outcome.action, [(p.path, p.code) for p in outcome.problems]) == (
        "skipped", [("传真", "unknown_column")])


def test_added_customers_record_the_imports_reason(book: CustomerBook) -> None:
    (default,) = book.import_records([(2, {"客户名称": "甲"})])
    (given,) = book.import_records([(3, {"客户名称": "乙"})], reason="2025年4季度导入")
    assert [h.reason for h in book.history(default.code or "")] == ["import"]
    assert [h.reason for h in book.history(given.code or "")] == ["2025年4季度导入"]


def test_a_later_row_about_the_same_customer_sees_the_earlier_rows_change(book: CustomerBook) -> None:
    """Rows apply in order, whichever key finds the customer: found by tax ID, then by code."""
    code = book.add({"name": "苏州甲科技有限公司", "tax_id": TAX, "remarks": "旧"}).code
    rows = [(2, {"客户名称": "苏州甲科技有限公司", "税号": TAX, "备注": "新"}),
            (3, {"客户编码": code, "客户名称": "苏州甲科技有限公司", "备注": "旧"})]
    assert [(o.action, o.code) for o in book.import_records(rows)] == [("updated", code), ("updated", code)]
    assert book.get(code or "").remarks == "旧"


def test_a_tax_id_given_up_by_an_earlier_row_is_free_for_a_later_one(book: CustomerBook) -> None:
    other = "91320500738254739G"
    code = book.add({"name": "苏州甲科技有限公司", "tax_id": TAX}).code
    rows = [(2, {"客户编码": code, "客户名称": "苏州甲科技有限公司", "税号": other}),
            (3, {"客户名称": "北京乙贸易有限公司", "税号": TAX})]
    outcomes = list(book.import_records(rows))
    assert [(o.action, o.problems) for o in outcomes] == [("updated", ()), ("added", ())]
    assert outcomes[1].code != code
    assert (book.get(code or "").tax_id, book.get(outcomes[1].code or "").tax_id) == (other, TAX)


def test_a_row_may_name_by_code_a_customer_an_earlier_row_added(book: CustomerBook) -> None:
    rows = [(2, {"客户名称": "苏州甲科技有限公司", "税号": TAX}),
            (3, {"客户名称": "苏州甲科技有限公司", "税号": TAX, "备注": "b"}),
            (4, {"客户编码": "C000001", "客户名称": "苏州甲科技有限公司", "行业": "制造业"})]
    assert [(o.action, o.code) for o in book.import_records(rows)] == [
        ("added", "C000001"), ("updated", "C000001"), ("updated", "C000001")]
    stored = book.get("C000001")
    assert (stored.remarks, stored.industry) == ("b", "制造业")


def test_an_update_the_actor_may_not_make_is_refused_on_its_row(
    make_book: Callable[..., CustomerBook],
) -> None:
    """Sales may not change the kind here: the row is admitted (a row always has a kind), the
    update is refused, word for word, naming the customer the actor can see."""
    book = make_book(Settings(policy=RolePolicy(locked={"sales": frozenset({"kind"})})))
    code = book.add({"name": "甲"}).code
    (outcome,) = book.import_records([(4, {"code": code, "name": "甲", "kind": "个人"})],
                                     actor=Actor("wang", {"sales"}))
    assert (outcome.row, outcome.action, outcome.code) == (4, "invalid", code)
    assert [p.to_dict() for p in outcome.problems] == [{
        "path": "kind", "code": "permission_denied", "severity": "error",
        "message": "customer type: not allowed for this user (wang (roles: sales) may not edit on kind)",
        "message_zh": "客户类型：当前用户无权操作（wang (roles: sales) may not edit on kind）", "value": None,
    }]
    assert book.get(code or "").kind is custrecord.Kind.ENTERPRISE


RESIDENT_ID = "11010519491231002X"
SALES = Actor("wang", {"sales"})


def _as_sales(book: CustomerBook, row: dict[str, str]) -> tuple[str, str | None, list[tuple[str, str]]]:
    (outcome,) = book.import_records([(2, {**row, "备注": "x"})], actor=SALES)
    return outcome.action, outcome.code, [(p.path, p.code) for p in outcome.problems]


def test_a_person_found_by_an_id_number_the_actor_sees_masked_is_refused(book: CustomerBook) -> None:
    """Found by tax ID, a person's ID number is no key for sales (who see it masked): by the
    number's kind of customer, or by the number itself once the customer is a company; found
    by its own code, the row goes ahead."""
    person = book.add({"name": "张三", "kind": "个人", "tax_id": RESIDENT_ID}).code
    refused = ("invalid", None, [("tax_id", "permission_denied")])
    row = {"客户名称": "张三", "客户类型": "个人", "税号": RESIDENT_ID}
    assert _as_sales(book, row) == refused
    assert _as_sales(book, {**row, "客户编码": "NEW1"}) == refused  # a new code: found by the tax ID
    assert _as_sales(book, {**row, "客户编码": person or ""}) == ("updated", person, [])
    # An HK identity card number: not a mainland resident ID, but an individual's.
    book.add({"name": "李四", "kind": "个人", "country": "HK", "tax_id": "A1234563"})
    hk_row = {"客户名称": "李四", "客户类型": "个人", "国家": "HK", "税号": "A1234563"}
    assert _as_sales(book, hk_row) == refused
    # Made a company, the customer's number is still a person's.
    book.update(person or "", {"kind": "企业", "country": "HK"}, expected_version=2)
    company_row = {"客户名称": "张三", "客户类型": "企业", "国家": "HK", "税号": RESIDENT_ID}
    assert _as_sales(book, company_row) == refused
