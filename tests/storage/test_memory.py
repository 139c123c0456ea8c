"""The in-memory adapter passes the conformance kit; its indexes avoid scans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from custrecord import Customer, Status
from custrecord.errors import ConflictError, DuplicateError, StorageError
from custrecord.storage import MemoryStorage, Query, Storage
from custrecord.testing import StorageContract


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def make_storage(self) -> Callable[[], Storage]:
        return MemoryStorage


def test_indexed_lookups_do_not_scan() -> None:
    storage = MemoryStorage()
    storage.customers.add_many(
        Customer(name=f"客户{i}", code=f"C{i:05d}", tax_id=f"T{i}", category=f"0{i % 3}{i % 7}")
        for i in range(3000)
    )
    state = storage._state  # the candidates an index yields are what a query looks at
    under = Query(category_prefix="01")
    assert (
        len(state.candidates(under))
        == storage.customers.count(under)
        == len([i for i in range(3000) if i % 3 == 1])
    )
    assert set(state.candidates(Query(name_contains="客户2999"))) == {"C02999"}
    assert storage.customers.get_by_tax_id("CN", "T42").code == "C00042"


def test_a_big_first_page_walks_codes_in_order() -> None:
    storage = MemoryStorage()
    storage.customers.add_many(Customer(name=f"华信{i}", code=f"C{9999 - i:05d}") for i in range(6000))
    storage.customers.add(Customer(name="华信 new", code="A0"))
    page = storage.customers.find(name_contains="华信", limit=3, offset=1)
    assert [c.code for c in page] == ["C04000", "C04001", "C04002"]


def test_a_storage_reports_its_url() -> None:
    assert MemoryStorage().url == "memory://"


def test_a_common_fragment_page_agrees_with_a_full_search() -> None:
    storage = MemoryStorage()
    storage.customers.add_many(
        Customer(
            name=f"{'华信' if i % 3 else '恒通'}科技{i}",
            code=f"C{(i * 7919) % 10007:05d}",
            region="E" if i % 2 else "W",
        )
        for i in range(9000)
    )
    for query in (
        Query(name_contains="科技", limit=5, offset=2),
        Query(name_contains="华信", region="E", limit=7),
        Query(name_contains="恒通科技1", limit=3),
    ):
        full = storage.customers.find(query, limit=None, offset=0)
        assert storage.customers.find(query) == full[query.offset : query.offset + (query.limit or 0)]


def test_kit_examples_follow_the_hypothesis_profile() -> None:
    from hypothesis import settings

    from custrecord.testing import contract_base, kit

    assert [kit.rich_examples(n) for n in (2000, 60, 40, 10)] == [666, 20, 13, 5]
    assert contract_base.rich_settings.max_examples == kit.rich_examples(settings().max_examples)


# -- the version check and the unique keys, word for word --------------------------------------

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _ticking() -> tuple[MemoryStorage, list[datetime]]:
    """A store whose clock reads the last time put in the list."""
    times = [T0]
    return MemoryStorage(clock=lambda: times[-1]), times


def test_stored_customers_carry_version_one_and_the_time() -> None:
    storage, times = _ticking()
    storage.customers.add_many([Customer(name="甲", code="C1"), Customer(name="乙", code="C2")])
    times.append(T0 + timedelta(hours=1))
    storage.customers.add(Customer(name="丙", code="C3"))
    stored = [storage.customers.get(code) for code in ("C1", "C2", "C3")]
    assert [(c.version, c.created_at, c.updated_at) for c in stored] == [
        (1, T0, T0), (1, T0, T0), (1, times[-1], times[-1])
    ]


def test_refusals_name_the_key_and_its_holder() -> None:
    storage, _ = _ticking()
    storage.customers.add(Customer(name="甲", code="C1", tax_id="91110000600037341L"))
    cases: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: storage.customers.add(Customer(name="乙")), StorageError,
         "cannot store a customer without a code: assign one first"),
        (lambda: storage.customers.add(Customer(name="乙", code="C1")), DuplicateError,
         "customer code 'C1' is taken"),
        (lambda: storage.customers.add(Customer(name="乙", code="C2", tax_id="91110000600037341L")),
         DuplicateError, "tax ID CN 91110000600037341L is taken by customer 'C1'"),
        (lambda: storage.customers.update(Customer(name="乙"), 1), StorageError,
         "cannot update a customer without a code"),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind) as info:
            call()
        assert str(info.value) == message


def test_every_versioned_write_checks_the_version_and_names_both() -> None:
    storage, times = _ticking()
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


def test_restore_brings_back_the_status_before_the_deletion_however_deleted() -> None:
    """Deleted by ``delete`` or by an update to ``deleted``, and edited while deleted, a disabled
    customer comes back disabled; one deleted when active comes back active."""
    storage, _ = _ticking()
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


def test_a_customer_keeps_its_own_short_name_under_the_unique_rule() -> None:
    storage, _ = _ticking()
    storage.customers.require_unique_short_names()
    c = storage.customers.add(Customer(name="甲", code="C1", short_name="华信"))
    assert storage.customers.update(attrs.evolve(c, remarks="x"), 1).short_name == "华信"
    with pytest.raises(DuplicateError, match="short name '华信' is taken by customer 'C1'"):
        storage.customers.add(Customer(name="乙", code="C2", short_name="华信"))


def test_a_customer_stored_deleted_is_restored_active() -> None:
    """No status before the deletion is known: it comes back active."""
    storage, _ = _ticking()
    storage.customers.add(Customer(name="甲", code="C1", status=Status.DELETED))
    storage.customers.add_many([Customer(name="乙", code="C2", status=Status.DELETED)])
    assert [storage.customers.restore(code).status for code in ("C1", "C2")] == [Status.ACTIVE] * 2


def test_an_update_keeps_the_creation_time_whatever_it_is_given() -> None:
    storage, times = _ticking()
    storage.customers.add(Customer(name="甲", code="C1"))
    times.append(T0 + timedelta(days=1))
    updated = storage.customers.update(Customer(name="甲乙", code="C1"), 1)  # built afresh: no times
    assert (updated.created_at, updated.updated_at, updated.version) == (T0, times[-1], 2)


def test_a_batch_sharing_a_short_name_names_the_row_holding_it() -> None:
    storage, _ = _ticking()
    storage.customers.require_unique_short_names()
    with pytest.raises(DuplicateError) as info:
        storage.customers.add_many([Customer(name="甲", code="C1", short_name="华信"),
                                    Customer(name="乙", code="C2", short_name="华信")])
    assert str(info.value) == "short name '华信' is taken by customer 'C1'"
    assert storage.customers.count() == 0
