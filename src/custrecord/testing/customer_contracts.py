"""Contracts of the customer store: keys, versions, soft deletion, many at once, unique short names."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given

from custrecord.errors import (
    ConflictError,
    DuplicateError,
    NotFound,
    StorageError,
)
from custrecord.model import Contact, Customer, Status
from custrecord.storage.ports import Storage
from custrecord.storage.values import (
    HistoryEntry,
    OutboxEvent,
)
from custrecord.testing.contract_base import (
    ANY_CUSTOMER,
    StorageFactory,
    StorageFixtures,
    rich_settings,
    sample_customer,
)
from custrecord.testing.reference import strip_managed
from custrecord.testing.strategies import customer_lists


class CustomerStoreContract(StorageFixtures):
    """Round trips, versions, uniqueness, soft delete and restore."""

    @rich_settings
    @given(customer=ANY_CUSTOMER)
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

    @rich_settings
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
        kept = storage.customers.add(sample_customer("C1", name="苏州华信科技有限公司"))
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
            storage.customers.update(sample_customer("NOPE"), 1)
        with pytest.raises(NotFound):
            storage.customers.delete("NOPE")
        with pytest.raises(NotFound):
            storage.customers.restore("NOPE")

    def test_update_bumps_version_and_keeps_created_at(self, storage: Storage) -> None:
        first = storage.customers.add(sample_customer("C001", remarks="旧"))
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
        first = storage.customers.add(sample_customer("C001"))
        storage.customers.update(attrs.evolve(first, remarks="A"), 1)
        with pytest.raises(ConflictError) as caught:
            storage.customers.update(attrs.evolve(first, remarks="B"), 1)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert "1" in str(caught.value)
        assert "2" in str(caught.value)
        assert storage.customers.get("C001").remarks == "A"

    def test_duplicate_code_is_refused(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C001", name="甲"))
        with pytest.raises(DuplicateError):
            storage.customers.add(sample_customer("C001", name="乙"))
        assert storage.customers.get("C001").name == "甲"
        assert storage.customers.count() == 1

    def test_duplicate_tax_id_is_refused(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C001", tax_id="91320594MA1MXXXX0A"))
        with pytest.raises(DuplicateError):
            storage.customers.add(sample_customer("C002", tax_id="91320594MA1MXXXX0A"))
        with pytest.raises(NotFound):
            storage.customers.get("C002")
        # The same number in another country is another identifier.
        storage.customers.add(sample_customer("C003", tax_id="91320594MA1MXXXX0A", country="HK"))
        other = storage.customers.add(sample_customer("C004", tax_id="123"))
        with pytest.raises(DuplicateError):
            storage.customers.update(attrs.evolve(other, tax_id="91320594MA1MXXXX0A"), 1)
        assert storage.customers.get("C004").tax_id == "123"
        # Customers without a tax ID never collide.
        storage.customers.add(sample_customer("C005"))
        storage.customers.add(sample_customer("C006"))

    def test_add_many_with_a_duplicate_adds_none(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C002"))
        with pytest.raises(DuplicateError):
            storage.customers.add_many(
                [sample_customer("C001"), sample_customer("C002"), sample_customer("C003")]
            )
        assert [c.code for c in storage.customers.iterate()] == ["C002"]

    def test_add_many_checks_every_key_before_writing(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C002", tax_id="T2"))
        refused: list[list[Customer]] = [
            [sample_customer("C001"), sample_customer("C002")],  # code taken
            [sample_customer("C001"), sample_customer("C003", tax_id="T2")],  # tax ID taken
            [sample_customer("C001", tax_id="T1"), sample_customer("C003", tax_id="T1")],  # tax ID repeated
            [sample_customer("C001"), sample_customer("C001", name="乙")],  # code repeated
        ]
        with storage.unit_of_work() as uow:
            # Refused batches leave nothing behind, so the unit may go on and commit.
            for batch in refused:
                with pytest.raises(DuplicateError):
                    uow.customers.add_many(batch)
            with pytest.raises(StorageError):
                uow.customers.add_many([sample_customer("C001"), Customer(name="无编码客户")])
            uow.customers.add(sample_customer("C009"))
        assert [c.code for c in storage.customers.iterate()] == ["C002", "C009"]
        assert storage.customers.add_many([]) == 0
        assert storage.customers.add_many(iter([sample_customer("C001", tax_id="T1")])) == 1
        assert storage.customers.get_by_tax_id("CN", "T1").code == "C001"

    def test_large_batches_are_stored_whole_in_order(self, storage: Storage) -> None:
        # Batches the size of an import chunk: a SQL adapter's bulk path (COPY, multi-row INSERT)
        # and more than one of its statements per call.
        batch = [
            sample_customer(
                f"B{i:04d}",
                name=f"批量客户{i}",
                tax_id=f"T{i}",
                tags=frozenset({"VIP"} if i % 3 else ()),
                contacts=(Contact(name="李雷", mobile=f"+86139{i:08d}"),),
                remarks="含\t制表符\n和换行\\",
            )
            for i in range(2100)
        ]
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        entries = [
            HistoryEntry(code=c.code or "", version=1, action="add", at=at, actor="导入") for c in batch
        ]
        events = [
            OutboxEvent(type="customer.added", code=c.code, payload={"n": i}) for i, c in enumerate(batch)
        ]
        with storage.unit_of_work() as uow:
            assert uow.customers.add_many(iter(batch[:1000])) == 1000
            assert uow.customers.add_many(batch[1000:]) == 1100  # a second batch in the same unit
            uow.history.append_many(entries)
            uow.outbox.append_many(events)
        assert [strip_managed(c) for c in storage.customers.iterate()] == batch
        assert storage.customers.count(tag="VIP") == sum(1 for c in batch if c.tags)
        assert storage.customers.get_by_tax_id("CN", "T2099").code == "B2099"
        assert [c.code for c in storage.customers.find(name_contains="批量客户209")] == [
            "B0209",
            *(f"B{i}" for i in range(2090, 2100)),
        ]
        assert list(storage.history.list("B1500")) == [entries[1500]]
        assert list(storage.outbox.undelivered()) == events

    def test_large_batches_are_all_or_nothing(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("TAKEN", tax_id="T-TAKEN"))
        fresh = [sample_customer(f"N{i:03d}", name=f"新客户{i}", tax_id=f"T{i}") for i in range(300)]
        refused: list[list[Customer]] = [
            [*fresh[:250], sample_customer("TAKEN"), *fresh[250:]],  # a code taken, late in the batch
            [*fresh, sample_customer("N999", tax_id="T-TAKEN")],  # a tax ID taken, last
            [*fresh, sample_customer("N998", tax_id="T7")],  # a tax ID repeated in the batch
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
            storage.customers.add(sample_customer(code))
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
        storage.customers.add(sample_customer("A", tax_id="T1"))
        storage.customers.add(sample_customer("B", tax_id="T1", country="HK"))
        storage.customers.add(sample_customer("C"))
        storage.customers.add(sample_customer("D", tax_id="T2"))
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
        batch = [sample_customer(f"M{i:04d}", name=f"批量客户{i}", tax_id=f"T{i}") for i in range(1200)]
        storage.customers.add_many(batch)
        codes = [f"M{i:04d}" for i in range(1300)]
        by_code = storage.customers.get_many(codes)
        assert sorted(by_code) == [c.code for c in batch]
        assert all(by_code[c.code or ""].name == c.name for c in batch)
        by_tax_id = storage.customers.get_many_by_tax_id(("CN", f"T{i}") for i in range(1300))
        assert len(by_tax_id) == 1200
        assert by_tax_id[("CN", "T1199")].code == "M1199"

    def test_soft_delete_and_restore(self, storage: Storage) -> None:
        added = storage.customers.add(sample_customer("C001", status=Status.FROZEN, tags=frozenset({"VIP"})))
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
            storage.customers.add(sample_customer("C001"))

    def test_iterate_skips_deleted_when_asked(self, storage: Storage) -> None:
        for code in ("B", "A", "C"):
            storage.customers.add(sample_customer(code))
        storage.customers.delete("B")
        assert [c.code for c in storage.customers.iterate()] == ["A", "B", "C"]
        assert [c.code for c in storage.customers.iterate(include_deleted=False)] == ["A", "C"]


class UniqueShortNameContract(StorageFixtures):
    """Short names unique when asked (the yonyou profile), refused like a taken code."""

    def test_short_names_collide_only_when_required(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C1", short_name="华信"))
        storage.customers.add(sample_customer("C2", short_name="华信"))  # not required yet: allowed
        with pytest.raises(DuplicateError, match="华信"):
            storage.customers.require_unique_short_names()
        storage.customers.update(attrs.evolve(storage.customers.get("C2"), short_name="华信二"), 1)
        storage.customers.require_unique_short_names()
        storage.customers.require_unique_short_names()  # idempotent
        with pytest.raises(DuplicateError, match="short name"):
            storage.customers.add(sample_customer("C3", short_name="华信"))
        with pytest.raises(DuplicateError, match="short name"):
            storage.customers.add_many([sample_customer(code, short_name="恒通") for code in ("C3", "C4")])
        with pytest.raises(DuplicateError, match="short name"):
            storage.customers.update(attrs.evolve(storage.customers.get("C2"), short_name="华信"), 2)
        storage.customers.add_many(
            [sample_customer("C3"), sample_customer("C4")]
        )  # blank short names never collide
        assert storage.customers.get_many(["C3", "C4"]).keys() == {"C3", "C4"}
