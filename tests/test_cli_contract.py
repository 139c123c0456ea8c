"""The command line does not surprise: read-only commands, URLs, option values, pipes, --lang zh, the demo."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.clirun import run
from tests.storage.servers import MARIADB_ENV, POSTGRES_ENV, unique_prefix

import custrecord
from custrecord.storage.registry import open_storage, with_driver

HEADER = "客户名称,税号,联系人,手机,信用额度\n"
GOOD = "苏州甲科技有限公司,91110000600037341L,王经理,13812345678,900000\n"
BAD = ",91110000600037341M,李,1381234567,\n"



@pytest.fixture
def db(tmp_path: Path) -> str:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD, encoding="utf-8")
    path = str(tmp_path / "c.db")
    assert run("import", str(source), "--db", path, "--quiet").returncode == 0
    return path


@pytest.mark.parametrize(
    "command", [["report"], ["export", "out.csv"], ["show", "C000001"], ["history", "C000001"], ["dedupe"]]
)
def test_commands_that_only_read_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "missing.db"
    result = run(*command, "--db", str(missing), cwd=tmp_path)
    assert result.returncode == 2
    assert "no such database" in result.stderr
    assert "Traceback" not in result.stderr
    assert not missing.exists()
    url = run(*command, "--db", f"sqlite:///{missing}", cwd=tmp_path)
    assert (url.returncode, missing.exists()) == (2, False)
    assert "数据库不存在" in run(*command, "--db", str(missing), "--lang", "zh", cwd=tmp_path).stderr


def test_urls_without_a_driver_reach_the_installed_ones() -> None:
    assert with_driver("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert with_driver("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert with_driver("mysql://u@h/db") == "mysql+pymysql://u@h/db"
    assert with_driver("mariadb://u@h/db") == "mysql+pymysql://u@h/db"
    assert with_driver("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert with_driver("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(("env", "schemes"), [(POSTGRES_ENV, ("postgres", "postgresql")),
                                              (MARIADB_ENV, ("mysql", "mariadb"))])
def test_plain_server_urls_open(env: str, schemes: tuple[str, ...]) -> None:
    url = os.environ.get(env)
    if not url:
        pytest.skip(f"set {env} to run against the server")
    rest = url.partition("://")[2]
    for scheme in schemes:
        storage = open_storage(f"{scheme}://{rest}", table_prefix=unique_prefix())
        try:
            assert custrecord.CustomerBook(storage).count() == 0
        finally:
            storage.drop()
            storage.close()


@pytest.mark.parametrize(
    "options",
    [
        ["import", "in.csv", "--db", "x.db", "--chunk-size", "0"],
        ["import", "in.csv", "--db", "x.db", "--chunk-size", "many"],
        ["import", "in.csv", "--db", "x.db", "--on-conflict", "merge"],
        ["import", "in.csv", "--db", "x.db", "--map", "旧列"],
        ["import", "in.csv", "--db", "x.db", "--map", "旧列=nothing"],
        ["import", "in.csv", "--db", "x.db", "--encoding", "klingon"],
        ["validate", "in.csv", "--profile", "strictest"],
        ["dedupe", "--db", "x.db", "--threshold", "5"],
        ["export", "o.csv", "--db", "x.db", "--status", "sleeping"],
    ],
)
def test_every_bad_option_value_is_a_usage_error(tmp_path: Path, options: list[str]) -> None:
    (tmp_path / "in.csv").write_text(HEADER + GOOD, encoding="utf-8")
    result = run(*options, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("name,contact_name,contact_mobile\n" + "".join(f"x{i},a,123\n" for i in range(20_000)),
                    encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "custrecord", "validate", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    assert process.stdout.readline().startswith(b"row 2:")
    process.stdout.close()
    error = process.stderr.read()
    process.stderr.close()
    assert (process.wait(timeout=120), error) == (0, b"")


_LATIN_WORD = re.compile(r"\b(?:rows?|added|updated|unchanged|skipped|invalid|customers?|written|by|count|"
                         r"field|share|history|version|changes|error|database|problems?|orders?|done)\b")


def test_lang_zh_translates_every_line(tmp_path: Path, db: str) -> None:
    source = tmp_path / "more.csv"
    source.write_text(HEADER + GOOD.replace("900000", "1000000") + BAD + "新客户,,,,\n", encoding="utf-8")
    outputs = [
        run("import", str(source), "--db", db, "--lang", "zh", "--errors", str(tmp_path / "e.csv")).stdout,
        run("report", "--db", db, "--lang", "zh").stdout,
        run("history", "C000001", "--db", db, "--lang", "zh").stdout,
        run("show", "C000001", "--db", db, "--lang", "zh").stdout,
        run("export", str(tmp_path / "out.csv"), "--db", db, "--lang", "zh").stdout,
        run("dedupe", "--db", db, "--lang", "zh").stdout,
        run("validate", str(source), "--lang", "zh").stdout,
    ]
    for text in outputs:
        for line in text.splitlines():
            assert not _LATIN_WORD.search(line), line
    assert "更新1行" in outputs[0]
    assert "信用额度：1,000,000.00" in outputs[3]
    problem = run("import", str(tmp_path / "nope.csv"), "--db", db, "--lang", "zh")
    assert problem.stderr.startswith("custrecord import：错误：")


def test_amounts_show_two_decimals_and_cut_cells_end_with_an_ellipsis(tmp_path: Path, db: str) -> None:
    shown = run("show", "C000001", "--db", db).stdout
    assert "credit.limit: 900,000.00" in shown
    history = run("history", "C000001", "--db", db).stdout
    row = next(line for line in history.splitlines() if line.startswith("1 "))
    assert row.rstrip().endswith("…")


def test_export_says_what_it_masked(tmp_path: Path, db: str) -> None:
    result = run("export", str(tmp_path / "sales.csv"), "--db", db, "--role", "sales")
    assert result.returncode == 0
    assert "masked" in result.stdout
    assert "bank_account" in result.stdout
    plain = run("export", str(tmp_path / "all.csv"), "--db", db)
    assert "masked" not in plain.stdout


def test_import_options_reach_the_import(tmp_path: Path, db: str) -> None:
    other = tmp_path / "other.csv"
    other.write_text("公司,税号,传真\n苏州乙贸易有限公司,91110000600037341L,0512-1\n", encoding="gbk")
    kept = run("import", str(other), "--db", db, "--map", "公司=name", "--encoding", "gbk")
    assert kept.returncode == 0, kept.stderr
    assert "name_conflict" in kept.stdout
    assert "1 skipped" in kept.stdout
    assert "传真: unknown_column" in kept.stdout
    mapped = ("import", str(other), "--db", db, "--map", "公司=name", "--quiet")
    strict = run(*mapped, "--strict-columns")
    assert (strict.returncode, "1 invalid" in strict.stdout) == (1, True)
    refused = run(*mapped, "--on-conflict", "refuse")
    assert "1 invalid" in refused.stdout
    updated = run(*mapped, "--on-conflict", "update")
    assert "1 updated" in updated.stdout
    assert custrecord.open(db).get("C000001").name == "苏州乙贸易有限公司"


def test_demo_rerun_updates_nothing_and_adds_no_history(tmp_path: Path) -> None:
    first = run("demo", "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    with custrecord.open(tmp_path / "custrecord-demo.db") as book:
        entries = sum(len(book.history(c.code or "")) for c in book.all(include_deleted=True))
    second = run("demo", "--quiet", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    counts = next(line for line in second.stdout.splitlines() if "unchanged" in line)
    assert "updated" not in counts
    assert "added" not in counts
    with custrecord.open(tmp_path / "custrecord-demo.db") as book:
        assert sum(len(book.history(c.code or "")) for c in book.all(include_deleted=True)) == entries
    assert "custrecord-demo-errors.csv" in (Path(__file__).resolve().parents[1] / ".gitignore").read_text()
    # The demo's codes ({category}{seq:4}) are kept by a book with another code rule.
    assert run("export", "all.xlsx", "--db", "custrecord-demo.db", cwd=tmp_path).returncode == 0
    moved = run("import", "all.xlsx", "--db", "fresh.db", "--quiet", cwd=tmp_path)
    assert moved.returncode == 0, moved.stdout
    assert moved.stdout.strip().endswith("338 added")
