"""SQL storage on SQLAlchemy 2 Core: SQLite (embedded), PostgreSQL, MariaDB.

Importing this package imports SQLAlchemy; custrecord does so only when a SQL
URL is opened (see :mod:`custrecord.storage.registry`).
"""

from __future__ import annotations

from custrecord.storage.sql.adapter import SqlStorage, downgrade, open_sql, schema_version, upgrade

__all__ = ["SqlStorage", "downgrade", "open_sql", "schema_version", "upgrade"]
