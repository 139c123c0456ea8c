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

BACKENDS = ["memory", "sqlite"]


@pytest.fixture(params=BACKENDS)
def make_book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., CustomerBook]]:
    books: list[CustomerBook] = []

    def make(settings: Settings | None = None) -> CustomerBook:
        storage: Storage
        if request.param == "memory":
            storage = MemoryStorage()
        else:
            from custrecord.storage.registry import open_storage

            storage = open_storage(str(tmp_path / f"book{len(books)}.db"))
        book = CustomerBook(storage, settings)
        books.append(book)
        return book

    yield make
    for book in books:
        book.close()


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
