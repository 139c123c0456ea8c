"""The SQL storage adapter on SQLAlchemy 2 Core: SQLite, PostgreSQL and MariaDB.

One implementation for every backend; differences stay in :mod:`.engine`
(connection set-up), :mod:`.search` (name index) and :mod:`.schema` types.
Each unit of work is one database transaction on one connection. Versions are
checked under a row lock (``SELECT ... FOR UPDATE``; SQLite's write lock), so
of two writers with the same expected version one wins and the other gets
``ConflictError``. Sequence counters are rows bumped with ``UPDATE value =
value + 1`` inside the caller's transaction: the row lock serialises writers
and a rollback returns the value.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import datetime
from itertools import islice
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    case,
    delete,
    func,
    insert,
    inspect,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import UnaryExpression

from custrecord.convert import unstructure_set
from custrecord.errors import ConflictError, DuplicateError, NotFound, StorageError
from custrecord.model import Customer, Status
from custrecord.storage.autocommit import (
    BATCH,
    AutoCredit,
    AutoCustomers,
    AutoHistory,
    AutoOutbox,
    AutoSequences,
)
from custrecord.storage.batch import check_new, chunks, tax_key
from custrecord.storage.documents import (
    dump_json,
    from_document,
    time_text,
)
from custrecord.storage.sql.archive import SqlArchive
from custrecord.storage.sql.bulk import CHUNK, insert_many
from custrecord.storage.sql.credit import SqlCredit
from custrecord.storage.sql.engine import READ_ONLY, is_memory_sqlite, make_engine, parse_url
from custrecord.storage.sql.errors import storable, translate_errors
from custrecord.storage.sql.journal import SqlHistory, SqlOutbox, SqlSequences
from custrecord.storage.sql.lookup import LookupIndex, lookup_rows
from custrecord.storage.sql.migrations import current_version, drop_index, migrate
from custrecord.storage.sql.schema import DEFAULT_PREFIX, SCHEMA_VERSION, Tables, build_tables
from custrecord.storage.sql.search import NameSearch
from custrecord.storage.sql.statements import IN_BATCH, Statements
from custrecord.storage.values import (
    Query,
    Scope,
    make_query,
    name_key,
    utcnow,
)

__all__ = ["SqlStorage", "downgrade", "open_sql"]

#: Rows added at once after which PostgreSQL statistics are refreshed.
_ANALYZE_AFTER = 10_000


def _row(customer: Customer, code: str, stamps: tuple[int, str, str] | None = None) -> dict[str, Any]:
    """The column values of ``customer``; ``stamps`` = (version, created, updated) overrides its own."""
    # Only the fields that differ from their default are stored: ``load`` restores the rest.
    data = unstructure_set(customer)
    if stamps is None:
        assert customer.created_at is not None
        assert customer.updated_at is not None
        stamps = (customer.version, time_text(customer.created_at), time_text(customer.updated_at))
    version, created, updated = stamps
    data["version"] = version
    data["created_at"] = created
    data["updated_at"] = updated
    return {
        "code": code,
        "name": customer.name,
        "name_key": name_key(customer.name),
        "kind": customer.kind.value,
        "country": customer.country,
        "tax_id": customer.tax_id,
        "category": customer.category,
        "region": customer.region,
        "short_name": customer.short_name,
        "owner": customer.owner,
        "parent": customer.parent,
        "department": customer.department,
        "status": customer.status.value,
        "priority": customer.priority,
        "version": version,
        "created_at": created,
        "updated_at": updated,
        "doc": dump_json(data),
    }


def _role_condition(doc: Any, role: str) -> ColumnElement[bool]:
    """Whether a stored document's partner has ``role``, read from the document (no column of its own).

    A document holds ``roles`` only when they differ from the default (customer alone), as
    a sorted list of the two names; ``"roles":[`` can stand nowhere else in one (a text's
    quotes are escaped, extra fields hold no lists).
    """
    if role == "supplier":
        return or_(doc.contains('"roles":["supplier"]', autoescape=True),
                   doc.contains('"roles":["customer","supplier"]', autoescape=True))
    return or_(not_(doc.contains('"roles":[', autoescape=True)),
               doc.contains('"roles":["customer"', autoescape=True))


def _scope_conditions(c: Any, scope: Scope) -> list[ColumnElement[bool]]:
    """The conditions of a record-level scope: each given part holds (prefixes of a part OR-ed)."""
    conditions: list[ColumnElement[bool]] = []
    for column, prefixes in ((c.category, scope.categories), (c.region, scope.regions)):
        if prefixes:
            conditions.append(or_(*(column.startswith(p, autoescape=True) for p in sorted(prefixes))))
    if scope.owners:
        conditions.append(c.owner.in_(sorted(scope.owners)))
    return conditions


def _check_version(code: str, actual: int, expected: int) -> None:
    if actual != expected:
        raise ConflictError(
            f"customer {code!r} was changed meanwhile: expected version {expected}, found {actual}",
            expected=expected,
            actual=actual,
        )


class _Customers:
    def __init__(self, unit: _Unit) -> None:
        self._unit = unit
        self._conn = unit.conn
        self._t = unit.storage.tables
        self._s = unit.storage.statements

    def _execute(self, statement: Any, params: Any = None) -> Any:
        with translate_errors():
            return self._conn.execute(statement, params)

    def _locked(self, code: str) -> Row[Any]:
        row = self._execute(self._s.locked, {"p_code": code}).first() if storable(code) else None
        if row is None:
            raise NotFound(f"no customer with code {code!r}")
        return row  # type: ignore[no-any-return]

    def _write_tags(self, code: str, tags: Iterable[str], *, replace: bool) -> None:
        if replace:
            self._execute(self._s.delete_tags, {"p_code": code})
        rows = [{"code": code, "tag": tag} for tag in sorted(tags)]
        if rows:
            self._execute(self._s.insert_tags, rows)

    def get(self, code: str) -> Customer:
        doc = self._execute(self._s.doc_by_code, {"p_code": code}).scalar() if storable(code) else None
        if doc is None:
            raise NotFound(f"no customer with code {code!r}")
        return from_document(doc)

    def get_by_tax_id(self, country: str, tax_id: str) -> Customer:
        params = {"p_country": country, "p_tax_id": tax_id}
        doc = self._execute(self._s.doc_by_tax_id, params).scalar() if storable(country, tax_id) else None
        if doc is None:
            raise NotFound(f"no customer with tax ID {country} {tax_id}")
        return from_document(doc)

    def get_many(self, codes: Iterable[str]) -> dict[str, Customer]:
        wanted = [code for code in dict.fromkeys(codes) if storable(code)]
        found: dict[str, Customer] = {}
        for part in chunks(wanted, IN_BATCH):
            for code, doc in self._execute(self._s.docs_by_codes, {"p_codes": part}):
                found[code] = from_document(doc)
        return {code: found[code] for code in wanted if code in found}

    def get_many_by_tax_id(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
        keyed = dict.fromkeys((country, tax_id) for country, tax_id in keys)
        wanted = [key for key in keyed if storable(*key)]
        found: dict[tuple[str, str], Customer] = {}
        for country, tax_ids in _by_country(wanted).items():
            for part in chunks(tax_ids, IN_BATCH):
                params = {"p_country": country, "p_tax_ids": part}
                for row in self._execute(self._s.docs_by_tax_ids, params):
                    found[(row.country, row.tax_id)] = from_document(row.doc)
        return {key: found[key] for key in wanted if key in found}

    def _check_new(self, batch: list[Customer]) -> None:
        """Raise, before anything is written, what inserting ``batch`` would refuse."""
        codes = [c.code for c in batch if c.code]
        taken: set[str] = set()
        for part in chunks(dict.fromkeys(codes), IN_BATCH):
            taken.update(self._execute(self._s.codes_taken, {"p_codes": part}).scalars())
        keys = [key for key in map(tax_key, batch) if key is not None]
        holders: dict[tuple[str, str], str | None] = {}
        for country, tax_ids in _by_country(dict.fromkeys(keys)).items():
            for part in chunks(tax_ids, IN_BATCH):
                params = {"p_country": country, "p_tax_ids": part}
                for row in self._execute(self._s.tax_ids_taken, params):
                    holders[(row.country, row.tax_id)] = row.code
        check_new(batch, taken, holders)

    def add(self, customer: Customer) -> Customer:
        code = customer.code
        if not code:
            raise StorageError("cannot store a customer without a code: assign one first")
        now = self._unit.now()
        stored = attrs.evolve(customer, version=1, created_at=now, updated_at=now)
        search = self._unit.storage.search
        with translate_errors():
            self._conn.execute(self._s.insert_customer, _row(stored, code))
            search.index_codes(self._conn, [code])
            self._unit.storage.lookup.replace(self._conn, code, None, stored)
        self._write_tags(code, stored.tags, replace=False)
        return stored

    def add_many(self, customers: Iterable[Customer]) -> int:
        now = time_text(self._unit.now())
        return self.insert_many(((customer, None) for customer in customers), (1, now, now))

    def insert_many(
        self, customers: Iterable[tuple[Customer, Status | None]], stamps: tuple[int, str, str] | None
    ) -> int:
        """Insert customers with ``stamps`` (version, created, updated), or as stored (None: their
        own stamps, and the status before deletion given with each); all or nothing."""
        items = iter(customers)
        chunk = list(islice(items, CHUNK))
        if not chunk:
            return 0
        search = self._unit.storage.search
        count = 0
        # Written optimistically: the unique keys refuse a taken code or tax ID, and the
        # savepoint then undoes every chunk, so the batch is all or nothing even for a caller
        # who goes on in the same unit. Only then is the batch looked up, to say which key.
        written: list[Customer] = []
        try:
            with translate_errors(), self._conn.begin_nested():
                after = search.last_id(self._conn)
                while chunk:
                    rows: list[dict[str, Any]] = []
                    tags: list[dict[str, str]] = []
                    keys: list[dict[str, str]] = []
                    for customer, prior in chunk:
                        written.append(customer)
                        code = customer.code
                        if not code:
                            raise StorageError("cannot store a customer without a code: assign one first")
                        row = _row(customer, code, stamps)
                        if stamps is None:
                            deleted = prior is not None and customer.status is Status.DELETED
                            row["prior_status"] = prior.value if deleted and prior is not None else None
                        rows.append(row)
                        tags.extend({"code": code, "tag": tag} for tag in customer.tags)
                        keys.extend(lookup_rows(customer, code))
                    self._unit.insert_rows(self._t.customers, rows)
                    if after is None:
                        search.index_codes(self._conn, [row["code"] for row in rows])
                    if tags:
                        self._unit.insert_rows(self._t.tags, tags)
                    if keys:
                        self._unit.insert_rows(self._t.lookup, keys)
                    count += len(rows)
                    chunk = list(islice(items, CHUNK))
                if after is not None:
                    search.index_new(self._conn, after)
        except DuplicateError:
            self._check_new(written)
            raise
        if count >= _ANALYZE_AFTER and self._unit.storage.dialect == "postgresql":
            # Fresh statistics let the planner choose between the trigram index and an
            # ordered walk, and read the gram index in order; autovacuum would get there,
            # but only later.
            with translate_errors():
                self._conn.exec_driver_sql(f'ANALYZE "{self._t.customers.name}"')
                self._conn.exec_driver_sql(f'ANALYZE "{self._t.grams.name}"')
        return count

    def _store(
        self, row: Row[Any], new: Customer, old: Customer, *, tags_changed: bool, renamed: bool = False
    ) -> None:
        old_status = old.status
        code = new.code
        assert code is not None
        values = _row(new, code)
        if new.status is Status.DELETED and old_status is not Status.DELETED:
            values["prior_status"] = old_status.value
        elif new.status is not Status.DELETED:
            values["prior_status"] = None
        del values["code"]
        values["p_id"] = row.id
        self._execute(self._s.update_customer, values)
        if renamed:
            with translate_errors():
                self._unit.storage.search.renamed(self._conn, row.id)
        with translate_errors():
            self._unit.storage.lookup.replace(self._conn, code, old, new)
        if tags_changed:
            self._write_tags(code, new.tags, replace=True)

    def update(self, customer: Customer, expected_version: int) -> Customer:
        code = customer.code
        if not code:
            raise StorageError("cannot update a customer without a code")
        row = self._locked(code)
        _check_version(code, row.version, expected_version)
        old = from_document(row.doc)
        stored = attrs.evolve(
            customer, version=row.version + 1, created_at=old.created_at, updated_at=self._unit.now()
        )
        self._store(
            row, stored, old, tags_changed=old.tags != stored.tags,
            renamed=name_key(old.name) != name_key(stored.name),
        )
        return stored

    def delete(self, code: str, *, expected_version: int | None = None) -> Customer:
        row = self._locked(code)
        if expected_version is not None:
            _check_version(code, row.version, expected_version)
        old = from_document(row.doc)
        if old.status is Status.DELETED:
            return old
        stored = attrs.evolve(
            old, status=Status.DELETED, version=old.version + 1, updated_at=self._unit.now()
        )
        self._store(row, stored, old, tags_changed=False)
        return stored

    def restore(self, code: str, *, expected_version: int | None = None) -> Customer:
        row = self._locked(code)
        if expected_version is not None:
            _check_version(code, row.version, expected_version)
        old = from_document(row.doc)
        if old.status is not Status.DELETED:
            return old
        status = Status(row.prior_status) if row.prior_status else Status.ACTIVE
        stored = attrs.evolve(old, status=status, version=old.version + 1, updated_at=self._unit.now())
        self._store(row, stored, old, tags_changed=False)
        return stored

    def purge(self, code: str) -> None:
        with translate_errors():
            self._unit.storage.search.purge(self._conn)

    def require_unique_short_names(self) -> None:
        c = self._t.customers.c
        shared = (
            select(c.short_name).where(c.short_name.is_not(None)).group_by(c.short_name)
            .having(func.count() > 1).limit(1)
        )
        taken = self._execute(shared).scalar()
        if taken is not None:
            raise DuplicateError(f"short name {taken!r} is held by more than one customer already")
        quote = self._conn.dialect.identifier_preparer.quote
        self._execute(text(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(self._t.short_name_unique)} "
            f"ON {quote(self._t.customers.name)} (short_name)"
        ))

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        after: str | None = None
        while True:
            page = self._page(after, include_deleted)
            yield from page
            if len(page) < BATCH:
                return
            after = page[-1].code

    def _page(self, after: str | None, include_deleted: bool) -> list[Customer]:
        c = self._t.customers.c
        statement = select(c.doc).order_by(c.code).limit(BATCH)
        if after is not None:
            statement = statement.where(c.code > after)
        if not include_deleted:
            statement = statement.where(c.status != Status.DELETED.value)
        return [from_document(doc) for doc in self._execute(statement).scalars()]

    def _where(self, query: Query, *, paged: bool = True) -> tuple[list[ColumnElement[bool]], bool]:
        """The conditions of ``query``, and whether the name search gave an id list.

        ``paged``: the query's page is wanted (``find``), not every match (``count``).
        """
        t = self._t
        c = t.customers.c
        conditions: list[ColumnElement[bool]] = []
        statuses = query.statuses()
        if statuses is not None:
            others = sorted(s.value for s in Status if s not in statuses)
            if len(others) < len(statuses):
                # Usually "not deleted": a NOT IN that no planner mistakes for a selective index.
                conditions.append(c.status.not_in(others))
            else:
                conditions.append(c.status.in_(sorted(s.value for s in statuses)))
        for field in ("kind", "country", "category", "region", "short_name", "owner", "parent", "department"):
            value = getattr(query, field)
            if value is not None:
                conditions.append(c[field] == str(value))
        if query.category_prefix is not None:
            conditions.append(c.category.startswith(query.category_prefix, autoescape=True))
        if query.region_prefix is not None:
            conditions.append(c.region.startswith(query.region_prefix, autoescape=True))
        if query.scope is not None:
            conditions.extend(_scope_conditions(c, query.scope))
        if query.role is not None:
            conditions.append(_role_condition(c.doc, query.role))
        if query.tag is not None:
            conditions.append(c.code.in_(select(t.tags.c.code).where(t.tags.c.tag == query.tag)))
        conditions.extend(self._unit.storage.lookup.conditions(query, self._conn))
        fragment = query.fragment()
        by_id = False
        if fragment:
            # Walking the code index finds a page of a common fragment soon; no other order
            # is walked (see NameSearch.condition).
            walkable = paged and query.limit is not None and query.order_by in (("code",), ("-code",))
            wanted = query.offset + query.limit if walkable and query.limit is not None else None
            condition, by_id = self._unit.storage.search.condition(fragment, self._conn, wanted)
            conditions.append(condition)
        return conditions, by_id

    def _order(self, query: Query, *, by_id: bool = False) -> list[UnaryExpression[Any]]:
        c = self._t.customers.c
        # With a short id list to look up, sorting the few rows beats walking an ordered
        # index through the whole table, but SQLite's planner, seeing ORDER BY + LIMIT,
        # walks the index. An expression (code || '', priority + 0) sorts the same yet
        # cannot use an index, which leaves the planner the id lookup.
        hide = by_id and self._unit.storage.dialect == "sqlite"
        clauses: list[UnaryExpression[Any]] = []
        for item in query.order_by + (() if "code" in {i.lstrip("-") for i in query.order_by} else ("code",)):
            field = item.lstrip("-")
            column: Any = c[field]
            if hide:
                column = column + 0 if field == "priority" else column.concat("")
            descending = item.startswith("-")
            if field != "code":
                # Missing values first ascending, last descending, the same on every backend.
                present = case((column.is_(None), 0), else_=1)
                clauses.append(present.desc() if descending else present.asc())
            clauses.append(column.desc() if descending else column.asc())
        return clauses

    def find(self, query: Query | None = None, /, **filters: Any) -> list[Customer]:
        query = make_query(query, filters)
        c = self._t.customers.c
        with translate_errors():
            conditions, by_id = self._where(query)
        statement = select(c.doc).where(*conditions).order_by(*self._order(query, by_id=by_id))
        if query.limit is not None:
            statement = statement.limit(query.limit)
        if query.offset:
            statement = statement.offset(query.offset)
        return [from_document(doc) for doc in self._execute(statement).scalars()]

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        query = make_query(query, filters)
        with translate_errors():
            conditions, _ = self._where(query, paged=False)
        statement = select(func.count()).select_from(self._t.customers).where(*conditions)
        return int(self._execute(statement).scalar_one())


class _Unit:
    """One transaction on one connection, with the ports bound to it."""

    def __init__(self, storage: SqlStorage, conn: Connection) -> None:
        self.storage = storage
        self.conn = conn
        self.now = storage.clock
        self.customers = _Customers(self)
        self.sequences = SqlSequences(self)
        self.history = SqlHistory(self)
        self.outbox = SqlOutbox(self)
        self.credit = SqlCredit(self)
        self.archive = SqlArchive(self)

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """The rows into ``table`` by the backend's bulk path (:mod:`.bulk`), one INSERT compiled
        once per store for the paths that take one.

        Every value is already a plain str, int or None, so SQLAlchemy's per-row
        parameter processing (a quarter of the bulk time) has nothing to do.
        """
        if not rows:
            return
        keys = tuple(rows[0])
        sql, order = self.storage.compiled_insert(table, keys)
        params: list[Any]
        if order is None:
            params = rows
        elif order == keys:  # the rows' own key order: no per-key lookups
            params = [tuple(row.values()) for row in rows]
        else:
            keys = order
            params = [tuple(row[key] for key in order) for row in rows]
        insert_many(self.conn, table, keys, params, sql)


def _by_country(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for country, tax_id in keys:
        grouped.setdefault(country, []).append(tax_id)
    return grouped


class _SqlCustomers(AutoCustomers):
    """Autocommit customers: reads in read-only transactions, iteration one batch per transaction."""

    __slots__ = ("_storage",)

    def __init__(self, storage: SqlStorage) -> None:
        super().__init__(storage.unit_of_work)
        self._storage = storage

    def get(self, code: str) -> Customer:
        with self._storage.reading() as uow:
            return uow.customers.get(code)

    def get_by_tax_id(self, country: str, tax_id: str) -> Customer:
        with self._storage.reading() as uow:
            return uow.customers.get_by_tax_id(country, tax_id)

    def get_many(self, codes: Iterable[str]) -> dict[str, Customer]:
        with self._storage.reading() as uow:
            return uow.customers.get_many(codes)

    def get_many_by_tax_id(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
        with self._storage.reading() as uow:
            return uow.customers.get_many_by_tax_id(keys)

    def find(self, query: Query | None = None, /, **filters: Any) -> list[Customer]:
        with self._storage.reading() as uow:
            return uow.customers.find(make_query(query, filters))

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        with self._storage.reading() as uow:
            return uow.customers.count(make_query(query, filters))

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        after: str | None = None
        while True:
            with self._storage.reading() as uow:
                page = uow.customers._page(after, include_deleted)
            yield from page
            if len(page) < BATCH:
                return
            after = page[-1].code


class SqlStorage:
    """Customers, sequences, history and outbox in a SQL database.

    ``url`` is a SQLAlchemy URL or a SQLite file path; ``table_prefix`` names
    this store's tables (also accepted as a ``?table_prefix=`` URL parameter);
    ``busy_timeout`` is how long (seconds) a SQLite writer waits for the lock.
    Opening creates or migrates the schema.
    """

    def __init__(
        self,
        url: str,
        *,
        table_prefix: str | None = None,
        busy_timeout: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
        echo: bool = False,
        **engine_options: Any,
    ) -> None:
        self.clock = clock
        self._local = threading.local()
        with translate_errors():
            parsed, ours = parse_url(url)
            self.tables: Tables = build_tables(table_prefix or ours.get("table_prefix") or DEFAULT_PREFIX)
            self.engine: Engine = make_engine(parsed, busy_timeout=busy_timeout, echo=echo, **engine_options)
            # SQLite has one writer at a time. Threads of this process queue on a lock
            # rather than in SQLite's busy handler, which polls with sleeps. One shared
            # in-memory connection cannot even hold two read transactions: all take turns.
            self._memory = is_memory_sqlite(parsed)
            self._writer: threading.RLock | None = (
                threading.RLock() if parsed.get_backend_name() == "sqlite" else None
            )
            try:
                migrate(self.engine, self.tables)
                self.search = NameSearch(self.engine, self.tables)
            except BaseException:
                self.engine.dispose()
                raise
        self.dialect = self.engine.dialect.name
        self.statements = Statements(self.tables)
        self.lookup = LookupIndex(self.tables.lookup, self.tables.customers)
        self._inserts: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}
        self.customers = _SqlCustomers(self)
        self.sequences = AutoSequences(self.unit_of_work)
        self.history = AutoHistory(self.unit_of_work)
        self.outbox = AutoOutbox(self.unit_of_work)
        self.credit = AutoCredit(self.unit_of_work)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"SqlStorage({self.url!r}, prefix={self.tables.prefix!r})"

    @contextmanager
    def _transaction(self, read_only: bool, snapshot: bool = False) -> Iterator[_Unit]:
        current: _Unit | None = getattr(self._local, "unit", None)
        if current is not None:
            yield current
            return
        serial = self._writer if self._writer is not None and (self._memory or not read_only) else None
        with serial or nullcontext():
            with translate_errors():
                conn = self.engine.connect()
                if read_only:
                    conn = conn.execution_options(**{READ_ONLY: True})
                if snapshot and self.dialect != "sqlite":
                    # Every statement sees the data as of the first one (SQLite's read
                    # transaction already does; MariaDB's default level does too).
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
            try:
                with translate_errors():
                    conn.begin()
                unit = _Unit(self, conn)
                self._local.unit = unit
                try:
                    yield unit
                except BaseException:
                    self._local.unit = None
                    with suppress(Exception):  # the original error matters more
                        conn.rollback()
                    raise
                self._local.unit = None
                with translate_errors():
                    conn.commit()
            finally:
                self._local.unit = None
                conn.close()

    def unit_of_work(self) -> AbstractContextManager[_Unit]:
        """A transaction over every port; nested units on the same thread join the outer one."""
        return self._transaction(read_only=False)

    def reading(self) -> AbstractContextManager[_Unit]:
        """A transaction for reads only (SQLite then takes no write lock)."""
        return self._transaction(read_only=True)

    def snapshot(self) -> AbstractContextManager[_Unit]:
        """A read-only transaction whose reads all see one moment of the data (for backups)."""
        return self._transaction(read_only=True, snapshot=True)

    def compiled_insert(self, table: Table, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
        """The driver SQL of an INSERT of ``keys`` into ``table``, and the key order for a
        positional paramstyle (None when the driver takes named parameters).
        """
        cache_key = (table.name, keys)
        found = self._inserts.get(cache_key)
        if found is None:
            compiled = insert(table).compile(dialect=self.engine.dialect, column_keys=list(keys))
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            found = self._inserts[cache_key] = (compiled.string, order)
        return found

    def create_counter(self, key: str, conn: Connection) -> None:
        """Create the row of counter ``key`` (value 0), racing safely with other writers.

        SQLite serialises writers, so the row is made inside the caller's
        transaction. Servers get it from a separate, committed transaction: two
        writers inserting the same key would otherwise deadlock or abort.
        """
        row = {"key": key, "value": 0}
        if self.dialect == "sqlite":
            conn.execute(self.statements.insert_counter, row)
            return
        try:
            with self.engine.begin() as other:
                other.execute(self.statements.insert_counter, row)
        except IntegrityError:
            pass  # someone else made it first: fine

    def clear(self) -> None:
        """Delete every customer, counter, history entry and event, and forget that short names
        must be unique: the store is as new (the schema is kept). For tests."""
        t = self.tables
        with self.unit_of_work() as uow, translate_errors():
            for table in t.data:
                uow.conn.execute(delete(table))
        with translate_errors(), self.engine.begin() as conn:
            drop_index(conn, t, t.short_name_unique)
        self.search.common.clear()

    def drop(self) -> None:
        """Drop this store's tables (all data lost) and close it."""
        with translate_errors():
            with self.engine.begin() as conn:
                if self.dialect == "sqlite":
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.tables.fts}")
                self.tables.metadata.drop_all(conn)
                self.tables.schema_version.drop(conn, checkfirst=True)
            self.close()

    def close(self) -> None:
        self.engine.dispose()


