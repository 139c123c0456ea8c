"""Name-fragment search on each SQL backend.

Every store keeps a gram table (``<prefix>customer_grams``): for each customer, a
row per distinct pair of adjacent characters of its ``name_key`` and one for its
last character alone, under a plain B-tree on (gram, id). So every character of
a name starts at least one gram, and the rows of a 1-character fragment are the
grams that start with it (a range of the index), those of a 2-character one a
single key. Adding customers fills it in one ``INSERT ... SELECT`` per batch;
renaming one rewrites its rows; erasure therefore leaves none of an old name.

Fragments of 3+ characters go to the backend's trigram index where there is one:

- SQLite: an FTS5 table with the trigram tokenizer (created by migration 1).
- PostgreSQL: a GIN ``gin_trgm_ops`` index on the search form of the name
  serves ``LIKE '%fragment%'``. It needs the ``pg_trgm`` extension; when the
  role may not create it, a warning says so and the gram table serves all lengths.
- MariaDB: no n-gram FULLTEXT parser (that is MySQL's InnoDB ``ngram`` plugin),
  and InnoDB FULLTEXT on word boundaries cannot find a fragment inside a
  Chinese name; so the gram table serves every length, through the pairs of
  the fragment.

An index answers with a bounded probe: it counts up to ``NameSearch.probe`` (2000)
hits, and a fragment with no more is looked up by id. A commoner one is left to
``LIKE`` walking the customers in code order under the query's ``LIMIT``, which fills
a page sooner than the id lookups would (so is a fragment whose hits, squared, exceed
the page size times the customers). Every path ends in ``name_key LIKE '%fragment%'``
(exact, case-folded on both sides; on PostgreSQL, ``strpos`` for 1-2 characters, which the
trigram index cannot serve), so the result is the same on every backend; the index only
narrows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    cast,
    column,
    delete,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import SQLAlchemyError

from custrecord.storage.sql.schema import Tables
from custrecord.storage.sql.statements import IN_BATCH

__all__ = ["NameSearch", "name_grams"]

#: Above every character: a 1-character fragment's grams are those from ``c`` to ``c + _TOP``.
_TOP = "\U0010ffff"


def name_grams(key: str) -> set[str]:
    """The grams the gram table holds for a name in search form (``name_key``)."""
    return {key[i : i + 2] for i in range(len(key))}


class NameSearch:
    """Builds the name condition for one store, knowing which index the backend has."""

    def __init__(self, engine: Engine, tables: Tables) -> None:
        self._tables = tables
        self.dialect = engine.dialect.name
        # Built once: adding a customer runs them.
        customers = tables.customers
        fts = table(tables.fts, column("rowid"), column("name_key"))
        self._last_id = select(func.coalesce(func.max(customers.c.id), 0))
        new_rows = select(customers.c.id, customers.c.name_key)
        after = customers.c.id > bindparam("p_after")
        self._index_new = fts.insert().from_select(["rowid", "name_key"], new_rows.where(after))
        by_code = customers.c.code.in_(bindparam("p_codes", expanding=True))
        self._index_codes = fts.insert().from_select(["rowid", "name_key"], new_rows.where(by_code))
        self._grams_new = index_grams(tables, self.dialect, after)
        self._grams_codes = index_grams(tables, self.dialect, by_code)
        self._grams_one = index_grams(tables, self.dialect, customers.c.id == bindparam("p_id"))
        self._grams_drop = delete(tables.grams).where(tables.grams.c.id == bindparam("p_id"))
        #: Up to this many index hits, a query looks customers up by id.
        self.probe = _PROBE
        #: Grams and characters found to have more hits: a store only grows them (renames
        #: aside), so they are not probed again; forgetting one only costs a probe.
        self.common: set[str] = set()
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
                f"({str(exc).splitlines()[0]}); name search of 3+ characters is slower. "
                "Ask an administrator to run CREATE EXTENSION pg_trgm in this database.",
                RuntimeWarning,
                stacklevel=3,
            )
            return False
        return True

    def last_id(self, conn: Connection) -> int | None:
        """Before inserting customers: the highest id so far, or None when :meth:`index_new`
        cannot be used (a server: other writers' ids interleave with ours)."""
        if self.dialect != "sqlite":
            return None
        return int(conn.execute(self._last_id).scalar_one())

    def index_new(self, conn: Connection, after: int) -> None:
        """After inserting customers into SQLite, whose writers take turns: index the names of
        the rows with ids above ``after``, in one statement however many."""
        conn.execute(self._grams_new, {"p_after": after})
        if self.method == "fts5-trigram":
            conn.execute(self._index_new, {"p_after": after})

    def index_codes(self, conn: Connection, codes: Sequence[str]) -> None:
        """After inserting customers: index the names of those with ``codes``."""
        for start in range(0, len(codes), IN_BATCH):
            params = {"p_codes": codes[start : start + IN_BATCH]}
            conn.execute(self._grams_codes, params)
            if self.method == "fts5-trigram":
                conn.execute(self._index_codes, params)

    def renamed(self, conn: Connection, ident: int) -> None:
        """After customer ``ident``'s name changed: index the new name instead of the old.

        SQLite's FTS table follows by trigger; the gram rows are rewritten here.
        """
        conn.execute(self._grams_drop, {"p_id": ident})
        conn.execute(self._grams_one, {"p_id": ident})

    def purge(self, conn: Connection) -> None:
        """Forget removed names for good. FTS5 keeps a removed row's terms in its segments until
        they are merged; merging them all drops every trace (the gram table holds only the
        current names, see :meth:`renamed`; PostgreSQL's trigram index keeps no readable trace
        of a dead row)."""
        if self.method == "fts5-trigram":
            fts = self._tables.fts
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")

    def condition(
        self, fragment: str, conn: Connection, wanted: int | None = None
    ) -> tuple[ColumnElement[bool], bool]:
        """Rows whose search name contains ``fragment`` (in search form), and whether by id list.

        ``wanted``: the rows a query in code order reads before it stops (offset + limit),
        None when it reads every match; it lets a common fragment be found by walking.

        Given an id list, the caller should keep SQLite from walking an ordered
        index instead (see :meth:`_Customers._order`).
        """
        customers = self._tables.customers
        like = customers.c.name_key.contains(fragment, autoescape=True)
        if self.method == "pg_trgm" and len(fragment) < 3:
            # pg_trgm answers 1-2 character patterns with a scan of the whole index (a second
            # at 1M names), slower than the table; strpos() keeps the planner away from it,
            # the generic plan of a prepared statement too (the driver prepares a statement
            # run often, and a generic plan cannot see how short the pattern is).
            like = func.strpos(customers.c.name_key, fragment) > 0
        if self.method == "fts5-trigram" and len(fragment) >= 3:
            # Probe the index first. A rare fragment gives a short id list that SQLite
            # looks up by rowid; a common one is left to LIKE, which, walking an ordered
            # index under a LIMIT, stops as soon as the page is full. Joining the FTS
            # table instead lets the planner pick the ordered walk for rare fragments
            # too, reading the whole table to find nothing.
            fts = table(self._tables.fts, column("rowid"), column("name_key"))
            phrase = '"' + fragment.replace('"', '""') + '"'
            probe = select(fts.c.rowid).where(fts.c.name_key.op("MATCH")(phrase)).limit(self.probe + 1)
            ids = list(conn.execute(probe).scalars())
            if not ids:
                return false(), True
            if len(ids) <= self.probe:
                return and_(customers.c.id.in_(ids), like), True
        elif len(fragment) <= 2 or self.method == "like":
            rows = self._gram_rows(fragment, conn, wanted)
            if rows is not None:
                return (false() if rows is _NONE else and_(customers.c.id.in_(rows), like)), True
        return like, False

    def _gram_rows(self, fragment: str, conn: Connection, wanted: int | None) -> Any:
        """A query of at most :attr:`probe` ids that include those of the names holding
        ``fragment``, from the gram table; ``_NONE`` when there are none, None when the
        fragment is too common. A longer fragment goes by the first of its pairs that is rare.
        """
        grams = self._tables.grams.c
        # MySQL/MariaDB hold grams as UTF-8 bytes (see the schema).
        gram: Any = str.encode if self.dialect in ("mysql", "mariadb") else str
        if len(fragment) == 1:
            # A character may start two pairs of a name: IN (...) counts the name once.
            low, high = gram(fragment), gram(fragment + _TOP)
            rows = select(grams.id).where(grams.gram >= low, grams.gram <= high)
            return self._rare(conn, fragment, rows, wanted)
        for pair in dict.fromkeys(fragment[i : i + 2] for i in range(len(fragment) - 1)):
            rows = self._rare(conn, pair, select(grams.id).where(grams.gram == gram(pair)), wanted)
            if rows is not None:
                return rows
        return None

    def _rare(self, conn: Connection, key: str, rows: Any, wanted: int | None) -> Any:
        """``rows`` (the ids under gram or character ``key``) when looking them up beats
        walking: at most :attr:`probe` of them, and for a page of ``wanted`` rows, fewer than
        the walk would read (``wanted`` x customers / hits). ``_NONE`` when there are none."""
        if key in self.common:
            return None
        # Counting in the database costs less than fetching the ids; in index order, as
        # PostgreSQL would otherwise build a bitmap of the whole range first.
        grams = self._tables.grams.c
        bounded = rows.order_by(grams.gram, grams.id).limit(self.probe + 1)
        hits = int(conn.execute(select(func.count()).select_from(bounded.subquery())).scalar_one())
        if hits > self.probe:
            if len(self.common) >= _COMMON:
                self.common.clear()
            self.common.add(key)
            return None
        if hits == 0:
            return _NONE
        if wanted is not None and hits * hits > wanted * int(conn.execute(self._last_id).scalar_one()):
            return None
        if self.dialect == "postgresql":
            # The same bound (it drops no id: there are at most `probe`). Without it, the
            # planner guesses the ids of a gram outside its common values (thousands), and
            # on a table fresh from a bulk load (no visibility map yet) plans a parallel
            # join whose worker start-up costs several times the lookups; a LIMIT subquery
            # runs in one process. MariaDB allows no LIMIT in an IN subquery.
            return bounded
        return rows


#: The fragment is in no name.
_NONE: Any = select(literal(0)).where(false())


def index_grams(tables: Tables, dialect: str, which: ColumnElement[bool]) -> Any:
    """An ``INSERT ... SELECT`` of the grams (see :func:`name_grams`) of the customers ``which`` picks.

    A recursive query walks each name's positions in the database itself, so a
    bulk load sends no gram over the wire.
    """
    customers = tables.customers.c
    length = func.length if dialect == "sqlite" else func.char_length
    start = (
        select(customers.id.label("id"), customers.name_key.label("s"), literal(1).label("n"))
        .where(which, length(customers.name_key) > 0)
        .cte("positions", recursive=True)
    )
    positions = start.union_all(
        select(start.c.id, start.c.s, start.c.n + 1).where(start.c.n < length(start.c.s))
    )
    gram: Any = func.substr(positions.c.s, positions.c.n, 2)
    if dialect in ("mysql", "mariadb"):
        gram = cast(gram, mysql.VARBINARY(8))  # compared as text, "g " would be the same as "g"
    grams = select(gram.label("gram"), positions.c.id)
    if dialect == "sqlite":
        # A name's repeated pairs are dropped by the key, cheaper than DISTINCT; in key
        # order, the B-tree is written page after page (together half the time).
        ordered = grams.order_by(literal_column("1"), literal_column("2"))
        return tables.grams.insert().prefix_with("OR IGNORE").from_select(["gram", "id"], ordered)
    return tables.grams.insert().from_select(["gram", "id"], grams.distinct())


_PROBE = 2000
_COMMON = 10_000
