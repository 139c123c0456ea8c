"""A complete custom storage adapter over plain dicts of JSON rows (the docs' example).

Copy-on-write transactions: a unit of work edits a private copy of the rows
and swaps it in on success; an exception simply drops the copy.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from decimal import Decimal
from typing import Any

import attrs

import custrecord
from custrecord import Customer, Status
from custrecord.credit import Reservation, TemporaryRaise
from custrecord.credit.ledger import order_key
from custrecord.errors import ConflictError, DuplicateError, NotFound, StorageError
from custrecord.storage import HistoryEntry, OutboxEvent, Query
from custrecord.storage.autocommit import AutoCredit, AutoCustomers, AutoHistory, AutoOutbox, AutoSequences
from custrecord.storage.query_eval import matches, order_and_page
from custrecord.storage.values import make_query, redact_entry, redact_payload, utcnow


@attrs.define
class Rows:
    """Everything the store holds, as JSON-safe rows."""

    customers: dict[str, str] = attrs.Factory(dict)  # code -> JSON document
    prior: dict[str, str] = attrs.Factory(dict)  # code -> status before soft delete
    counters: dict[str, int] = attrs.Factory(dict)
    history: list[HistoryEntry] = attrs.Factory(list)
    outbox: dict[str, OutboxEvent] = attrs.Factory(dict)
    unique_short_names: bool = False
    reservations: dict[tuple[str, str], Reservation] = attrs.Factory(dict)
    raises: list[tuple[str, TemporaryRaise]] = attrs.Factory(list)


def _dump(customer: Customer) -> str:
    return json.dumps(custrecord.unstructure(customer), ensure_ascii=False)


def _load(text: str) -> Customer:
    return custrecord.load(json.loads(text))


class DictCustomers:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def _all(self) -> list[Customer]:
        return [_load(doc) for doc in self.rows.customers.values()]

    def get(self, code: str) -> Customer:
        if code not in self.rows.customers:
            raise NotFound(f"no customer with code {code!r}")
        return _load(self.rows.customers[code])

    def get_by_tax_id(self, country: str, tax_id: str) -> Customer:
        for customer in self._all():
            if (customer.country, customer.tax_id) == (country, tax_id):
                return customer
        raise NotFound(f"no customer with tax ID {country} {tax_id}")

    def get_many(self, codes: Iterable[str]) -> dict[str, Customer]:
        return {code: self.get(code) for code in codes if code in self.rows.customers}

    def get_many_by_tax_id(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
        index = {(c.country, c.tax_id or ""): c for c in self._all() if c.tax_id is not None}
        return {key: index[key] for key in keys if key in index}

    def _check_tax_id(self, customer: Customer) -> None:
        if customer.tax_id is None:
            return
        for other in self._all():
            if other.code != customer.code and (other.country, other.tax_id) == (
                customer.country,
                customer.tax_id,
            ):
                raise DuplicateError(f"tax ID {customer.tax_id} is taken by {other.code}")

    def add(self, customer: Customer) -> Customer:
        if not customer.code:
            raise StorageError("cannot store a customer without a code")
        if customer.code in self.rows.customers:
            raise DuplicateError(f"customer code {customer.code!r} is taken")
        self._check_tax_id(customer)
        self._check_short_name(customer)
        now = utcnow()
        stored = attrs.evolve(customer, version=1, created_at=now, updated_at=now)
        self.rows.customers[customer.code] = _dump(stored)
        return stored

    def add_many(self, customers: Iterable[Customer]) -> int:
        # All or none: check every key first (one pass over the store), then write.
        batch = list(customers)
        codes = [customer.code or "" for customer in batch]
        keys = [(c.country, c.tax_id) for c in batch if c.tax_id is not None]
        taken = {(c.country, c.tax_id) for c in self._all() if c.tax_id is not None}
        if not all(codes):
            raise StorageError("cannot store a customer without a code")
        if len(set(codes)) < len(codes) or any(code in self.rows.customers for code in codes):
            raise DuplicateError("a customer code is taken or repeats")
        if len(set(keys)) < len(keys) or taken & set(keys):
            raise DuplicateError("a tax ID is taken or repeats")
        shorts = [c.short_name for c in batch if c.short_name is not None]
        held = {c.short_name for c in self._all()}
        if self.rows.unique_short_names and (len(set(shorts)) < len(shorts) or held & set(shorts)):
            raise DuplicateError("a short name is taken or repeats")
        now = utcnow()
        for code, customer in zip(codes, batch, strict=True):
            stored = attrs.evolve(customer, version=1, created_at=now, updated_at=now)
            self.rows.customers[code] = _dump(stored)
        return len(batch)

    def _replace(self, old: Customer, new: Customer) -> Customer:
        stored = attrs.evolve(new, version=old.version + 1, created_at=old.created_at, updated_at=utcnow())
        code = stored.code or ""
        if stored.status is Status.DELETED and old.status is not Status.DELETED:
            self.rows.prior[code] = old.status.value
        elif stored.status is not Status.DELETED:
            self.rows.prior.pop(code, None)
        self.rows.customers[code] = _dump(stored)
        return stored

    def _check(self, old: Customer, expected: int | None) -> None:
        if expected is not None and old.version != expected:
            raise ConflictError(
                f"customer {old.code!r}: expected version {expected}, found {old.version}",
                expected=expected,
                actual=old.version,
            )

    def update(self, customer: Customer, expected_version: int) -> Customer:
        old = self.get(customer.code or "")
        self._check(old, expected_version)
        self._check_tax_id(customer)
        self._check_short_name(customer)
        return self._replace(old, customer)

    def _check_short_name(self, customer: Customer) -> None:
        if not self.rows.unique_short_names or customer.short_name is None:
            return
        for other in self._all():
            if other.short_name == customer.short_name and other.code != customer.code:
                raise DuplicateError(f"short name {other.short_name!r} is taken by customer {other.code!r}")

    def require_unique_short_names(self) -> None:
        shorts = [c.short_name for c in self._all() if c.short_name is not None]
        for short in shorts:
            if shorts.count(short) > 1:
                raise DuplicateError(f"short name {short!r} is held by more than one customer already")
        self.rows.unique_short_names = True

    def delete(self, code: str, *, expected_version: int | None = None) -> Customer:
        old = self.get(code)
        self._check(old, expected_version)
        if old.status is Status.DELETED:
            return old
        return self._replace(old, attrs.evolve(old, status=Status.DELETED))

    def restore(self, code: str, *, expected_version: int | None = None) -> Customer:
        old = self.get(code)
        self._check(old, expected_version)
        if old.status is not Status.DELETED:
            return old
        status = Status(self.rows.prior.get(code, "active"))
        return self._replace(old, attrs.evolve(old, status=status))

    def purge(self, code: str) -> None:
        """Rows are replaced whole: no index keeps an old value."""

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        rows = sorted(self._all(), key=lambda c: c.code or "")
        return iter([c for c in rows if include_deleted or c.status is not Status.DELETED])

    def find(self, query: Query | None = None, /, **filters: Any) -> list[Customer]:
        query = make_query(query, filters)
        return order_and_page(query, [c for c in self._all() if matches(query, c)])

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        query = make_query(query, filters)
        return sum(1 for c in self._all() if matches(query, c))


class DictSequences:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def next_value(self, key: str) -> int:
        self.rows.counters[key] = self.rows.counters.get(key, 0) + 1
        return self.rows.counters[key]

    def next_values(self, key: str, count: int) -> range:
        if count < 0:
            raise ValueError(f"cannot reserve {count} values")
        first = self.rows.counters.get(key, 0) + 1
        if count:
            self.rows.counters[key] = first + count - 1
        return range(first, first + count)


class DictHistory:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def append(self, entry: HistoryEntry) -> None:
        self.rows.history.append(entry)

    def append_many(self, entries: Iterable[HistoryEntry]) -> None:
        for entry in entries:
            self.append(entry)

    def list(self, code: str) -> Sequence[HistoryEntry]:
        return [entry for entry in self.rows.history if entry.code == code]

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        changed = 0
        for i, entry in enumerate(self.rows.history):
            redacted = redact_entry(entry, paths, values) if entry.code == code else None
            if redacted is not None:
                self.rows.history[i] = redacted
                changed += 1
        return changed


class DictOutbox:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def append(self, event: OutboxEvent) -> None:
        if event.id in self.rows.outbox:
            raise DuplicateError(f"outbox event {event.id!r} exists")
        self.rows.outbox[event.id] = event

    def append_many(self, events: Iterable[OutboxEvent]) -> None:
        batch = list(events)
        ids = [event.id for event in batch]
        if len(set(ids)) < len(ids) or any(ident in self.rows.outbox for ident in ids):
            raise DuplicateError("an outbox event id exists or repeats")
        for event in batch:
            self.rows.outbox[event.id] = event

    def undelivered(self, limit: int | None = None) -> Sequence[OutboxEvent]:
        pending = [e for e in self.rows.outbox.values() if e.delivered_at is None]
        return pending if limit is None else pending[:limit]

    def mark_delivered(self, ids: Iterable[str]) -> None:
        for ident in ids:
            event = self.rows.outbox.get(ident)
            if event is not None and event.delivered_at is None:
                self.rows.outbox[ident] = attrs.evolve(event, delivered_at=utcnow())

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        changed = 0
        for ident, event in list(self.rows.outbox.items()):
            payload = redact_payload(event.payload, paths, values) if event.code == code else None
            if payload is not None:
                self.rows.outbox[ident] = attrs.evolve(event, payload=payload)
                changed += 1
        return changed


class DictCredit:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        return nullcontext()  # a unit of work holds the store's lock already

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        return {ref: r for (code, ref), r in self.rows.reservations.items() if code == customer_code}

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        reservation = Reservation(customer_code, order_key(order_ref), amount, currency)
        self.rows.reservations[(customer_code, reservation.order_ref)] = reservation
        return reservation

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        return self.rows.reservations.pop((customer_code, order_key(order_ref)), None)

    def raises(self, customer_code: str) -> Sequence[TemporaryRaise]:
        return tuple(grant for code, grant in self.rows.raises if code == customer_code)

    def add_raise(self, customer_code: str, grant: TemporaryRaise) -> None:
        self.rows.raises.append((customer_code, grant))


class DictArchive:
    """Backup and restore: the rows as they are (the optional archive port)."""

    schema_version = None

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def counts(self) -> Mapping[str, int]:
        r = self.rows
        return {"customers": len(r.customers), "history": len(r.history), "outbox": len(r.outbox),
                "sequences": len(r.counters), "reservations": len(r.reservations), "raises": len(r.raises)}

    def settings(self) -> Mapping[str, Any]:
        return {"unique_short_names": self.rows.unique_short_names}

    def customers(self) -> Iterator[tuple[Customer, Status | None]]:
        for code in sorted(self.rows.customers):
            prior = self.rows.prior.get(code)
            yield _load(self.rows.customers[code]), Status(prior) if prior else None

    def history(self) -> Iterator[HistoryEntry]:
        return iter(list(self.rows.history))

    def events(self) -> Iterator[OutboxEvent]:
        return iter(list(self.rows.outbox.values()))

    def counters(self) -> Iterator[tuple[str, int]]:
        return iter(sorted(self.rows.counters.items()))

    def reservations(self) -> Iterator[Reservation]:
        return iter(list(self.rows.reservations.values()))

    def raises(self) -> Iterator[tuple[str, TemporaryRaise]]:
        return iter(list(self.rows.raises))

    def clear(self) -> None:
        fresh = Rows(unique_short_names=self.rows.unique_short_names)
        for field in attrs.fields(Rows):
            setattr(self.rows, field.name, getattr(fresh, field.name))

    def load_customers(self, customers: Iterable[tuple[Customer, Status | None]]) -> int:
        items = list(customers)
        codes = [customer.code or "" for customer, _ in items]
        if not all(codes):
            raise StorageError("cannot store a customer without a code")
        if len(set(codes)) < len(codes) or any(code in self.rows.customers for code in codes):
            raise DuplicateError("a customer code is taken or repeats")
        for code, (customer, prior) in zip(codes, items, strict=True):
            self.rows.customers[code] = _dump(customer)
            if prior is not None and customer.status is Status.DELETED:
                self.rows.prior[code] = prior.value
        return len(items)

    def load_events(self, events: Iterable[OutboxEvent]) -> int:
        batch = list(events)
        DictOutbox(self.rows).append_many(batch)  # checks the ids
        for event in batch:
            self.rows.outbox[event.id] = event  # delivered_at as given
        return len(batch)

    def load_counters(self, counters: Iterable[tuple[str, int]]) -> int:
        new = {key: value for key, value in counters if key not in self.rows.counters}
        self.rows.counters.update(new)
        return len(new)


class DictUnit:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.customers = DictCustomers(rows)
        self.sequences = DictSequences(rows)
        self.history = DictHistory(rows)
        self.outbox = DictOutbox(rows)
        self.credit = DictCredit(rows)
        self.archive = DictArchive(rows)


class DictStorage:
    """A :class:`custrecord.storage.Storage` keeping JSON rows in dicts."""

    url = "dict://"

    def __init__(self) -> None:
        self._rows = Rows()
        self._lock = threading.RLock()
        self._local = threading.local()
        self.customers = AutoCustomers(self.unit_of_work)
        self.sequences = AutoSequences(self.unit_of_work)
        self.history = AutoHistory(self.unit_of_work)
        self.outbox = AutoOutbox(self.unit_of_work)
        self.credit = AutoCredit(self.unit_of_work)

    @contextmanager
    def unit_of_work(self) -> Iterator[DictUnit]:
        current = getattr(self._local, "unit", None)
        if current is not None:  # nested: join the outer unit
            yield current
            return
        with self._lock:
            unit = DictUnit(copy.deepcopy(self._rows))  # copy on write
            self._local.unit = unit
            try:
                yield unit
            finally:
                self._local.unit = None
            self._rows = unit.rows  # reached only without an exception: commit

    def close(self) -> None:
        pass


def open_dict(url: str, **options: Any) -> DictStorage:
    """Factory for ``dict://`` URLs, for the registry or an entry point."""
    return DictStorage()
