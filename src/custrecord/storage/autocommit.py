"""Ports that run every call in a unit of work of its own.

An adapter gives :class:`Storage` users ``storage.customers.get(...)`` without
a ``with`` block by wrapping its :meth:`unit_of_work` in these classes.
Adapters may subclass them (to stream :meth:`AutoCustomers.iterate`, say).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from typing import Any

from custrecord.credit.ledger import Reservation
from custrecord.credit.limits import TemporaryRaise
from custrecord.model import Customer
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import HistoryEntry, OutboxEvent, Query, make_query

__all__ = ["AutoCredit", "AutoCustomers", "AutoHistory", "AutoOutbox", "AutoSequences"]

UnitFactory = Callable[[], AbstractContextManager[UnitOfWork]]

#: Customers per transaction when iterating.
BATCH = 1000


class _Auto:
    __slots__ = ("_unit",)

    def __init__(self, unit: UnitFactory) -> None:
        self._unit = unit


class AutoCustomers(_Auto):
    """:class:`~custrecord.storage.ports.CustomerStore` with one transaction per call."""

    __slots__ = ()

    def get(self, code: str) -> Customer:
        with self._unit() as uow:
            return uow.customers.get(code)

    def get_by_tax_id(self, country: str, tax_id: str) -> Customer:
        with self._unit() as uow:
            return uow.customers.get_by_tax_id(country, tax_id)

    def get_many(self, codes: Iterable[str]) -> dict[str, Customer]:
        with self._unit() as uow:
            return uow.customers.get_many(codes)

    def get_many_by_tax_id(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
        with self._unit() as uow:
            return uow.customers.get_many_by_tax_id(keys)

    def add(self, customer: Customer) -> Customer:
        with self._unit() as uow:
            return uow.customers.add(customer)

    def add_many(self, customers: Iterable[Customer]) -> int:
        with self._unit() as uow:
            return uow.customers.add_many(customers)

    def update(self, customer: Customer, expected_version: int) -> Customer:
        with self._unit() as uow:
            return uow.customers.update(customer, expected_version)

    def delete(self, code: str, *, expected_version: int | None = None) -> Customer:
        with self._unit() as uow:
            return uow.customers.delete(code, expected_version=expected_version)

    def restore(self, code: str, *, expected_version: int | None = None) -> Customer:
        with self._unit() as uow:
            return uow.customers.restore(code, expected_version=expected_version)

    def purge(self, code: str) -> None:
        with self._unit() as uow:
            uow.customers.purge(code)

    def require_unique_short_names(self) -> None:
        with self._unit() as uow:
            uow.customers.require_unique_short_names()

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        # One page per transaction, so no lock or connection is held while the caller works.
        query = Query(include_deleted=include_deleted, order_by=("code",), limit=BATCH)
        offset = 0
        while True:
            with self._unit() as uow:
                page = uow.customers.find(query, offset=offset)
            yield from page
            if len(page) < BATCH:
                return
            offset += BATCH

    def find(self, query: Query | None = None, /, **filters: Any) -> list[Customer]:
        with self._unit() as uow:
            return uow.customers.find(make_query(query, filters))

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        with self._unit() as uow:
            return uow.customers.count(make_query(query, filters))


class AutoSequences(_Auto):
    """:class:`~custrecord.storage.ports.Sequences` with one transaction per call."""

    __slots__ = ()

    def next_value(self, key: str) -> int:
        with self._unit() as uow:
            return uow.sequences.next_value(key)

    def next_values(self, key: str, count: int) -> range:
        with self._unit() as uow:
            return uow.sequences.next_values(key, count)


class AutoHistory(_Auto):
    """:class:`~custrecord.storage.ports.History` with one transaction per call."""

    __slots__ = ()

    def append(self, entry: HistoryEntry) -> None:
        with self._unit() as uow:
            uow.history.append(entry)

    def append_many(self, entries: Iterable[HistoryEntry]) -> None:
        with self._unit() as uow:
            uow.history.append_many(entries)

    def list(self, code: str) -> Sequence[HistoryEntry]:
        with self._unit() as uow:
            return uow.history.list(code)

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        with self._unit() as uow:
            return uow.history.redact(code, paths, values)


class AutoOutbox(_Auto):
    """:class:`~custrecord.storage.ports.Outbox` with one transaction per call."""

    __slots__ = ()

    def append(self, event: OutboxEvent) -> None:
        with self._unit() as uow:
            uow.outbox.append(event)

    def append_many(self, events: Iterable[OutboxEvent]) -> None:
        with self._unit() as uow:
            uow.outbox.append_many(events)

    def undelivered(self, limit: int | None = None) -> Sequence[OutboxEvent]:
        with self._unit() as uow:
            return uow.outbox.undelivered(limit)

    def mark_delivered(self, ids: Iterable[str]) -> None:
        with self._unit() as uow:
            uow.outbox.mark_delivered(ids)

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        with self._unit() as uow:
            return uow.outbox.redact(code, paths, values)


class AutoCredit(_Auto):
    """:class:`~custrecord.storage.ports.CreditStore` with one transaction per call.

    ``hold`` opens a unit of work for its block; calls made inside it join that unit.
    """

    __slots__ = ()

    @contextmanager
    def _hold(self, customer_code: str) -> Iterator[None]:
        with self._unit() as uow, uow.credit.hold(customer_code):
            yield

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        return self._hold(customer_code)

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        with self._unit() as uow:
            return uow.credit.reservations(customer_code)

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        with self._unit() as uow:
            return uow.credit.reserve(customer_code, order_ref, amount, currency)

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        with self._unit() as uow:
            return uow.credit.release(customer_code, order_ref)

    def raises(self, customer_code: str) -> Sequence[TemporaryRaise]:
        with self._unit() as uow:
            return uow.credit.raises(customer_code)

    def add_raise(self, customer_code: str, grant: TemporaryRaise) -> None:
        with self._unit() as uow:
            uow.credit.add_raise(customer_code, grant)
