"""The SQL schema, one definition for SQLite, PostgreSQL and MariaDB, and its migrations.

A customer is one row: the full record as a JSON document (``doc``, the source
of truth, written by :mod:`custrecord.storage.documents`) plus promoted columns
that carry the keys and the filters (code, country + tax ID, status, category,
region, priority, times, the search form of the name). Tags live in their own
table so a tag filter is an index lookup. Text columns compare by code point on
every backend (``COLLATE "C"`` on PostgreSQL, ``utf8mb4_bin`` on MariaDB, SQLite's
BINARY), so ordering and ``LIKE`` agree with Python and with the other backends.
Times are fixed-width UTC ISO text: exact to the microsecond and ordered.

Every table name starts with a prefix (default ``custrecord_``), so several
stores, or test runs, can share one database.
"""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeEngine

from custrecord.storage.sql.lookup import lookup_table

__all__ = ["DEFAULT_PREFIX", "SCHEMA_VERSION", "Tables", "build_tables"]

DEFAULT_PREFIX = "custrecord_"

#: The schema version this code writes; see :mod:`custrecord.storage.sql.migrations`.
SCHEMA_VERSION = 7


def _text(length: int) -> TypeEngine[str]:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _long_text() -> TypeEngine[str]:
    return Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def _gram() -> TypeEngine[str]:
    # Bytes on MySQL/MariaDB: their text collations ignore trailing spaces, which would
    # make the grams "g " and "g" one key. UTF-8 bytes sort as code points do.
    return _text(2).with_variant(mysql.VARBINARY(8), "mysql", "mariadb")


def _serial() -> TypeEngine[int]:
    # SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias).
    return BigInteger().with_variant(Integer(), "sqlite")


_TIME = 32
_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_MARIADB: dict[str, Any] = {
    "mariadb_engine": "InnoDB",
    "mariadb_charset": "utf8mb4",
    "mariadb_collate": "utf8mb4_bin",
}


@attrs.frozen
class Tables:
    """The tables of one store (one prefix)."""

    prefix: str
    metadata: MetaData
    customers: Table
    tags: Table
    sequences: Table
    history: Table
    outbox: Table
    schema_version: Table
    credit_reservations: Table
    credit_raises: Table
    grams: Table
    #: Phones, e-mails, contact names and tax IDs by normalised value (:mod:`.lookup`).
    lookup: Table

    @property
    def data(self) -> tuple[Table, ...]:
        """Every table that holds data, in an order that deletes without breaking a reference."""
        return (self.grams, self.tags, self.lookup, self.customers, self.sequences, self.history, self.outbox,
                self.credit_reservations, self.credit_raises)

    @property
    def short_name_unique(self) -> str:
        """Name of the unique index on short names that a store gets when a book asks for it."""
        return f"{self.prefix}customers_short_name_uq"

    @property
    def fts(self) -> str:
        """Name of the SQLite FTS5 table indexing customer names."""
        return f"{self.prefix}customers_fts"


