"""What the SQL ports need of the unit of work they are bound to.

The ports of :mod:`.journal`, :mod:`.credit` and :mod:`.archive` take a
:class:`UnitContext` rather than the adapter's unit class itself, so that they
depend on this narrow description and the adapter on them, never both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Table

from custrecord.model import Customer, Status
from custrecord.storage.sql.schema import Tables
from custrecord.storage.sql.statements import Statements

__all__ = ["StoreContext", "UnitContext"]


class StoreContext(Protocol):
    """The store a unit belongs to: its tables, compiled statements and dialect."""

    @property
    def tables(self) -> Tables: ...

    @property
    def statements(self) -> Statements: ...

    @property
    def dialect(self) -> str: ...

    def create_counter(self, key: str, conn: Connection) -> None:
        """Create counter ``key`` at 0, racing other writers safely."""
        ...


class BulkCustomers(Protocol):
    """The customer port's bulk insert, as restore uses it."""

    def insert_many(
        self, customers: Iterable[tuple[Customer, Status | None]], stamps: tuple[int, str, str] | None
    ) -> int: ...


class UnitContext(Protocol):
    """One transaction on one connection: what a port bound to it reads and writes through."""

    @property
    def storage(self) -> StoreContext: ...

    @property
    def conn(self) -> Connection: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    @property
    def customers(self) -> BulkCustomers: ...

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """``rows`` into ``table`` by the backend's bulk path."""
        ...
