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
from custrecord.storage.registry import ENTRY_POINT_GROUP, adapter_for, open_storage, register_adapter
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
    "open_storage",
    "register_adapter",
]


def __getattr__(name: str) -> Any:
    # SqlStorage imports SQLAlchemy: only when asked for.
    if name == "SqlStorage":
        from custrecord.storage.sql import SqlStorage

        return SqlStorage
    raise AttributeError(f"module 'custrecord.storage' has no attribute {name!r}")
