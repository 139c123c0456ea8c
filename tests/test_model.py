"""The value objects: immutable, hashable, picklable, with converters for collections."""

from __future__ import annotations

import pickle
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given

from custrecord import Address, Contact, CreditProfile, Customer, FrozenMap, Kind, Status
from custrecord.testing.strategies import customers


def test_customer_defaults() -> None:
    c = Customer(name="苏州示例科技有限公司")
    assert c.kind is Kind.ENTERPRISE
    assert c.country == "CN"
    assert c.status is Status.ACTIVE
    assert c.credit.currency == "CNY"
    assert c.contacts == ()
    assert c.tags == frozenset()
    assert c.extra == {}
    assert c.version == 0
    assert c.primary_contact is None


def test_collections_are_converted_to_immutable_types() -> None:
    c = Customer(name="x", contacts=[Contact(name="王伟")], tags={"VIP"}, extra={"erp_id": 7})
    assert isinstance(c.contacts, tuple)
    assert isinstance(c.tags, frozenset)
    assert isinstance(c.extra, FrozenMap)
    assert c.primary_contact == Contact(name="王伟")


def test_customer_is_frozen() -> None:
    c = Customer(name="x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.name = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.extra["k"] = 1  # type: ignore[index]


def test_enums_are_strings() -> None:
    assert Kind("individual") is Kind.INDIVIDUAL
    assert Status.FROZEN.value == "frozen"
    assert str(Status.FROZEN) == "frozen"
    assert {s.value for s in Status} == {"draft", "pending", "active", "frozen", "disabled", "deleted"}


def test_frozen_map() -> None:
    m = FrozenMap({"a": 1, "b": "x"})
    assert m == {"a": 1, "b": "x"}
    assert m == FrozenMap({"b": "x", "a": 1})
    assert hash(m) == hash(FrozenMap({"b": "x", "a": 1}))
    assert len(m) == 2
    assert list(m) == ["a", "b"]
    assert m["a"] == 1
    assert m != {"a": 1}
    assert (m == 3) is False
    assert "FrozenMap" in repr(m)
    assert pickle.loads(pickle.dumps(m)) == m
    assert FrozenMap() == {}
    assert FrozenMap(None) == {}


def test_is_empty() -> None:
    assert Address().is_empty()
    assert not Address(postcode="215000").is_empty()
    assert Contact().is_empty()
    assert not Contact(email="a@example.com").is_empty()
    assert CreditProfile().is_empty()
    assert CreditProfile(currency="USD").is_empty()
    assert not CreditProfile(limit=Decimal(0)).is_empty()
    assert not CreditProfile(days=0).is_empty()


def test_credit_validity_period() -> None:
    credit = CreditProfile(valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    assert credit.is_valid_on(date(2025, 1, 1))
    assert credit.is_valid_on(date(2025, 12, 31))
    assert not credit.is_valid_on(date(2024, 12, 31))
    assert not credit.is_valid_on(date(2026, 1, 1))
    assert CreditProfile().is_valid_on(date(1990, 1, 1))


@given(customers())
def test_generated_customers_are_hashable_and_picklable(customer: Customer) -> None:
    assert hash(customer) == hash(attrs.evolve(customer))
    assert pickle.loads(pickle.dumps(customer)) == customer
    assert attrs.evolve(customer, name=customer.name + "x") != customer
