"""From rows to results: validation, summaries, batches and error files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import custrecord
from custrecord.io import (
    ERROR_COLUMNS,
    RowResult,
    chunks,
    open_table,
    read_rows,
    record_from_cells,
    summarize,
    validate_rows,
    write_errors,
)

CSV = (
    "客户名称,客户类型,税号,联系人,手机,备注\n"
    "苏州示例科技有限公司,企业,91110000600037341L,李雷,13812345678,好\n"
    ",企业,91110000600037341X,韩梅梅,12345,\n"
    "\n"
    "王伟,个人,,王伟,13912345678,\n"
)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(CSV, encoding="gbk")
    return path


def test_validate_rows_keeps_row_numbers_cells_and_reports(sample: Path) -> None:
    results = list(validate_rows(read_rows(sample)))
    assert [r.row for r in results] == [2, 3, 5]
    assert [r.ok for r in results] == [True, False, True]
    bad = results[1]
    assert bad.cells["税号"] == "91110000600037341X"
    assert set(bad.report.codes()) == {"name", "tax_id", "contacts[0].mobile"}
    assert results[0].customer is not None
    assert results[0].customer.contacts[0].mobile == "+8613812345678"
    hash(bad)  # immutable, hashable
    with pytest.raises(AttributeError):
        bad.row = 9  # type: ignore[misc]


def test_summarize_is_the_spec_json(sample: Path) -> None:
    summary = summarize(validate_rows(read_rows(sample)), lang="zh")
    assert set(summary) == {"rows", "valid", "invalid", "problems"}
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (3, 2, 1)
    assert {p["path"]: p["code"] for p in summary["problems"]} == {
        "name": "required",
        "tax_id": "invalid_checksum",
        "contacts[0].mobile": "invalid_phone",
    }
    for problem in summary["problems"]:
        assert set(problem) == {"row", "path", "code", "message"}
        assert problem["row"] == 3
    assert "客户名称不能为空" in [p["message"] for p in summary["problems"]]
    json.dumps(summary, ensure_ascii=False)


def test_summarize_lists_header_problems_at_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("\nname,客户名称,客户名称\nAcme,,\n", encoding="utf-8")
    with open_table(path) as table:
        summary = summarize(validate_rows(table), table=table)
    assert [(p["row"], p["code"]) for p in summary["problems"][:2]] == [(2, "duplicate_column")] * 2


def test_summarize_warnings_on_request() -> None:
    rows = [(2, {"name": "Acme", "tax_id": "91110000600037341L", "province": "江苏省"})]
    report = next(iter(validate_rows(rows))).report
    assert report.ok
    assert report.warnings
    assert summarize(validate_rows(rows))["problems"] == []
    assert summarize(validate_rows(rows), warnings=True)["problems"]


def test_custom_fields_go_to_extra_and_unknown_columns_are_reported() -> None:
    rows: list[tuple[int, dict[str, Any]]] = [
        (2, {"name": "Acme", "erp_id": "A-1", "序号": 1}),
        (3, {"name": "Beta", "erp_id": None}),
    ]
    profile = custrecord.Profile(custom_fields=frozenset({"erp_id"}))
    first, second = validate_rows(rows, profile=profile)
    assert first.report.codes() == {"序号": ["unknown_column"]}
    assert first.customer is not None
    assert dict(first.customer.extra) == {"erp_id": "A-1"}
    assert second.ok
    assert second.customer is not None
    assert dict(second.customer.extra) == {}


def test_profiles_by_name() -> None:
    rows = [(2, {"name": "Acme"})]
    (result,) = validate_rows(rows, profile="yonyou")
    assert "short_name" in result.report.codes()


def test_other_contacts_column() -> None:
    others = json.dumps([{"name": "韩梅梅", "mobile": "13912345678"}, {"name": "Li", "email": "bad"}])
    record = record_from_cells({"name": "Acme", "contact_name": "李雷", "other_contacts": others})
    customer = custrecord.structure(record, profile="lenient")
    assert [c.name for c in customer.contacts] == ["李雷", "韩梅梅", "Li"]
    (result,) = validate_rows([(2, {"name": "Acme", "联系人": "李雷", "其他联系人": others})])
    assert result.report.codes() == {"contacts[2].email": ["invalid_email"]}
    assert result.customer is not None
    assert [c.name for c in result.customer.contacts] == ["李雷", "韩梅梅", "Li"]


@pytest.mark.parametrize("value", ["", "  ", "无", None])
def test_blank_other_contacts_add_nothing(value: Any) -> None:
    (result,) = validate_rows([(2, {"name": "Acme", "其他联系人": value})])
    assert result.ok
    assert result.customer is not None
    assert result.customer.contacts == ()


@pytest.mark.parametrize("value", ["not json", '{"name": "x"}', "[1, 2]", 5, "[" * 100_000])
def test_bad_other_contacts_are_reported(value: Any) -> None:
    (result,) = validate_rows([(2, {"name": "Acme", "other_contacts": value})])
    assert result.report.codes() == {"contacts": ["invalid_format"]}
    assert "JSON" in result.problems[0].message


def test_chunks() -> None:
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks([], 3)) == []
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks([1], 0))


def test_chunks_are_lazy() -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            yield n
            n += 1

    batches = chunks(endless(), 2)
    assert next(batches) == [0, 1]


# -- error files --------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_error_file_lists_bad_rows_and_reimports(
    tmp_path: Path, sample: Path, suffix: str, lang: str
) -> None:
    with open_table(sample) as table:
        columns = table.columns
        results = list(validate_rows(table))
    out = tmp_path / f"errors{suffix}"
    assert write_errors(out, results, columns=columns, lang=lang) == 1
    with open_table(out) as errors:
        assert errors.headers[:4] == ERROR_COLUMNS[lang]
        assert errors.columns == columns  # the report columns are skipped on import
        ((_row, cells),) = list(errors)
    assert cells == dict(results[1].cells)
    import csv as _csv

    if suffix == ".csv":
        with out.open(encoding="utf-8-sig", newline="") as f:
            record = list(_csv.reader(f))[1]
        assert record[0] == "3"
        fields = record[1].split("\n")
        codes = record[2].split("\n")
        messages = record[3].split("\n")
        assert dict(zip(fields, codes, strict=True)) == (
            {"客户名称": "required", "税号": "invalid_checksum", "手机": "invalid_phone"}
        )
        assert len(messages) == 3
        assert ("客户名称不能为空" in messages) == (lang == "zh")


def test_fixed_error_file_imports_cleanly(tmp_path: Path, sample: Path) -> None:
    import csv as _csv

    with open_table(sample) as table:
        columns = table.columns
        results = list(validate_rows(table))
    out = tmp_path / "errors.csv"
    write_errors(out, results, columns=columns, lang="zh")
    with out.open(encoding="utf-8-sig", newline="") as f:
        records = list(_csv.reader(f))
    header, row = records
    fixed = dict(zip(header, row, strict=True))
    fixed.update({"客户名称": "无锡示例有限公司", "税号": "91110000600037341L", "手机": "13812345678"})
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        writer = _csv.writer(f)
        writer.writerow(header)
        writer.writerow([fixed[h] for h in header])
    (result,) = validate_rows(read_rows(out))
    assert result.ok, result.problems


def test_error_file_without_bad_rows(tmp_path: Path) -> None:
    results = list(validate_rows([(2, {"name": "Acme"})]))
    assert write_errors(tmp_path / "e.csv", results) == 0
    assert (tmp_path / "e.csv").read_text(encoding="utf-8-sig").startswith("error_row,")


def test_error_file_keeps_typed_cells_in_xlsx(tmp_path: Path) -> None:
    cells: dict[str, Any] = {"name": "", "kind": "个人", "tax_id": 1.10105199001011e17, "credit_days": 30}
    results = [RowResult(row=7, cells=cells, report=custrecord.validate(cells))]
    write_errors(tmp_path / "e.xlsx", results)
    ((row, back),) = list(read_rows(tmp_path / "e.xlsx"))
    assert row == 2
    assert back["credit_days"] == 30
    assert back["tax_id"] == "1.10105199001011e+17"  # identifiers are written as text


def test_error_file_rejects_other_extensions(tmp_path: Path) -> None:
    with pytest.raises(custrecord.CustrecordError, match=r"\.pdf"):
        write_errors(tmp_path / "e.pdf", [])
