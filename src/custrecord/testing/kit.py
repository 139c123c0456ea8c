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

from custrecord.testing.archive_contracts import (
    ArchiveContract,
    archived,
    fill_store,
    store_contents,
)
from custrecord.testing.contract_base import (
    StorageFactory,
    StorageFixtures,
    rich_examples,
)
from custrecord.testing.credit_contracts import CreditContract
from custrecord.testing.customer_contracts import (
    CustomerStoreContract,
    UniqueShortNameContract,
)
from custrecord.testing.log_contracts import (
    HistoryContract,
    OutboxContract,
    SequenceContract,
)
from custrecord.testing.query_contracts import (
    LookupContract,
    QueryContract,
    queries,
)
from custrecord.testing.unit_contracts import (
    ConcurrencyContract,
    ErrorContract,
    UnitOfWorkContract,
)

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
    "archived",
    "fill_store",
    "queries",
    "rich_examples",
    "store_contents",
]


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
