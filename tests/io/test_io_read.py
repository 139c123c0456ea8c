"""Reading CSV and XLSX files: encodings, delimiters, headers, cells, bad files."""

from __future__ import annotations

import contextlib
import tracemalloc
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custrecord
from custrecord.io import (
    DUPLICATE_COLUMN,
    FileError,
    FileFormatError,
    open_table,
    read_rows,
    validate_rows,
)

ZH_CSV = "客户名称,税号,手机,信用截止日期\n苏州示例科技有限公司,91110000600037341L,13812345678,2026-12-31\n"
ROW = {
    "客户名称": "苏州示例科技有限公司",
    "税号": "91110000600037341L",
    "手机": "13812345678",
    "信用截止日期": "2026-12-31",
}


def xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    book.save(path)
    return path


# -- CSV encodings and delimiters ---------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(ZH_CSV.encode(encoding))
    with open_table(path) as table:
        assert table.columns == tuple(ROW)
        assert list(table) == [(2, ROW)]


def test_gbk_without_bom_is_read_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(ZH_CSV.encode("gbk"))
    with open_table(path) as table:
        assert table.encoding == "gb18030"


def test_gbk_after_a_long_ascii_prefix_is_still_detected(tmp_path: Path) -> None:
    lines = ["name,remarks"] + [f"Company {i},plain ascii" for i in range(5000)] + ["苏州示例,备注"]
    path = tmp_path / "late.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    rows = list(read_rows(path))
    assert rows[-1] == (5002, {"name": "苏州示例", "remarks": "备注"})


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["name", "tax_id", "remarks"]) + "\n"
    text += delimiter.join(["Acme", "91110000600037341L", '"a, b; c\td"']) + "\n"
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    with open_table(path) as table:
        assert table.delimiter == delimiter
        assert list(table) == [(2, {"name": "Acme", "tax_id": "91110000600037341L", "remarks": "a, b; c\td"})]


def test_row_numbers_count_blank_rows_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('\n\nname,remarks\nA,"two\nlines"\n,\n  ,\t\nB,x\n', encoding="utf-8")
    with open_table(path) as table:
        assert table.header_row == 3
        assert [(n, c["name"]) for n, c in table] == [(4, "A"), (7, "B")]


def test_headers_are_trimmed_and_blank_cells_are_none(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("客户名称 , 税号\u3000,\n示例,\n", encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"客户名称": "示例", "税号": None})]


def test_cells_under_blank_headers_are_kept_by_letter_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("name,,kind\nAcme,stray,企业,more\nBeta,,企业\n", encoding="utf-8")
    rows = list(read_rows(path))
    assert rows == [
        (2, {"name": "Acme", "kind": "企业", "B": "stray", "D": "more"}),
        (3, {"name": "Beta", "kind": "企业"}),
    ]
    results = list(validate_rows(rows))
    # Reported once, as warnings of the row they are first met in; no row is refused for them.
    assert results[0].report.codes() == {"B": ["unknown_column"], "D": ["unknown_column"]}
    assert all(r.ok for r in results)
    with open_table(path) as table:
        assert [r.ok for r in validate_rows(table)] == [True, True]
        assert [(p.path, p.code, p.is_error) for p in table.problems] == [
            ("B", "unknown_column", False), ("D", "unknown_column", False)
        ]


