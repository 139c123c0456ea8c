"""Versioned schema migrations.

The ``<prefix>schema_version`` table records each step applied (version, time,
note). Opening a new database creates the schema as this release writes it;
opening one made by an earlier release applies the missing migrations in order,
each in a transaction, so it is upgraded in place without guessing what it
holds; a database newer than the code is refused rather than misread.
``create_all`` alone could not tell a half-created schema from an old one, nor
move data between layouts.

``migrate(engine, tables, to=N)`` goes back down to version ``N`` through each
step's ``revert``, for returning to an earlier release: a step without one, or
whose revert would lose data the store holds, refuses before anything changes.
Going down and opening the store with this release again brings it back up.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import attrs
from sqlalchemy import Column, ColumnElement, Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from custrecord.diff import changes_between
from custrecord.errors import StorageError
from custrecord.storage.documents import dump_json, from_document, load_json, time_text
from custrecord.storage.sql.lookup import build_lookup
from custrecord.storage.sql.schema import SCHEMA_VERSION, Tables
from custrecord.storage.sql.search import index_grams
from custrecord.storage.values import utcnow

__all__ = ["MIGRATIONS", "Migration", "current_version", "drop_index", "migrate"]


Step = Callable[[Connection, Tables], None]


@attrs.frozen
class Migration:
    """One schema step: ``apply(connection, tables)`` runs inside the migration's transaction.

    ``revert`` undoes it (None: it cannot be undone); ``check`` raises ``StorageError``,
    before any step goes down, when reverting would lose what the store holds.
    """

    version: int
    note: str
    apply: Step
    revert: Step | None = None
    check: Step | None = None


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
            "name search of 3+ characters goes by the gram table",
            RuntimeWarning,
            stacklevel=2,
        )
    else:
        savepoint.commit()


def _create(conn: Connection, t: Tables) -> None:
    """The whole schema as this release writes it, for a new database."""
    t.metadata.create_all(conn, tables=list(t.data))
    if conn.dialect.name == "sqlite":
        _sqlite_fts(conn, t)


_BATCH = 1000


def _v2(conn: Connection, t: Tables) -> None:
    """Short names become a column with an index (unique-short-name checks are a lookup), and every
    history row holds changes (release 0.1 stored an added customer's document instead)."""
    h = t.history
    _add_indexed_column(conn, t, "short_name")
    added = h.c.action == "add"

    def as_changes(text: str) -> dict[str, Any] | None:
        if not text.startswith("{"):
            return None
        changes = changes_between(None, from_document(text))
        return {"changes": dump_json([list(change) for change in changes])}

    _rewrite(conn, h.c.id, h.c.changes, as_changes, added)


def _v3(conn: Connection, t: Tables) -> None:
    """The customer's owner (专管业务员) becomes a column with an index: queries and scopes by owner."""
    _add_indexed_column(conn, t, "owner")


def _v4(conn: Connection, t: Tables) -> None:
    """The credit ledger in the store: open reservations per order, and temporary raises."""
    t.metadata.create_all(conn, tables=[t.credit_reservations, t.credit_raises])


def _v6(conn: Connection, t: Tables) -> None:
    """The parent company (上级客户) becomes a column with an index: a customer's children are a lookup."""
    _add_indexed_column(conn, t, "parent")


def _v6_down(conn: Connection, t: Tables) -> None:
    """Parents stay in the documents: only the column and its index go."""
    _drop_column(conn, t, "parent")


def _v7(conn: Connection, t: Tables) -> None:
    """Customers are found by contact phone, e-mail and name and by tax ID through a side table,
    built here from every stored document; the department (分管部门) becomes a column with an index."""
    _add_indexed_column(conn, t, "department")
    t.lookup.create(conn)
    build_lookup(conn, t.customers, t.lookup)


def _v7_down(conn: Connection, t: Tables) -> None:
    """Departments stay in the documents and look-up keys are derived from them: only the table
    and the column (with its index) go."""
    t.lookup.drop(conn, checkfirst=True)
    _drop_column(conn, t, "department")


def _v2_down(conn: Connection, t: Tables) -> None:
    """Short names stay in the documents; history rows keep the changes form, which 0.1 reads too."""
    drop_index(conn, t, t.short_name_unique)
    _drop_column(conn, t, "short_name")


def _v3_down(conn: Connection, t: Tables) -> None:
    """Owners stay in the documents: only the column and its index go."""
    _drop_column(conn, t, "owner")


def _v4_check(conn: Connection, t: Tables) -> None:
    held = sum(int(conn.execute(select(func.count()).select_from(table)).scalar_one())
               for table in (t.credit_reservations, t.credit_raises))
    if held:
        raise StorageError(
            f"going below schema version 4 would drop {held} credit reservations and temporary raises: "
            "release the orders first, or keep this version (back the store up with custrecord backup)"
        )


def _v4_down(conn: Connection, t: Tables) -> None:
    t.metadata.drop_all(conn, tables=[t.credit_raises, t.credit_reservations])


def drop_index(conn: Connection, t: Tables, name: str) -> None:
    """Drop the customers' index ``name`` if it exists."""
    quote = conn.dialect.identifier_preparer.quote
    on = f" ON {quote(t.customers.name)}" if conn.dialect.name in ("mysql", "mariadb") else ""
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {quote(name)}{on}")


def _drop_column(conn: Connection, t: Tables, name: str) -> None:
    """Drop the customers' column ``name`` and its index (SQLite refuses to drop an indexed column)."""
    drop_index(conn, t, f"{t.prefix}customers_{name}_ix")
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"ALTER TABLE {quote(t.customers.name)} DROP COLUMN {quote(name)}")


