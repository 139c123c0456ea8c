"""Export: round trips through CSV and XLSX, exact text, templates and the customer card."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import custrecord
from custrecord import Address, Contact, CreditProfile, Customer, Kind, Status
from custrecord.flat import is_field_key
from custrecord.io import (
    FileError,
    FileFormatError,
    customer_card_html,
    customer_columns,
    open_table,
    read_rows,
    validate_rows,
    write_customers,
    write_rows,
    write_template,
)
from custrecord.io.xlsx import fits_xlsx_number

FULL = Customer(
    name="苏州示例科技有限公司",
    code="C-0001",
    short_name="苏州示例",
    kind=Kind.ENTERPRISE,
    tax_id="91320594MA1MXXXX03",
    category="0101",
    region="320500",
    industry="制造业",
    address=Address(
        province="江苏省", city="苏州市", district="工业园区", street="星湖街328号", postcode="215000"
    ),
    contacts=(
        Contact(name="李雷", title="采购经理", phone="+8651265201234;ext=801", mobile="+8613812345678",
                email="li@example.com"),
        Contact(name="韩梅梅", mobile="+8613912345678"),
        Contact(name="Wang, \"Wei\"", email="wang@example.cn"),
    ),
    bank_name="招商银行苏州分行",
    bank_account="6225880212345678",
    legal_representative="张三",
    credit=CreditProfile(grade="AA", limit=Decimal("500000.00"), currency="CNY", days=30,
                         valid_from=date(2025, 1, 1), valid_until=date(2026, 12, 31)),
    settlement_method="银行转账",
    payment_terms="月结30天",
    tags=frozenset({"VIP", "重点客户"}),
    priority=1,
    status=Status.FROZEN,
    remarks='需开专票, "加急"\n第二行',
    extra={"erp_id": "0012", "旧编码": "A-7"},
)
INDIVIDUAL = Customer(name="王伟", code="007", kind=Kind.INDIVIDUAL, tax_id="11010519491231002X")
MINIMAL = Customer(name="Acme Trading Co., Ltd.")


def reimport(path: Path, extra: set[str] | frozenset[str] = frozenset()) -> list[Customer]:
    profile = custrecord.Profile(custom_fields=frozenset(extra))
    results = list(validate_rows(read_rows(path, custom_fields=extra), profile=profile))
    assert all(r.ok for r in results), [(r.row, r.problems) for r in results]
    return [r.customer for r in results if r.customer is not None]


def _carried(value: Any, fmt: str) -> Any:
    if fmt == "csv":
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and not fits_xlsx_number(value):
        return repr(value)
    return value


def expected(customer: Customer, fmt: str) -> Customer:
    """The customer as a flat file carries it (see docs/import-export.md).

    A blank extra is not set; CSV extras come back as text; in XLSX a number
    that a cell cannot hold exactly comes back as its text.
    """
    extra = {k: _carried(v, fmt) for k, v in customer.extra.items() if v not in (None, "")}
    return attrs.evolve(customer, extra=extra)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_round_trip_examples(tmp_path: Path, suffix: str, headers: str) -> None:
    path = tmp_path / f"export{suffix}"
    customers = [FULL, INDIVIDUAL, MINIMAL]
    customers = [custrecord.structure(custrecord.unstructure(c)) for c in customers]
    assert write_customers(path, customers, headers=headers) == 3
    back = reimport(path, {"erp_id", "旧编码"})
    assert back == [expected(c, suffix[1:]) for c in customers]


def test_export_headers_and_primary_contact(tmp_path: Path) -> None:
    path = tmp_path / "zh.csv"
    write_customers(path, [FULL], headers="zh")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens Chinese correctly
    with open_table(path) as table:
        assert list(table.columns) == customer_columns(headers="zh", extra=["erp_id", "旧编码"])
        ((_, cells),) = list(table)
    assert cells["联系人"] == "李雷"
    assert cells["其他联系人"] is not None
    assert "韩梅梅" in str(cells["其他联系人"])
    assert cells["标签"] == "VIP,重点客户"


def test_xlsx_stores_identifiers_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    write_customers(path, [FULL, INDIVIDUAL])
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[3], strict=True))
    assert row["code"].value == "007"
    assert row["code"].data_type == "s"
    assert row["code"].number_format == "@"
    assert row["tax_id"].value == "11010519491231002X"
    full = dict(zip(header, sheet[2], strict=True))
    assert full["contact_mobile"].value == "+8613812345678"
    assert full["contact_mobile"].data_type == "s"
    assert full["credit_limit"].value == 500000
    assert full["credit_limit"].data_type == "n"
    assert full["credit_days"].value == 30
    assert full["credit_valid_from"].is_date


def test_export_streams_with_declared_extra(tmp_path: Path) -> None:
    customers = iter([FULL, MINIMAL])
    write_customers(tmp_path / "s.csv", customers, extra=["erp_id"])
    with open_table(tmp_path / "s.csv") as table:
        assert table.columns[-1] == "erp_id"
        assert "旧编码" not in table.columns


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers=st.deferred(lambda: _strategies().customer_lists(min_size=1, max_size=3)),
    fmt=st.sampled_from(["csv", "xlsx"]),
    headers=st.sampled_from(["en", "zh"]),
)
def test_round_trip_generated(
    tmp_path_factory: pytest.TempPathFactory, customers: list[Customer], fmt: str, headers: str
) -> None:
    assume(not any(is_field_key(k) for c in customers for k in c.extra))
    path = tmp_path_factory.mktemp("rt") / f"export.{fmt}"
    write_customers(path, customers, headers=headers)
    keys = {k for c in customers for k in c.extra}
    assert reimport(path, keys) == [expected(c, fmt) for c in customers]


def _strategies() -> Any:
    return pytest.importorskip("custrecord.testing.strategies")


# -- exact text -------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_survives_csv(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_rows(path, ["name", "text"], [{"name": "x", "text": t} for t in texts])
    assert [cells["text"] for _, cells in read_rows(path)] == [t or None for t in texts]


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_survives_xlsx(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "t.xlsx"
    write_rows(path, ["name", "text"], [{"name": "x", "text": t} for t in texts])
    assert [cells["text"] for _, cells in read_rows(path)] == [t or None for t in texts]


@pytest.mark.parametrize(
    "text", ["=SUM(A1:A2)", "#N/A", "_x0041_", "a\rb\r\nc", "\x01\x1f\ufffe", "  both  ", "+86 138", "0012"]
)
def test_xlsx_text_is_never_reinterpreted(tmp_path: Path, text: str) -> None:
    write_rows(tmp_path / "t.xlsx", ["name"], [{"name": text}])
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A2"]
    assert cell.data_type == "s"
    assert list(read_rows(tmp_path / "t.xlsx")) == [(2, {"name": text})]


def test_xlsx_too_long_text_is_an_error_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="32767"):
        write_rows(tmp_path / "t.xlsx", ["name"], [{"name": "x" * 40_000}])
    assert list(tmp_path.iterdir()) == []


def test_write_errors_are_custrecord_errors(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="cannot be written"):
        write_customers(tmp_path / "missing" / "x.csv", [MINIMAL])
    with pytest.raises(FileFormatError, match="neither"):
        write_customers(tmp_path / "x.json", [MINIMAL])


def test_openpyxl_is_imported_lazily() -> None:
    code = "import custrecord.io, sys; assert 'openpyxl' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- templates ----------------------------------------------------------------


@pytest.mark.parametrize("headers", ["zh", "en"])
def test_template(tmp_path: Path, headers: str) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path, headers=headers, grades=["AAA", "AA", "A"], categories=["0101", "0102"],
                   custom_fields=["erp_id"])
    with open_table(path, custom_fields=["erp_id"]) as table:
        assert list(table) == []
        assert table.problems == ()
        columns = table.columns
    assert columns[-1] == "erp_id"
    assert columns[:2] == (("客户编码", "客户名称") if headers == "zh" else ("code", "name"))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    validations = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    kind, grade, category = (columns.index(c) for c in customer_columns(headers=headers)
                             if c in {"客户类型", "kind", "信用等级", "credit_grade", "所属分类", "category"})
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert {f"{letters[kind]}2", f"{letters[grade]}2", f"{letters[category]}2"} <= set(validations)
    lists = book["Lists"]
    assert lists.sheet_state == "hidden"
    values = {c.value for row in lists.iter_rows() for c in row if c.value}
    assert {"AAA", "0101", "0102"} <= values
    assert ("企业" in values) == (headers == "zh")
    assert sheet["B1"].comment is not None
    assert ("必填" in sheet["B1"].comment.text) == (headers == "zh")
    assert sheet.column_dimensions["F"].number_format == "@"  # tax ID


def test_filled_template_imports(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("客户名称") + 1, value="苏州示例科技有限公司")
    sheet.cell(row=2, column=header.index("客户类型") + 1, value="企业")
    book.save(path)
    (customer,) = reimport(path)
    assert customer.name == "苏州示例科技有限公司"


def test_csv_template(tmp_path: Path) -> None:
    write_template(tmp_path / "t.csv", headers="en")
    with open_table(tmp_path / "t.csv") as table:
        assert table.columns[:2] == ("code", "name")


# -- the card -------------------------------------------------------------------


def test_customer_card_html() -> None:
    evil = attrs.evolve(FULL, name='<script>alert("x")</script>', remarks="a & b", extra={"<k>": "<v>"})
    page = customer_card_html(evil)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "a &amp; b" in page
    assert "&lt;k&gt;" in page
    assert "客户档案卡" in page
    assert "冻结" in page
    assert "韩梅梅" in page
    assert "500,000.00 CNY" in page
    english = customer_card_html(FULL, lang="en")
    assert "Customer card" in english
    assert "frozen" in english
    assert 'lang="en"' in english
    assert "<h2>Credit</h2>" not in customer_card_html(MINIMAL, lang="en")


@pytest.mark.parametrize("headers", ["en", "zh"])
def test_book_imports_raw_rows_of_an_export_unchanged(tmp_path: Path, headers: str) -> None:
    """``import_records(read_rows(export))`` works without any cell preparation."""
    book = custrecord.open()
    first = book.add(custrecord.unstructure(FULL) | {"code": None, "extra": {}})
    second = book.add({"name": "单联系人有限公司", "contacts": [{"name": "王五"}]})
    path = tmp_path / f"export-{headers}.csv"
    write_customers(path, [first, second], headers=headers)
    outcomes = list(book.import_records(read_rows(path)))
    assert [o.action for o in outcomes] == ["unchanged", "unchanged"]
    assert first.code is not None
    assert book.get(first.code) == first
