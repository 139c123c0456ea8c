"""import_file: a file into a book, with the error file the CLI writes."""

from __future__ import annotations

from pathlib import Path

import custrecord
from custrecord.book import ImportOutcome
from custrecord.io import import_file, read_rows

GOOD = "上海样品贸易有限公司,91310115MA1K4A9B2Y,李雷,13912345678"
BAD = "张三五金店,91310115MA1K4A9B2X,张三,1391234"


def _csv(path: Path, *rows: str, header: str = "客户名称,税号,联系人,手机") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_counts_invalid_rows_and_error_file(tmp_path: Path) -> None:
    book = custrecord.open()
    seen: list[ImportOutcome] = []
    result = import_file(
        book, _csv(tmp_path / "in.csv", GOOD, BAD), errors=tmp_path / "err.csv", lang="zh", on_row=seen.append
    )
    assert result.counts == {"added": 1, "invalid": 1}
    assert [o.row for o in result.invalid] == [3]
    assert not result.ok
    assert result.errors_written == 1
    assert [o.row for o in seen] == [2, 3]
    ((row, cells),) = list(read_rows(tmp_path / "err.csv"))
    assert row == 2
    assert "错误行号" not in cells  # a reader skips the error columns: the file imports as it is
    assert cells["客户名称"] == "张三五金店"
    text = (tmp_path / "err.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "错误行号,错误字段,错误代码,错误说明,客户名称,税号,联系人,手机"
    assert "invalid_checksum" in text
    assert "invalid_phone" in text


def test_second_run_changes_nothing_and_dry_run_stores_nothing(tmp_path: Path) -> None:
    book = custrecord.open()
    path = _csv(tmp_path / "in.csv", GOOD)
    assert import_file(book, path, dry_run=True).counts == {"added": 1}
    assert book.count() == 0
    assert import_file(book, path).counts == {"added": 1}
    again = import_file(book, path, errors=tmp_path / "err.csv")
    assert again.counts == {"unchanged": 1}
    assert again.ok
    assert again.errors_written == 0
    assert not (tmp_path / "err.csv").exists()


def test_repeated_header_is_reported(tmp_path: Path) -> None:
    book = custrecord.open()
    result = import_file(book, _csv(tmp_path / "in.csv", "Acme,a,b", header="name,remarks,remarks"))
    assert [p.code for p in result.header_problems] == ["duplicate_column"]


def test_only_the_first_refused_outcomes_are_kept_but_all_are_written(tmp_path: Path) -> None:
    bad = [f"坏{i}公司,91310115MA1K4A9B2X,张三,13912345678" for i in range(7)]
    result = import_file(
        custrecord.open(), _csv(tmp_path / "in.csv", *bad), errors=tmp_path / "e.csv", keep_invalid=3
    )
    assert result.counts == {"invalid": 7}
    assert [o.row for o in result.invalid] == [2, 3, 4]
    assert result.errors_written == 7
    assert len(list(read_rows(tmp_path / "e.csv"))) == 7