def _v5(conn: Connection, t: Tables) -> None:
    """The gram table that answers 1-2 character name fragments, built from the stored names."""
    t.grams.create(conn)
    conn.execute(index_grams(t, conn.dialect.name, t.customers.c.id > 0))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ANALYZE "{t.grams.name}"')  # see _Customers.add_many


def _v5_down(conn: Connection, t: Tables) -> None:
    """The gram table is an index of the names: dropping it loses nothing."""
    t.grams.drop(conn)


def _add_indexed_column(conn: Connection, t: Tables, name: str) -> None:
    """Add the customers' column ``name`` as the schema defines it, index it, fill it from the documents."""
    c = t.customers
    quote = conn.dialect.identifier_preparer.quote
    column_type = c.c[name].type.compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {quote(c.name)} ADD COLUMN {quote(name)} {column_type}")
    next(i for i in c.indexes if i.name == f"{t.prefix}customers_{name}_ix").create(conn)
    _rewrite(conn, c.c.id, c.c.doc, lambda doc: {name: load_json(doc).get(name)})


def _rewrite(
    conn: Connection,
    key: Column[Any],
    source: Column[Any],
    values: Callable[[Any], dict[str, Any] | None],
    where: ColumnElement[bool] | None = None,
) -> None:
    """Set ``values(source)`` on every row (of those ``where`` selects), in batches by ``key``."""
    table = key.table
    after: Any = None
    while True:
        query = select(key, source).order_by(key).limit(_BATCH)
        if where is not None:
            query = query.where(where)
        if after is not None:
            query = query.where(key > after)
        rows = conn.execute(query).all()
        if not rows:
            return
        for row_key, value in rows:
            new = values(value)
            if new:
                conn.execute(update(table).where(key == row_key).values(**new))
        after = rows[-1][0]


#: The steps that bring a database of the version before each up to its version.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "customers.short_name column and index; history of added customers as changes", _v2,
              revert=_v2_down),
    Migration(3, "customers.owner column and index", _v3, revert=_v3_down),
    Migration(4, "credit reservations and temporary raises", _v4, revert=_v4_down, check=_v4_check),
    Migration(5, "customer_grams: the name index for 1-2 character fragments", _v5, revert=_v5_down),
    Migration(6, "customers.parent column and index", _v6, revert=_v6_down),
    Migration(7, "customer look-up table (phones, e-mails, contacts, tax IDs); customers.department", _v7,
              revert=_v7_down),
)
assert MIGRATIONS[-1].version == SCHEMA_VERSION


def current_version(conn: Connection, tables: Tables) -> int:
    """The highest migration applied, 0 for a new database."""
    return int(conn.execute(select(func.max(tables.schema_version.c.version))).scalar() or 0)


def _migrate_once(engine: Engine, tables: Tables, to: int) -> int:
    tables.schema_version.create(engine, checkfirst=True)
    with engine.begin() as conn:
        current = current_version(conn, tables)
        if to < current <= SCHEMA_VERSION:
            _downgrade(conn, tables, current, to)
            return to
        if current > SCHEMA_VERSION:
            raise StorageError(
                f"the database schema is version {current}, newer than this custrecord supports "
                f"({SCHEMA_VERSION}): upgrade custrecord"
            )
        if current == 0:
            _create(conn, tables)
            _record(conn, tables, SCHEMA_VERSION, "created")
            return SCHEMA_VERSION
        for step in MIGRATIONS:
            if current < step.version <= to:
                step.apply(conn, tables)
                _record(conn, tables, step.version, step.note)
    return max(current, to)


def _downgrade(conn: Connection, tables: Tables, current: int, to: int) -> None:
    """Revert the steps above ``to``, newest first; every check runs before any revert."""
    steps = [step for step in reversed(MIGRATIONS) if to < step.version <= current]
    for step in steps:
        if step.revert is None:
            raise StorageError(f"schema version {step.version} ({step.note}) cannot be reverted")
        if step.check is not None:
            step.check(conn, tables)
    v = tables.schema_version
    for step in steps:
        assert step.revert is not None
        step.revert(conn, tables)
        conn.execute(delete(v).where(v.c.version >= step.version))
        if current_version(conn, tables) != step.version - 1:
            _record(conn, tables, step.version - 1, f"reverted to version {step.version - 1}")


def _record(conn: Connection, tables: Tables, version: int, note: str) -> None:
    conn.execute(
        insert(tables.schema_version).values(version=version, applied_at=time_text(utcnow()), note=note)
    )


def migrate(engine: Engine, tables: Tables, *, to: int = SCHEMA_VERSION, attempts: int = 5) -> int:
    """Bring the schema to version ``to`` (default :data:`SCHEMA_VERSION`); returns the version now.

    Up creates or upgrades; down (``to`` below the current version, at least 1) reverts
    steps, refusing with ``StorageError`` one that cannot be reverted or would lose data.
    A new database is always created at :data:`SCHEMA_VERSION`. Two processes opening
    a new database at once race to create it: the loser's DDL fails, and it retries,
    finding the work done.
    """
    if not 1 <= to <= SCHEMA_VERSION:
        raise StorageError(f"no schema version {to}: choose from 1 to {SCHEMA_VERSION}")
    for attempt in range(attempts):
        try:
            return _migrate_once(engine, tables, to)
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
