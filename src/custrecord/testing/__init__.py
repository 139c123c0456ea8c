"""custrecord.testing: the conformance suite for storage adapters, and hypothesis strategies.

This import path is public API. A custom adapter's test module does::

    import pytest
    from custrecord.testing import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def make_storage(self):
            return MyStorage          # called once per test or hypothesis example

See docs/custom-adapter.md. Requires pytest and hypothesis (test dependencies).
"""

from __future__ import annotations

from custrecord.testing.kit import (
    ArchiveContract,
    ConcurrencyContract,
    CreditContract,
    CustomerStoreContract,
    ErrorContract,
    HistoryContract,
    LookupContract,
    OutboxContract,
    QueryContract,
    SequenceContract,
    StorageContract,
    StorageFixtures,
    UniqueShortNameContract,
    UnitOfWorkContract,
    queries,
)
from custrecord.testing.machine import run_storage_machine
from custrecord.testing.reference import reference_find, strip_managed
from custrecord.testing.strategies import customer_lists, customers

__all__ = [
    "ArchiveContract",
    "ConcurrencyContract",
    "CreditContract",
    "CustomerStoreContract",
    "ErrorContract",
    "HistoryContract",
    "LookupContract",
    "OutboxContract",
    "QueryContract",
    "SequenceContract",
    "StorageContract",
    "StorageFixtures",
    "UniqueShortNameContract",
    "UnitOfWorkContract",
    "customer_lists",
    "customers",
    "queries",
    "reference_find",
    "run_storage_machine",
    "strip_managed",
]