def build_tables(prefix: str = DEFAULT_PREFIX) -> Tables:
    """The table definitions for ``prefix``."""
    if not prefix.replace("_", "").isalnum() or not prefix.isascii():
        raise ValueError(f"table prefix must be ASCII letters, digits and '_', not {prefix!r}")
    p = prefix
    md = MetaData()
    customers = Table(
        f"{p}customers",
        md,
        Column("id", _serial(), primary_key=True, autoincrement=True),
        Column("code", _text(64), nullable=False),
        Column("name", _text(255), nullable=False),
        Column("name_key", _text(400), nullable=False),
        Column("kind", _text(16), nullable=False),
        Column("country", _text(8), nullable=False),
        Column("tax_id", _text(64)),
        Column("category", _text(128)),
        Column("region", _text(128)),
        Column("short_name", _text(191)),
        Column("owner", _text(191)),
        Column("parent", _text(64)),
        Column("department", _text(191)),
        Column("status", _text(16), nullable=False),
        Column("prior_status", _text(16)),
        Column("priority", Integer),
        Column("version", Integer, nullable=False),
        Column("created_at", _text(_TIME), nullable=False),
        Column("updated_at", _text(_TIME), nullable=False),
        Column("doc", _long_text(), nullable=False),
        UniqueConstraint("code", name=f"{p}customers_code_uq"),
        UniqueConstraint("country", "tax_id", name=f"{p}customers_tax_uq"),
        Index(f"{p}customers_category_ix", "category"),
        Index(f"{p}customers_region_ix", "region"),
        Index(f"{p}customers_short_name_ix", "short_name"),
        Index(f"{p}customers_owner_ix", "owner"),
        Index(f"{p}customers_parent_ix", "parent"),
        Index(f"{p}customers_department_ix", "department"),
        Index(f"{p}customers_status_ix", "status", "code"),
        Index(f"{p}customers_updated_ix", "updated_at"),
        **_MYSQL,
        **_MARIADB,
    )
    tags = Table(
        f"{p}customer_tags",
        md,
        Column("code", _text(64), nullable=False),
        Column("tag", _text(100), nullable=False),
        PrimaryKeyConstraint("code", "tag", name=f"{p}customer_tags_pk"),
        Index(f"{p}customer_tags_tag_ix", "tag", "code"),
        **_MYSQL,
        **_MARIADB,
    )
    sequences = Table(
        f"{p}sequences",
        md,
        Column("key", _text(191), nullable=False),
        Column("value", BigInteger, nullable=False),
        PrimaryKeyConstraint("key", name=f"{p}sequences_pk"),
        **_MYSQL,
        **_MARIADB,
    )
    history = Table(
        f"{p}history",
        md,
        Column("id", _serial(), primary_key=True, autoincrement=True),
        Column("code", _text(64), nullable=False),
        Column("version", Integer, nullable=False),
        Column("action", _text(32), nullable=False),
        Column("actor", _text(255)),
        Column("reason", _long_text()),
        Column("at", _text(_TIME), nullable=False),
        Column("changes", _long_text(), nullable=False),
        Index(f"{p}history_code_ix", "code", "id"),
        **_MYSQL,
        **_MARIADB,
    )
    outbox = Table(
        f"{p}outbox",
        md,
        Column("seq", _serial(), primary_key=True, autoincrement=True),
        Column("id", _text(64), nullable=False),
        Column("type", _text(128), nullable=False),
        Column("code", _text(64)),
        Column("payload", _long_text(), nullable=False),
        Column("created_at", _text(_TIME), nullable=False),
        Column("delivered_at", _text(_TIME)),
        UniqueConstraint("id", name=f"{p}outbox_id_uq"),
        Index(f"{p}outbox_pending_ix", "delivered_at", "seq"),
        **_MYSQL,
        **_MARIADB,
    )
    schema_version = Table(
        f"{p}schema_version",
        md,
        Column("version", Integer, nullable=False),
        Column("applied_at", _text(_TIME), nullable=False),
        Column("note", _text(255), nullable=False),
        PrimaryKeyConstraint("version", name=f"{p}schema_version_pk"),
        **_MYSQL,
        **_MARIADB,
    )
    credit_reservations = Table(
        f"{p}credit_reservations",
        md,
        Column("code", _text(64), nullable=False),
        Column("order_ref", _text(191), nullable=False),
        Column("amount", _text(64), nullable=False),
        Column("currency", _text(8), nullable=False),
        Column("reserved_at", _text(_TIME), nullable=False),
        PrimaryKeyConstraint("code", "order_ref", name=f"{p}credit_reservations_pk"),
        **_MYSQL,
        **_MARIADB,
    )
    credit_raises = Table(
        f"{p}credit_raises",
        md,
        Column("id", _serial(), primary_key=True, autoincrement=True),
        Column("code", _text(64), nullable=False),
        Column("credit_limit", _text(64), nullable=False),
        Column("currency", _text(8)),
        Column("starts", _text(10)),
        Column("until", _text(10), nullable=False),
        Column("reason", _long_text()),
        Column("actor", _text(255)),
        Column("granted_at", _text(_TIME), nullable=False),
        Index(f"{p}credit_raises_code_ix", "code", "id"),
        **_MYSQL,
        **_MARIADB,
    )
    # The name index for short fragments (see custrecord.storage.sql.search): one row per
    # customer and character pair of its name_key, plus its last character alone.
    grams = Table(
        f"{p}customer_grams",
        md,
        Column("gram", _gram(), nullable=False),
        Column("id", _serial(), nullable=False, autoincrement=False),
        PrimaryKeyConstraint("gram", "id", name=f"{p}customer_grams_pk"),
        sqlite_with_rowid=False,
        **_MYSQL,
        **_MARIADB,
    )
    lookup = lookup_table(p, md, _text, {**_MYSQL, **_MARIADB})
    return Tables(p, md, customers, tags, sequences, history, outbox, schema_version, credit_reservations,
                  credit_raises, grams, lookup)
