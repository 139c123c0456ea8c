"""Book tests run on every adapter: memory and SQLite always, servers when their URL is set."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from custrecord.book import CustomerBook
from custrecord.settings import Settings
from custrecord.storage.memory import MemoryStorage
from custrecord.storage.ports import Storage
from custrecord.storage.registry import open_storage
from custrecord.storage.sql import SqlStorage
from storage.servers import MARIADB_ENV, POSTGRES_ENV, isolated, server_url

BACKENDS = ["memory", "sqlite"]
#: Where storage is involved, behaviour is checked on the servers too (skipped without their URL).
ALL_BACKENDS = [*BACKENDS, "postgresql", "mariadb"]


def _books(backend: str, tmp_path: Path) -> Iterator[Callable[..., CustomerBook]]:
    books: list[CustomerBook] = []
    servers: list[SqlStorage] = []

    def make(settings: Settings | None = None) -> CustomerBook:
        storage: Storage
        if backend == "memory":
            storage = MemoryStorage()
        elif backend == "sqlite":
            storage = open_storage(str(tmp_path / f"book{len(books)}.db"))
        else:
            server = isolated(server_url(POSTGRES_ENV if backend == "postgresql" else MARIADB_ENV))
            servers.append(server)
            storage = server
        book = CustomerBook(storage, settings)
        books.append(book)
        return book

    yield make
    for server in servers:
        server.drop()
    for book in books:
        book.close()


@pytest.fixture(params=BACKENDS)
def make_book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., CustomerBook]]:
    yield from _books(request.param, tmp_path)


@pytest.fixture(params=ALL_BACKENDS)
def make_any_book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., CustomerBook]]:
    """Books on every adapter: memory, SQLite, and PostgreSQL and MariaDB when their URLs are set."""
    yield from _books(request.param, tmp_path)


@pytest.fixture
def book(make_book: Callable[..., CustomerBook]) -> CustomerBook:
    return make_book()


def server_urls() -> list[str]:
    return [
        u
        for u in (
            os.environ.get("CUSTRECORD_TEST_POSTGRES_URL"),
            os.environ.get("CUSTRECORD_TEST_MARIADB_URL"),
        )
        if u
    ]
