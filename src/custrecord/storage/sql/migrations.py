"""Versioned schema migrations.

The ``<prefix>schema_version`` table records each migration applied (version,
time, note). Opening a store applies the missing ones in order, each in a
transaction, so a later custrecord release can add a column or an index to a
database created by this one without guessing what it holds; a database newer
than the code is refused rather than misread. ``create_all`` alone could not
tell a half-created schema from an old one, nor move data between layouts.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import attrs
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from custrecord.errors import StorageError
from custrecord.storage.documents import time_text
from custrecord.storage.sql.schema import SCHEMA_VERSION, Tables
from custrecord.storage.values import utcnow

__all__ = ["MIGRATIONS", "Migration", "current_version", "migrate"]


@attrs.frozen
class Migration:
    """One schema step: ``apply(connection, tables)`` runs inside the migration's transaction."""

    version: int
    note: str
    apply: Callable[[Connection, Tables], None]


def _sqlite_fts(conn: Connection, t: Tables) -> None:
    # External-content FTS5 table with the trigram tokenizer: substring search for
    # fragments of 3+ characters. Triggers keep it in step when names change or rows
    # go; new rows are indexed by the adapter in one INSERT ... SELECT per statement
    # (see NameSearch.index_new), about three times faster for bulk loads than a
    # per-row trigger.
    c, fts = t.customers.name, t.fts
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(name_key, content='{c}', content_rowid='id', "
        "tokenize='trigram case_sensitive 1')",
        f"CREATE TRIGGER IF NOT EXISTS {c}_fts_ad AFTER DELETE ON {c} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, name_key) VALUES ('delete', old.id, old.name_key); END",
        f"CREATE TRIGGER IF NOT EXISTS {c}_fts_au AFTER UPDATE OF name_key ON {c} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, name_key) VALUES ('delete', old.id, old.name_key); "
        f"INSERT INTO {fts}(rowid, name_key) VALUES (new.id, new.name_key); END",
        # Bulk loads: buffer more terms before flushing a segment, merge segments sooner
        # (about 1.7x faster inserts measured at 100k names; both settings persist).
        f"INSERT INTO {fts}({fts}, rank) VALUES ('hashsize', 67108864)",
        f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', 16)",
    ]
    savepoint = conn.begin_nested()
    try:
        for statement in statements:
            conn.exec_driver_sql(statement)
    except SQLAlchemyError as exc:
        savepoint.rollback()
        warnings.warn(
            f"SQLite here has no FTS5 trigram tokenizer ({exc.__class__.__name__}); "
            "name search falls back to LIKE scans",
            RuntimeWarning,
            stacklevel=2,
        )
    else:
        savepoint.commit()


def _v1(conn: Connection, t: Tables) -> None:
    t.metadata.create_all(conn, tables=[t.customers, t.tags, t.sequences, t.history, t.outbox])
    if conn.dialect.name == "sqlite":
        _sqlite_fts(conn, t)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "customers (JSON document + promoted columns), tags, sequences, history, outbox", _v1),
)
assert MIGRATIONS[-1].version == SCHEMA_VERSION


def current_version(conn: Connection, tables: Tables) -> int:
    """The highest migration applied, 0 for a new database."""
    return int(conn.execute(select(func.max(tables.schema_version.c.version))).scalar() or 0)


def _migrate_once(engine: Engine, tables: Tables) -> int:
    tables.schema_version.create(engine, checkfirst=True)
    with engine.begin() as conn:
        current = current_version(conn, tables)
        if current > SCHEMA_VERSION:
            raise StorageError(
                f"the database schema is version {current}, newer than this custrecord supports "
                f"({SCHEMA_VERSION}): upgrade custrecord"
            )
        for step in MIGRATIONS:
            if step.version > current:
                step.apply(conn, tables)
                conn.execute(
                    insert(tables.schema_version).values(
                        version=step.version, applied_at=time_text(utcnow()), note=step.note
                    )
                )
    return SCHEMA_VERSION


def migrate(engine: Engine, tables: Tables, *, attempts: int = 5) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; returns it.

    Two processes opening a new database at once race to create it: the loser's
    DDL fails, and it retries, finding the work done.
    """
    for attempt in range(attempts):
        try:
            return _migrate_once(engine, tables)
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
