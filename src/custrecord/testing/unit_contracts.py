"""Contracts of units of work, error translation and concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Callable

import attrs
import pytest

from custrecord.diff import changes_between
from custrecord.errors import (
    ConflictError,
    CustrecordError,
    DuplicateError,
    StorageError,
    UnavailableError,
)
from custrecord.model import Customer, Status
from custrecord.storage.ports import Storage
from custrecord.storage.values import (
    HistoryEntry,
    OutboxEvent,
)
from custrecord.testing.contract_base import (
    InjectedFailure,
    StorageFactory,
    StorageFixtures,
    sample_customer,
)


class UnitOfWorkContract(StorageFixtures):
    """All ports commit together or roll back together."""

    def _seed(self, storage: Storage) -> Customer:
        with storage.unit_of_work() as uow:
            uow.sequences.next_value("k")
            return uow.customers.add(sample_customer("KEEP", remarks="原值"))

    def _unchanged(self, storage: Storage, kept: Customer) -> None:
        assert [c.code for c in storage.customers.iterate()] == ["KEEP"]
        assert storage.customers.get("KEEP") == kept
        assert list(storage.history.list("NEW")) == []
        assert list(storage.outbox.undelivered()) == []
        assert storage.sequences.next_value("k") == 2  # the value drawn inside was given back
        assert storage.sequences.next_value("other") == 1

    def test_an_exception_rolls_back_every_port(self, storage: Storage) -> None:
        kept = self._seed(storage)
        with pytest.raises(InjectedFailure), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            uow.sequences.next_value("k")
            uow.sequences.next_value("other")
            new = uow.customers.add(sample_customer("NEW", tags=frozenset({"VIP"})))
            uow.customers.update(attrs.evolve(kept, remarks="改了"), 1)
            uow.customers.delete("NEW")
            uow.history.append(
                HistoryEntry(code="NEW", version=1, action="add", changes=changes_between(None, new))
            )
            uow.outbox.append(OutboxEvent(type="customer.added", code="NEW", payload={"code": "NEW"}))
            assert uow.customers.get("NEW").status is Status.DELETED  # visible inside
            raise InjectedFailure
        self._unchanged(storage, kept)
        assert storage.customers.find(tag="VIP", include_deleted=True) == []

    def test_bulk_calls_roll_back_with_the_unit(self, storage: Storage) -> None:
        kept = self._seed(storage)
        with pytest.raises(InjectedFailure), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            assert uow.sequences.next_values("k", 5) == range(2, 7)
            assert len(uow.sequences.next_values("other", 3)) == 3
            uow.customers.add_many(
                [sample_customer("NEW", tax_id="T1"), sample_customer("N2", tags=frozenset({"VIP"}))]
            )
            assert set(uow.customers.get_many(["NEW", "N2", "KEEP"])) == {"NEW", "N2", "KEEP"}
            assert list(uow.customers.get_many_by_tax_id([("CN", "T1")])) == [("CN", "T1")]
            uow.history.append_many(HistoryEntry(code="NEW", version=1, action="add") for _ in range(3))
            uow.outbox.append_many([OutboxEvent(type="customer.added", code="NEW", payload={})])
            raise InjectedFailure
        self._unchanged(storage, kept)
        assert storage.customers.get_many(["NEW", "N2"]) == {}
        assert storage.customers.get_many_by_tax_id([("CN", "T1")]) == {}
        assert storage.customers.find(tag="VIP", include_deleted=True) == []
        assert storage.customers.find(name_contains="苏州华信", include_deleted=True) == [kept]

    def test_a_storage_error_inside_rolls_back_too(self, storage: Storage) -> None:
        kept = self._seed(storage)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit
            uow.sequences.next_value("k")
            uow.customers.add(sample_customer("NEW"))
            uow.history.append(HistoryEntry(code="NEW", version=1, action="add"))
            uow.customers.add(sample_customer("KEEP"))  # taken
        self._unchanged(storage, kept)

    def test_a_clean_exit_commits_every_port(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            value = uow.sequences.next_value("k")
            added = uow.customers.add(sample_customer(f"C{value:03d}"))
            uow.history.append(HistoryEntry(code="C001", version=1, action="add"))
            uow.outbox.append(OutboxEvent(type="customer.added", code="C001", payload={}))
        assert storage.customers.get("C001") == added
        assert len(storage.history.list("C001")) == 1
        assert len(storage.outbox.undelivered()) == 1
        assert storage.sequences.next_value("k") == 2

    def test_storage_calls_inside_a_unit_join_it(self, storage: Storage) -> None:
        with pytest.raises(InjectedFailure), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            uow.customers.add(sample_customer("C001"))
            assert storage.customers.get("C001").code == "C001"
            storage.customers.add(sample_customer("C002"))
            raise InjectedFailure
        assert storage.customers.count() == 0


class ErrorContract(StorageFixtures):
    """Callers meet custrecord errors only, never a driver's."""

    def test_failures_are_custrecord_errors(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C001", tax_id="T1"))
        attempts: list[Callable[[], object]] = [
            lambda: storage.customers.add(sample_customer("C001")),
            lambda: storage.customers.add(sample_customer("C002", tax_id="T1")),
            lambda: storage.customers.add_many([sample_customer("C003"), sample_customer("C003")]),
            lambda: storage.customers.update(sample_customer("C001"), 7),
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
            storage.customers.add(sample_customer("C001"))


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
                                uow.customers.add(sample_customer(f"K{serial:06d}", name=f"并发客户 {n}-{i}"))
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
            base = storage.customers.add(sample_customer(code))
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
