"""The in-memory adapter passes the conformance kit; its indexes avoid scans."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from custrecord import Customer
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
