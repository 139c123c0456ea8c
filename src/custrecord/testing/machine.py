"""A hypothesis state machine that runs random operations on an adapter and on a model.

The model is a few dicts; after every step the adapter must agree with it:
same customers (versions and statuses included), same counters, same errors.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from custrecord.errors import ConflictError, DuplicateError, NotFound
from custrecord.model import Customer, Status
from custrecord.storage.ports import Storage
from custrecord.storage.values import Query
from custrecord.testing.light import light_customers
from custrecord.testing.reference import reference_find, strip_managed

__all__ = ["run_storage_machine"]

_CODES = st.sampled_from(("A1", "A2", "B1", "B2", "C1"))
_TAX_IDS = st.sampled_from((None, "91320594MA1MXXXX0A", "110101199003070011", "X1"))
_RECORDS = st.builds(
    lambda c, code, tax: attrs.evolve(c, code=code, tax_id=tax),
    light_customers(),
    _CODES,
    _TAX_IDS,
)
_QUERIES = st.builds(
    Query,
    status=st.none() | st.sampled_from(list(Status)),
    tag=st.none() | st.sampled_from(("VIP", "KA")),
    short_name=st.none() | st.sampled_from(("华信", "Acme")),
    category_prefix=st.none() | st.sampled_from(("0", "01", "R")),
    name_contains=st.none() | st.sampled_from(("科技", "有限", "a", "Ltd")),
    include_deleted=st.booleans(),
    order_by=st.sampled_from((("code",), ("-name",), ("priority", "-updated_at"), ("status",))),
    offset=st.integers(0, 2),
    limit=st.none() | st.integers(1, 3),
)


class _Machine(RuleBasedStateMachine):
    make_storage: Callable[[], Storage]

    def __init__(self) -> None:
        super().__init__()
        self.storage = type(self).make_storage()
        self.model: dict[str, Customer] = {}
        self.prior: dict[str, Status] = {}
        self.counters: dict[str, int] = {}

    def _holder(self, customer: Customer) -> str | None:
        for code, other in self.model.items():
            if customer.tax_id is not None and (other.country, other.tax_id) == (
                customer.country,
                customer.tax_id,
            ):
                return code
        return None

    @rule(customer=_RECORDS)
    def add(self, customer: Customer) -> None:
        code = customer.code or ""
        holder = self._holder(customer)
        if code in self.model or holder is not None:
            try:
                self.storage.customers.add(customer)
            except DuplicateError:
                return
            raise AssertionError(f"adding {code} should have been refused as a duplicate")
        stored = self.storage.customers.add(customer)
        assert strip_managed(stored) == customer
        assert stored.version == 1
        self.model[code] = stored

    @rule(change=_RECORDS, stale=st.booleans())
    def update(self, change: Customer, stale: bool) -> None:
        code = change.code or ""
        current = self.model.get(code)
        expected = (current.version if current else 1) - (1 if stale else 0)
        if current is None:
            try:
                self.storage.customers.update(change, expected)
            except NotFound:
                return
            raise AssertionError(f"updating missing {code} should raise NotFound")
        if stale:
            try:
                self.storage.customers.update(change, expected)
            except ConflictError as exc:
                assert (exc.expected, exc.actual) == (expected, current.version)  # noqa: PT017
                return
            raise AssertionError("a stale update should conflict")
        holder = self._holder(change)
        if holder not in (None, code):
            try:
                self.storage.customers.update(change, expected)
            except DuplicateError:
                return
            raise AssertionError("an update to a taken tax ID should be refused")
        stored = self.storage.customers.update(change, expected)
        assert stored.version == current.version + 1
        assert stored.created_at == current.created_at
        if stored.status is Status.DELETED and current.status is not Status.DELETED:
            self.prior[code] = current.status
        elif stored.status is not Status.DELETED:
            self.prior.pop(code, None)
        self.model[code] = stored

    @rule(code=_CODES)
    def delete(self, code: str) -> None:
        current = self.model.get(code)
        if current is None:
            try:
                self.storage.customers.delete(code)
            except NotFound:
                return
            raise AssertionError("deleting a missing customer should raise NotFound")
        result = self.storage.customers.delete(code)
        if current.status is Status.DELETED:
            assert result == current
            return
        assert (result.status, result.version) == (Status.DELETED, current.version + 1)
        self.prior[code] = current.status
        self.model[code] = result

    @rule(code=_CODES)
    def restore(self, code: str) -> None:
        current = self.model.get(code)
        if current is None:
            try:
                self.storage.customers.restore(code)
            except NotFound:
                return
            raise AssertionError("restoring a missing customer should raise NotFound")
        result = self.storage.customers.restore(code)
        if current.status is not Status.DELETED:
            assert result == current
            return
        assert (result.status, result.version) == (self.prior.pop(code, Status.ACTIVE), current.version + 1)
        self.model[code] = result

    @rule(key=st.sampled_from(("k1", "k2")))
    def next_value(self, key: str) -> None:
        self.counters[key] = self.counters.get(key, 0) + 1
        assert self.storage.sequences.next_value(key) == self.counters[key]

    @rule(customer=_RECORDS, key=st.sampled_from(("k1", "k2")))
    def failed_unit_of_work(self, customer: Customer, key: str) -> None:
        class Abort(Exception):
            pass

        try:
            with self.storage.unit_of_work() as uow:
                uow.sequences.next_value(key)
                for code in list(self.model)[:2]:
                    uow.customers.delete(code)
                if customer.code not in self.model and self._holder(customer) is None:
                    uow.customers.add(customer)
                raise Abort
        except Abort:
            pass

    @rule(query=_QUERIES)
    def find(self, query: Query) -> None:
        assert self.storage.customers.find(query) == reference_find(self.model.values(), query)

    @invariant()
    def agrees_with_model(self) -> None:
        stored = list(self.storage.customers.iterate())
        assert stored == [self.model[code] for code in sorted(self.model)]
        for customer in stored:
            if customer.tax_id is not None:
                assert self.storage.customers.get_by_tax_id(customer.country, customer.tax_id) == customer


def run_storage_machine(make_storage: Callable[[], Storage], *, max_examples: int | None = None) -> None:
    """Run the state machine on storages from ``make_storage`` (a fresh one per example)."""
    machine = type("StorageMachine", (_Machine,), {"make_storage": staticmethod(make_storage)})
    base = settings()
    run_state_machine_as_test(
        machine,
        settings=settings(
            base,
            max_examples=max_examples or max(10, base.max_examples // 2),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
