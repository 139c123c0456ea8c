"""The command line end to end: exit codes, output, files (a child process where it matters)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.clirun import run, run_child

from custrecord.data import sample_path

HEADER = "客户名称,税号,联系人,手机,邮编\n"
ROWS = (
    "苏州甲科技有限公司,91110000600037341L,王经理,13812345678,215000\n"
    ",91110000600037341M,李,1381234567,2150\n"
)



@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8-sig")
    return path


def test_validate_json_is_exactly_spec(small_csv: Path) -> None:
    result = run("validate", str(small_csv), "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"rows", "valid", "invalid", "problems"}
    assert (data["rows"], data["valid"], data["invalid"]) == (2, 1, 1)
    assert {(p["row"], p["path"], p["code"]) for p in data["problems"]} == {
        (3, "name", "required"),
        (3, "tax_id", "invalid_checksum"),
        (3, "contacts[0].mobile", "invalid_phone"),
        (3, "address.postcode", "invalid_postcode"),
    }
    assert all(set(p) == {"row", "path", "code", "message"} for p in data["problems"])


def test_validate_text_in_chinese(small_csv: Path) -> None:
    result = run("validate", str(small_csv), "--lang", "zh")
    assert result.returncode == 1
    assert "客户名称不能为空" in result.stdout
    assert "第3行：客户名称：required：客户名称不能为空" in result.stdout
    assert "共2行：有效1行，无效1行" in result.stdout
    assert "rows" not in result.stdout


def test_validate_clean_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + ROWS.splitlines()[0] + "\n", encoding="utf-8")
    assert run("validate", str(path)).returncode == 0


def test_missing_file_is_exit_2_without_traceback(tmp_path: Path) -> None:
    result = run_child("validate", str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "nope.csv" in result.stderr


def test_usage_error_is_exit_2() -> None:
    result = run("import")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert run("frobnicate").returncode == 2


def test_unreachable_database_is_exit_2(small_csv: Path) -> None:
    result = run("import", str(small_csv), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_import_export_reimport(tmp_path: Path, small_csv: Path) -> None:
    db = tmp_path / "c.db"
    errors = tmp_path / "errors.csv"
    result = run("import", str(small_csv), "--db", str(db), "--errors", str(errors), "--quiet")
    assert result.returncode == 1, result.stderr
    assert "1 added" in result.stdout
    assert "1 invalid" in result.stdout
    with errors.open(encoding="utf-8-sig") as f:
        bad = list(csv.DictReader(f))
    # one line per bad row; its problems are joined, one per line of the cell
    assert len(bad) == 1
    assert set(bad[0]["error_code"].splitlines()) >= {"required", "invalid_checksum"}
    assert all(r["error_row"] == "3" for r in bad)

    again = run("import", str(small_csv), "--db", str(db), "--quiet")
    assert "1 unchanged" in again.stdout

    out = tmp_path / "export.csv"
    assert run("export", str(out), "--db", str(db), "--headers", "zh").returncode == 0
    reimport = run("import", str(out), "--db", str(db), "--quiet")
    assert reimport.returncode == 0, reimport.stdout + reimport.stderr
    assert "1 unchanged" in reimport.stdout

    shown = run("show", "C000001", "--db", str(db), "--format", "json")
    assert json.loads(shown.stdout)["tax_id"] == "91110000600037341L"
    history = run("history", "C000001", "--db", str(db), "--format", "json")
    assert [e["action"] for e in json.loads(history.stdout)] == ["add"]
    report = run("report", "--db", str(db), "--format", "json")
    assert json.loads(report.stdout)["summary"]["customers"] == 1
    assert json.loads(report.stdout)["by_owner"] == [{"owner": "", "count": 1}]
    assert "分管部门" in run("report", "--db", str(db), "--lang", "zh").stdout


def test_dry_run_stores_nothing(tmp_path: Path, small_csv: Path) -> None:
    db = tmp_path / "c.db"
    result = run("import", str(small_csv), "--db", str(db), "--dry-run", "--quiet")
    assert "1 would be added" in result.stdout
    report = run("report", "--db", str(db), "--format", "json")
    assert json.loads(report.stdout)["summary"]["customers"] == 0


def test_show_unknown_code_is_exit_2(tmp_path: Path, small_csv: Path) -> None:
    db = str(tmp_path / "c.db")
    run("import", str(small_csv), "--db", db, "--quiet")
    for command in ("show", "history"):
        result = run(command, "NOPE", "--db", db)
        assert result.returncode == 2
        assert result.stderr.strip() == f"custrecord {command}: error: no customer NOPE"
    chinese = run("show", "NOPE", "--db", db, "--lang", "zh")
    assert chinese.stderr.strip() == "custrecord show：错误：没有客户NOPE"


def test_demo_runs_and_reruns(tmp_path: Path) -> None:
    first = run_child("demo", "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    for heading in ("import", "codes", "duplicate", "credit", "summary"):
        assert heading in first.stdout
    manifest = json.loads(sample_path("sample_manifest.json").read_text(encoding="utf-8"))
    planted = len(manifest["duplicate_groups"])
    assert f"{planted} of {planted} planted duplicate groups found, 0 other" in first.stdout
    # The sample's group: the third member's order is blocked by the group limit alone.
    assert "group 0001 (集团): limit" in first.stdout
    orders = [line for line in first.stdout.splitlines() if " SO-G" in line]
    assert [line.split()[4] for line in orders] == ["pass", "pass", "block"]
    assert "group 0001: exposure" in orders[2]
    assert (tmp_path / "custrecord-demo.db").exists()
    assert (tmp_path / "custrecord-demo-errors.csv").exists()
    second = run("demo", "--quiet", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "reused" in second.stdout
    assert " added" not in second.stdout.split("\n== 2.")[0].split("==\n", 2)[-1].split("\n")[1]


def test_validate_bundled_sample_json() -> None:
    result = run("validate", str(sample_path()), "--format", "json")
    data = json.loads(result.stdout)
    assert data["rows"] == 400
    assert data["invalid"] > 0


def test_template_and_card(tmp_path: Path, small_csv: Path) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(
        '[categories]\nscheme = "2-2"\nnodes = { "01" = "经销商", "0101" = "一级" }\n'
        '[credit.grades.A]\nlimit = "100"\n',
        encoding="utf-8",
    )
    out = tmp_path / "template.xlsx"
    result = run("template", str(out), "--settings", str(settings))
    assert result.returncode == 0, result.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert sheet is not None
    assert "客户名称" in [c.value for c in sheet[1]]
    db = tmp_path / "c.db"
    run("import", str(small_csv), "--db", str(db), "--quiet")
    card = run("show", "C000001", "--db", str(db), "--format", "html")
    assert card.returncode == 0
    assert "<html" in card.stdout.lower()
    assert "苏州甲科技有限公司" in card.stdout


def test_bad_settings_file_is_exit_2(tmp_path: Path, small_csv: Path) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text("profle = 1\n", encoding="utf-8")
    result = run("validate", str(small_csv), "--settings", str(settings))
    assert result.returncode == 2
    assert "profle" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_as_a_role_masks_what_it_may_not_see(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    source = tmp_path / "in.csv"
    source.write_text("客户名称,银行账号\n甲公司,6222021234567891234\n", encoding="utf-8")
    assert run("import", str(source), "--db", str(db), "--quiet").returncode == 0
    out = tmp_path / "sales.csv"
    result = run("export", str(out), "--db", str(db), "--role", "sales", "--user", "li")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert "6222***********1234" in text
    assert "6222021234567891234" not in text
    denied = run("export", str(tmp_path / "v.csv"), "--db", str(db), "--role", "viewer")
    assert denied.returncode == 2
    assert "Traceback" not in denied.stderr
    assert "export" in denied.stderr
    assert not (tmp_path / "v.csv").exists()


def test_import_collects_garbage_once_a_chunk_and_restores_the_collector(tmp_path: Path) -> None:
    import gc

    import custrecord
    from custrecord.cli.commands import _bulk_gc
    from custrecord.cli.jobs import run_import
    from custrecord.cli.output import Output

    path = tmp_path / "many.csv"
    body = "".join(f"客户{i:04d}有限公司\n" for i in range(450))
    path.write_text("客户名称\n" + body, encoding="utf-8")
    calls: list[bool] = []
    was_enabled = gc.isenabled()
    with custrecord.open(str(tmp_path / "gc.db")) as book, _bulk_gc() as collect:
        assert not gc.isenabled()

        def every_chunk() -> None:
            collect()
            calls.append(gc.isenabled())

        counts, _, _ = run_import(
            book, str(path), out=Output(quiet=True), chunk_size=200, every_chunk=every_chunk
        )
    assert counts["added"] == 450
    assert calls == [False, False]  # after rows 200 and 400
    assert gc.isenabled() is was_enabled
