"""copy_with: the fast attrs.evolve, held to attrs.evolve itself."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord.copying import copy_with
from custrecord.model import Address, Contact, CreditProfile, Customer, Status
from custrecord.testing.strategies import addresses, contacts, customers


@given(customers(), customers())
def test_copy_with_equals_evolve(customer: Customer, other: Customer) -> None:
    # Any subset of another customer's fields, set on this one.
    for names in ((), ("code",), ("code", "status"), ("tags", "name", "contacts"), ("credit", "extra")):
        changes = {name: getattr(other, name) for name in names}
        copied = copy_with(customer, changes)
        assert copied == attrs.evolve(customer, **changes)
        assert type(copied) is Customer
        assert hash(copied) == hash(attrs.evolve(customer, **changes))


@given(addresses(), contacts(), st.text(max_size=5))
def test_copy_with_value_objects(address: Address, contact: Contact, text: str) -> None:
    assert copy_with(address, {"city": text}) == attrs.evolve(address, city=text)
    assert copy_with(contact, {"name": text}) == attrs.evolve(contact, name=text)
    assert copy_with(CreditProfile(), {"currency": "USD"}).currency == "USD"


def test_copy_with_converts_changed_values_only() -> None:
    customer = Customer(name="甲", tags=frozenset({"VIP"}))
    copied = copy_with(customer, {"tags": ["重点", "VIP"], "status": Status.FROZEN})
    assert copied.tags == attrs.evolve(customer, tags=["重点", "VIP"]).tags
    assert copied.status is Status.FROZEN
    assert customer.status is not Status.FROZEN  # the original is untouched


def test_copy_with_refuses_unknown_names() -> None:
    with pytest.raises(TypeError, match="no attribute 'nmae'"):
        copy_with(Customer(name="甲"), {"nmae": "乙"})
