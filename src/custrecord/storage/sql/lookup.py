"""The look-up side table of SQL stores: phones, e-mails, contact names and tax IDs, indexed.

One row per (kind, normalised value, customer code), as
:func:`custrecord.storage.lookup.lookup_keys` gives them; the primary key
(kind, value, code) is the index a query walks, a second index on code lets a
customer's rows be replaced when it changes. The rows are written with the
customer in the same transaction (add, add_many, update: only when its keys
changed), so they never disagree with the documents, and a changed or erased
value leaves no row behind.

A phone query first looks up the customers whose indexed national number ends
the query's digits, reads their documents and keeps those that
:func:`~custrecord.storage.lookup.phone_matches` accepts; the page is then
taken by code, so paging and ordering stay in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    bindparam,
    delete,
    false,
    insert,
    select,
)
from sqlalchemy.types import TypeEngine

from custrecord.model import Customer
from custrecord.storage.batch import chunks
from custrecord.storage.documents import from_document
from custrecord.storage.lookup import (
    MAX_KEY,
    LookupKind,
    lookup_keys,
    phone_candidates,
    phone_matches,
    query_key,
)
from custrecord.storage.values import Query

__all__ = ["LookupIndex", "build_lookup", "lookup_rows", "lookup_table"]

#: Index values per ``IN (...)`` list (as :data:`.statements.IN_BATCH`, which imports the schema).
_IN_BATCH = 500


def lookup_table(prefix: str, metadata: MetaData, text: Any, options: dict[str, Any]) -> Table:
    """The side table of store ``prefix``; ``text(n)`` makes the schema's text type."""
    string: TypeEngine[str] = text(MAX_KEY)
    return Table(
        f"{prefix}customer_lookup",
        metadata,
        Column("kind", text(16), nullable=False),
        Column("value", string, nullable=False),
        Column("code", text(64), nullable=False),
        PrimaryKeyConstraint("kind", "value", "code", name=f"{prefix}customer_lookup_pk"),
        Index(f"{prefix}customer_lookup_code_ix", "code"),
        **options,
    )


def lookup_rows(customer: Customer, code: str) -> list[dict[str, str]]:
    """The side-table rows of ``customer``."""
    return [{"kind": kind, "value": value, "code": code} for kind, value in sorted(lookup_keys(customer))]


class LookupIndex:
    """Writes and queries one store's side table."""

    def __init__(self, table: Table, customers: Table) -> None:
        self.table = table
        self._customers = customers
        t = table.c
        self._delete_keys: Any = delete(table).where(
            t.code == bindparam("p_code"), t.kind == bindparam("p_kind"), t.value == bindparam("p_value")
        )
        self._insert: Any = insert(table)

    def replace(self, conn: Connection, code: str, old: Customer | None, new: Customer) -> None:
        """Bring customer ``code``'s rows from ``old``'s keys to ``new``'s (nothing when they agree)."""
        before = lookup_keys(old) if old is not None else None
        after = lookup_keys(new)
        if before == after:
            return
        if before is None:  # a new customer has no rows yet
            added: Iterable[tuple[str, str]] = after
        else:
            gone = [{"p_code": code, "p_kind": k, "p_value": v} for k, v in sorted(before - after)]
            if gone:
                conn.execute(self._delete_keys, gone)
            added = after - before
        rows = [{"kind": k, "value": v, "code": code} for k, v in sorted(added)]
        if rows:
            conn.execute(self._insert, rows)

    def conditions(self, query: Query, conn: Connection) -> list[ColumnElement[bool]]:
        """The conditions on customers of ``query``'s look-up filters."""
        t, code = self.table.c, self._customers.c.code
        out: list[ColumnElement[bool]] = []
        if query.phone is not None:
            out.append(self._phone(query.phones(), conn))
        for kind, text in query.lookups().items():
            key = query_key(kind, text)
            if key is None:
                out.append(false())
            else:
                out.append(code.in_(select(t.code).where(t.kind == kind, t.value == key)))
        fragment = query.contact_fragment()
        if fragment is not None:  # a scan of the contact names in the side table
            key = query_key(LookupKind.CONTACT, fragment)
            if key is None:
                out.append(false())
            else:
                near = select(t.code).where(t.kind == LookupKind.CONTACT.value,
                                            t.value.contains(key, autoescape=True))
                out.append(code.in_(near))
        return out

    def _phone(self, texts: frozenset[str], conn: Connection) -> ColumnElement[bool]:
        """Customers with one of the phones ``texts``: narrowed by the index, decided on their documents."""
        t, c = self.table.c, self._customers.c
        values = sorted({v for text in texts for v in phone_candidates(text)})
        codes = []
        for part in chunks(values, _IN_BATCH):
            near = select(t.code).where(t.kind == LookupKind.PHONE.value, t.value.in_(part))
            for row in conn.execute(select(c.code, c.doc).where(c.code.in_(near))):
                customer = from_document(row.doc)
                phones = [p for k in customer.contacts for p in (k.phone, k.mobile)]
                if any(phone_matches(text, customer.country, phones) for text in texts):
                    codes.append(row.code)
        return c.code.in_(sorted(set(codes))) if codes else false()


def build_lookup(conn: Connection, customers: Table, table: Table, batch: int = 1000) -> None:
    """Fill the side table from every stored document (a database made before it existed)."""
    c = customers.c
    after: int | None = None
    while True:
        query = select(c.id, c.code, c.doc).order_by(c.id).limit(batch)
        if after is not None:
            query = query.where(c.id > after)
        rows = conn.execute(query).all()
        if not rows:
            return
        out = [item for row in rows for item in lookup_rows(from_document(row.doc), row.code)]
        if out:
            conn.execute(insert(table), out)
        after = rows[-1].id
