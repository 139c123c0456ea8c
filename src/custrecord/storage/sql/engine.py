"""Engines for the three supported backends, tuned for custrecord's transactions.

SQLite gets WAL (readers never block the writer), a busy timeout (writers
wait instead of failing), case-sensitive ``LIKE`` (to agree with the other
backends and use indexes) and ``BEGIN IMMEDIATE`` for writing transactions:
a deferred transaction that reads and then writes can fail with "database is
locked" no matter the timeout, an immediate one queues for the write lock.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

__all__ = ["READ_ONLY", "is_memory_sqlite", "make_engine", "parse_url"]

#: Execution option marking a read-only transaction (a plain ``BEGIN`` on SQLite).
READ_ONLY = "custrecord_read_only"


def parse_url(url: str) -> tuple[URL, dict[str, str]]:
    """The SQLAlchemy URL for ``url`` (a plain path means a SQLite file) and custrecord's own query options.

    Query parameters named ``table_prefix`` are custrecord's, not the driver's.
    """
    head, sep, _ = url.partition("://")
    if not sep or (len(head) == 1 and head.isalpha()):
        return URL.create("sqlite", database=os.path.abspath(os.path.expanduser(url))), {}
    parsed = make_url(url)
    ours = {key: str(parsed.query[key]) for key in ("table_prefix",) if key in parsed.query}
    if ours:
        parsed = parsed.difference_update_query(list(ours))
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed, ours


def is_memory_sqlite(url: URL) -> bool:
    """Whether ``url`` is an in-memory SQLite database (one shared connection)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_engine(url: URL, busy_timeout: float, echo: bool) -> Engine:
    memory = is_memory_sqlite(url)
    args: dict[str, Any] = {"timeout": busy_timeout, "check_same_thread": False}
    engine = (
        create_engine(url, echo=echo, connect_args=args, poolclass=StaticPool)
        if memory
        else create_engine(url, echo=echo, connect_args=args, pool_size=10, max_overflow=20)
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            # Only a new, empty file takes it (before WAL writes the header). Customer rows
            # carry a JSON document of about a kilobyte: with 8 KiB pages, inserting the rows
            # of an import took about a fifth less SQLite time in a raw-insert test.
            cursor.execute("PRAGMA page_size=8192")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        # Up to 64 MiB of pages per connection, taken as pages are read (the default is 2 MiB):
        # a bulk import inserts into the unique (country, tax_id) index at random places, and
        # at a million customers a small cache reads the same pages back from the file again
        # and again (about a tenth of the import time).
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def make_engine(url: URL, *, busy_timeout: float = 30.0, echo: bool = False, **options: Any) -> Engine:
    """An engine for ``url``; ``busy_timeout`` (seconds) is how long SQLite writers wait for the lock."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout, echo)
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, echo=echo, **options)
