"""import_file with ``jobs``: rows parsed and validated in worker processes, the results of one process."""

from __future__ import annotations

import concurrent.futures
import csv
import json
import multiprocessing
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

import custrecord
from custrecord.book import CustomerBook, ImportOutcome, bulk_import
from custrecord.book.workers import decode_customer, encode_customer
from custrecord.cli import main
from custrecord.errors import WorkerError
from custrecord.identifiers import uscc
from custrecord.io import import_file
from custrecord.io.importing import FileImport
from custrecord.model import Customer
from custrecord.settings import Settings
from custrecord.storage.registry import open_storage
from custrecord.testing.strategies import customers
from custrecord.validation.profiles import DEFAULT

HEADER = ["客户名称", "客户编码", "税号", "联系人", "手机", "信用额度", "备注", "C"]
NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _tax(n: int) -> str:
    body = f"9131011500{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def _rows() -> list[list[str]]:
    """New customers, rows repeating earlier ones, rows that are stored customers, refused rows."""
    rows: list[list[str]] = []
    for i in range(60):
        tax = _tax(i)
        if i % 10 == 3:
            tax = tax[:-1] + ("0" if tax[-1] != "0" else "1")  # a wrong check character: refused
        rows.append([f"样品{i}贸易有限公司", "", tax, "李雷", f"139{i:08d}", str(1000 * i), "", ""])
        if i % 7 == 0:  # the same customer again, further down the same chunk or the next one
            rows.append([f"样品{i}贸易有限公司", "", tax, "韩梅梅", "", "", "again", ""])
    for i in range(100, 106):  # the stored customers: the same, a change, another name (name_conflict)
        rows.append([f"老客户{i}有限公司", "", _tax(i), "王经理", "13900000000", "", "", ""])
        rows.append([f"老客户{i}有限公司", "", _tax(i), "王经理", "13900000000", "", "续签", ""])
        rows.append([f"别的公司{i}有限公司", "", _tax(i), "", "", "", "", ""])
    rows.append(["按编码更新", "OLD-1", "", "", "", "", "改名", "extra cell"])
    rows.append(["只有名字的客户", "", "", "", "", "", "", ""])
    rows.append(["只有名字的客户", "", "", "", "", "", "again", ""])
    return rows


def _book(tmp_path: Path, name: str) -> CustomerBook:
    book = CustomerBook(open_storage(str(tmp_path / f"{name}.db")), clock=lambda: NOON)
    for i in range(100, 106):
        book.add({"name": f"老客户{i}有限公司", "tax_id": _tax(i), "contacts": [{"name": "王经理",
                                                                               "mobile": "13900000000"}]})
    book.add({"name": "旧的名字", "code": "OLD-1"})
    return book


def _state(book: CustomerBook) -> list[Any]:
    customers = sorted(book.all(include_deleted=True), key=lambda c: c.code or "")
    # The store stamps its own times: the rest is the import's.
    return [
        (attrs.evolve(c, created_at=None, updated_at=None),
         [(h.action, h.reason, h.changes) for h in book.history(c.code or "")])
        for c in customers
    ]


#: What an import writes, table by table, without the columns the store stamps (times, ids of its own).
_STORED = {
    "customers": "code, name, name_key, kind, country, tax_id, category, region, short_name, owner, parent, "
                 "department, status, prior_status, priority, version, doc",
    "history": "code, version, action, actor, reason, changes",
    "customer_lookup": "kind, value, code",
    "customer_tags": "code, tag",
    "outbox": "type, code, payload",
}


