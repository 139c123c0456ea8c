"""The SQL archive port: the whole store read in pages by key for backup, written back for restore."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Row,
    Table,
    delete,
    func,
    inspect,
    select,
    tuple_,
)

from custrecord.credit.ledger import Reservation
from custrecord.credit.limits import TemporaryRaise
from custrecord.model import Customer, Status
from custrecord.storage.autocommit import (
    BATCH,
)
from custrecord.storage.batch import chunks
from custrecord.storage.documents import (
    from_document,
    load_json,
    parse_time,
    time_text,
)
from custrecord.storage.sql.bulk import CHUNK
from custrecord.storage.sql.credit import temporary_raise
from custrecord.storage.sql.errors import translate_errors
from custrecord.storage.sql.journal import event_row, history_entry
from custrecord.storage.sql.schema import SCHEMA_VERSION
from custrecord.storage.sql.unit_context import UnitContext
from custrecord.storage.values import (
    HistoryEntry,
    OutboxEvent,
)

__all__ = ["SqlArchive"]


class SqlArchive:
    """The whole store for backup and restore, read in pages by key within the unit's transaction."""

    def __init__(self, unit: UnitContext) -> None:
        self._unit = unit
        self._t = unit.storage.tables

    @property
    def schema_version(self) -> int | None:
        return SCHEMA_VERSION

    def _rows(self, table: Table, keys: tuple[str, ...]) -> Iterator[Row[Any]]:
        """Every row of ``table`` in ``keys`` order, a page at a time (keyset paging)."""
        columns = [table.c[key] for key in keys]
        after: tuple[Any, ...] | None = None
        while True:
            statement = select(table).order_by(*columns).limit(BATCH)
            if after is not None:
                statement = statement.where(tuple_(*columns) > tuple_(*after)) if len(keys) > 1 \
                    else statement.where(columns[0] > after[0])
            with translate_errors():
                page = self._unit.conn.execute(statement).all()
            yield from page
            if len(page) < BATCH:
                return
            after = tuple(getattr(page[-1], key) for key in keys)

    def counts(self) -> Mapping[str, int]:
        t = self._t
        tables = {"customers": t.customers, "history": t.history, "outbox": t.outbox,
                  "sequences": t.sequences, "reservations": t.credit_reservations, "raises": t.credit_raises}
        with translate_errors():
            return {name: int(self._unit.conn.execute(select(func.count()).select_from(table)).scalar_one())
                    for name, table in tables.items()}

    def settings(self) -> Mapping[str, Any]:
        # The unique index on short names is the setting: ask the database whether it exists.
        with translate_errors():
            indexes = inspect(self._unit.conn).get_indexes(self._t.customers.name)
        return {"unique_short_names": any(i["name"] == self._t.short_name_unique for i in indexes)}

    def customers(self) -> Iterator[tuple[Customer, Status | None]]:
        for row in self._rows(self._t.customers, ("code",)):
            prior = Status(row.prior_status) if row.prior_status else None
            yield from_document(row.doc), prior

    def history(self) -> Iterator[HistoryEntry]:
        for row in self._rows(self._t.history, ("id",)):
            yield history_entry(row)

    def events(self) -> Iterator[OutboxEvent]:
        for row in self._rows(self._t.outbox, ("seq",)):
            yield OutboxEvent(
                id=row.id, type=row.type, code=row.code, payload=load_json(row.payload),
                created_at=parse_time(row.created_at),
                delivered_at=parse_time(row.delivered_at) if row.delivered_at else None,
            )

    def counters(self) -> Iterator[tuple[str, int]]:
        for row in self._rows(self._t.sequences, ("key",)):
            yield row.key, int(row.value)

    def reservations(self) -> Iterator[Reservation]:
        for row in self._rows(self._t.credit_reservations, ("code", "order_ref")):
            yield Reservation(row.code, row.order_ref, Decimal(row.amount), row.currency)

    def raises(self) -> Iterator[tuple[str, TemporaryRaise]]:
        for row in self._rows(self._t.credit_raises, ("id",)):
            yield row.code, temporary_raise(row)

    def clear(self) -> None:
        with translate_errors():
            for table in self._t.data:
                self._unit.conn.execute(delete(table))

    def load_customers(self, customers: Iterable[tuple[Customer, Status | None]]) -> int:
        return self._unit.customers.insert_many(customers, None)

    def load_events(self, events: Iterable[OutboxEvent]) -> int:
        count = 0
        for chunk in chunks(events, CHUNK):
            rows = []
            for event in chunk:
                row = event_row(event)
                row["delivered_at"] = time_text(event.delivered_at) if event.delivered_at else None
                rows.append(row)
            self._unit.insert_rows(self._t.outbox, rows)
            count += len(rows)
        return count

    def load_counters(self, counters: Iterable[tuple[str, int]]) -> int:
        count = 0
        s = self._unit.storage.statements
        for chunk in chunks(counters, CHUNK):
            with translate_errors():
                taken = {key for key, _ in chunk
                         if self._unit.conn.execute(s.counter, {"p_key": key}).first() is not None}
            rows = [{"key": key, "value": value} for key, value in chunk if key not in taken]
            self._unit.insert_rows(self._t.sequences, rows)
            count += len(rows)
        return count


