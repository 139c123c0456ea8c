"""The storage ports: what custrecord needs from any place that keeps customers.

An adapter implements :class:`Storage`. Stores take and return
:class:`custrecord.Customer` objects that the caller has already validated, and
raise only :mod:`custrecord.errors` storage errors (``NotFound``,
``DuplicateError``, ``ConflictError``, ``UnavailableError``, ``StorageError``),
never a driver's exceptions. :mod:`custrecord.testing` checks all of this.

Every port is reachable two ways: ``storage.customers.add(...)`` runs in a
transaction of its own, while ``with storage.unit_of_work() as uow:`` groups
calls on ``uow.customers``, ``uow.sequences``, ``uow.history`` and
``uow.outbox`` into one transaction that commits at the end of the block, or
rolls back entirely when the block raises. Calls on ``storage.*`` made inside an
open unit of work on the same thread join it.

An adapter whose units of work also offer ``uow.archive`` (an :class:`Archive`) can be
backed up and restored (:mod:`custrecord.storage.backup`); the port is optional,
because only the adapter can read and write what the other ports hide (the status
before deletion, delivered events, counters) exactly as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from custrecord.credit.ledger import Reservation
from custrecord.credit.limits import TemporaryRaise
from custrecord.model import Customer, Status
from custrecord.storage.values import HistoryEntry, OutboxEvent, Query

__all__ = [
    "Archive", "CreditStore", "CustomerStore", "History", "Outbox", "Sequences", "Storage", "UnitOfWork",
]


@runtime_checkable
class CustomerStore(Protocol):
    """Customers keyed by ``code`` and by ``(country, tax_id)``; both keys are unique.

    Deleting is soft: the record stays (status ``deleted``) and keeps its keys,
    so that :meth:`restore` can bring it back.
    """

    def get(self, code: str) -> Customer:
        """The customer with ``code`` (deleted ones too); raises ``NotFound``."""
        ...

    def get_by_tax_id(self, country: str, tax_id: str) -> Customer:
        """The customer with this tax ID in ``country``; raises ``NotFound``."""
        ...

    def get_many(self, codes: Iterable[str]) -> dict[str, Customer]:
        """The customers with these codes (deleted ones too), by code; unknown codes are absent."""
        ...

    def get_many_by_tax_id(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
        """The customers with these ``(country, tax_id)`` keys, by key; unknown keys are absent."""
        ...

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; returns it with ``version=1`` and ``created_at=updated_at=now``.

        Raises ``DuplicateError`` when its code or tax ID is taken, ``StorageError``
        when it has no code.
        """
        ...

    def add_many(self, customers: Iterable[Customer]) -> int:
        """Add many customers at once (all or none); returns how many. Same errors as :meth:`add`.

        A code or tax ID taken by a stored customer or repeated in the batch raises
        ``DuplicateError`` before anything is stored.
        """
        ...

    def update(self, customer: Customer, expected_version: int) -> Customer:
        """Replace the customer with ``customer.code``; returns it with the version bumped.

        Raises ``ConflictError`` (with ``expected`` and ``actual``) when the stored
        version is not ``expected_version``, ``NotFound``, or ``DuplicateError``
        for a tax ID taken by another customer. ``created_at`` is kept.
        """
        ...

    def delete(self, code: str, *, expected_version: int | None = None) -> Customer:
        """Soft-delete: status becomes ``deleted`` and the version is bumped.

        Deleting a deleted customer changes nothing and returns it.
        """
        ...

    def restore(self, code: str, *, expected_version: int | None = None) -> Customer:
        """Undo :meth:`delete`: the status before deletion comes back, the version is bumped.

        Restoring a customer that is not deleted changes nothing and returns it.
        """
        ...

    def require_unique_short_names(self) -> None:
        """From now on refuse a short name another customer has, with ``DuplicateError``, as codes
        and tax IDs are refused (the ``yonyou`` profile asks for it; blank short names never
        collide). Idempotent, and kept by the store. Raises ``DuplicateError`` naming a short
        name that two stored customers share already.
        """
        ...

    def purge(self, code: str) -> None:
        """After erasure replaced customer ``code``'s personal values: drop what indexes and
        caches still keep of the old ones (a search index's old terms), as far as the backend
        can. An adapter whose indexes keep nothing of replaced values does nothing.
        """
        ...

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        """Every customer in code order, in batches (never all in memory at once)."""
        ...

    def find(self, query: Query | None = None, /, **filters: Any) -> list[Customer]:
        """Customers matching ``query`` (or :class:`Query` fields as keywords), ordered and paged."""
        ...

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        """How many customers match, ignoring ``offset`` and ``limit``."""
        ...


@runtime_checkable
class Sequences(Protocol):
    """Named counters for customer codes: ``next_value`` never returns a value twice per key."""

    def next_value(self, key: str) -> int:
        """The next value of ``key``: 1 first, then 2, 3... Rolled back with its unit of work."""
        ...

    def next_values(self, key: str, count: int) -> range:
        """Reserve ``count`` consecutive values of ``key`` at once, as ``count`` calls of
        :meth:`next_value` would; the next :meth:`next_value` continues after them.

        ``count`` 0 gives an empty range; a negative one raises ``ValueError``.
        Rolled back with its unit of work.
        """
        ...


