"""The storage conformance kit: pytest mixins any adapter's tests combine.

A third-party adapter is checked by one test class::

    import pytest
    from custrecord.testing import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def make_storage(self):
            return lambda: MyStorage()        # a fresh, empty storage per call

The mixins' names do not start with ``Test``, so pytest collects them only
through such a class. ``make_storage`` is a factory, not a storage, because
hypothesis runs many examples inside one function-scoped fixture; each example
calls it for a clean store. Capability fixtures the class may override:
``supports_concurrent_writers`` (default True), ``concurrent_writers`` (8),
``writes_per_writer`` (500) and ``unavailable_storage`` (None: a factory whose
storage cannot reach its backend, to check ``UnavailableError``).
"""

from __future__ import annotations

import gzip
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custrecord.credit import TemporaryRaise, company_ledger
from custrecord.diff import changes_between
from custrecord.errors import (
    ConflictError,
    CustrecordError,
    DuplicateError,
    NotFound,
    StorageError,
    UnavailableError,
)
from custrecord.model import Contact, Customer, Kind, Status
from custrecord.storage.backup import BackupError, restore_into, write_backup
from custrecord.storage.memory import MemoryStorage
from custrecord.storage.ports import Storage
from custrecord.storage.values import (
    ORDER_FIELDS,
    REDACTED,
    HistoryEntry,
    OutboxEvent,
    Query,
    Scope,
    added_entry,
)
from custrecord.testing.light import light_customers
from custrecord.testing.reference import reference_find, strip_managed
from custrecord.testing.strategies import customer_lists, customers, safe_text
from custrecord.validation.contact import normalize_phone

__all__ = [
    "ArchiveContract",
    "ConcurrencyContract",
    "CustomerStoreContract",
    "ErrorContract",
    "HistoryContract",
    "LookupContract",
    "OutboxContract",
    "QueryContract",
    "SequenceContract",
    "StorageContract",
    "StorageFixtures",
    "UnitOfWorkContract",
    "archived",
    "fill_store",
    "queries",
    "rich_examples",
    "store_contents",
]

StorageFactory = Callable[[], Storage]

# Function-scoped fixtures are fine here: every example asks the factory for a new store.
_kit = settings(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ]
)


