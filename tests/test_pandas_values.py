"""Values from pandas and numpy: numbers are numbers, NaN, NaT, pd.NA and None are blank.

The library never imports pandas or numpy (duck typing); these tests do, from the test extra.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import custrecord
from custrecord.coerce import is_blank, plain_value

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")


def test_numpy_scalars_are_the_numbers_they_hold() -> None:
    report = custrecord.validate(
        {"name": "甲", "credit_limit": np.float64(900000), "priority": np.int64(2),
         "credit_days": np.int32(30)}
    )
    assert report.ok, report.problems
    assert report.customer is not None
    assert report.customer.credit.limit == Decimal(900000)
    assert (report.customer.priority, report.customer.credit.days) == (2, 30)


@pytest.mark.parametrize("blank", [None, float("nan"), "nan-as-numpy", "NaT", "NA", "  "])
def test_missing_values_are_blank_everywhere(blank: object) -> None:
    value = {"nan-as-numpy": np.float64("nan"), "NaT": pd.NaT, "NA": pd.NA}.get(blank, blank)  # type: ignore[call-overload]
    assert is_blank(value)
    record = {
        "name": "甲", "tax_id": value, "credit_limit": value, "credit_valid_from": value, "priority": value,
        "contact_name": value, "tags": value, "other_contacts": value, "industry": value,
    }
    report = custrecord.validate(record)
    assert report.ok, report.problems
    assert report.customer == custrecord.structure({"name": "甲"})


def test_pandas_times_and_numpy_dates_are_dates() -> None:
    assert plain_value(np.datetime64("2025-01-31")) == "2025-01-31"
    customer = custrecord.structure({
        "name": "甲",
        "credit_valid_from": pd.Timestamp("2025-01-01"),
        "credit_valid_until": np.datetime64("2026-12-31T00:00:00.000000000"),
    })
    assert (customer.credit.valid_from, customer.credit.valid_until) == (date(2025, 1, 1), date(2026, 12, 31))


def test_book_add_and_structure_take_a_frame_row() -> None:
    frame = pd.DataFrame({"客户名称": ["甲公司"], "信用额度": [np.float64(5e5)], "优先级": [np.int64(1)],
                          "税号": [np.nan]})
    (row,) = frame.to_dict("records")
    book = custrecord.open()
    stored = book.add(row)
    assert (stored.credit.limit, stored.priority, stored.tax_id) == (Decimal(500000), 1, None)


def test_validate_many_reads_rows_as_one_table() -> None:
    frame = pd.DataFrame({
        "客户名称": ["甲公司", "", "丙公司"],
        "联系人姓名": ["王", "李", "赵"],
        "手机号码": ["13812345678", "13812345679", "12345"],
        "Unnamed: 3": [np.nan, np.nan, np.nan],
    })
    reports = custrecord.validate_many(frame.to_dict("records"))
    assert [r.ok for r in reports] == [True, False, False]
    # The stray column is reported once, as a warning of the first row, and not read.
    assert [(p.path, p.code, p.severity.value) for p in reports[0].problems] == [
        ("Unnamed: 3", "unknown_column", "warning")
    ]
    assert reports[1].codes() == {"name": ["required"]}
    assert reports[2].codes() == {"contacts[0].mobile": ["invalid_phone"]}
    strict = custrecord.validate_many(frame.to_dict("records"), strict_columns=True)
    assert [r.codes().get("Unnamed: 3") for r in strict] == [["unknown_column"]] * 3
    mapped = custrecord.validate_many([{"旧名称": "甲"}], columns={"旧名称": "name"})
    assert mapped[0].ok
    assert mapped[0].customer is not None
    assert mapped[0].customer.name == "甲"


def test_a_frame_read_by_read_excel_with_blank_cells(tmp_path: Path) -> None:
    """A workbook as a spreadsheet user fills it in (blank cells, numbers as numbers), read by pandas."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["客户编码", "客户名称", "税号", "信用额度", "信用期限", "联系人", "手机", "信用起始日期",
                  "备注"])
    sheet.append(["01.001", "苏州甲科技有限公司", "91110000600037341L", 500000, 30, "王", 13812345678,
                  date(2025, 1, 1), None])
    sheet.append(["01.002", "上海乙贸易有限公司", None, None, None, None, None, None, "新客户"])
    sheet.append([None, "北京丙商行", None, 12000.5, 45, None, None, None, None])
    workbook.save(tmp_path / "frame.xlsx")
    frame = pd.read_excel(tmp_path / "frame.xlsx", dtype={"客户编码": str})
    assert frame.isna().any().any()  # NaN and NaT where the cells are blank

    reports = custrecord.validate_many(frame.to_dict("records"))
    assert all(r.ok for r in reports), [r.problems for r in reports]

    book = custrecord.open()
    outcomes = list(book.import_records(enumerate(frame.to_dict("records"), start=2)))
    assert [o.action for o in outcomes] == ["added", "added", "added"]
    first = book.get("01.001")
    credit = first.credit
    assert (credit.limit, credit.days, credit.valid_from) == (Decimal(500000), 30, date(2025, 1, 1))
    assert first.contacts[0].mobile == "+8613812345678"
    assert book.get("01.002").credit.limit is None
    third = book.get(outcomes[2].code or "")
    assert (third.credit.limit, third.credit.days) == (Decimal("12000.5"), 45)
    # The same frame again changes nothing.
    again = list(book.import_records(enumerate(frame.to_dict("records"), start=2)))
    assert [o.action for o in again] == ["unchanged"] * 3


def test_the_library_never_imports_pandas_or_numpy() -> None:
    code = (
        "import sys, custrecord, custrecord.io\n"
        "custrecord.validate_many([{'name': 'x', 'credit_limit': '5万'}])\n"
        "book = custrecord.open()\n"
        "book.add({'name': 'x', 'contacts': [{'name': 'y', 'mobile': '13812345678'}]})\n"
        "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