@runtime_checkable
class History(Protocol):
    """The append-only change log (who, when, why, what)."""

    def append(self, entry: HistoryEntry) -> None:
        """Record ``entry``; entries are never changed or removed."""
        ...

    def append_many(self, entries: Iterable[HistoryEntry]) -> None:
        """Record ``entries`` in order, as :meth:`append` of each would."""
        ...

    def list(self, code: str) -> Sequence[HistoryEntry]:
        """The entries of customer ``code``, oldest first (in append order)."""
        ...

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        """Erase personal values: in every entry of ``code``, the old and new values of
        changes at ``paths`` (or under them) become ``REDACTED``, and so does every text in
        ``values`` wherever it stands (a merged customer's values in its partner's history);
        returns how many entries changed. The only change history ever allows (PIPL/GDPR
        erasure); see :func:`~custrecord.storage.values.redact_entry`.
        """
        ...


@runtime_checkable
class Outbox(Protocol):
    """Events written in the same transaction as the change they announce."""

    def append(self, event: OutboxEvent) -> None:
        """Record ``event``; raises ``DuplicateError`` when its ``id`` exists."""
        ...

    def append_many(self, events: Iterable[OutboxEvent]) -> None:
        """Record ``events`` in order (all or none); raises ``DuplicateError`` when an ``id``
        exists or repeats among them.
        """
        ...

    def undelivered(self, limit: int | None = None) -> Sequence[OutboxEvent]:
        """Events not yet delivered, oldest first (in append order)."""
        ...

    def mark_delivered(self, ids: Iterable[str]) -> None:
        """Mark events delivered; unknown or already delivered ids are ignored."""
        ...

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        """Erase personal values at ``paths``, and every text in ``values``, from the payloads of
        every event of ``code`` (delivered or not); returns how many events changed. See
        :func:`~custrecord.storage.values.redact_payload`.
        """
        ...


@runtime_checkable
class CreditStore(Protocol):
    """Credit kept with the customers: open reservations per (customer, order), temporary raises.

    It is the :class:`~custrecord.credit.CreditLedger` of the store, so credit decisions
    hold across processes, books and restarts. ``hold(code)`` locks the customer for a
    read-then-reserve sequence until the unit of work ends: two orders checked at the
    same moment cannot both spend the same headroom.
    """

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        """Exclusive access to the customer's credit for the rest of the unit of work."""
        ...

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        """Open reservations of a customer by order reference."""
        ...

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        """Set the order's reservation to ``amount`` (replacing an earlier one of the same order)."""
        ...

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        """Drop the order's reservation; the one dropped, or None."""
        ...

    def raises(self, customer_code: str) -> Sequence[TemporaryRaise]:
        """The customer's temporary raises (临时额度), in the order granted."""
        ...

    def add_raise(self, customer_code: str, grant: TemporaryRaise) -> None:
        """Keep a temporary raise of the customer."""
        ...


@runtime_checkable
class Archive(Protocol):
    """Everything a store keeps, read and written whole and as stored: for backup and restore.

    Reached as ``uow.archive`` inside a unit of work. Readers stream (never all in
    memory at once); writers add to an empty store what a reader of another store
    gave, keeping versions, times and statuses. History, reservations and raises are
    written through their own ports (``append_many``, ``reserve``, ``add_raise``).
    """

    @property
    def schema_version(self) -> int | None:
        """The version of the store's schema (SQL), or None for a store without one."""
        ...

    def counts(self) -> Mapping[str, int]:
        """How many ``customers``, ``history`` entries, ``outbox`` events, ``sequences``,
        ``reservations`` and ``raises`` the store holds."""
        ...

    def settings(self) -> Mapping[str, Any]:
        """What the store keeps besides data: ``{"unique_short_names": bool}``."""
        ...

    def customers(self) -> Iterator[tuple[Customer, Status | None]]:
        """Every customer in code order, deleted, erased and merged ones too, each with the
        status it had before it was deleted (None unless deleted)."""
        ...

    def history(self) -> Iterator[HistoryEntry]:
        """Every history entry; each customer's in append order."""
        ...

    def events(self) -> Iterator[OutboxEvent]:
        """Every outbox event in append order, delivered ones too (with ``delivered_at``)."""
        ...

    def counters(self) -> Iterator[tuple[str, int]]:
        """Every sequence counter and its last value, by key."""
        ...

    def reservations(self) -> Iterator[Reservation]:
        """Every open credit reservation."""
        ...

    def raises(self) -> Iterator[tuple[str, TemporaryRaise]]:
        """Every temporary raise with its customer's code; each customer's in the order granted."""
        ...

    def clear(self) -> None:
        """Delete every customer, history entry, event, counter, reservation and raise."""
        ...

    def load_customers(self, customers: Iterable[tuple[Customer, Status | None]]) -> int:
        """Add customers as :meth:`customers` gives them (version, times, status and status
        before deletion kept); returns how many. ``DuplicateError`` for a taken code or tax ID."""
        ...

    def load_events(self, events: Iterable[OutboxEvent]) -> int:
        """Add events as :meth:`events` gives them (``delivered_at`` kept); returns how many."""
        ...

    def load_counters(self, counters: Iterable[tuple[str, int]]) -> int:
        """Set counters that do not exist yet to these last values; returns how many."""
        ...


@runtime_checkable
class UnitOfWork(Protocol):
    """One transaction over every port: all of it commits, or none of it."""

    @property
    def customers(self) -> CustomerStore: ...

    @property
    def sequences(self) -> Sequences: ...

    @property
    def history(self) -> History: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def credit(self) -> CreditStore: ...


@runtime_checkable
class Storage(UnitOfWork, Protocol):
    """An opened storage backend. Its ports run each call in its own transaction."""

    @property
    def url(self) -> str:
        """Where the data lives (a URL without password)."""
        ...

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """A transaction over every port; an exception inside rolls all of it back."""
        ...

    def close(self) -> None:
        """Release connections; the storage is unusable afterwards."""
        ...
