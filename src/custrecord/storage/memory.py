"""The in-memory storage adapter: the default, thread-safe, indexed, transactional.

All data sits in dicts guarded by one re-entrant lock. A unit of work holds the
lock from start to end (writers are serialised, as in SQLite) and records an
undo log: each change pushes the inverse operation, and an exception replays
the log backwards, so a failed unit leaves nothing behind. Indexes (code, tax
ID, status, category and region trees, tags, name n-grams) are maintained by a
single primitive, :meth:`_State.put`, so they can never disagree with the data.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from decimal import Decimal
from functools import partial
from types import MappingProxyType
from typing import Any

import attrs

from custrecord.credit.ledger import Reservation, order_key
from custrecord.credit.limits import TemporaryRaise
from custrecord.errors import ConflictError, DuplicateError, NotFound, StorageError
from custrecord.model import Customer, Status
from custrecord.storage.autocommit import AutoCredit, AutoCustomers, AutoHistory, AutoOutbox, AutoSequences
from custrecord.storage.batch import check_new, check_new_events
from custrecord.storage.lookup import LookupKind, lookup_keys, phone_candidates, query_key
from custrecord.storage.ngram import NgramIndex
from custrecord.storage.query_eval import compile_filter, order_and_page
from custrecord.storage.values import (
    HistoryEntry,
    OutboxEvent,
    Query,
    make_query,
    name_key,
    redact_entry,
    redact_payload,
    utcnow,
)

__all__ = ["MemoryStorage", "open_memory"]

Undo = Callable[[], None]


class _Tree:
    """Codes by tree node (category or region), with the distinct nodes kept sorted for prefix scans."""

    __slots__ = ("members", "nodes")

    def __init__(self) -> None:
        self.members: dict[str, set[str]] = {}
        self.nodes: list[str] = []

    def add(self, node: str | None, code: str) -> None:
        if node is None:
            return
        members = self.members.get(node)
        if members is None:
            members = self.members[node] = set()
            bisect.insort(self.nodes, node)
        members.add(code)

    def remove(self, node: str | None, code: str) -> None:
        if node is None:
            return
        members = self.members[node]
        members.discard(code)
        if not members:
            del self.members[node]
            del self.nodes[bisect.bisect_left(self.nodes, node)]

    def under(self, prefix: str) -> set[str]:
        found: set[str] = set()
        nodes = self.nodes
        for i in range(bisect.bisect_left(nodes, prefix), len(nodes)):
            if not nodes[i].startswith(prefix):
                break
            found |= self.members[nodes[i]]
        return found


class _State:
    """The data and its indexes; every customer change goes through :meth:`put`."""

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.prior_status: dict[str, Status] = {}
        self.tax_ids: dict[tuple[str, str], str] = {}
        self.statuses: dict[Status, set[str]] = {status: set() for status in Status}
        self.categories = _Tree()
        self.regions = _Tree()
        self.tags: dict[str, set[str]] = {}
        self.short_names: dict[str, set[str]] = {}
        self.unique_short_names = False
        self.reservations: dict[str, dict[str, Reservation]] = {}
        self.raises: dict[str, list[TemporaryRaise]] = {}
        self.owners: dict[str, set[str]] = {}
        self.children: dict[str, set[str]] = {}
        self.departments: dict[str, set[str]] = {}
        #: Codes by look-up key (kind, value): phones, e-mails, contact names, tax IDs.
        self.lookups: dict[tuple[str, str], set[str]] = {}
        self.names = NgramIndex()
        self.sequences: dict[str, int] = {}
        self.history: dict[str, list[HistoryEntry]] = {}
        self.outbox: dict[str, OutboxEvent] = {}  # insertion-ordered
        self._sorted: list[str] = []
        self._new: list[str] = []
        self._resort = False

    def put(self, code: str, new: Customer | None) -> None:
        """Make ``new`` the customer with ``code`` (None removes it), updating every index."""
        old = self.customers.get(code)
        if old is not None:
            if old.tax_id is not None:
                del self.tax_ids[(old.country, old.tax_id)]
            self.statuses[old.status].discard(code)
            self.categories.remove(old.category, code)
            self.regions.remove(old.region, code)
            for tag in old.tags:
                self.tags[tag].discard(code)
            if old.short_name is not None:
                self.short_names[old.short_name].discard(code)
            if old.owner is not None:
                self.owners[old.owner].discard(code)
            if old.parent is not None:
                self.children[old.parent].discard(code)
            if old.department is not None:
                self.departments[old.department].discard(code)
            old_keys = lookup_keys(old)
            if new is None or lookup_keys(new) != old_keys:
                for key in old_keys:
                    self._unindex(key, code)
        if new is None:
            del self.customers[code]
            self.names.discard(code)
            self._resort = True
            return
        if old is None:
            self._new.append(code)
        self.customers[code] = new
        if new.tax_id is not None:
            self.tax_ids[(new.country, new.tax_id)] = code
        self.statuses[new.status].add(code)
        self.categories.add(new.category, code)
        self.regions.add(new.region, code)
        for tag in new.tags:
            self.tags.setdefault(tag, set()).add(code)
        if new.short_name is not None:
            self.short_names.setdefault(new.short_name, set()).add(code)
        if new.owner is not None:
            self.owners.setdefault(new.owner, set()).add(code)
        if new.parent is not None:
            self.children.setdefault(new.parent, set()).add(code)
        if new.department is not None:
            self.departments.setdefault(new.department, set()).add(code)
        for key in lookup_keys(new):
            self.lookups.setdefault(key, set()).add(code)
        if old is None or old.name != new.name:
            self.names.put(code, name_key(new.name))

    def _unindex(self, key: tuple[str, str], code: str) -> None:
        """Drop ``code`` under look-up ``key``, and the key when no one else has it (erasure leaves
        no value behind)."""
        holders = self.lookups.get(key)
        if holders is not None:
            holders.discard(code)
            if not holders:
                del self.lookups[key]

    def found_by(self, query: Query) -> list[set[str]]:
        """For each look-up filter of ``query``, the codes its index key holds (a superset of the matches)."""
        hits: list[set[str]] = []
        if query.phone is not None:
            kind = LookupKind.PHONE.value
            values = {v for text in query.phones() for v in phone_candidates(text)}
            hits.append(set().union(*(self.lookups.get((kind, v), set()) for v in values)))
        for kind, text in query.lookups().items():
            key = query_key(kind, text)
            hits.append(set() if key is None else self.lookups.get((kind, key), set()))
        fragment = query.contact_fragment()
        if fragment is not None:  # a scan of the distinct contact names
            key, kind = query_key(LookupKind.CONTACT, fragment), LookupKind.CONTACT.value
            hits.append(set() if key is None else set().union(
                *(codes for (k, value), codes in self.lookups.items() if k == kind and key in value)))
        return hits

    def sorted_codes(self) -> list[str]:
        """Every code in order; kept between calls and merged with new codes lazily."""
        if self._resort:
            self._sorted = sorted(self.customers)
            self._new.clear()
            self._resort = False
        elif self._new:
            # Two sorted runs: timsort merges them in linear time.
            self._sorted.extend(sorted(self._new))
            self._sorted.sort()
            self._new.clear()
        return self._sorted

    def candidates(self, query: Query, *, names: bool = True) -> Collection[str]:
        """Codes that may match: the smallest index hit, or every code when no index applies.

        With a name fragment, every candidate's name contains it (the n-gram
        search is exact), so callers need not test names again.
        """
        hits: list[Collection[str]] = []
        if query.status is not None:
            hits.append(set().union(*(self.statuses[s] for s in query.status)))
        if query.category is not None:
            hits.append(self.categories.members.get(query.category, set()))
        if query.category_prefix is not None:
            hits.append(self.categories.under(query.category_prefix))
        if query.region is not None:
            hits.append(self.regions.members.get(query.region, set()))
        if query.region_prefix is not None:
            hits.append(self.regions.under(query.region_prefix))
        if query.tag is not None:
            hits.append(self.tags.get(query.tag, set()))
        if query.short_name is not None:
            hits.append(self.short_names.get(query.short_name, set()))
        if query.owner is not None:
            hits.append(self.owners.get(query.owner, set()))
        if query.parent is not None:
            hits.append(self.children.get(query.parent, set()))
        if query.department is not None:
            hits.append(self.departments.get(query.department, set()))
        hits.extend(self.found_by(query))
        fragment = query.fragment() if names else None
        named = self.names.search(fragment) if fragment else None
        if named is not None:
            hits.append(named)
        if not hits:
            return self.customers.keys()
        smallest = min(hits, key=len)
        if named is not None and smallest is not named:
            return {code for code in smallest if code in named}
        return smallest


class _Customers:
    """The customer port inside one unit of work (the lock is held)."""

    def __init__(self, unit: _Unit) -> None:
        self._unit = unit
        self._state = unit.state

    def _get(self, code: str) -> Customer:
        customer = self._state.customers.get(code)
        if customer is None:
            raise NotFound(f"no customer with code {code!r}")
        return customer

    def _put(self, code: str, new: Customer | None) -> None:
        state = self._state
        old = state.customers.get(code)
        old_prior = state.prior_status.get(code)

        def undo() -> None:
            state.put(code, old)
            if old_prior is None:
                state.prior_status.pop(code, None)
            else:
                state.prior_status[code] = old_prior

        state.put(code, new)
        self._unit.log(undo)

    def _check_tax_id(self, customer: Customer, code: str) -> None:
        if customer.tax_id is None:
            return
        holder = self._state.tax_ids.get((customer.country, customer.tax_id))
        if holder is not None and holder != code:
            raise DuplicateError(
                f"tax ID {customer.country} {customer.tax_id} is taken by customer {holder!r}"
            )

    def _check_short_name(
        self, customer: Customer, code: str, batch: Mapping[str, str] | None = None
    ) -> None:
        short = customer.short_name
        if not self._state.unique_short_names or short is None:
            return
        holders = (self._state.short_names.get(short) or set()) - {code}
        holder = next(iter(sorted(holders)), None) or (batch or {}).get(short)
        if holder is not None:
            raise DuplicateError(f"short name {short!r} is taken by customer {holder!r}")

    def require_unique_short_names(self) -> None:
        state = self._state
        for short, codes in state.short_names.items():
            if len(codes) > 1:
                raise DuplicateError(f"short name {short!r} is taken by customers {', '.join(sorted(codes))}")
        if not state.unique_short_names:
            state.unique_short_names = True
            self._unit.log(lambda: setattr(state, "unique_short_names", False))

    def get(self, code: str) -> Customer:
        return self._get(code)

    def get_by_tax_id(self, country: str, tax_id: str) -> Customer:
        code = self._state.tax_ids.get((country, tax_id))
        if code is None:
            raise NotFound(f"no customer with tax ID {country} {tax_id}")
        return self._state.customers[code]

    def get_many(self, codes: Iterable[str]) -> dict[str, Customer]:
        customers = self._state.customers
        return {code: customers[code] for code in codes if code in customers}

    def get_many_by_tax_id(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
        customers, tax_ids = self._state.customers, self._state.tax_ids
        found: dict[tuple[str, str], Customer] = {}
        for country, tax_id in keys:
            code = tax_ids.get((country, tax_id))
            if code is not None:
                found[(country, tax_id)] = customers[code]
        return found

    def add(self, customer: Customer) -> Customer:
        code = customer.code
        if not code:
            raise StorageError("cannot store a customer without a code: assign one first")
        if code in self._state.customers:
            raise DuplicateError(f"customer code {code!r} is taken")
        self._check_tax_id(customer, code)
        self._check_short_name(customer, code)
        now = self._unit.now()
        stored = attrs.evolve(customer, version=1, created_at=now, updated_at=now)
        self._put(code, stored)
        return stored

    def add_many(self, customers: Iterable[Customer]) -> int:
        batch = list(customers)
        check_new(batch, self._state.customers, self._state.tax_ids)
        seen: dict[str, str] = {}
        for customer in batch:
            self._check_short_name(customer, customer.code or "", seen)
            if customer.short_name is not None:
                seen.setdefault(customer.short_name, customer.code or "")
        now = self._unit.now()
        state = self._state
        added: list[str] = []

        def undo() -> None:
            for code in reversed(added):
                state.put(code, None)

        # Checked first, so nothing below can fail half-way: one undo entry for the batch.
        self._unit.log(undo)
        for customer in batch:
            code = customer.code
            assert code is not None
            state.put(code, attrs.evolve(customer, version=1, created_at=now, updated_at=now))
            added.append(code)
        return len(batch)

    def update(self, customer: Customer, expected_version: int) -> Customer:
        code = customer.code
        if not code:
            raise StorageError("cannot update a customer without a code")
        old = self._get(code)
        _check_version(code, old, expected_version)
        self._check_tax_id(customer, code)
        self._check_short_name(customer, code)
        stored = attrs.evolve(
            customer, version=old.version + 1, created_at=old.created_at, updated_at=self._unit.now()
        )
        self._put(code, stored)
        if stored.status is Status.DELETED and old.status is not Status.DELETED:
            self._state.prior_status[code] = old.status
        elif stored.status is not Status.DELETED:
            self._state.prior_status.pop(code, None)
        return stored

    def delete(self, code: str, *, expected_version: int | None = None) -> Customer:
        old = self._get(code)
        if expected_version is not None:
            _check_version(code, old, expected_version)
        if old.status is Status.DELETED:
            return old
        stored = attrs.evolve(
            old, status=Status.DELETED, version=old.version + 1, updated_at=self._unit.now()
        )
        self._put(code, stored)
        self._state.prior_status[code] = old.status
        return stored

    def restore(self, code: str, *, expected_version: int | None = None) -> Customer:
        old = self._get(code)
        if expected_version is not None:
            _check_version(code, old, expected_version)
        if old.status is not Status.DELETED:
            return old
        status = self._state.prior_status.get(code, Status.ACTIVE)
        stored = attrs.evolve(old, status=status, version=old.version + 1, updated_at=self._unit.now())
        self._put(code, stored)
        self._state.prior_status.pop(code, None)
        return stored

    def purge(self, code: str) -> None:
        """Nothing to do: the indexes drop a replaced value when the customer is put."""

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        # A snapshot: the caller may keep iterating after the unit of work ends.
        customers = self._state.customers
        rows = [customers[code] for code in sorted(customers)]
        if not include_deleted:
            rows = [c for c in rows if c.status is not Status.DELETED]
        return iter(rows)

    def find(self, query: Query | None = None, /, **filters: Any) -> list[Customer]:
        query = make_query(query, filters)
        state = self._state
        customers = state.customers
        test = compile_filter(query, name_checked=True)
        if query.order_by == ("code",) and query.limit is not None:
            wanted = query.offset + query.limit
            fragment = query.fragment()
            if fragment and state.names.estimate(fragment) > _WALK:
                # A common fragment: building its hit set costs more than walking the
                # codes in order and testing names until the page is full.
                others = state.candidates(query, names=False)
                if len(others) > _WALK:
                    return self._walk(others, wanted, query.offset, test, fragment)
            codes = state.candidates(query)
            if len(codes) > _WALK:
                # Many candidates, a small page: walk the codes in order and stop when full.
                return self._walk(codes, wanted, query.offset, test, None)
            hits = [customers[code] for code in codes if test(customers[code])]
            # Only the first page needs sorting: a heap of offset + limit beats a full sort.
            return heapq.nsmallest(wanted, hits, key=lambda c: c.code or "")[query.offset :]
        codes = state.candidates(query)
        return order_and_page(query, [customers[code] for code in codes if test(customers[code])])

    def _walk(
        self,
        codes: Collection[str],
        wanted: int,
        offset: int,
        test: Callable[[Customer], bool],
        fragment: str | None,
    ) -> list[Customer]:
        """The page of ``codes`` passing ``test`` (and containing ``fragment``), in code order."""
        state = self._state
        customers, text = state.customers, state.names.text
        page: list[Customer] = []
        for code in state.sorted_codes():
            if len(page) >= wanted:
                break
            if fragment is not None and fragment not in (text(code) or ""):
                continue
            if code in codes and test(customers[code]):
                page.append(customers[code])
        return page[offset:]

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        query = make_query(query, filters)
        customers = self._state.customers
        test = compile_filter(query, name_checked=True)
        return sum(1 for code in self._state.candidates(query) if test(customers[code]))


#: Candidates above which a paged, code-ordered query walks the sorted codes instead of sorting.
_WALK = 5000


def _check_version(code: str, stored: Customer, expected: int) -> None:
    if stored.version != expected:
        raise ConflictError(
            f"customer {code!r} was changed meanwhile: expected version {expected}, found {stored.version}",
            expected=expected,
            actual=stored.version,
        )


class _Sequences:
    def __init__(self, unit: _Unit) -> None:
        self._unit = unit

    def next_value(self, key: str) -> int:
        return self.next_values(key, 1)[0]

    def next_values(self, key: str, count: int) -> range:
        if count < 0:
            raise ValueError(f"cannot reserve a negative number of values ({count})")
        if count == 0:
            return range(0)
        values = self._unit.state.sequences
        old = values.get(key)
        first = (old or 0) + 1
        values[key] = first + count - 1

        def undo() -> None:
            if old is None:
                del values[key]
            else:
                values[key] = old

        self._unit.log(undo)
        return range(first, first + count)


class _History:
    def __init__(self, unit: _Unit) -> None:
        self._unit = unit

    def append(self, entry: HistoryEntry) -> None:
        entries = self._unit.state.history.setdefault(entry.code, [])
        entries.append(entry)

        def undo() -> None:
            entries.pop()

        self._unit.log(undo)

    def append_many(self, entries: Iterable[HistoryEntry]) -> None:
        history = self._unit.state.history
        appended: list[list[HistoryEntry]] = []

        def undo() -> None:
            for same in reversed(appended):
                same.pop()

        self._unit.log(undo)
        for entry in entries:
            same = history.setdefault(entry.code, [])
            same.append(entry)
            appended.append(same)

    def list(self, code: str) -> Sequence[HistoryEntry]:
        return tuple(self._unit.state.history.get(code, ()))

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        entries = self._unit.state.history.get(code, [])
        covered, secrets = frozenset(paths), frozenset(values)
        changed = 0
        for i, entry in enumerate(entries):
            redacted = redact_entry(entry, covered, secrets)
            if redacted is not None:
                entries[i] = redacted
                self._unit.log(partial(entries.__setitem__, i, entry))
                changed += 1
        return changed


def _add_events(unit: _Unit, batch: list[OutboxEvent]) -> None:
    """Add ``batch`` to the outbox as given, all or none (a taken id refuses it), undone with the unit."""
    stored = unit.state.outbox
    check_new_events(batch, stored)

    def undo() -> None:
        for event in batch:
            del stored[event.id]

    for event in batch:
        stored[event.id] = event
    unit.log(undo)


class _Outbox:
    def __init__(self, unit: _Unit) -> None:
        self._unit = unit

    def append(self, event: OutboxEvent) -> None:
        events = self._unit.state.outbox
        if event.id in events:
            raise DuplicateError(f"outbox event {event.id!r} exists")
        events[event.id] = attrs.evolve(event, delivered_at=None)
        self._unit.log(lambda: events.__delitem__(event.id))

    def append_many(self, events: Iterable[OutboxEvent]) -> None:
        _add_events(self._unit, [attrs.evolve(event, delivered_at=None) for event in events])

    def undelivered(self, limit: int | None = None) -> Sequence[OutboxEvent]:
        pending = [e for e in self._unit.state.outbox.values() if e.delivered_at is None]
        return tuple(pending if limit is None else pending[:limit])

    def mark_delivered(self, ids: Iterable[str]) -> None:
        events = self._unit.state.outbox
        now = self._unit.now()
        for ident in ids:
            event = events.get(ident)
            if event is None or event.delivered_at is not None:
                continue
            events[ident] = attrs.evolve(event, delivered_at=now)
            self._unit.log(partial(events.__setitem__, ident, event))

    def redact(self, code: str, paths: Iterable[str], values: Iterable[str] = ()) -> int:
        events = self._unit.state.outbox
        covered, secrets = frozenset(paths), frozenset(values)
        changed = 0
        for ident, event in list(events.items()):
            payload = redact_payload(event.payload, covered, secrets) if event.code == code else None
            if payload is not None:
                events[ident] = attrs.evolve(event, payload=payload)
                self._unit.log(partial(events.__setitem__, ident, event))
                changed += 1
        return changed


class _Credit:
    """Reservations and raises in the state; the storage lock, held by the unit, serialises checks."""

    def __init__(self, unit: _Unit) -> None:
        self._unit = unit

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        return nullcontext()

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        return MappingProxyType(dict(self._unit.state.reservations.get(customer_code, {})))

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        reservation = Reservation(customer_code, order_key(order_ref), amount, currency)
        held = self._unit.state.reservations.setdefault(customer_code, {})
        key = reservation.order_ref
        old = held.get(key)
        held[key] = reservation

        def undo() -> None:
            if old is None:
                del held[key]
            else:
                held[key] = old

        self._unit.log(undo)
        return reservation

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        held = self._unit.state.reservations.get(customer_code, {})
        key = order_key(order_ref)
        old = held.pop(key, None)
        if old is not None:
            self._unit.log(partial(held.__setitem__, key, old))
        return old

    def raises(self, customer_code: str) -> Sequence[TemporaryRaise]:
        return tuple(self._unit.state.raises.get(customer_code, ()))

    def add_raise(self, customer_code: str, grant: TemporaryRaise) -> None:
        grants = self._unit.state.raises.setdefault(customer_code, [])
        grants.append(grant)
        self._unit.log(partial(grants.remove, grant))


class _Archive:
    """The whole state for backup and restore (:class:`~custrecord.storage.ports.Archive`)."""

    schema_version = None

    def __init__(self, unit: _Unit) -> None:
        self._unit = unit
        self._state = unit.state

    def counts(self) -> Mapping[str, int]:
        state = self._state
        return {
            "customers": len(state.customers),
            "history": sum(map(len, state.history.values())),
            "outbox": len(state.outbox),
            "sequences": len(state.sequences),
            "reservations": sum(map(len, state.reservations.values())),
            "raises": sum(map(len, state.raises.values())),
        }

    def settings(self) -> Mapping[str, Any]:
        return {"unique_short_names": self._state.unique_short_names}

    def customers(self) -> Iterator[tuple[Customer, Status | None]]:
        state = self._state
        for code in list(state.sorted_codes()):
            yield state.customers[code], state.prior_status.get(code)

    def history(self) -> Iterator[HistoryEntry]:
        for entries in list(self._state.history.values()):
            yield from list(entries)

    def events(self) -> Iterator[OutboxEvent]:
        yield from list(self._state.outbox.values())

    def counters(self) -> Iterator[tuple[str, int]]:
        yield from sorted(self._state.sequences.items())

    def reservations(self) -> Iterator[Reservation]:
        for held in list(self._state.reservations.values()):
            yield from list(held.values())

    def raises(self) -> Iterator[tuple[str, TemporaryRaise]]:
        for code, grants in list(self._state.raises.items()):
            for grant in list(grants):
                yield code, grant

    def clear(self) -> None:
        state = self._state
        kept = dict(vars(state))
        unique = state.unique_short_names
        # Fresh containers in place (ports hold this state object); the old ones come back on undo.
        vars(state).update(vars(_State()))
        state.unique_short_names = unique
        self._unit.log(lambda: vars(state).update(kept))

    def load_customers(self, customers: Iterable[tuple[Customer, Status | None]]) -> int:
        items = list(customers)
        batch = [customer for customer, _ in items]
        state = self._state
        check_new(batch, state.customers, state.tax_ids)
        seen: dict[str, str] = {}
        shorts = _Customers(self._unit)
        for customer in batch:
            shorts._check_short_name(customer, customer.code or "", seen)
            if customer.short_name is not None:
                seen.setdefault(customer.short_name, customer.code or "")
        added: list[str] = []

        def undo() -> None:
            for code in reversed(added):
                state.put(code, None)
                state.prior_status.pop(code, None)

        self._unit.log(undo)
        for customer, prior in items:
            code = customer.code
            assert code is not None
            state.put(code, customer)
            if prior is not None and customer.status is Status.DELETED:
                state.prior_status[code] = prior
            added.append(code)
        return len(items)

    def load_events(self, events: Iterable[OutboxEvent]) -> int:
        batch = list(events)
        _add_events(self._unit, batch)
        return len(batch)

    def load_counters(self, counters: Iterable[tuple[str, int]]) -> int:
        values = self._state.sequences
        set_now = [(key, value) for key, value in counters if key not in values]

        def undo() -> None:
            for key, _ in set_now:
                del values[key]

        values.update(set_now)
        self._unit.log(undo)
        return len(set_now)


class _Unit:
    """One unit of work over the in-memory state: the ports plus an undo log."""

    def __init__(self, state: _State, clock: Callable[[], datetime]) -> None:
        self.state = state
        self.now = clock
        self._undo: list[Undo] = []
        self.customers = _Customers(self)
        self.sequences = _Sequences(self)
        self.history = _History(self)
        self.outbox = _Outbox(self)
        self.credit = _Credit(self)
        self.archive = _Archive(self)

    def log(self, undo: Undo) -> None:
        self._undo.append(undo)

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()


class _MemoryCustomers(AutoCustomers):
    __slots__ = ()

    def iterate(self, *, include_deleted: bool = True) -> Iterator[Customer]:
        with self._unit() as uow:
            return uow.customers.iterate(include_deleted=include_deleted)


class MemoryStorage:
    """Customers, sequences, history and outbox in this process's memory.

    Thread-safe; units of work are serialised. ``clock`` gives the times stored
    in ``created_at`` / ``updated_at`` (UTC-aware).
    """

    def __init__(self, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._local = threading.local()
        self._state = _State()
        self._closed = False
        self.customers = _MemoryCustomers(self.unit_of_work)
        self.sequences = AutoSequences(self.unit_of_work)
        self.history = AutoHistory(self.unit_of_work)
        self.outbox = AutoOutbox(self.unit_of_work)
        self.credit = AutoCredit(self.unit_of_work)

    @property
    def url(self) -> str:
        return "memory://"

    def __repr__(self) -> str:
        return f"MemoryStorage({len(self._state.customers)} customers)"

    @contextmanager
    def unit_of_work(self) -> Iterator[_Unit]:
        """A transaction over every port; nested units on the same thread join the outer one."""
        current: _Unit | None = getattr(self._local, "unit", None)
        if current is not None:
            yield current
            return
        if self._closed:
            raise StorageError("this storage is closed")
        with self._lock:
            unit = _Unit(self._state, self._clock)
            self._local.unit = unit
            try:
                yield unit
            except BaseException:
                unit.rollback()
                raise
            finally:
                self._local.unit = None

    def close(self) -> None:
        self._closed = True


def open_memory(url: str | None = None, **options: Any) -> MemoryStorage:
    """The registry entry for ``memory://``."""
    return MemoryStorage(**options)
