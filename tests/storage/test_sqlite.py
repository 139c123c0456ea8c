"""The SQL adapter on SQLite (file) passes the conformance kit, and its SQLite specifics."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from custrecord import Customer, DuplicateError, UnavailableError
from custrecord.storage import Storage, open_storage
from custrecord.storage.sql import SqlStorage
from custrecord.storage.sql.schema import SCHEMA_VERSION
from custrecord.testing import StorageContract


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStorage]:
    storage = SqlStorage(str(tmp_path_factory.mktemp("sqlite") / "kit.db"))
    yield storage
    storage.close()


class TestSqliteStorage(StorageContract):
    @pytest.fixture
    def make_storage(self, shared: SqlStorage) -> Callable[[], Storage]:
        def fresh() -> Storage:
            shared.clear()
            return shared

        return fresh

    @pytest.fixture
    def writes_per_writer(self) -> int:
        return 500

    @pytest.fixture
    def unavailable_storage(self, tmp_path: Path) -> Callable[[], Storage]:
        return lambda: open_storage(str(tmp_path / "missing-dir" / "x.db"))


def test_file_is_in_wal_mode_with_the_schema_versioned(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    storage = open_storage(str(path))
    assert isinstance(storage, SqlStorage)
    assert storage.search.method == "fts5-trigram"
    storage.customers.add(Customer(name="苏州华信科技有限公司", code="C1"))
    storage.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT version FROM custrecord_schema_version").fetchall() == [(SCHEMA_VERSION,)]
    again = open_storage(f"sqlite:///{path}")  # reopening migrates nothing and keeps data
    assert again.customers.get("C1").name == "苏州华信科技有限公司"
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    open_storage(str(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO custrecord_schema_version VALUES (99, 'x', 'from the future')")
    with pytest.raises(Exception, match="newer than this custrecord"):
        open_storage(str(path))


def test_table_prefix_separates_stores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    one = open_storage(url + "?table_prefix=one_")
    two = open_storage(url, table_prefix="two_")
    one.customers.add(Customer(name="甲", code="C1"))
    assert two.customers.count() == 0
    assert one.customers.count() == 1
    one.close()
    two.close()


def test_in_memory_sqlite_works_across_threads() -> None:
    import threading

    storage = open_storage("sqlite://")
    threads = [
        threading.Thread(
            target=lambda n=n: [storage.customers.add(Customer(name="x", code=f"{n}-{i}")) for i in range(20)]
        )
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert storage.customers.count() == 80


def test_unwritable_location_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(UnavailableError):
        open_storage(str(tmp_path / "no" / "such" / "dir" / "c.db"))


def _batch(n: int, start: int = 0) -> list[Customer]:
    return [Customer(name=f"批量客户{i}", code=f"B{i:05d}", tax_id=f"T{i}") for i in range(start, start + n)]


def test_get_many_runs_one_query_per_batch_of_codes() -> None:
    from sqlalchemy import event

    storage = SqlStorage("sqlite://")
    storage.customers.add_many(_batch(1200))
    selects: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(storage.engine, "before_cursor_execute", count)
    assert len(storage.customers.get_many(f"B{i:05d}" for i in range(1300))) == 1200
    assert len(selects) == 3  # 1300 codes, 500 per IN list
    selects.clear()
    assert len(storage.customers.get_many_by_tax_id(("CN", f"T{i}") for i in range(1200))) == 1200
    assert len(selects) == 3
    storage.close()


def test_add_many_failing_in_a_later_chunk_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from custrecord.storage.sql import adapter

    storage = SqlStorage("sqlite://")
    storage.customers.add(Customer(name="已有客户", code="B02500"))
    # Skip the checks, as a writer racing between check and insert would: the insert
    # itself fails, in the second chunk, and the savepoint undoes the first.
    monkeypatch.setattr(adapter._Customers, "_check_new", lambda self, batch: None)
    with storage.unit_of_work() as uow:
        with pytest.raises(DuplicateError):
            uow.customers.add_many(_batch(3000))
        uow.customers.add(Customer(name="后来的客户", code="Z1"))
    assert [c.code for c in storage.customers.iterate()] == ["B02500", "Z1"]
    assert storage.customers.find(name_contains="批量客户") == []
    assert storage.customers.count(name_contains="客户") == 2
    storage.close()
