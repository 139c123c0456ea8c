"""Name-fragment search on each SQL backend.

- SQLite: an FTS5 table with the trigram tokenizer (created by migration 1)
  answers fragments of 3+ characters through the index; trigrams cannot
  describe 1-2 character fragments, which fall back to ``LIKE`` (a scan, made
  cheap when the query is paged by an indexed order).
- PostgreSQL: a GIN ``gin_trgm_ops`` index on the search form of the name
  serves ``LIKE '%fragment%'``. It needs the ``pg_trgm`` extension; when the
  role may not create it, a warning says so and ``LIKE`` scans the table.
- MariaDB: no n-gram FULLTEXT parser (that is MySQL's InnoDB ``ngram`` plugin),
  and InnoDB FULLTEXT on word boundaries cannot find a fragment inside a
  Chinese name; so ``LIKE`` scans the compact ``name_key`` column.

Every path ends in ``name_key LIKE '%fragment%'`` (exact, case-folded on both
sides), so the result is the same on every backend; the index only narrows.
"""

from __future__ import annotations

import warnings

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    column,
    false,
    func,
    select,
    table,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from custrecord.storage.sql.schema import Tables

__all__ = ["NameSearch"]


class NameSearch:
    """Builds the name condition for one store, knowing which index the backend has."""

    def __init__(self, engine: Engine, tables: Tables) -> None:
        self._tables = tables
        self.dialect = engine.dialect.name
        # Built once: adding a customer runs both.
        customers = tables.customers
        fts = table(tables.fts, column("rowid"), column("name_key"))
        self._last_id = select(func.coalesce(func.max(customers.c.id), 0))
        new_rows = select(customers.c.id, customers.c.name_key).where(customers.c.id > bindparam("p_after"))
        self._index_new = fts.insert().from_select(["rowid", "name_key"], new_rows)
        self.method = "like"
        if self.dialect == "sqlite" and self._sqlite_has_fts(engine):
            self.method = "fts5-trigram"
        elif self.dialect == "postgresql" and self._postgres_trigram(engine):
            self.method = "pg_trgm"

    def _sqlite_has_fts(self, engine: Engine) -> bool:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": self._tables.fts}
            ).first()
            return found is not None

    def _postgres_trigram(self, engine: Engine) -> bool:
        index = f"{self._tables.prefix}customers_name_trgm_ix"
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except SQLAlchemyError:
            # Two sessions creating the extension at once race; only a missing one matters.
            pass
        try:
            with engine.begin() as conn:
                installed = conn.exec_driver_sql(
                    "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
                ).first()
                if installed is None:
                    raise PermissionError("pg_trgm is not installed and could not be created")
                conn.exec_driver_sql(
                    f'CREATE INDEX IF NOT EXISTS "{index}" ON "{self._tables.customers.name}" '
                    "USING gin (name_key gin_trgm_ops)"
                )
        except (SQLAlchemyError, PermissionError) as exc:
            warnings.warn(
                "custrecord: PostgreSQL extension pg_trgm is unavailable "
                f"({str(exc).splitlines()[0]}); name search scans the table. "
                "Ask an administrator to run CREATE EXTENSION pg_trgm in this database.",
                RuntimeWarning,
                stacklevel=3,
            )
            return False
        return True

    def last_id(self, conn: Connection) -> int | None:
        """Before inserting customers: the highest id so far (None when no index needs it)."""
        if self.method != "fts5-trigram":
            return None
        return int(conn.execute(self._last_id).scalar_one())

    def index_new(self, conn: Connection, after: int | None) -> None:
        """After inserting customers: index the names of rows with ids above ``after``."""
        if after is None:
            return
        conn.execute(self._index_new, {"p_after": after})

    def purge(self, conn: Connection) -> None:
        """Forget removed names for good. FTS5 keeps a removed row's terms in its segments until
        they are merged; merging them all drops every trace (PostgreSQL's trigram index keeps
        no readable trace of a dead row, and the LIKE scan keeps nothing)."""
        if self.method == "fts5-trigram":
            fts = self._tables.fts
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")

    def condition(self, fragment: str, conn: Connection) -> tuple[ColumnElement[bool], bool]:
        """Rows whose search name contains ``fragment`` (in search form), and whether by id list.

        Given an id list, the caller should keep SQLite from walking an ordered
        index instead (see :meth:`_Customers._order`).
        """
        customers = self._tables.customers
        like = customers.c.name_key.contains(fragment, autoescape=True)
        if self.method == "fts5-trigram" and len(fragment) >= 3:
            # Probe the index first. A rare fragment gives a short id list that SQLite
            # looks up by rowid; a common one is left to LIKE, which, walking an ordered
            # index under a LIMIT, stops as soon as the page is full. Joining the FTS
            # table instead lets the planner pick the ordered walk for rare fragments
            # too, reading the whole table to find nothing.
            fts = table(self._tables.fts, column("rowid"), column("name_key"))
            phrase = '"' + fragment.replace('"', '""') + '"'
            probe = select(fts.c.rowid).where(fts.c.name_key.op("MATCH")(phrase)).limit(_PROBE + 1)
            ids = list(conn.execute(probe).scalars())
            if not ids:
                return false(), True
            if len(ids) <= _PROBE:
                return and_(customers.c.id.in_(ids), like), True
        if self.method == "pg_trgm" and len(fragment) < 3:
            # pg_trgm answers 1-2 character patterns with a scan of the whole index,
            # slower than the table; strpos() keeps the planner away from it.
            return func.strpos(customers.c.name_key, fragment) > 0, False
        return like, False


#: Up to this many FTS hits, a query looks customers up by id.
_PROBE = 2000
