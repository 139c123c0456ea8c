"""Storage for customers: the ports, the adapters, and opening one by URL.

>>> from custrecord.storage import open_storage
>>> storage = open_storage()            # in memory; "customers.db" or "sqlite:///..." for SQLite
>>> with storage.unit_of_work() as uow:
...     serial = uow.sequences.next_value("customer-code")
>>> serial
1

Adapters are plain classes passed around explicitly; :func:`open_storage`
also finds them by URL scheme (built-ins, :func:`register_adapter`, and the
``custrecord.storage`` entry-point group). SQL adapters load SQLAlchemy lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custrecord.storage.memory import MemoryStorage
from custrecord.storage.ports import CustomerStore, History, Outbox, Sequences, Storage, UnitOfWork
from custrecord.storage.registry import (
    ENTRY_POINT_GROUP,
    adapter_for,
    open_storage,
    register_adapter,
    with_driver,
)
from custrecord.storage.values import ORDER_FIELDS, Change, HistoryEntry, OutboxEvent, Query

if TYPE_CHECKING:
    from custrecord.storage.sql import SqlStorage

__all__ = [
    "ENTRY_POINT_GROUP",
    "ORDER_FIELDS",
    "Change",
    "CustomerStore",
    "History",
    "HistoryEntry",
    "MemoryStorage",
    "Outbox",
    "OutboxEvent",
    "Query",
    "Sequences",
    "SqlStorage",
    "Storage",
    "UnitOfWork",
    "adapter_for",
    "migrate_store",
    "open_storage",
    "register_adapter",
]


def migrate_store(url: str, to: int | None = None) -> tuple[int, int]:
    """Bring the SQL store at ``url`` to schema version ``to`` (None: this release's), up or down.

    Returns the versions before and after. Never creates a store (``StorageError``); see
    :func:`custrecord.storage.sql.upgrade` and :func:`~custrecord.storage.sql.downgrade`.
    """
    from custrecord.storage.sql import downgrade, schema_version, upgrade

    url = with_driver(url)
    before = schema_version(url)
    after = downgrade(url, to) if to is not None and to < before else upgrade(url, to)
    return before, after


def __getattr__(name: str) -> Any:
    # SqlStorage imports SQLAlchemy: only when asked for.
    if name == "SqlStorage":
        from custrecord.storage.sql import SqlStorage

        return SqlStorage
    raise AttributeError(f"module 'custrecord.storage' has no attribute {name!r}")