def _stored_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each table an import writes, in the order they were written, as stored."""
    with closing(sqlite3.connect(path)) as db:
        out = {table: db.execute(f"SELECT {columns} FROM custrecord_{table} ORDER BY rowid").fetchall()
               for table, columns in _STORED.items()}
    stamps = ("created_at", "updated_at")
    out["customers"] = [(*row[:-1], {k: v for k, v in json.loads(row[-1]).items() if k not in stamps})
                        for row in out["customers"]]
    return out


def _outcomes(result: FileImport) -> Any:
    return result.counts, result.invalid, result.header_problems, result.errors_written


@pytest.mark.parametrize("on_conflict", ["keep", "update", "refuse"])
def test_jobs_give_the_results_of_one_process(tmp_path: Path, on_conflict: str) -> None:
    path = _write(tmp_path / "in.csv", _rows())
    results, states, errors, rows, stored = [], [], [], [], []
    for jobs in (1, 2):
        book = _book(tmp_path, f"jobs{jobs}")
        seen: list[ImportOutcome] = []
        result = import_file(book, path, jobs=jobs, chunk_size=9, errors=tmp_path / f"err{jobs}.csv",
                             on_conflict=on_conflict, on_row=seen.append)
        results.append(_outcomes(result))
        states.append(_state(book))
        errors.append((tmp_path / f"err{jobs}.csv").read_bytes())
        rows.append(seen)
        book.close()
        stored.append(_stored_rows(tmp_path / f"jobs{jobs}.db"))
    assert results[0] == results[1]
    assert rows[0] == rows[1]
    assert [o.row for o in rows[0]] == sorted(o.row for o in rows[0])
    assert states[0] == states[1]
    assert errors[0] == errors[1]
    assert stored[0] == stored[1]
    assert all(stored[0][table] for table in ("customers", "history", "customer_lookup", "outbox"))
    counts = results[0][0]
    # What the file holds is there: repeats within it, stored customers unchanged, changed, conflicting.
    assert all(counts[action] for action in ("added", "updated", "unchanged", "invalid"))
    assert any(p.code == "name_conflict" for o in rows[0] for p in o.problems)
    assert [p.code for p in results[0][2]] == ["unknown_column"]


def test_a_file_of_one_chunk_starts_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    path = _write(tmp_path / "in.csv", _rows()[:20])
    book = custrecord.open()
    assert import_file(book, path, jobs=4, chunk_size=20).counts["added"]
    assert import_file(custrecord.open(), path, jobs=1, chunk_size=5).counts["added"]


def _crash_rule(customer: Customer, ctx: object) -> None:
    if customer.name == "崩溃有限公司" and multiprocessing.parent_process() is not None:
        os._exit(3)  # as a worker killed by the system would


def test_a_crashed_worker_keeps_the_committed_chunks(tmp_path: Path) -> None:
    rows = _rows()[:40]
    crash = [*rows, ["崩溃有限公司", "", "", "", "", "", "", ""], *_rows()[40:60]]
    path = _write(tmp_path / "in.csv", crash)
    profile = attrs.evolve(DEFAULT, rules=(*DEFAULT.rules, _crash_rule))
    settings = Settings(profile=profile)
    book = CustomerBook(open_storage(str(tmp_path / "crash.db")), settings, clock=lambda: NOON)
    seen: list[ImportOutcome] = []
    with pytest.raises(WorkerError, match="run the import again"):
        import_file(book, path, jobs=2, chunk_size=5, on_row=seen.append)
    assert len(seen) % 5 == 0  # whole chunks: each committed, none in part
    assert book.count() == sum(o.action == "added" for o in seen)
    assert not multiprocessing.active_children()
    # Run again in one process (the rule crashes only workers): it resumes.
    again = import_file(book, path, jobs=1, chunk_size=5)
    one_go = CustomerBook(open_storage(str(tmp_path / "one.db")), settings, clock=lambda: NOON)
    import_file(one_go, path, jobs=1, chunk_size=5)
    assert book.count() == one_go.count()
    assert again.counts.get("added", 0) == one_go.count() - sum(o.action == "added" for o in seen)


def test_ctrl_c_stops_the_workers_and_keeps_the_committed_chunks(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.csv", _rows())
    book = CustomerBook(open_storage(str(tmp_path / "stop.db")), clock=lambda: NOON)
    seen: list[ImportOutcome] = []

    def stop(outcome: ImportOutcome) -> None:
        seen.append(outcome)
        if len(seen) == 12:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(book, path, jobs=2, chunk_size=5, on_row=stop)
    assert not multiprocessing.active_children()
    # Outcomes come once their chunk is committed: the third chunk, whose second row stopped it, is.
    reference: list[ImportOutcome] = []
    import_file(custrecord.open(), path, chunk_size=5, on_row=reference.append)
    assert book.count() == sum(o.action == "added" for o in reference[:15])


def test_the_cli_reports_a_lost_worker_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def lost(*args: object, **kwargs: object) -> Iterator[Any]:
        raise WorkerError("a worker process stopped", message_zh="某个工作进程意外终止")

    monkeypatch.setattr(bulk_import, "admit_in_workers", lost)
    path = _write(tmp_path / "in.csv", _rows())
    code = main(["import", str(path), "--db", str(tmp_path / "cli.db"), "--jobs", "2", "--chunk-size", "5",
                 "--lang", "zh"])
    err = capsys.readouterr().err
    assert code == 2
    assert "某个工作进程意外终止" in err
    assert "Traceback" not in err


def test_the_cli_imports_with_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "in.csv", _rows())
    said = []
    for jobs in ("1", "2"):
        code = main(["import", str(path), "--db", str(tmp_path / f"cli{jobs}.db"), "--jobs", jobs,
                     "--chunk-size", "5"])
        said.append((code, capsys.readouterr().out))
    assert said[0] == said[1]
    assert "added" in said[0][1]


@given(customers())
def test_any_customer_travels_whole(customer: Customer) -> None:
    assert decode_customer(encode_customer(customer)) == customer


def test_import_records_with_jobs_reports_unknown_columns_as_one_process_does() -> None:
    records = [
        (i + 2, {"客户名称": f"样品{i % 40}贸易有限公司", "税号": _tax(i % 40), "旧系统编号": f"X{i}",
                 **({"备用列": "b"} if i == 70 else {})})
        for i in range(90)
    ]
    outcomes = []
    for jobs in (1, 2):
        book = CustomerBook(open_storage("sqlite://"), clock=lambda: NOON)
        outcomes.append(list(book.import_records(records, jobs=jobs, chunk_size=8)))
    assert outcomes[0] == outcomes[1]
    warned = [(o.row, p.path) for o in outcomes[0] for p in o.problems if p.code == "unknown_column"]
    assert warned == [(2, "旧系统编号"), (72, "备用列")]
