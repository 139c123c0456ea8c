"""The SQL counters, history and outbox ports: rows appended in the unit's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import (
    Column,
    Row,
    select,
    update,
)

from custrecord.errors import DuplicateError
from custrecord.storage.batch import check_new_events, chunks
from custrecord.storage.documents import (
    dump_json,
    load_json,
    parse_time,
    time_text,
)
from custrecord.storage.sql.bulk import CHUNK
from custrecord.storage.sql.errors import storable, translate_errors
from custrecord.storage.sql.statements import IN_BATCH
from custrecord.storage.sql.unit_context import UnitContext
from custrecord.storage.values import (
    Change,
    HistoryEntry,
    OutboxEvent,
    redact_changes,
    redact_payload,
)

__all__ = ["SqlHistory", "SqlOutbox", "SqlSequences", "event_row", "history_entry"]


class SqlSequences:
    def __init__(self, unit: UnitContext) -> None:
        self._unit = unit
        self._s = unit.storage.statements

    def _advance(self, key: str, count: int) -> int:
        """Add ``count`` to counter ``key`` under its row lock; returns the new value."""
        s, conn, params = self._s, self._unit.conn, {"p_key": key}
        with translate_errors():
            if conn.execute(s.counter, params).first() is None:
                self._unit.storage.create_counter(key, conn)
            conn.execute(s.bump, {"p_key": key, "p_count": count})
            return int(conn.execute(s.counter, params).scalar_one())

    def next_value(self, key: str) -> int:
        return self._advance(key, 1)

    def next_values(self, key: str, count: int) -> range:
        if count < 0:
            raise ValueError(f"cannot reserve a negative number of values ({count})")
        if count == 0:
            return range(0)
        last = self._advance(key, count)
        return range(last - count + 1, last + 1)


def _history_row(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "code": entry.code,
        "version": entry.version,
        "action": entry.action,
        "actor": entry.actor,
        "reason": entry.reason,
        "at": time_text(entry.at),
        "changes": dump_json(entry.changes),  # named tuples: JSON arrays as they are
    }


def _stored_changes(text: str) -> tuple[Change, ...]:
    """The changes of a history row: a JSON list of ``[path, old, new]``."""
    return tuple(Change(*item) for item in load_json(text))


def history_entry(row: Row[Any]) -> HistoryEntry:
    return HistoryEntry(
        code=row.code,
        version=row.version,
        action=row.action,
        actor=row.actor,
        reason=row.reason,
        at=parse_time(row.at),
        changes=_stored_changes(row.changes),
    )


class SqlHistory:
    def __init__(self, unit: UnitContext) -> None:
        self._unit = unit
        self._t = unit.storage.tables.history

    def append(self, entry: HistoryEntry) -> None:
        with translate_errors():
            self._unit.conn.execute(self._unit.storage.statements.insert_history, _history_row(entry))

    def append_many(self, entries: Iterable[HistoryEntry]) -> None:
        for part in chunks(entries, CHUNK):
            self._unit.insert_rows(self._t, [_history_row(entry) for entry in part])

    def list(self, code: str) -> Sequence[HistoryEntry]:
        if not storable(code):
            return ()
        t = self._t
        with translate_errors():
            rows = self._unit.conn.execute(select(t).where(t.c.code == code).order_by(t.c.id)).all()
        return tuple(history_entry(row) for row in rows)

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        covered, secrets = frozenset(paths), frozenset(values)

        def redacted(text: str) -> str | None:
            changes = redact_changes(_stored_changes(text), covered, secrets)
            return None if changes is None else dump_json([list(change) for change in changes])

        return _rewrite(self._unit, self._t.c.id, self._t.c.changes, code, redacted)


def event_row(event: OutboxEvent, texts: dict[Any, str] | None = None) -> dict[str, Any]:
    """The column values of ``event``; ``texts`` remembers payload texts across a batch."""
    payload = event.payload
    text = None
    if texts is not None:
        # A bulk import announces thousands of customers with the same small payload.
        key: Any = tuple(payload.items())
        if all(isinstance(value, str) for _, value in key):  # 1 == True: only text values share
            text = texts.get(key)
        else:
            key = None
    if text is None:
        text = dump_json(dict(payload))
        if texts is not None and key is not None and len(texts) < 100:
            texts[key] = text
    return {
        "id": event.id,
        "type": event.type,
        "code": event.code,
        "payload": text,
        "created_at": time_text(event.created_at),
    }


class SqlOutbox:
    def __init__(self, unit: UnitContext) -> None:
        self._unit = unit
        self._t = unit.storage.tables.outbox
        self._s = unit.storage.statements

    def append(self, event: OutboxEvent) -> None:
        with translate_errors():
            self._unit.conn.execute(self._s.insert_event, event_row(event))

    def append_many(self, events: Iterable[OutboxEvent]) -> None:
        batch = list(events)
        if not batch:
            return
        conn = self._unit.conn
        check_new_events(batch, ())  # an id repeated in the batch
        # Written optimistically, as customers are: the unique id refuses one that exists,
        # and the savepoint keeps the batch all or nothing.
        try:
            with translate_errors(), conn.begin_nested():
                texts: dict[Any, str] = {}
                for rows in chunks(batch, CHUNK):
                    self._unit.insert_rows(self._t, [event_row(event, texts) for event in rows])
        except DuplicateError:
            taken: set[str] = set()
            with translate_errors():
                for part in chunks(dict.fromkeys(event.id for event in batch), IN_BATCH):
                    taken.update(conn.execute(self._s.event_ids_taken, {"p_ids": part}).scalars())
            check_new_events(batch, taken)
            raise

    def undelivered(self, limit: int | None = None) -> Sequence[OutboxEvent]:
        t = self._t
        statement = select(t).where(t.c.delivered_at.is_(None)).order_by(t.c.seq)
        if limit is not None:
            statement = statement.limit(limit)
        with translate_errors():
            rows = self._unit.conn.execute(statement).all()
        return tuple(
            OutboxEvent(
                id=row.id,
                type=row.type,
                code=row.code,
                payload=load_json(row.payload),
                created_at=parse_time(row.created_at),
            )
            for row in rows
        )

    def mark_delivered(self, ids: Iterable[str]) -> None:
        t = self._t
        now = time_text(self._unit.now())
        items = iter(ids)
        with translate_errors():
            while chunk := list(islice(items, 500)):
                self._unit.conn.execute(
                    update(t).where(t.c.id.in_(chunk), t.c.delivered_at.is_(None)).values(delivered_at=now)
                )

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        covered, secrets = frozenset(paths), frozenset(values)

        def redacted(text: str) -> str | None:
            payload = redact_payload(load_json(text), covered, secrets)
            return None if payload is None else dump_json(payload)

        return _rewrite(self._unit, self._t.c.seq, self._t.c.payload, code, redacted)


def _rewrite(
    unit: UnitContext, key: Column[Any], column: Column[Any], code: str, rewrite: Callable[[str], str | None]
) -> int:
    """Replace ``column`` in the rows of customer ``code`` where ``rewrite`` gives a new text;
    the number of rows rewritten. ``key`` identifies a row of the table."""
    t = column.table
    changed = 0
    with translate_errors():
        for row in unit.conn.execute(select(key, column).where(t.c.code == code)).all():
            text = rewrite(row[1])
            if text is not None:
                unit.conn.execute(update(t).where(key == row[0]).values({column.name: text}))
                changed += 1
    return changed