def test_repeated_columns_are_reported_not_merged(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("name,tax_id,税号\nAcme,91110000600037341L,X\n", encoding="utf-8")
    with open_table(path) as table:
        assert table.columns == ("name", "tax_id", "税号 (C)")
        assert [p.code for p in table.problems] == [DUPLICATE_COLUMN]
        assert "C" in table.problems[0].message
        assert "重复" in table.problems[0].message_zh
        (result,) = validate_rows(table)
    # The repeat's cells stay in the row as read, and go to no field.
    assert result.ok
    assert result.report.codes() == {}
    assert result.cells["税号 (C)"] == "X"


def test_error_report_columns_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "fixed.csv"
    path.write_text("error_row,error_field,error_code,error_message,name\n2,name,required,x,Acme\n")
    assert list(read_rows(path)) == [(2, {"name": "Acme"})]


def test_huge_csv_is_read_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write("客户名称,税号,备注\r\n")
        for i in range(30_000):
            out.write(f"苏州示例科技有限公司{i},91110000600037341L,{'备注' * 20}\r\n")
    assert path.stat().st_size > 3_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 30_000
    assert peak < 1_000_000, peak


# -- XLSX cells ---------------------------------------------------------------


def test_xlsx_numbers_dates_and_empty_rows(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "n.xlsx", [
        [None],
        ["客户名称 ", "联系人", "手机", "电话", "邮编", "信用额度", "信用期限", "信用起始日期", "备注"],
        [],
        ["示例", "李雷", 13812345678, 1.3812345678e10, 215000, 12345.5, 30, datetime(2025, 1, 31), "文本"],
        [None, None, "  "],
    ])
    with open_table(path) as table:
        assert table.header_row == 2
        rows = list(table)
    assert rows == [(4, {
        "客户名称": "示例", "联系人": "李雷", "手机": 13812345678, "电话": 13812345678, "邮编": 215000,
        "信用额度": 12345.5, "信用期限": 30, "信用起始日期": date(2025, 1, 31), "备注": "文本",
    })]
    cells = rows[0][1]
    assert type(cells["手机"]) is int
    assert type(cells["电话"]) is int
    assert type(cells["信用起始日期"]) is date
    (result,) = validate_rows(rows)
    assert result.ok, result.problems
    assert result.customer is not None
    assert result.customer.contacts[0].mobile == "+8613812345678"
    assert result.customer.credit.valid_from == date(2025, 1, 31)


@pytest.mark.parametrize("number", [110105199001011234, 1.10105199001011e17, 911100006000373410])
def test_an_18_digit_id_stored_as_a_number_is_reported(tmp_path: Path, number: float) -> None:
    path = xlsx(tmp_path / "id.xlsx", [["name", "kind", "tax_id"], ["王伟", "个人", number]])
    (result,) = validate_rows(read_rows(path))
    assert not result.ok
    (problem,) = result.problems
    assert (problem.path, problem.code) == ("tax_id", "invalid_format")
    assert "text" in problem.message
    assert "文本" in problem.message_zh
    assert isinstance(result.cells["tax_id"], float)


def test_xlsx_text_stays_text(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "t.xlsx", [["code", "postcode", "name"], ["007", "010000", "  spaced  "]])
    assert list(read_rows(path)) == [(2, {"code": "007", "postcode": "010000", "name": "  spaced  "})]


def test_xlsx_merged_header_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户名称", "联系人", None, "税号"])
    sheet.merge_cells("B1:C1")
    sheet.append(["示例", "李雷", "13812345678", None])
    sheet.append(["示例二", "韩梅梅", None, None])
    book.save(tmp_path / "m.xlsx")
    with open_table(tmp_path / "m.xlsx") as table:
        assert table.columns == ("客户名称", "联系人", "税号")
        rows = list(table)
    assert rows[0] == (2, {"客户名称": "示例", "联系人": "李雷", "C": "13812345678", "税号": None})
    first, second = validate_rows(rows)
    assert first.report.codes() == {"C": ["unknown_column"]}
    assert second.ok


def test_xlsx_sheet_choice(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["name"])
    other = book.create_sheet("客户")
    other.append(["name"])
    other.append(["Acme"])
    book.save(tmp_path / "s.xlsx")
    assert list(read_rows(tmp_path / "s.xlsx", sheet="客户")) == [(2, {"name": "Acme"})]
    assert list(read_rows(tmp_path / "s.xlsx", sheet=1)) == [(2, {"name": "Acme"})]
    with pytest.raises(FileFormatError, match="no sheet named 'x'"):
        open_table(tmp_path / "s.xlsx", sheet="x")


# -- bad files ----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="no such file") as info:
        open_table(tmp_path / "nope.csv")
    assert str(tmp_path / "nope.csv") in str(info.value)
    assert isinstance(info.value, custrecord.CustrecordError)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="directory"):
        list(read_rows(tmp_path))


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("c.xlsx", b"PK\x03\x04garbage", "not a valid XLSX"),
        ("c.xlsx", b"name,tax_id\n", "not a valid XLSX"),
        ("c.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97-2003"),
        ("c.pdf", b"%PDF-1.4", "not a CSV or XLSX"),
        ("c.json", b'{"name": 1}', "not a CSV or XLSX"),
        ("c.csv", b"", "no header row"),
        ("c.csv", b"\n\n ,\n", "no header row"),
        ("c.csv", b"name\n\xff\xfe\xfa\x80\x81", "cannot be decoded"),
    ],
)
def test_bad_files_give_a_custrecord_error(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=match) as info:
        list(read_rows(path))
    assert info.value.path == str(path)


def test_truncated_xlsx(tmp_path: Path) -> None:
    good = xlsx(tmp_path / "good.xlsx", [["name"], *[[f"Company {i}"] for i in range(2000)]])
    data = good.read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError):
        list(read_rows(bad))


def test_xlsx_with_a_broken_sheet(tmp_path: Path) -> None:
    good = xlsx(tmp_path / "good.xlsx", [["name"], ["Acme"]])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    with pytest.raises(FileFormatError, match=r"bad\.xlsx"):
        list(read_rows(bad))


def test_an_xlsx_named_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "x.xlsx", [["name"], ["Acme"]])
    renamed = tmp_path / "x.csv"
    path.rename(renamed)
    assert list(read_rows(renamed)) == [(2, {"name": "Acme"})]


def test_missing_openpyxl_gives_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    path = xlsx(tmp_path / "x.xlsx", [["name"], ["Acme"]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(custrecord.CustrecordError, match=r"custrecord\[excel\]"):
        list(read_rows(path))


# -- robustness -----------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".tsv", ".txt", ".xlsx"]))
def test_any_bytes_give_rows_or_a_file_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("junk") / f"junk{suffix}"
    path.write_bytes(data)
    try:
        results = list(validate_rows(read_rows(path)))
    except FileError:
        return
    assert all(r.row >= 2 for r in results)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=8)), max_size=4))
def test_damaged_xlsx_gives_rows_or_a_file_error(
    tmp_path_factory: pytest.TempPathFactory, cuts: list[tuple[int, bytes]]
) -> None:
    folder = tmp_path_factory.mktemp("damaged")
    data = bytearray(xlsx(folder / "good.xlsx", [["name", "tax_id"], ["Acme", 12345]]).read_bytes())
    for at, junk in cuts:
        at %= len(data)
        data[at : at + len(junk)] = junk
    path = folder / "bad.xlsx"
    path.write_bytes(bytes(data))
    with contextlib.suppress(FileError):
        list(validate_rows(read_rows(path)))
