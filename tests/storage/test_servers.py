"""The SQL adapter on PostgreSQL and MariaDB passes the kit (when their URLs are set).

Each class works in tables with a prefix of its own, dropped at the end, so
parallel runs sharing the `test` database do not meet.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from custrecord import Customer
from custrecord.errors import StorageError
from custrecord.storage import Storage, open_storage
from custrecord.storage.sql import SqlStorage, bulk
from custrecord.testing import StorageContract

from .servers import MARIADB_ENV, POSTGRES_ENV, isolated, server_url

PROCESSES = 4
PER_PROCESS = 500


def _fresh(shared: SqlStorage) -> Callable[[], Storage]:
    def fresh() -> Storage:
        shared.clear()
        return shared

    return fresh


def _add_with_codes(url: str, prefix: str, worker: int, count: int) -> None:
    storage = open_storage(url, table_prefix=prefix)
    for i in range(count):
        with storage.unit_of_work() as uow:
            serial = uow.sequences.next_value("customer-code:P")
            uow.customers.add(Customer(name=f"进程客户 {worker}-{i}", code=f"P{serial:06d}"))
    storage.close()


def _processes_lose_nothing(storage: SqlStorage, url: str) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add_with_codes, args=(url, storage.tables.prefix, n, PER_PROCESS))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    codes = [c.code for c in storage.customers.iterate()]
    assert codes == [f"P{i:06d}" for i in range(1, PROCESSES * PER_PROCESS + 1)]


def _postgres_url() -> str:
    # Commits need not wait for the disk in tests: locking and visibility, what these
    # tests check, are the same; the runs are much quicker on a busy CI machine.
    url = server_url(POSTGRES_ENV)
    return url + ("&" if "?" in url else "?") + "options=-csynchronous_commit%3Doff"


@pytest.fixture(scope="module")
def postgres() -> Iterator[SqlStorage]:
    storage = isolated(_postgres_url())
    yield storage
    storage.drop()


@pytest.fixture(scope="module")
def mariadb() -> Iterator[SqlStorage]:
    storage = isolated(server_url(MARIADB_ENV))
    yield storage
    storage.drop()


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def make_storage(self, postgres: SqlStorage) -> Callable[[], Storage]:
        return _fresh(postgres)

    @pytest.fixture
    def unavailable_storage(self) -> Callable[[], Storage]:
        return lambda: open_storage("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")

    def test_trigram_index_is_used(self, postgres: SqlStorage) -> None:
        assert postgres.search.method == "pg_trgm"

    def test_four_processes_lose_no_code(self, postgres: SqlStorage) -> None:
        postgres.clear()
        _processes_lose_nothing(postgres, _postgres_url())

    def test_a_copy_refused_by_the_driver_is_a_storage_error(self, postgres: SqlStorage) -> None:
        # PostgreSQL text cannot hold NUL: COPY refuses the batch; the unit goes on without it.
        postgres.clear()
        batch = [Customer(name=f"客户{i}", code=f"C{i:03d}") for i in range(100)]
        with postgres.unit_of_work() as uow:
            with pytest.raises(StorageError, match="NUL"):
                uow.customers.add_many([*batch[:60], Customer(name="坏\x00名字", code="BAD"), *batch[60:]])
            uow.customers.add_many(batch)
        assert postgres.customers.count() == 100

    def test_imports_go_through_copy(self, postgres: SqlStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        postgres.clear()
        copied: list[str] = []
        real = bulk._copy

        def counted(conn: Any, table: Any, keys: Any, params: Any) -> None:
            copied.append(table.name)
            real(conn, table, keys, params)

        monkeypatch.setattr(bulk, "_copy", counted)
        postgres.customers.add_many(Customer(name=f"客户{i}", code=f"C{i}") for i in range(bulk.COPY_FROM))
        postgres.customers.add_many([Customer(name="一个", code="ONE")])
        assert copied == [postgres.tables.customers.name]


class TestMariadbStorage(StorageContract):
    @pytest.fixture
    def make_storage(self, mariadb: SqlStorage) -> Callable[[], Storage]:
        return _fresh(mariadb)

    @pytest.fixture
    def unavailable_storage(self) -> Callable[[], Storage]:
        return lambda: open_storage("mysql+pymysql://nobody@127.0.0.1:1/none?connect_timeout=2")

    def test_four_processes_lose_no_code(self, mariadb: SqlStorage) -> None:
        mariadb.clear()
        _processes_lose_nothing(mariadb, server_url(MARIADB_ENV))
