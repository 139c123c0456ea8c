"""What every contract of the conformance kit shares: the fixtures an adapter's test class
provides, hypothesis settings, and sample customers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from custrecord.model import Customer
from custrecord.storage.ports import Storage
from custrecord.testing.light import light_customers
from custrecord.testing.strategies import customers

__all__ = [
    "ANY_CUSTOMER",
    "LIGHT_LISTS",
    "NAME_CHARS",
    "InjectedFailure",
    "StorageFactory",
    "StorageFixtures",
    "kit_settings",
    "rich_examples",
    "rich_settings",
    "sample_customer",
]

StorageFactory = Callable[[], Storage]

# Function-scoped fixtures are fine here: every example asks the factory for a new store.
kit_settings = settings(
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
rich_settings = settings(kit_settings, max_examples=rich_examples(settings().max_examples))

#: Few enough that short fragments often hit, with the characters search forms change.
NAME_CHARS = "苏州华信公司科技有限ACme gOß%_ＡｃＭ１1ﬁİi"

ANY_CUSTOMER = customers(with_code=True, unique_codes=True)
LIGHT_LISTS = st.lists(
    light_customers(), max_size=10, unique_by=(lambda c: c.code, lambda c: c.tax_id or f"none-{id(c)}")
)


def sample_customer(code: str, name: str = "苏州华信科技有限公司", **fields: object) -> Customer:
    return Customer(name=name, code=code, **fields)  # type: ignore[arg-type]


class InjectedFailure(Exception):
    """Raised on purpose inside a unit of work, to see it roll back."""


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