def rich_examples(max_examples: int) -> int:
    """The examples of a kit test drawing realistic customers, for a profile's ``max_examples``.

    Such customers are slow to draw, so these tests take a third (at least 5); a thorough
    profile (2000) gives them 666, where a fixed cap once held them at 15.
    """
    return max(5, max_examples // 3)


# Read when the kit is imported: load the hypothesis profile first (a conftest does).
_rich = settings(_kit, max_examples=rich_examples(settings().max_examples))

#: Few enough that short fragments often hit, with the characters search forms change.
_NAME_CHARS = "苏州华信公司科技有限ACme gOß%_ＡｃＭ１1ﬁİi"

_CUSTOMER = customers(with_code=True, unique_codes=True)
_LIGHT_LISTS = st.lists(
    light_customers(), max_size=10, unique_by=(lambda c: c.code, lambda c: c.tax_id or f"none-{id(c)}")
)


def _customer(code: str, name: str = "苏州华信科技有限公司", **fields: object) -> Customer:
    return Customer(name=name, code=code, **fields)  # type: ignore[arg-type]


class StorageFixtures:
    """The fixtures the contracts use; override ``make_storage`` (required) and any capability."""

    @pytest.fixture
    def make_storage(self) -> StorageFactory:
        pytest.fail("define a `make_storage` fixture returning a factory of fresh, empty storages")

    @pytest.fixture
    def storage(self, make_storage: StorageFactory) -> Storage:
        return make_storage()

    @pytest.fixture
    def supports_concurrent_writers(self) -> bool:
        return True

    @pytest.fixture
    def concurrent_writers(self) -> int:
        return 8

    @pytest.fixture
    def writes_per_writer(self) -> int:
        return 500

    @pytest.fixture
    def unavailable_storage(self) -> StorageFactory | None:
        return None


class CustomerStoreContract(StorageFixtures):
    """Round trips, versions, uniqueness, soft delete and restore."""

    @_rich
    @given(customer=_CUSTOMER)
    def test_add_then_get_round_trips(self, make_storage: StorageFactory, customer: Customer) -> None:
        storage = make_storage()
        stored = storage.customers.add(customer)
        assert strip_managed(stored) == customer
        assert stored.version == 1
        assert stored.created_at is not None
        assert stored.created_at.tzinfo is not None
        assert stored.created_at == stored.updated_at
        assert storage.customers.get(customer.code or "") == stored
        if customer.tax_id:
            assert storage.customers.get_by_tax_id(customer.country, customer.tax_id) == stored

    @_rich
    @given(batch=customer_lists(max_size=4))
    def test_add_many_round_trips(self, make_storage: StorageFactory, batch: list[Customer]) -> None:
        storage = make_storage()
        assert storage.customers.add_many(batch) == len(batch)
        for customer in batch:
            stored = storage.customers.get(customer.code or "")
            assert strip_managed(stored) == customer
            assert stored.version == 1
        listed = list(storage.customers.iterate())
        assert [c.code for c in listed] == sorted(c.code or "" for c in batch)

    def test_purge_keeps_what_is_stored(self, storage: Storage) -> None:
        # After erasure the book asks the store to forget replaced values; what is stored stays.
        kept = storage.customers.add(_customer("C1", name="苏州华信科技有限公司"))
        storage.customers.update(attrs.evolve(kept, name="[erased]"), 1)
        storage.customers.purge("C1")
        assert storage.customers.get("C1").name == "[erased]"
        assert storage.customers.find(name_contains="华信") == []
        assert [c.code for c in storage.customers.find(name_contains="erased")] == ["C1"]

    def test_add_without_code_is_refused(self, storage: Storage) -> None:
        with pytest.raises(StorageError):
            storage.customers.add(Customer(name="无编码客户"))
        assert storage.customers.count(include_deleted=True) == 0

    def test_missing_customer_raises_not_found(self, storage: Storage) -> None:
        with pytest.raises(NotFound):
            storage.customers.get("NOPE")
        with pytest.raises(NotFound):
            storage.customers.get_by_tax_id("CN", "91320000000000000X")
        with pytest.raises(NotFound):
            storage.customers.update(_customer("NOPE"), 1)
        with pytest.raises(NotFound):
            storage.customers.delete("NOPE")
        with pytest.raises(NotFound):
            storage.customers.restore("NOPE")

    def test_update_bumps_version_and_keeps_created_at(self, storage: Storage) -> None:
        first = storage.customers.add(_customer("C001", remarks="旧"))
        second = storage.customers.update(attrs.evolve(first, remarks="新", version=99), 1)
        assert second.version == 2
        assert second.remarks == "新"
        assert second.created_at == first.created_at
        assert second.updated_at is not None
        assert first.updated_at is not None
        assert second.updated_at >= first.updated_at
        assert storage.customers.get("C001") == second
        third = storage.customers.update(attrs.evolve(second, tags=frozenset({"VIP"})), 2)
        assert third.version == 3
        assert storage.customers.find(tag="VIP") == [third]

    def test_stale_update_conflicts_and_names_both_versions(self, storage: Storage) -> None:
        first = storage.customers.add(_customer("C001"))
        storage.customers.update(attrs.evolve(first, remarks="A"), 1)
        with pytest.raises(ConflictError) as caught:
            storage.customers.update(attrs.evolve(first, remarks="B"), 1)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert "1" in str(caught.value)
        assert "2" in str(caught.value)
        assert storage.customers.get("C001").remarks == "A"

    def test_duplicate_code_is_refused(self, storage: Storage) -> None:
        storage.customers.add(_customer("C001", name="甲"))
        with pytest.raises(DuplicateError):
            storage.customers.add(_customer("C001", name="乙"))
        assert storage.customers.get("C001").name == "甲"
        assert storage.customers.count() == 1

    def test_duplicate_tax_id_is_refused(self, storage: Storage) -> None:
        storage.customers.add(_customer("C001", tax_id="91320594MA1MXXXX0A"))
        with pytest.raises(DuplicateError):
            storage.customers.add(_customer("C002", tax_id="91320594MA1MXXXX0A"))
        with pytest.raises(NotFound):
            storage.customers.get("C002")
        # The same number in another country is another identifier.
        storage.customers.add(_customer("C003", tax_id="91320594MA1MXXXX0A", country="HK"))
        other = storage.customers.add(_customer("C004", tax_id="123"))
        with pytest.raises(DuplicateError):
            storage.customers.update(attrs.evolve(other, tax_id="91320594MA1MXXXX0A"), 1)
        assert storage.customers.get("C004").tax_id == "123"
        # Customers without a tax ID never collide.
        storage.customers.add(_customer("C005"))
        storage.customers.add(_customer("C006"))

    def test_add_many_with_a_duplicate_adds_none(self, storage: Storage) -> None:
        storage.customers.add(_customer("C002"))
        with pytest.raises(DuplicateError):
            storage.customers.add_many([_customer("C001"), _customer("C002"), _customer("C003")])
        assert [c.code for c in storage.customers.iterate()] == ["C002"]

    def test_add_many_checks_every_key_before_writing(self, storage: Storage) -> None:
        storage.customers.add(_customer("C002", tax_id="T2"))
        refused: list[list[Customer]] = [
            [_customer("C001"), _customer("C002")],  # code taken
            [_customer("C001"), _customer("C003", tax_id="T2")],  # tax ID taken
            [_customer("C001", tax_id="T1"), _customer("C003", tax_id="T1")],  # tax ID repeated
            [_customer("C001"), _customer("C001", name="乙")],  # code repeated
        ]
        with storage.unit_of_work() as uow:
            # Refused batches leave nothing behind, so the unit may go on and commit.
            for batch in refused:
                with pytest.raises(DuplicateError):
                    uow.customers.add_many(batch)
            with pytest.raises(StorageError):
                uow.customers.add_many([_customer("C001"), Customer(name="无编码客户")])
            uow.customers.add(_customer("C009"))
        assert [c.code for c in storage.customers.iterate()] == ["C002", "C009"]
        assert storage.customers.add_many([]) == 0
        assert storage.customers.add_many(iter([_customer("C001", tax_id="T1")])) == 1
        assert storage.customers.get_by_tax_id("CN", "T1").code == "C001"

    def test_large_batches_are_stored_whole_in_order(self, storage: Storage) -> None:
        # Batches the size of an import chunk: a SQL adapter's bulk path (COPY, multi-row INSERT)
        # and more than one of its statements per call.
        batch = [
            _customer(
                f"B{i:04d}", name=f"批量客户{i}", tax_id=f"T{i}", tags=frozenset({"VIP"} if i % 3 else ()),
                contacts=(Contact(name="李雷", mobile=f"+86139{i:08d}"),), remarks="含\t制表符\n和换行\\",
            )
            for i in range(2100)
        ]
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        entries = [HistoryEntry(code=c.code or "", version=1, action="add", at=at, actor="导入")
                   for c in batch]
        events = [OutboxEvent(type="customer.added", code=c.code, payload={"n": i})
                  for i, c in enumerate(batch)]
        with storage.unit_of_work() as uow:
            assert uow.customers.add_many(iter(batch[:1000])) == 1000
            assert uow.customers.add_many(batch[1000:]) == 1100  # a second batch in the same unit
            uow.history.append_many(entries)
            uow.outbox.append_many(events)
        assert [strip_managed(c) for c in storage.customers.iterate()] == batch
        assert storage.customers.count(tag="VIP") == sum(1 for c in batch if c.tags)
        assert storage.customers.get_by_tax_id("CN", "T2099").code == "B2099"
        assert [c.code for c in storage.customers.find(name_contains="批量客户209")] == [
            "B0209", *(f"B{i}" for i in range(2090, 2100))
        ]
        assert list(storage.history.list("B1500")) == [entries[1500]]
        assert list(storage.outbox.undelivered()) == events

    def test_large_batches_are_all_or_nothing(self, storage: Storage) -> None:
        storage.customers.add(_customer("TAKEN", tax_id="T-TAKEN"))
        fresh = [_customer(f"N{i:03d}", name=f"新客户{i}", tax_id=f"T{i}") for i in range(300)]
        refused: list[list[Customer]] = [
            [*fresh[:250], _customer("TAKEN"), *fresh[250:]],  # a code taken, late in the batch
            [*fresh, _customer("N999", tax_id="T-TAKEN")],  # a tax ID taken, last
            [*fresh, _customer("N998", tax_id="T7")],  # a tax ID repeated in the batch
        ]
        with storage.unit_of_work() as uow:
            for batch in refused:
                with pytest.raises(DuplicateError):
                    uow.customers.add_many(batch)
            assert uow.customers.count() == 1
            uow.customers.add_many(fresh)
        assert storage.customers.count() == 301
        events = [OutboxEvent(type="customer.added", code=f"N{i:03d}", payload={}) for i in range(300)]
        storage.outbox.append_many(events)
        with pytest.raises(DuplicateError):
            storage.outbox.append_many([OutboxEvent(type="x", payload={}) for _ in range(200)] + [events[5]])
        assert list(storage.outbox.undelivered()) == events

    def test_get_many_returns_the_known_codes(self, storage: Storage) -> None:
        for code in ("A", "B", "C"):
            storage.customers.add(_customer(code))
        deleted = storage.customers.delete("B")
        found = storage.customers.get_many(iter(["C", "X", "A", "B", "A"]))
        assert found == {
            "A": storage.customers.get("A"),
            "B": deleted,
            "C": storage.customers.get("C"),
        }
        assert storage.customers.get_many([]) == {}
        assert storage.customers.get_many(["X", "Y"]) == {}
        with storage.unit_of_work() as uow:
            assert set(uow.customers.get_many(["A", "Z"])) == {"A"}

    def test_get_many_by_tax_id_returns_the_known_keys(self, storage: Storage) -> None:
        storage.customers.add(_customer("A", tax_id="T1"))
        storage.customers.add(_customer("B", tax_id="T1", country="HK"))
        storage.customers.add(_customer("C"))
        storage.customers.add(_customer("D", tax_id="T2"))
        deleted = storage.customers.delete("D")
        keys = [("CN", "T1"), ("HK", "T1"), ("CN", "T9"), ("US", "T1"), ("CN", "T2"), ("CN", "T1")]
        found = storage.customers.get_many_by_tax_id(iter(keys))
        assert found == {
            ("CN", "T1"): storage.customers.get("A"),
            ("HK", "T1"): storage.customers.get("B"),
            ("CN", "T2"): deleted,
        }
        assert storage.customers.get_many_by_tax_id([]) == {}
        with storage.unit_of_work() as uow:
            assert list(uow.customers.get_many_by_tax_id([("HK", "T1")])) == [("HK", "T1")]

    def test_get_many_of_a_large_batch(self, storage: Storage) -> None:
        # More keys than one IN list of a SQL adapter holds.
        batch = [_customer(f"M{i:04d}", name=f"批量客户{i}", tax_id=f"T{i}") for i in range(1200)]
        storage.customers.add_many(batch)
        codes = [f"M{i:04d}" for i in range(1300)]
        by_code = storage.customers.get_many(codes)
        assert sorted(by_code) == [c.code for c in batch]
        assert all(by_code[c.code or ""].name == c.name for c in batch)
        by_tax_id = storage.customers.get_many_by_tax_id(("CN", f"T{i}") for i in range(1300))
        assert len(by_tax_id) == 1200
        assert by_tax_id[("CN", "T1199")].code == "M1199"

    def test_soft_delete_and_restore(self, storage: Storage) -> None:
        added = storage.customers.add(_customer("C001", status=Status.FROZEN, tags=frozenset({"VIP"})))
        deleted = storage.customers.delete("C001", expected_version=1)
        assert (deleted.status, deleted.version) == (Status.DELETED, 2)
        assert storage.customers.get("C001") == deleted
        assert storage.customers.find() == []
        assert storage.customers.count() == 0
        assert storage.customers.find(include_deleted=True) == [deleted]
        assert storage.customers.find(status=Status.DELETED) == [deleted]
        assert storage.customers.find(tag="VIP") == []
        assert storage.customers.delete("C001") == deleted  # already deleted: no change
        with pytest.raises(ConflictError):
            storage.customers.restore("C001", expected_version=1)
        restored = storage.customers.restore("C001", expected_version=2)
        assert (restored.status, restored.version) == (Status.FROZEN, 3)
        assert strip_managed(restored) == strip_managed(added)
        assert storage.customers.restore("C001") == restored  # not deleted: no change
        assert storage.customers.find() == [restored]
        # A deleted customer keeps its keys, so it can come back.
        storage.customers.delete("C001")
        with pytest.raises(DuplicateError):
            storage.customers.add(_customer("C001"))

    def test_iterate_skips_deleted_when_asked(self, storage: Storage) -> None:
        for code in ("B", "A", "C"):
            storage.customers.add(_customer(code))
        storage.customers.delete("B")
        assert [c.code for c in storage.customers.iterate()] == ["A", "B", "C"]
        assert [c.code for c in storage.customers.iterate(include_deleted=False)] == ["A", "C"]


_STATUSES = st.sampled_from(list(Status))


def _rarely(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    """None three times in four, else one of ``values``: look-ups narrow a small batch to nothing."""
    return st.one_of(st.none(), st.none(), st.none(), st.sampled_from(values))


def queries() -> st.SearchStrategy[Query]:
    """Queries over the values :func:`custrecord.testing.strategies.customers` draws."""
    orders = st.lists(
        st.sampled_from(sorted(ORDER_FIELDS)).flatmap(lambda f: st.sampled_from((f, "-" + f))),
        max_size=2,
        unique_by=lambda item: item.lstrip("-"),
    )
    return st.builds(
        Query,
        status=st.none() | _STATUSES | st.frozensets(_STATUSES, min_size=1, max_size=3),
        kind=st.none() | st.sampled_from([k.value for k in Kind]),
        category=st.none() | st.sampled_from(("01", "0101", "RETAIL")),
        category_prefix=st.none() | st.sampled_from(("0", "01", "0102", "R", "W", "")),
        region=st.none() | st.sampled_from(("EAST", "320500")),
        region_prefix=st.none() | st.sampled_from(("3", "32", "E", "S")),
        tag=st.none() | st.sampled_from(("VIP", "潜在", "KA", "Export", "none")),
        short_name=st.none() | st.sampled_from(("华信", "Acme", "acme")),
        owner=st.none() | st.sampled_from(("王磊", "Tom", "tom")),
        role=st.none() | st.sampled_from(("customer", "supplier")),
        parent=st.none() | st.sampled_from(("A1", "G10", "g10")),
        department=st.none() | st.sampled_from(("华东", "Sales")),
        tax_id=_rarely(("X1", "x-1", "110101199003070011")),
        phone=_rarely(("13812345678", "+86 138 1234 5678", "13900000000")),
        email=_rarely(("BUYER@example.cn", "x@example.cn")),
        contact=_rarely(("anna  smith", "张伟", "张")),
        scope=st.none() | st.builds(
            Scope,
            categories=st.frozensets(st.sampled_from(("01", "0102", "R", "%")), max_size=2),
            regions=st.frozensets(st.sampled_from(("E", "320", "S_")), max_size=2),
            owners=st.frozensets(st.sampled_from(("王磊", "李静", "Tom")), max_size=2),
        ),
        name_contains=st.none()
        | st.sampled_from(
            (
                "科技",
                "苏",
                "司",
                "A",
                "ｃ",
                "ss",
                "有限公司",
                "acme",
                "ACME",
                "Co., Ltd.",
                "王",
                "司马",
                "ü",
                "%",
                "_",
                "o'b",
                "g ",
                "Tr",
            )
        ),
        include_deleted=st.booleans(),
        order_by=orders.map(lambda items: tuple(items) or ("code",)),
        offset=st.integers(0, 4),
        limit=st.none() | st.integers(0, 4),
    )


class QueryContract(StorageFixtures):
    """Filters, ordering, pagination and counting, against a reference implementation."""

    @_kit
    @given(batch=_LIGHT_LISTS, query=queries())
    def test_find_agrees_with_reference(
        self, make_storage: StorageFactory, batch: list[Customer], query: Query
    ) -> None:
        storage = make_storage()
        stored = [storage.customers.add(c) for c in batch]
        expected = reference_find(stored, query)
        assert [c.code for c in storage.customers.find(query)] == [c.code for c in expected]
        assert storage.customers.find(query) == expected
        assert storage.customers.count(query) == len(reference_find(stored, query.unpaged()))

    @_kit
    @given(
        names=st.lists(st.text(_NAME_CHARS, min_size=1, max_size=8), min_size=1, max_size=12),
        renames=st.lists(st.tuples(st.integers(0, 11), st.text(_NAME_CHARS, min_size=1, max_size=8)),
                         max_size=3),
        deleted=st.sets(st.integers(0, 11), max_size=3),
        fragments=st.lists(st.text(_NAME_CHARS, min_size=1, max_size=3), min_size=1, max_size=4),
        limit=st.none() | st.integers(1, 3),
    )
    def test_any_fragment_finds_what_a_substring_filter_finds(
        self,
        make_storage: StorageFactory,
        names: list[str],
        renames: list[tuple[int, str]],
        deleted: set[int],
        fragments: list[str],
        limit: int | None,
    ) -> None:
        """Short fragments above all: 1-2 characters of Chinese, Latin in any case, full-width
        forms, and characters NFKC or case folding turn into two (ß, ﬁ, İ)."""
        storage = make_storage()
        storage.customers.add_many(_customer(f"N{i:02d}", name=name) for i, name in enumerate(names[:-1]))
        storage.customers.add(_customer(f"N{len(names) - 1:02d}", name=names[-1]))
        for index, name in renames:
            if index < len(names):
                code = f"N{index:02d}"
                old = storage.customers.get(code)
                storage.customers.update(attrs.evolve(old, name=name), old.version)
        for index in deleted:
            if index < len(names):
                storage.customers.delete(f"N{index:02d}")
        stored = list(storage.customers.iterate())
        for fragment in fragments:
            for include_deleted in (False, True):
                query = Query(name_contains=fragment, include_deleted=include_deleted, limit=limit)
                expected = [c.code for c in reference_find(stored, query)]
                assert [c.code for c in storage.customers.find(query)] == expected, fragment
                assert storage.customers.count(query.unpaged()) == len(
                    reference_find(stored, query.unpaged())
                )

    def test_find_by_parent_gives_the_direct_children(self, storage: Storage) -> None:
        storage.customers.add(_customer("G1"))
        storage.customers.add(_customer("S1", parent="G1"))
        child = storage.customers.add(_customer("S2", parent="G1"))
        storage.customers.add(_customer("S21", parent="S2"))
        storage.customers.add(_customer("S3", parent="G1", status=Status.FROZEN))
        assert [c.code for c in storage.customers.find(parent="G1")] == ["S1", "S2", "S3"]
        assert storage.customers.count(parent="S2") == 1
        storage.customers.update(attrs.evolve(child, parent="S1"), child.version)
        assert [c.code for c in storage.customers.find(parent="G1")] == ["S1", "S3"]
        assert [c.code for c in storage.customers.find(parent="S1")] == ["S2"]
        storage.customers.delete("S3")
        assert [c.code for c in storage.customers.find(parent="G1")] == ["S1"]
        assert [c.code for c in storage.customers.find(parent="G1", include_deleted=True)] == ["S1", "S3"]
        assert storage.customers.find(parent="NONE") == []

    def test_pages_partition_the_result(self, storage: Storage) -> None:
        for i in range(23):
            storage.customers.add(_customer(f"P{i:03d}", priority=(i % 5) + 1 if i % 4 else None))
        whole = storage.customers.find(order_by=("-priority",))
        pages = [storage.customers.find(order_by=("-priority",), offset=o, limit=5) for o in range(0, 25, 5)]
        assert [c.code for page in pages for c in page] == [c.code for c in whole]
        assert len(whole) == 23 == storage.customers.count(limit=5, offset=20)
        assert [c.priority for c in whole[-6:]] == [None] * 6  # missing last when descending

    def test_name_search_is_case_insensitive_and_any_length(self, storage: Storage) -> None:
        storage.customers.add(_customer("A", name="苏州华信科技有限公司"))
        storage.customers.add(_customer("B", name="ACME Global Trading Co., Ltd."))
        storage.customers.add(_customer("C", name="上海恒通贸易有限公司"))
        storage.customers.add(_customer("D", name="100% Pure_Foods GmbH"))

        def codes(fragment: str) -> list[str | None]:
            return [c.code for c in storage.customers.find(name_contains=fragment)]

        assert codes("华") == ["A"]
        assert codes("华信") == ["A"]
        assert codes("华信科技") == ["A"]
        assert codes("有限公司") == ["A", "C"]
        assert codes("acme") == ["B"]
        assert codes("Global trading") == ["B"]
        assert codes("Ltd.") == ["B"]
        assert codes("%") == ["D"]
        assert codes("_") == ["D"]
        assert codes("0%") == ["D"]
        assert codes("e_f") == ["D"]
        assert codes("科技贸易") == []
        assert codes("ＡＣＭＥ") == ["B"]  # full-width letters are the same letters (NFKC)
        assert storage.customers.count(name_contains="公司") == 2

    def test_category_prefix_follows_the_tree(self, storage: Storage) -> None:
        for code, category in (
            ("A", "01"),
            ("B", "0101"),
            ("C", "0102"),
            ("D", "02"),
            ("E", None),
            ("F", "1"),
        ):
            storage.customers.add(_customer(code, category=category))
        assert [c.code for c in storage.customers.find(category_prefix="01")] == ["A", "B", "C"]
        assert [c.code for c in storage.customers.find(category_prefix="010")] == ["B", "C"]
        assert [c.code for c in storage.customers.find(category="01")] == ["A"]
        assert [c.code for c in storage.customers.find(category_prefix="0", order_by=("-category",))] == [
            "D",
            "C",
            "B",
            "A",
        ]

    def test_filters_combine(self, storage: Storage) -> None:
        storage.customers.add(_customer("A", region="EAST", tags=frozenset({"VIP"}), status=Status.ACTIVE))
        storage.customers.add(_customer("B", region="EAST", tags=frozenset({"VIP"}), status=Status.FROZEN))
        storage.customers.add(_customer("C", region="WEST", tags=frozenset({"VIP", "KA"})))
        storage.customers.add(_customer("D", region="EAST"))
        found = storage.customers.find(region="EAST", tag="VIP", status=[Status.ACTIVE, Status.FROZEN])
        assert [c.code for c in found] == ["A", "B"]
        assert [c.code for c in storage.customers.find(tag="KA")] == ["C"]
        assert storage.customers.count(region="EAST", status="frozen") == 1


#: Phones of a few countries in E.164, and the ways people write them.
_PHONES = ("+8613812345678", "+8651265201234", "+493012345678", "+12025550143", "+442079460123")
_COUNTRIES = ("CN", "DE", "US", "GB")
_EXTENSIONS = st.sampled_from(("", ";ext=801"))


def _written(e164: str, region: str) -> str:
    """``e164`` as written in ``region``: nationally at home, internationally elsewhere."""
    number = phonenumbers.parse(e164, None)
    home = phonenumbers.region_code_for_number(number) == region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@st.composite
def _phone_books(draw: st.DrawFn) -> list[Customer]:
    """Customers of several countries sharing a few phones, e-mails and contact names."""
    count = draw(st.integers(0, 6))
    out = []
    for i in range(count):
        contacts = draw(st.lists(st.builds(
            Contact,
            name=st.sampled_from(("王伟", "Hans Meier", "hans meier", "李娜")),
            phone=st.none() | st.tuples(st.sampled_from(_PHONES), _EXTENSIONS).map("".join),
            mobile=st.none() | st.sampled_from(_PHONES),
            email=st.none() | st.sampled_from(("wang@example.com", "Wang@Example.com", "h@m.example")),
        ), max_size=2))
        status = draw(st.sampled_from((Status.ACTIVE, Status.DELETED)))
        out.append(_customer(f"L{i}", country=draw(st.sampled_from(_COUNTRIES)), contacts=contacts,
                             status=status))
    return out


def _phone_queries() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(_PHONES),
        st.tuples(st.sampled_from(_PHONES), st.sampled_from(_COUNTRIES)).map(lambda t: _written(*t)),
        st.sampled_from(("13812345678", "0512-65201234-801", "030 12345678", "5678", "", "+1 202")),
    )


def _has_phone(customer: Customer, query: str) -> bool:
    """The phone look-up by its definition: the query read in the customer's country is one of its phones."""
    normal = normalize_phone(query, customer.country) if query else None
    phones = {p.partition(";")[0] for k in customer.contacts for p in (k.phone, k.mobile) if p}
    return normal is not None and normal.partition(";")[0] in phones


class LookupContract(StorageFixtures):
    """Finding customers by contact phone, e-mail and name, by tax ID and by department."""

    @_kit
    @given(batch=_phone_books(), query=_phone_queries())
    def test_find_by_phone_is_the_brute_force_filter(
        self, make_storage: StorageFactory, batch: list[Customer], query: str
    ) -> None:
        storage = make_storage()
        storage.customers.add_many(batch)
        expected = [c.code or "" for c in batch if _has_phone(c, query) and c.status is not Status.DELETED]
        assert [c.code for c in storage.customers.find(phone=query)] == sorted(expected)
        assert [c.code for c in storage.customers.find(phone=[query, "+8613812345678"])] == sorted(
            c.code or "" for c in batch if c.status is not Status.DELETED
            and (_has_phone(c, query) or _has_phone(c, "+8613812345678")))
        assert storage.customers.count(phone=query, include_deleted=True) == sum(
            _has_phone(c, query) for c in batch)

    def _seed_lookups(self, storage: Storage) -> None:
        storage.customers.add(_customer("A", tax_id="91320500738254739G", department="华东", contacts=[
            Contact(name="王 经理", mobile="+8613812345678", email="Wang@example.com",
                    phone="+8651265201234;ext=801"),
        ]))
        storage.customers.add_many([
            _customer("B", country="DE", tax_id="DE136695976",
                      contacts=[Contact(name="Hans", phone="+493012345678")]),
            _customer("C", department="华南", contacts=[Contact(name="李娜", mobile="+8613812345678")]),
        ])

    def test_find_by_each_kind(self, storage: Storage) -> None:
        self._seed_lookups(storage)

        def codes(**filters: str) -> list[str | None]:
            return [c.code for c in storage.customers.find(**filters)]

        assert codes(phone="13812345678") == ["A", "C"]
        assert codes(phone="+86 138-1234-5678") == ["A", "C"]
        assert codes(phone="0512 6520 1234") == ["A"]  # an extension is no part of the number
        assert codes(phone="0512-65201234转801") == ["A"]
        assert codes(phone="030 12345678") == ["B"]  # read in Germany, B's country
        assert codes(phone="+49 30 12345678") == ["B"]
        assert codes(phone="12345678") == []
        assert codes(email="WANG@EXAMPLE.COM") == ["A"]
        assert codes(contact="王 经理") == ["A"]
        assert codes(contact="hans") == ["B"]
        assert codes(contact="王") == []  # names match whole
        assert codes(tax_id="9132 0500 7382 5473 9g") == ["A"]
        assert codes(tax_id="de136695976") == ["B"]
        assert codes(department="华南") == ["C"]
        assert codes(phone="13812345678", department="华东") == ["A"]
        assert storage.customers.count(phone="13812345678", contact="李娜") == 1
        several = storage.customers.find(phone=["+8651265201234", "030 12345678", "12345678"])
        assert [c.code for c in several] == ["A", "B"]  # any of them

    def test_lookups_follow_updates_and_deletes(self, storage: Storage) -> None:
        self._seed_lookups(storage)
        a = storage.customers.get("A")
        changed = attrs.evolve(a, contacts=[Contact(name="赵六", mobile="+8613900001111")], tax_id=None)
        storage.customers.update(changed, a.version)
        assert [c.code for c in storage.customers.find(phone="13812345678")] == ["C"]
        assert [c.code for c in storage.customers.find(phone="13900001111")] == ["A"]
        assert storage.customers.find(email="wang@example.com") == []
        assert storage.customers.find(contact="王 经理") == []
        assert storage.customers.find(tax_id="91320500738254739G") == []
        storage.customers.delete("C")
        assert storage.customers.find(phone="13812345678") == []
        assert [c.code for c in storage.customers.find(phone="13812345678", include_deleted=True)] == ["C"]
        storage.customers.restore("C")
        assert [c.code for c in storage.customers.find(phone="13812345678")] == ["C"]

    def test_lookups_roll_back_with_the_unit(self, storage: Storage) -> None:
        self._seed_lookups(storage)

        def fail() -> None:
            with storage.unit_of_work() as uow:
                a = uow.customers.get("A")
                uow.customers.update(attrs.evolve(a, contacts=[]), a.version)
                uow.customers.add(_customer("D", contacts=[Contact(name="D", mobile="+8613700001111")]))
                raise _Boom

        with pytest.raises(_Boom):
            fail()
        assert [c.code for c in storage.customers.find(email="wang@example.com")] == ["A"]
        assert storage.customers.find(phone="13700001111") == []


class SequenceContract(StorageFixtures):
    """Counters for customer codes."""

    def test_values_start_at_one_and_count_per_key(self, storage: Storage) -> None:
        assert [storage.sequences.next_value("customer-code:C") for _ in range(3)] == [1, 2, 3]
        assert storage.sequences.next_value("customer-code:D") == 1
        assert storage.sequences.next_value("customer-code:C") == 4
        with storage.unit_of_work() as uow:
            assert uow.sequences.next_value("客户编码") == 1
            assert uow.sequences.next_value("客户编码") == 2

    def test_next_values_reserve_a_block(self, storage: Storage) -> None:
        sequences = storage.sequences
        assert sequences.next_value("k") == 1
        assert sequences.next_values("k", 3) == range(2, 5)
        assert sequences.next_value("k") == 5
        assert list(sequences.next_values("new", 2)) == [1, 2]
        assert len(sequences.next_values("k", 0)) == 0
        assert len(sequences.next_values("never", 0)) == 0
        assert sequences.next_value("k") == 6
        with pytest.raises(ValueError):
            sequences.next_values("k", -1)
        assert sequences.next_value("k") == 7
        with storage.unit_of_work() as uow:
            block = uow.sequences.next_values("k", 1000)
            assert (block.start, block.stop, block.step) == (8, 1008, 1)
            assert uow.sequences.next_value("k") == 1008
        assert sequences.next_value("never") == 1


class HistoryContract(StorageFixtures):
    """The append-only change log."""

    @_rich
    @given(before=_CUSTOMER, after=_CUSTOMER)
    def test_entries_round_trip_in_order(
        self, make_storage: StorageFactory, before: Customer, after: Customer
    ) -> None:
        storage = make_storage()
        at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        first = HistoryEntry(
            code="C1", version=1, action="add", actor="张三", at=at, changes=changes_between(None, before)
        )
        second = HistoryEntry(
            code="C1",
            version=2,
            action="update",
            actor=None,
            reason="客户更名 / rename",
            at=at + timedelta(seconds=1),
            changes=changes_between(before, after),
        )
        other = HistoryEntry(code="C2", version=1, action="add", at=at)
        storage.history.append(first)
        storage.history.append(other)
        storage.history.append(second)
        assert list(storage.history.list("C1")) == [first, second]
        assert list(storage.history.list("C2")) == [other]
        assert list(storage.history.list("C3")) == []

    def test_append_many_keeps_the_order(self, storage: Storage) -> None:
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        first = HistoryEntry(code="C1", version=1, action="add", at=at)
        storage.history.append(first)
        batch = [
            HistoryEntry(code="C1", version=2, action="update", at=at, changes=[("remarks", None, "甲")]),
            HistoryEntry(code="C2", version=1, action="add", at=at, actor="张三"),
            HistoryEntry(code="C1", version=3, action="freeze", at=at, reason="逾期"),
        ]
        storage.history.append_many(iter(batch))
        storage.history.append_many([])
        assert list(storage.history.list("C1")) == [first, batch[0], batch[2]]
        assert list(storage.history.list("C2")) == [batch[1]]

    @_rich
    @given(batch=customer_lists(max_size=4))
    def test_added_entries_read_back_as_written(
        self, make_storage: StorageFactory, batch: list[Customer]
    ) -> None:
        storage = make_storage()
        at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        before = HistoryEntry(code="C0", version=1, action="freeze", at=at)
        with storage.unit_of_work() as uow:
            uow.customers.add_many(batch)
            uow.history.append(before)
            uow.history.append_many(added_entry(c, at=at, actor="导入", reason="import") for c in batch)
        for customer in batch:
            code = customer.code or ""
            expected = added_entry(customer, at=at, actor="导入", reason="import")
            assert list(storage.history.list(code)) == ([before] if code == "C0" else []) + [expected]

    def test_added_entries_can_be_redacted(self, storage: Storage) -> None:
        customer = _customer("C1", contacts=(Contact(name="张三", mobile="+8613812345678"),))
        storage.customers.add_many([customer])
        storage.history.append(added_entry(customer, at=datetime(2026, 1, 2, tzinfo=UTC)))
        assert storage.history.redact("C1", ["contacts"]) == 1
        (entry,) = storage.history.list("C1")
        assert {c.path: c.new for c in entry.changes}["contacts"] == REDACTED
        assert storage.history.redact("C1", ["contacts"]) == 0

    def test_times_keep_microseconds_and_become_utc(self, storage: Storage) -> None:
        shanghai = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
        storage.history.append(HistoryEntry(code="C1", version=1, action="freeze", at=shanghai))
        (entry,) = storage.history.list("C1")
        assert entry.at == shanghai
        assert entry.at.utcoffset() == timedelta(0)

    def test_the_log_has_no_way_to_change_entries(self, storage: Storage) -> None:
        public = {name for name in dir(storage.history) if not name.startswith("_")}
        assert not public & {"update", "delete", "remove", "clear", "pop"}

    def test_redact_erases_personal_values_only(self, storage: Storage) -> None:
        contacts = [{"name": "张三", "mobile": "+8613812345678"}]
        changes: list[tuple[str, object, object]] = [
            ("name", None, "张三"),
            ("contacts", [], contacts),
            ("address.city", None, "苏州市"),
            ("credit.limit", None, "5000"),
        ]
        storage.history.append(HistoryEntry(code="C1", version=1, action="add", changes=changes))
        storage.history.append(HistoryEntry(code="C2", version=1, action="add", changes=changes[:1]))
        assert storage.history.redact("C1", ["name", "contacts", "address"]) == 1
        (entry,) = storage.history.list("C1")
        assert [tuple(c) for c in entry.changes] == [
            ("name", None, REDACTED), ("contacts", REDACTED, REDACTED),
            ("address.city", None, REDACTED), ("credit.limit", None, "5000"),
        ]
        assert [tuple(c) for c in storage.history.list("C2")[0].changes] == [("name", None, "张三")]
        assert storage.history.redact("C1", ["name"]) == 0  # nothing left to erase

    def test_redact_erases_values_wherever_they_stand(self, storage: Storage) -> None:
        # A merged customer's values in its partner's history: found by value, in lists and mappings.
        changes: list[tuple[str, object, object]] = [
            ("contacts", [{"name": "张三", "mobile": "+8613900000000"}],
             [{"name": "张三", "mobile": "+8613900000000"}, {"name": "李四", "mobile": "+8613812345678"}]),
            ("remarks", None, "李四的电话"),
            ("merged", None, {"replaced": ["C2"], "from": "李四"}),
        ]
        storage.history.append(HistoryEntry(code="C1", version=2, action="merge", changes=changes))
        assert storage.history.redact("C1", (), {"李四", "+8613812345678"}) == 1
        (entry,) = storage.history.list("C1")
        assert [tuple(c) for c in entry.changes] == [
            ("contacts", [{"name": "张三", "mobile": "+8613900000000"}],
             [{"name": "张三", "mobile": "+8613900000000"}, {"name": REDACTED, "mobile": REDACTED}]),
            ("remarks", None, "李四的电话"),  # a whole text, not a part of one
            ("merged", None, {"replaced": ["C2"], "from": REDACTED}),
        ]
        assert storage.history.redact("C1", (), {"李四"}) == 0


class OutboxContract(StorageFixtures):
    """The transactional outbox."""

    def test_append_list_and_mark_delivered(self, storage: Storage) -> None:
        events = [
            OutboxEvent(
                type="customer.added", code=f"C{i}", payload={"code": f"C{i}", "n": i, "名": ["甲", None]}
            )
            for i in range(5)
        ]
        for event in events:
            storage.outbox.append(event)
        assert list(storage.outbox.undelivered()) == events
        assert list(storage.outbox.undelivered(limit=2)) == events[:2]
        storage.outbox.mark_delivered([events[0].id, events[3].id, "unknown"])
        assert list(storage.outbox.undelivered()) == [events[1], events[2], events[4]]
        storage.outbox.mark_delivered([events[0].id])  # again: ignored
        assert len(storage.outbox.undelivered()) == 3

    def test_redact_erases_payload_values(self, storage: Storage) -> None:
        change = {"path": "contacts", "old": None, "new": [{"mobile": "+8613812345678"}]}
        kept = {"path": "priority", "old": None, "new": 1}
        payload = {"changes": [change, kept], "name": "张三"}
        mine = OutboxEvent(type="CustomerChanged", code="C1", payload=payload)
        sent = OutboxEvent(type="CustomerRegistered", code="C1", payload={"name": "张三"})
        other = OutboxEvent(type="CustomerChanged", code="C2", payload={"name": "李四"})
        for event in (sent, mine, other):
            storage.outbox.append(event)
        storage.outbox.mark_delivered([sent.id])
        assert storage.outbox.redact("C1", ["contacts", "name"]) == 2  # delivered or not
        erased = {"changes": [{**change, "new": REDACTED}, kept], "name": REDACTED}
        assert list(storage.outbox.undelivered()) == [attrs.evolve(mine, payload=erased), other]
        assert storage.outbox.redact("C1", ["contacts", "name"]) == 0

    def test_redact_erases_payload_texts_by_value(self, storage: Storage) -> None:
        event = OutboxEvent(type="CustomerChanged", code="C1", payload={
            "changes": [{"path": "contacts", "old": [], "new": [{"name": "李四", "email": "li@x.cn"}]}],
            "actor": "李四",
        })
        storage.outbox.append(event)
        assert storage.outbox.redact("C1", (), {"li@x.cn"}) == 1
        (found,) = storage.outbox.undelivered()
        assert found.payload["changes"][0]["new"] == [{"name": "李四", "email": REDACTED}]
        assert found.payload["actor"] == "李四"

    def test_append_many_in_order_refusing_duplicate_ids(self, storage: Storage) -> None:
        events = [OutboxEvent(type="customer.added", code=f"C{i}", payload={"n": i}) for i in range(4)]
        storage.outbox.append_many(iter(events))
        storage.outbox.append_many([])
        assert list(storage.outbox.undelivered()) == events
        fresh = OutboxEvent(type="customer.changed", code="C9", payload={})
        with storage.unit_of_work() as uow:
            # Refused batches store nothing, so the unit may go on and commit.
            with pytest.raises(DuplicateError):
                uow.outbox.append_many([fresh, events[2]])  # an id that exists
            with pytest.raises(DuplicateError):
                uow.outbox.append_many([fresh, fresh])  # an id repeated
        assert list(storage.outbox.undelivered()) == events
        storage.outbox.append_many([fresh])
        assert list(storage.outbox.undelivered()) == [*events, fresh]

    def test_duplicate_event_id_is_refused(self, storage: Storage) -> None:
        event = OutboxEvent(type="customer.added", payload={})
        storage.outbox.append(event)
        with pytest.raises(DuplicateError):
            storage.outbox.append(event)
        assert list(storage.outbox.undelivered()) == [event]


class _Boom(Exception):
    pass


class UnitOfWorkContract(StorageFixtures):
    """All ports commit together or roll back together."""

    def _seed(self, storage: Storage) -> Customer:
        with storage.unit_of_work() as uow:
            uow.sequences.next_value("k")
            return uow.customers.add(_customer("KEEP", remarks="原值"))

    def _unchanged(self, storage: Storage, kept: Customer) -> None:
        assert [c.code for c in storage.customers.iterate()] == ["KEEP"]
        assert storage.customers.get("KEEP") == kept
        assert list(storage.history.list("NEW")) == []
        assert list(storage.outbox.undelivered()) == []
        assert storage.sequences.next_value("k") == 2  # the value drawn inside was given back
        assert storage.sequences.next_value("other") == 1

    def test_an_exception_rolls_back_every_port(self, storage: Storage) -> None:
        kept = self._seed(storage)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            uow.sequences.next_value("k")
            uow.sequences.next_value("other")
            new = uow.customers.add(_customer("NEW", tags=frozenset({"VIP"})))
            uow.customers.update(attrs.evolve(kept, remarks="改了"), 1)
            uow.customers.delete("NEW")
            uow.history.append(
                HistoryEntry(code="NEW", version=1, action="add", changes=changes_between(None, new))
            )
            uow.outbox.append(OutboxEvent(type="customer.added", code="NEW", payload={"code": "NEW"}))
            assert uow.customers.get("NEW").status is Status.DELETED  # visible inside
            raise _Boom
        self._unchanged(storage, kept)
        assert storage.customers.find(tag="VIP", include_deleted=True) == []

    def test_bulk_calls_roll_back_with_the_unit(self, storage: Storage) -> None:
        kept = self._seed(storage)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            assert uow.sequences.next_values("k", 5) == range(2, 7)
            assert len(uow.sequences.next_values("other", 3)) == 3
            uow.customers.add_many([_customer("NEW", tax_id="T1"), _customer("N2", tags=frozenset({"VIP"}))])
            assert set(uow.customers.get_many(["NEW", "N2", "KEEP"])) == {"NEW", "N2", "KEEP"}
            assert list(uow.customers.get_many_by_tax_id([("CN", "T1")])) == [("CN", "T1")]
            uow.history.append_many(HistoryEntry(code="NEW", version=1, action="add") for _ in range(3))
            uow.outbox.append_many([OutboxEvent(type="customer.added", code="NEW", payload={})])
            raise _Boom
        self._unchanged(storage, kept)
        assert storage.customers.get_many(["NEW", "N2"]) == {}
        assert storage.customers.get_many_by_tax_id([("CN", "T1")]) == {}
        assert storage.customers.find(tag="VIP", include_deleted=True) == []
        assert storage.customers.find(name_contains="苏州华信", include_deleted=True) == [kept]

    def test_a_storage_error_inside_rolls_back_too(self, storage: Storage) -> None:
        kept = self._seed(storage)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit
            uow.sequences.next_value("k")
            uow.customers.add(_customer("NEW"))
            uow.history.append(HistoryEntry(code="NEW", version=1, action="add"))
            uow.customers.add(_customer("KEEP"))  # taken
        self._unchanged(storage, kept)

    def test_a_clean_exit_commits_every_port(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            value = uow.sequences.next_value("k")
            added = uow.customers.add(_customer(f"C{value:03d}"))
            uow.history.append(HistoryEntry(code="C001", version=1, action="add"))
            uow.outbox.append(OutboxEvent(type="customer.added", code="C001", payload={}))
        assert storage.customers.get("C001") == added
        assert len(storage.history.list("C001")) == 1
        assert len(storage.outbox.undelivered()) == 1
        assert storage.sequences.next_value("k") == 2

    def test_storage_calls_inside_a_unit_join_it(self, storage: Storage) -> None:
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            uow.customers.add(_customer("C001"))
            assert storage.customers.get("C001").code == "C001"
            storage.customers.add(_customer("C002"))
            raise _Boom
        assert storage.customers.count() == 0


class ErrorContract(StorageFixtures):
    """Callers meet custrecord errors only, never a driver's."""

    def test_failures_are_custrecord_errors(self, storage: Storage) -> None:
        storage.customers.add(_customer("C001", tax_id="T1"))
        attempts: list[Callable[[], object]] = [
            lambda: storage.customers.add(_customer("C001")),
            lambda: storage.customers.add(_customer("C002", tax_id="T1")),
            lambda: storage.customers.add_many([_customer("C003"), _customer("C003")]),
            lambda: storage.customers.update(_customer("C001"), 7),
            lambda: storage.customers.get("C404"),
            lambda: storage.customers.delete("C404"),
        ]
        for attempt in attempts:
            with pytest.raises(CustrecordError) as caught:
                attempt()
            assert isinstance(caught.value, StorageError)

    def test_unreachable_backend_raises_unavailable(self, unavailable_storage: StorageFactory | None) -> None:
        if unavailable_storage is None:
            pytest.skip("the adapter provides no `unavailable_storage` fixture")
        with pytest.raises(UnavailableError):  # noqa: PT012 - opening or the first call may fail
            storage = unavailable_storage()
            storage.customers.add(_customer("C001"))


class ConcurrencyContract(StorageFixtures):
    """Concurrent writers lose nothing and overwrite nothing."""

    def test_concurrent_adds_with_sequence_codes(
        self,
        storage: Storage,
        supports_concurrent_writers: bool,
        concurrent_writers: int,
        writes_per_writer: int,
    ) -> None:
        if not supports_concurrent_writers:
            pytest.skip("the adapter does not support concurrent writers")
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                for i in range(writes_per_writer):
                    for attempt in range(5):
                        try:
                            with storage.unit_of_work() as uow:
                                serial = uow.sequences.next_value("customer-code:K")
                                uow.customers.add(_customer(f"K{serial:06d}", name=f"并发客户 {n}-{i}"))
                            break
                        except ConflictError:  # a lost race the backend asks to retry
                            if attempt == 4:
                                raise
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(concurrent_writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        total = concurrent_writers * writes_per_writer
        codes = [c.code for c in storage.customers.iterate()]
        assert codes == [f"K{i:06d}" for i in range(1, total + 1)]
        names = {c.name for c in storage.customers.iterate()}
        assert len(names) == total

    def test_two_writers_one_wins_one_conflicts(
        self, storage: Storage, supports_concurrent_writers: bool
    ) -> None:
        if not supports_concurrent_writers:
            pytest.skip("the adapter does not support concurrent writers")
        for round_ in range(10):
            code = f"R{round_:02d}"
            base = storage.customers.add(_customer(code))
            barrier = threading.Barrier(2)
            outcomes: dict[str, object] = {}

            def write(
                label: str,
                base: Customer = base,
                barrier: threading.Barrier = barrier,
                outcomes: dict[str, object] = outcomes,
            ) -> None:
                barrier.wait()
                try:
                    outcomes[label] = storage.customers.update(attrs.evolve(base, remarks=label), 1)
                except ConflictError as exc:
                    outcomes[label] = exc

            threads = [threading.Thread(target=write, args=(label,)) for label in ("left", "right")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            winners = [label for label, out in outcomes.items() if isinstance(out, Customer)]
            losers = [out for out in outcomes.values() if isinstance(out, ConflictError)]
            assert len(winners) == 1, outcomes
            assert len(losers) == 1, outcomes
            assert (losers[0].expected, losers[0].actual) == (1, 2)
            stored = storage.customers.get(code)
            assert (stored.remarks, stored.version) == (winners[0], 2)


class CreditContract(StorageFixtures):
    """The credit ledger kept with the customers: reservations per order, temporary raises."""

    def test_reserve_replace_and_release(self, storage: Storage) -> None:
        storage.customers.add(_customer("C1"))
        credit = storage.credit
        assert credit.reservations("C1") == {}
        credit.reserve("C1", "SO-1", Decimal("100.50"), "CNY")
        credit.reserve("C1", " SO-2 ", Decimal("7"), "CNY")  # references are trimmed
        credit.reserve("C1", "SO-1", Decimal("80"), "CNY")  # the same order again: replaced
        held = credit.reservations("C1")
        assert sorted(held) == ["SO-1", "SO-2"]
        assert (held["SO-1"].amount, held["SO-1"].currency) == (Decimal("80"), "CNY")
        assert credit.reservations("C2") == {}
        released = credit.release("C1", "SO-1")
        assert released is not None
        assert released.amount == Decimal("80")
        assert credit.release("C1", "SO-1") is None
        assert list(credit.reservations("C1")) == ["SO-2"]

    def test_reservations_of_a_company_are_kept_apart(self, storage: Storage) -> None:
        storage.customers.add(_customer("C1"))
        storage.credit.reserve("C1", "SO-1", Decimal("10"), "CNY")
        in_002 = company_ledger(storage.credit, "002")
        with storage.unit_of_work() as uow, uow.credit.hold("C1"):
            company_ledger(uow.credit, "002").reserve("C1", "SO-1", Decimal("20"), "USD")
        held = in_002.reservations("C1")
        assert list(held) == ["SO-1"]
        assert (held["SO-1"].amount, held["SO-1"].currency) == (Decimal("20"), "USD")
        assert held["SO-1"].company == "002"
        assert held["SO-1"].customer_code == "C1"
        assert storage.credit.reservations("C1")["SO-1"].amount == Decimal("10")
        assert company_ledger(storage.credit, "003").reservations("C1") == {}
        released = in_002.release("C1", "SO-1")
        assert released is not None
        assert released.company == "002"
        assert in_002.reservations("C1") == {}
        assert list(storage.credit.reservations("C1")) == ["SO-1"]

    def test_amounts_round_trip_exactly(self, storage: Storage) -> None:
        storage.customers.add(_customer("C1"))
        for i, amount in enumerate(("0.01", "99999999999999.99", "1E+6", "123456789.123456")):
            storage.credit.reserve("C1", f"SO-{i}", Decimal(amount), "USD")
        held = storage.credit.reservations("C1")
        assert [held[f"SO-{i}"].amount for i in range(4)] == [
            Decimal("0.01"), Decimal("99999999999999.99"), Decimal("1E+6"), Decimal("123456789.123456")
        ]

    def test_raises_are_kept_in_order(self, storage: Storage) -> None:
        storage.customers.add(_customer("C1"))
        first = TemporaryRaise(limit=Decimal("5000"), until=date(2026, 6, 30), reason="大促", actor="李")
        second = TemporaryRaise(limit=Decimal("9000.50"), until=date(2026, 12, 31), starts=date(2026, 7, 1),
                                currency="CNY")
        storage.credit.add_raise("C1", first)
        storage.credit.add_raise("C1", second)
        assert list(storage.credit.raises("C1")) == [first, second]
        assert list(storage.credit.raises("C2")) == []

    def test_credit_rolls_back_with_the_unit(self, storage: Storage) -> None:
        storage.customers.add(_customer("C1"))
        storage.credit.reserve("C1", "SO-1", Decimal("1"), "CNY")
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            with uow.credit.hold("C1"):
                uow.credit.reserve("C1", "SO-2", Decimal("2"), "CNY")
                uow.credit.release("C1", "SO-1")
                uow.credit.add_raise("C1", TemporaryRaise(limit=Decimal("9"), until=date(2026, 1, 1)))
            raise _Boom
        assert list(storage.credit.reservations("C1")) == ["SO-1"]
        assert list(storage.credit.raises("C1")) == []

    def test_holds_serialise_read_then_reserve(self, storage: Storage) -> None:
        # Each thread reads the reservations and reserves only what stays under the limit.
        storage.customers.add(_customer("C1"))
        limit, amount, threads = Decimal(100), Decimal(30), 6
        errors: list[BaseException] = []

        def order(n: int) -> None:
            try:
                with storage.unit_of_work() as uow, uow.credit.hold("C1"):
                    held = sum((r.amount for r in uow.credit.reservations("C1").values()), Decimal(0))
                    if held + amount <= limit:
                        uow.credit.reserve("C1", f"SO-{n}", amount, "CNY")
            except ConflictError:
                pass  # a server may refuse one transaction of a race: nothing reserved
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=order, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        total = sum((r.amount for r in storage.credit.reservations("C1").values()), Decimal(0))
        assert total <= limit


class UniqueShortNameContract(StorageFixtures):
    """Short names unique when asked (the yonyou profile), refused like a taken code."""

    def test_short_names_collide_only_when_required(self, storage: Storage) -> None:
        storage.customers.add(_customer("C1", short_name="华信"))
        storage.customers.add(_customer("C2", short_name="华信"))  # not required yet: allowed
        with pytest.raises(DuplicateError, match="华信"):
            storage.customers.require_unique_short_names()
        storage.customers.update(attrs.evolve(storage.customers.get("C2"), short_name="华信二"), 1)
        storage.customers.require_unique_short_names()
        storage.customers.require_unique_short_names()  # idempotent
        with pytest.raises(DuplicateError, match="short name"):
            storage.customers.add(_customer("C3", short_name="华信"))
        with pytest.raises(DuplicateError, match="short name"):
            storage.customers.add_many([_customer(code, short_name="恒通") for code in ("C3", "C4")])
        with pytest.raises(DuplicateError, match="short name"):
            storage.customers.update(attrs.evolve(storage.customers.get("C2"), short_name="华信"), 2)
        storage.customers.add_many([_customer("C3"), _customer("C4")])  # blank short names never collide
        assert storage.customers.get_many(["C3", "C4"]).keys() == {"C3", "C4"}


@st.composite
def store_contents(draw: st.DrawFn) -> dict[str, object]:
    """Contents for an archive test to put in a store with :func:`fill_store`: customers (some
    deleted after a status change), history, events (some delivered), counters, reservations
    and raises."""
    batch = draw(customer_lists(max_size=4))
    codes = [c.code or "" for c in batch]
    text = safe_text(max_size=12)
    at = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC))
    some_code = st.sampled_from(codes) if codes else st.just("C0")
    extra = draw(st.lists(st.builds(
        HistoryEntry, code=some_code, version=st.integers(1, 9), action=st.sampled_from(["update", "freeze"]),
        at=at, actor=st.none() | text, reason=st.none() | text,
        changes=st.lists(st.tuples(st.sampled_from(["remarks", "credit.limit"]), st.none() | text, text),
                         max_size=2),
    ), max_size=4))
    events = draw(st.lists(st.tuples(
        st.builds(OutboxEvent, type=st.sampled_from(["CustomerRegistered", "StatusChanged"]), code=some_code,
                  payload=st.dictionaries(st.sampled_from(["actor", "n", "new"]),
                                          st.none() | text | st.integers(-9, 9)), created_at=at),
        st.booleans(),
    ), max_size=4, unique_by=lambda pair: pair[0].id))
    return {
        "customers": batch,
        "deleted": draw(st.lists(st.sampled_from(codes), unique=True)) if codes else [],
        "history": extra,
        "events": events,
        "counters": draw(st.dictionaries(st.sampled_from(["customer-code:C####", "客户"]),
                                         st.integers(1, 3))),
        "reservations": draw(st.lists(st.tuples(some_code, text.filter(str.strip).map(str.strip),
                                                st.decimals(0, 10**9, places=2)), max_size=3,
                                      unique_by=lambda r: (r[0], r[1]))),
        "raises": draw(st.lists(st.tuples(some_code, st.decimals(1, 10**9, places=2),
                                          st.dates(date(2020, 1, 1), date(2040, 1, 1)), st.none() | text),
                                max_size=2)),
    }


def fill_store(storage: Storage, contents: dict[str, object]) -> None:
    """Put :func:`store_contents` into ``storage`` through its ports, some events delivered."""
    batch: list[Customer] = contents["customers"]  # type: ignore[assignment]
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    with storage.unit_of_work() as uow:
        uow.customers.add_many(batch)
        uow.history.append_many(added_entry(c, at=at, actor="导入") for c in batch)
        for code in contents["deleted"]:  # type: ignore[attr-defined]
            current = uow.customers.get(code)
            if current.status is not Status.DELETED:
                frozen = uow.customers.update(attrs.evolve(current, status=Status.FROZEN), current.version)
                uow.customers.delete(code, expected_version=frozen.version)
        uow.history.append_many(contents["history"])  # type: ignore[arg-type]
        for key, count in contents["counters"].items():  # type: ignore[attr-defined]
            uow.sequences.next_values(key, count)
        for code, ref, amount in contents["reservations"]:  # type: ignore[attr-defined]
            uow.credit.reserve(code, ref, amount, "CNY")
        for code, limit, until, reason in contents["raises"]:  # type: ignore[attr-defined]
            uow.credit.add_raise(code, TemporaryRaise(limit=limit, until=until, reason=reason))
        pairs: list[tuple[OutboxEvent, bool]] = contents["events"]  # type: ignore[assignment]
        uow.outbox.append_many(event for event, _ in pairs)
    storage.outbox.mark_delivered(event.id for event, delivered in pairs if delivered)


def archived(storage: Storage) -> dict[str, object]:
    """Everything ``storage`` holds, read through its archive port, in a form to compare."""
    with storage.unit_of_work() as uow:
        archive = uow.archive  # type: ignore[attr-defined]
        history: dict[str, list[HistoryEntry]] = {}
        for entry in archive.history():
            history.setdefault(entry.code, []).append(entry)
        raises: dict[str, list[TemporaryRaise]] = {}
        for code, grant in archive.raises():
            raises.setdefault(code, []).append(grant)
        return {
            "counts": dict(archive.counts()),
            "customers": list(archive.customers()),
            "history": history,
            "events": list(archive.events()),
            "counters": sorted(archive.counters()),
            "reservations": sorted(archive.reservations(), key=lambda r: (r.customer_code, r.order_ref)),
            "raises": raises,
        }


class ArchiveContract(StorageFixtures):
    """Backup and restore through the optional archive port (skipped for adapters without one)."""

    @pytest.fixture(autouse=True)
    def _needs_archive(self, make_storage: StorageFactory) -> None:
        with make_storage().unit_of_work() as uow:
            if getattr(uow, "archive", None) is None:
                pytest.skip("this adapter has no archive port: backup and restore refuse it")

    @_rich
    @given(contents=store_contents())
    def test_backup_then_restore_gives_the_same_store(
        self, make_storage: StorageFactory, contents: dict[str, object]
    ) -> None:
        source = make_storage()
        fill_store(source, contents)
        expected = archived(source)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "store.jsonl.gz"
            info = write_backup(source, path)
            assert dict(info.counts) == expected["counts"]
            memory = MemoryStorage()
            assert dict(restore_into(path, memory).counts) == expected["counts"]
            assert archived(memory) == expected
            target = make_storage()  # may be the source again, emptied
            restore_into(path, target, force=True)
            assert archived(target) == expected

    def test_restore_refuses_a_store_with_data_unless_forced(self, make_storage: StorageFactory) -> None:
        memory = MemoryStorage()
        memory.customers.add(_customer("C1"))
        memory.sequences.next_value("k")
        target = make_storage()
        target.customers.add(_customer("C9", name="上海明德贸易有限公司"))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "b.jsonl.gz"
            write_backup(memory, path)
            with pytest.raises(BackupError, match="not empty"):
                restore_into(path, target)
            assert [c.code for c in target.customers.iterate()] == ["C9"]
            restore_into(path, target, force=True)
        assert [c.code for c in target.customers.iterate()] == ["C1"]
        assert target.sequences.next_value("k") == 2

    def test_a_damaged_file_restores_nothing(self, make_storage: StorageFactory) -> None:
        memory = MemoryStorage()
        memory.customers.add_many([_customer(f"C{i}", name=f"苏州华信科技有限公司{i}") for i in range(5)])
        target = make_storage()
        target.customers.add(_customer("C9", name="上海明德贸易有限公司"))
        with tempfile.TemporaryDirectory() as folder:
            good = Path(folder) / "b.jsonl.gz"
            write_backup(memory, good)
            lines = gzip.decompress(good.read_bytes()).splitlines(keepends=True)
            edited = [line.replace("华信".encode(), "华新".encode()) if i == 2 else line
                      for i, line in enumerate(lines)]
            damaged = {
                "cut": gzip.compress(b"".join(lines[:-2])),
                "edited": gzip.compress(b"".join(edited)),
                "truncated": good.read_bytes()[:-20],
            }
            for name, data in damaged.items():
                bad = Path(folder) / f"{name}.jsonl.gz"
                bad.write_bytes(data)
                with pytest.raises(BackupError):
                    restore_into(bad, target, force=True)
                assert [c.code for c in target.customers.iterate()] == ["C9"], name


class StorageContract(
    ArchiveContract,
    CustomerStoreContract,
    CreditContract,
    UniqueShortNameContract,
    QueryContract,
    LookupContract,
    SequenceContract,
    HistoryContract,
    OutboxContract,
    UnitOfWorkContract,
    ErrorContract,
    ConcurrencyContract,
):
    """Every contract, plus the state machine comparing the adapter with a model."""

    def test_state_machine_agrees_with_model(self, make_storage: StorageFactory) -> None:
        from custrecord.testing.machine import run_storage_machine

        run_storage_machine(make_storage)