def downgrade(url: str, to: int, *, table_prefix: str | None = None) -> int:
    """Take the store at ``url`` back to schema version ``to``, for an earlier custrecord release.

    Returns the version now. Refuses (``StorageError``) a step that cannot be reverted or
    whose revert would lose what the store holds. Opening the store with this release
    upgrades it again.
    """
    with _existing_store(url, table_prefix) as (engine, tables):
        return migrate(engine, tables, to=to, attempts=1)


def upgrade(url: str, to: int | None = None, *, table_prefix: str | None = None) -> int:
    """Bring the store at ``url`` up to schema version ``to`` (None: this release's) and return it.

    Opening a store does the same; this is for a deployment that upgrades in its own step.
    A ``to`` below the store's version is refused: going down is :func:`downgrade`'s.
    """
    with _existing_store(url, table_prefix) as (engine, tables):
        with engine.connect() as conn:
            current = current_version(conn, tables)
        target = SCHEMA_VERSION if to is None else to
        if target < current:
            raise StorageError(f"the store is at schema version {current}, above {target}: use downgrade")
        return migrate(engine, tables, to=target, attempts=1)


def schema_version(url: str, *, table_prefix: str | None = None) -> int:
    """The schema version of the store at ``url``, without changing it."""
    with _existing_store(url, table_prefix) as (engine, tables), engine.connect() as conn:
        return current_version(conn, tables)


@contextmanager
def _existing_store(url: str, table_prefix: str | None) -> Iterator[tuple[Engine, Tables]]:
    """An engine on the custrecord store at ``url``; ``StorageError`` when there is none (it creates none)."""
    with translate_errors():
        parsed, ours = parse_url(url)
        tables = build_tables(table_prefix or ours.get("table_prefix") or DEFAULT_PREFIX)
        if parsed.get_backend_name() == "sqlite" and not is_memory_sqlite(parsed) \
                and not os.path.exists(parsed.database or ""):
            raise StorageError(f"no such database: {parsed.database}")
        engine = make_engine(parsed)
        try:
            if not inspect(engine).has_table(tables.schema_version.name):
                raise StorageError(f"no custrecord store with the table prefix {tables.prefix!r} there")
            yield engine, tables
        finally:
            engine.dispose()


def open_sql(url: str, **options: Any) -> SqlStorage:
    """The registry entry for ``sqlite``, ``postgresql`` and ``mysql``/``mariadb`` URLs and file paths."""
    return SqlStorage(url, **options)
