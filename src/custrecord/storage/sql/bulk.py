"""Many rows into one table at once, by each backend's own bulk path.

- PostgreSQL (psycopg 3): ``COPY`` into a temporary staging table, then one set-wise
  ``INSERT ... SELECT`` into the table, in the rows' order (serial ids, history and
  outbox order follow it). The unique keys, defaults and indexes of the table apply
  to that insert as to any other, so a taken key is refused the same way.
- MariaDB/MySQL (PyMySQL): multi-row ``INSERT ... VALUES (...), (...)`` statements
  of up to :data:`MULTI_ROW_BYTES` each.
- SQLite and other drivers: ``executemany`` of one compiled INSERT.

Every value is already a plain str, int or None (the adapter's rows), so no
per-row parameter processing is needed on any path.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy import exc as sa_exc

from custrecord.storage.sql.errors import convert, translate_errors

__all__ = ["COPY_FROM", "MULTI_ROW_BYTES", "insert_many"]

#: Rows from which PostgreSQL takes the COPY path: below it, the three extra round trips
#: of staging cost more than they save.
COPY_FROM = 50
#: Bytes per multi-row INSERT on MariaDB/MySQL: about 1,500 customer rows, half of the smallest
#: default ``max_allowed_packet`` still met (4 MiB, MySQL 5.7; MariaDB has 16 MiB). Twice
#: PyMySQL's own 1 MB: half the round trips to a distant server (on one machine, the same time).
MULTI_ROW_BYTES = 2 << 20

#: The column that keeps the staged rows in their order.
_ORDER = "cr_n"


def insert_many(
    conn: Connection,
    table: Table,
    keys: tuple[str, ...],
    params: Sequence[Any],
    sql: str,
) -> None:
    """Insert ``params`` (tuples in ``keys`` order, or dicts for a named paramstyle) into ``table``.

    ``sql`` is the compiled single-row INSERT of ``keys`` (the ``executemany`` path).
    """
    driver = conn.dialect.driver
    name = conn.dialect.name
    with translate_errors():
        if name == "postgresql" and driver == "psycopg" and len(params) >= COPY_FROM:
            _copy(conn, table, keys, params)
        elif name in ("mysql", "mariadb") and driver == "pymysql" and len(params) > 1:
            _multi_row(conn, sql, params)
        else:
            conn.exec_driver_sql(sql, params)


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def _copy(conn: Connection, table: Table, keys: tuple[str, ...], params: Sequence[Any]) -> None:
    columns = ", ".join(_quote(conn, key) for key in keys)
    # One staging table per (table, columns) and session; its rows go at commit, and after
    # each use, so a second batch in the same transaction never inserts the first one again.
    stage = f"cr_stage_{zlib.crc32(repr((table.name, keys)).encode()):08x}"
    target = _quote(conn, table.name)
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
        f"SELECT {columns}, 0 AS {_ORDER} FROM {target} WITH NO DATA"
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    positional = not params or not isinstance(params[0], dict)
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY {stage} ({columns}, {_ORDER}) FROM STDIN") as copy:
            for number, row in enumerate(params):
                values = row if positional else tuple(row[key] for key in keys)
                copy.write_row((*values, number))
    except Exception as error:  # the driver's own: psycopg.Error, or a value it cannot adapt
        raise _converted(conn, f"COPY {stage}", error) from error
    conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} ORDER BY {_ORDER}")
    conn.exec_driver_sql(f"DELETE FROM {stage}")


def _converted(conn: Connection, statement: str, error: Exception) -> Exception:
    """The custrecord error for an error the driver raised outside SQLAlchemy (which would wrap it)."""
    wrapped = sa_exc.DBAPIError.instance(statement, None, error, conn.dialect.loaded_dbapi.Error)
    return convert(wrapped)


def _multi_row(conn: Connection, sql: str, params: Sequence[Any]) -> None:
    # PyMySQL's executemany folds an INSERT ... VALUES into multi-row statements; the
    # size of each is the cursor's max_stmt_length, 1 MB unless set.
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        cursor = raw.cursor()
        try:
            cursor.max_stmt_length = MULTI_ROW_BYTES
            cursor.executemany(sql, params)
        finally:
            cursor.close()
    except Exception as error:
        raise _converted(conn, sql, error) from error
