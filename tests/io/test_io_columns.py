"""Columns of files from other systems: aliases, traditional headers, user mappings, unknown columns."""

from __future__ import annotations

from pathlib import Path

import pytest

import custrecord
from custrecord.fields import FIELDS, field_for_column, header_key, traditional
from custrecord.flat import ColumnMapError, ColumnPlan
from custrecord.io import import_file, open_table, summarize, validate_rows
from custrecord.settings import Settings

ALIASES = {
    "手机号码": "contacts[].mobile",
    "联系人姓名": "contacts[].name",
    "客户全称": "name",
    "统一社会信用代码": "tax_id",
    "纳税人识别号": "tax_id",
    "客戶名稱": "name",
    "聯繫人": "contacts[].name",
    "銀行帳號": "bank_account",
    "联系电话": "contacts[].phone",
    "开户行": "bank_name",
    "银行账户": "bank_account",
    "公司名称": "name",
    "Company": "name",
    "Tax Number": "tax_id",
    "Mobile": "contacts[].mobile",
    "E-mail": "contacts[].email",
    "Credit Limit": "credit.limit",
    "客户名称*": "name",
    "币别": "credit.currency",
}


@pytest.mark.parametrize(("header", "path"), ALIASES.items())
def test_headers_other_systems_write(header: str, path: str) -> None:
    field = field_for_column(header)
    assert field is not None
    assert field.path == path


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.path)
def test_every_header_in_traditional_characters(field: object) -> None:
    for header in (field.zh, *field.aliases):  # type: ignore[attr-defined]
        assert field_for_column(traditional(header)) is field
        assert field_for_column(header_key(header.upper())) is field


def test_no_header_names_two_fields() -> None:
    owner: dict[str, str] = {}
    for field in FIELDS:
        for header in (field.column, field.zh, *field.aliases):
            for form in {header, traditional(header), header_key(header), header_key(traditional(header))}:
                assert owner.setdefault(form, field.path) == field.path, form


def test_unknown_columns_are_warned_once_and_not_imported(tmp_path: Path) -> None:
    path = tmp_path / "u8.csv"
    path.write_text("客户名称,传真,发展日期\n甲,0512-1,2019-01-01\n乙,0512-2,2020-01-01\n", encoding="utf-8")
    with open_table(path) as table:
        results = list(validate_rows(table))
        summary = summarize(results, table=table)
    assert all(r.ok for r in results)
    assert [(p.path, p.code, p.is_error) for p in table.problems] == [
        ("传真", "unknown_column", False), ("发展日期", "unknown_column", False)
    ]
    assert [(p["row"], p["code"]) for p in summary["problems"]] == [(1, "unknown_column")] * 2
    assert summary["invalid"] == 0


def test_strict_columns_refuse_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("客户名称,传真\n甲,0512-1\n", encoding="utf-8")
    with open_table(path, strict_columns=True) as table:
        (result,) = validate_rows(table)
        assert table.problems == ()
    assert result.report.codes() == {"传真": ["unknown_column"]}
    assert not result.ok


def test_user_mappings_from_python_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("旧客户号,单位,联系人,手机\nK-01,甲公司,王,13812345678\n", encoding="utf-8")
    mapping = {"旧客户号": "code", "单位": "客户名称", "手机": "contacts[].phone"}
    with open_table(path, columns=mapping) as table:
        (result,) = validate_rows(table)
    assert result.ok, result.problems
    assert result.customer is not None
    assert (result.customer.code, result.customer.name) == ("K-01", "甲公司")
    # The mapping wins over the header's own field (手机 is the mobile).
    assert result.customer.contacts[0].phone == "+8613812345678"
    # The settings' mapping applies to every import of the book; a call's mapping adds to it.
    book = custrecord.open(settings=Settings(columns={"旧客户号": "code"}))
    done = import_file(book, path, columns={"单位": "name"})
    assert done.counts == {"added": 1}
    assert book.get("K-01").name == "甲公司"


def test_a_mapping_to_no_field_is_refused() -> None:
    with pytest.raises(ColumnMapError, match="旧列"):
        ColumnPlan({"旧列": "nothing"})


def test_two_columns_for_one_field_in_rows() -> None:
    reports = custrecord.validate_many([{"客户名称": "甲", "Company": "乙"}])
    assert reports[0].customer is not None
    assert reports[0].customer.name == "甲"
    problems = [(p.path, p.code, p.is_error) for p in reports[0].problems]
    assert problems == [("Company", "duplicate_column", False)]


def test_many_distinct_headers(tmp_path: Path) -> None:
    """40,000 header cells are read in one pass (each header is looked at once)."""
    path = tmp_path / "wide.csv"
    count = 40_000
    path.write_text("name," + ",".join(f"h{i}" for i in range(count)) + "\n甲," + "x," * (count - 1) + "x\n",
                    encoding="utf-8")
    with open_table(path) as table:
        (result,) = validate_rows(table)
        assert len(table.problems) == count
    assert result.ok
