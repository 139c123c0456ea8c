"""The optimistic version check and the unique keys of the memory and SQLite stores, word for
word: version numbers and times, each refusal's message, and the status a restore brings back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from custrecord import Customer, Status
from custrecord.errors import ConflictError, DuplicateError, StorageError
from custrecord.storage import MemoryStorage, Storage, open_storage

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
Ticking = tuple[Storage, list[datetime]]


@pytest.fixture(params=["memory", "sqlite"])
def ticking(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ticking]:
    """A store whose clock reads the last time put in the list."""
    times = [T0]
    if request.param == "memory":
        storage: Storage = MemoryStorage(clock=lambda: times[-1])
    else:
        storage = open_storage(str(tmp_path / "store.db"), clock=lambda: times[-1])
    yield storage, times
    storage.close()


def test_stored_customers_carry_version_one_and_the_time(ticking: Ticking) -> None:
    storage, times = ticking
    storage.customers.add_many([Customer(name="甲", code="C1"), Customer(name="乙", code="C2")])
    times.append(T0 + timedelta(hours=1))
    storage.customers.add(Customer(name="丙", code="C3"))
    stored = [storage.customers.get(code) for code in ("C1", "C2", "C3")]
    assert [(c.version, c.created_at, c.updated_at) for c in stored] == [
        (1, T0, T0), (1, T0, T0), (1, times[-1], times[-1])
    ]


def test_refusals_name_the_key_and_its_holder(ticking: Ticking) -> None:
    storage, _ = ticking
    storage.customers.add(Customer(name="甲", code="C1", tax_id="91110000600037341L"))
    memory = isinstance(storage, MemoryStorage)  # SQL stores word a refusal by their unique keys
    cases: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: storage.customers.add(Customer(name="乙")), StorageError,
         "cannot store a customer without a code: assign one first"),
        (lambda: storage.customers.add(Customer(name="乙", code="C1")), DuplicateError,
         "customer code 'C1' is taken" if memory else "the customer code is taken"),
        (lambda: storage.customers.add(Customer(name="乙", code="C2", tax_id="91110000600037341L")),
         DuplicateError,
         "tax ID CN 91110000600037341L is taken by customer 'C1'" if memory else "the tax ID"),
        (lambda: storage.customers.update(Customer(name="乙"), 1), StorageError,
         "cannot update a customer without a code"),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind) as info:
            call()
        assert str(info.value) == message if memory else str(info.value).startswith(message)


def test_every_versioned_write_checks_the_version_and_names_both(ticking: Ticking) -> None:
    storage, times = ticking
    stored = storage.customers.add(Customer(name="甲", code="C1"))
    storage.customers.update(attrs.evolve(stored, remarks="x"), 1)
    message = "customer 'C1' was changed meanwhile: expected version 1, found 2"
    for call in (
        lambda: storage.customers.update(stored, 1),
        lambda: storage.customers.delete("C1", expected_version=1),
        lambda: storage.customers.restore("C1", expected_version=1),
    ):
        with pytest.raises(ConflictError) as info:
            call()
        assert (str(info.value), info.value.expected, info.value.actual) == (message, 1, 2)
    times.append(T0 + timedelta(days=1))
    deleted = storage.customers.delete("C1", expected_version=2)
    assert (deleted.version, deleted.created_at, deleted.updated_at) == (3, T0, times[-1])
    times.append(T0 + timedelta(days=2))
    restored = storage.customers.restore("C1", expected_version=3)
    assert (restored.status, restored.version, restored.updated_at) == (Status.ACTIVE, 4, times[-1])
    times.append(T0 + timedelta(days=3))
    updated = storage.customers.update(attrs.evolve(restored, remarks="y"), 4)
    assert (updated.version, updated.created_at, updated.updated_at) == (5, T0, times[-1])
    assert storage.customers.get("C1") == updated


def test_restore_brings_back_the_status_before_the_deletion_however_deleted(ticking: Ticking) -> None:
    """Deleted by ``delete`` or by an update to ``deleted``, and edited while deleted, a disabled
    customer comes back disabled; one deleted when active comes back active."""
    storage, _ = ticking
    c = storage.customers.add(Customer(name="甲", code="C1", status=Status.DISABLED))
    c = storage.customers.update(attrs.evolve(c, status=Status.DELETED), c.version)
    c = storage.customers.update(attrs.evolve(c, remarks="edited while deleted"), c.version)
    assert storage.customers.restore("C1").status is Status.DISABLED
    storage.customers.delete("C1")
    c = storage.customers.get("C1")
    storage.customers.update(attrs.evolve(c, remarks="again"), c.version)
    assert storage.customers.restore("C1").status is Status.DISABLED
    storage.customers.add(Customer(name="乙", code="C2"))
    storage.customers.delete("C2")
    assert storage.customers.restore("C2").status is Status.ACTIVE


def test_a_customer_keeps_its_own_short_name_under_the_unique_rule(ticking: Ticking) -> None:
    storage, _ = ticking
    storage.customers.require_unique_short_names()
    c = storage.customers.add(Customer(name="甲", code="C1", short_name="华信"))
    assert storage.customers.update(attrs.evolve(c, remarks="x"), 1).short_name == "华信"
    with pytest.raises(DuplicateError) as info:
        storage.customers.add(Customer(name="乙", code="C2", short_name="华信"))
    assert str(info.value) == _short_name_taken(storage)


def test_a_customer_stored_deleted_is_restored_active(ticking: Ticking) -> None:
    """No status before the deletion is known: it comes back active."""
    storage, _ = ticking
    storage.customers.add(Customer(name="甲", code="C1", status=Status.DELETED))
    storage.customers.add_many([Customer(name="乙", code="C2", status=Status.DELETED)])
    assert [storage.customers.restore(code).status for code in ("C1", "C2")] == [Status.ACTIVE] * 2


def test_an_update_keeps_the_creation_time_whatever_it_is_given(ticking: Ticking) -> None:
    storage, times = ticking
    storage.customers.add(Customer(name="甲", code="C1"))
    times.append(T0 + timedelta(days=1))
    updated = storage.customers.update(Customer(name="甲乙", code="C1"), 1)  # built afresh: no times
    assert (updated.created_at, updated.updated_at, updated.version) == (T0, times[-1], 2)


def test_a_batch_sharing_a_short_name_names_the_row_holding_it(ticking: Ticking) -> None:
    storage, _ = ticking
    storage.customers.require_unique_short_names()
    with pytest.raises(DuplicateError) as info:
        storage.customers.add_many([Customer(name="甲", code="C1", short_name="华信"),
                                    Customer(name="乙", code="C2", short_name="华信")])
    assert str(info.value) == _short_name_taken(storage)
    assert storage.customers.count() == 0


def _short_name_taken(storage: Storage) -> str:
    if isinstance(storage, MemoryStorage):
        return "short name '华信' is taken by customer 'C1'"
    return ("the short name is taken by another customer "
            "(UNIQUE constraint failed: custrecord_customers.short_name)")
