"""unstructure / structure / load / flatten: JSON-safe and lossless for valid customers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
from hypothesis import given

import custrecord
from custrecord import Address, Contact, CreditProfile, Customer, Kind, Status
from custrecord.fields import FIELDS
from custrecord.testing.strategies import customers

SAMPLE = Customer(
    name="苏州示例科技有限公司",
    code="C001",
    kind=Kind.ENTERPRISE,
    tax_id="91110000600037341L",
    contacts=(Contact(name="王伟", mobile="+8613812345678"),),
    credit=CreditProfile(limit=Decimal("500000.00"), valid_from=date(2025, 1, 1)),
    tags=frozenset({"VIP", "KA"}),
    status=Status.FROZEN,
    extra={"erp_id": 7, "note": "x"},
    created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
)


def test_unstructure_is_json_safe_and_canonical() -> None:
    data = custrecord.unstructure(SAMPLE)
    assert json.loads(json.dumps(data)) == data
    assert data["kind"] == "enterprise"
    assert data["status"] == "frozen"
    assert data["credit"]["limit"] == "500000.00"
    assert data["credit"]["valid_from"] == "2025-01-01"
    assert data["tags"] == ["KA", "VIP"]
    assert data["contacts"] == [
        {"name": "王伟", "title": None, "phone": None, "mobile": "+8613812345678", "email": None}
    ]
    assert data["extra"] == {"erp_id": 7, "note": "x"}
    assert data["created_at"] == "2025-01-02T03:04:05+00:00"
    assert set(data) == {a.name for a in attrs.fields(Customer)}


def test_load_is_the_inverse_of_unstructure() -> None:
    data = json.loads(json.dumps(custrecord.unstructure(SAMPLE)))
    assert custrecord.load(data) == SAMPLE


@given(customers())
def test_the_compact_form_loads_back_to_the_same_customer(customer: Customer) -> None:
    data = json.loads(json.dumps(custrecord.convert.unstructure_set(customer)))
    assert custrecord.load(data) == customer
    assert set(data) <= set(custrecord.unstructure(customer))


def _omit_if_default(customer: Customer) -> dict[str, object]:
    """cattrs' omit-if-default form, each contact, address and bank account whole."""
    data: dict[str, object] = custrecord.convert.converter.copy(omit_if_default=True).unstructure(customer)
    for name in ("contacts", "addresses", "bank_accounts"):
        if getattr(customer, name):
            data[name] = [custrecord.convert.converter.unstructure(c) for c in getattr(customer, name)]
    return data


@given(customers())
def test_the_compact_form_is_the_omit_if_default_form(customer: Customer) -> None:
    assert custrecord.convert.unstructure_set(customer) == _omit_if_default(customer)
    blank = attrs.evolve(customer, address=Address(), credit=CreditProfile(), contacts=(), addresses=(),
                         bank_accounts=())
    assert custrecord.convert.unstructure_set(blank) == _omit_if_default(blank)


@given(customers())
def test_round_trips(customer: Customer) -> None:
    data = custrecord.unstructure(customer)
    text = json.dumps(data, ensure_ascii=False)
    assert custrecord.structure(data) == customer
    assert custrecord.structure(json.loads(text)) == customer
    assert custrecord.load(data) == customer
    assert custrecord.load(json.loads(text)) == customer
    report = custrecord.validate(data)
    assert report.ok
    assert report.problems == ()


@given(customers(kinds=(Kind.ENTERPRISE,)))
def test_strict_profile_accepts_generated_enterprises(customer: Customer) -> None:
    strict = custrecord.Profile(check_organization_code=True)
    assert custrecord.structure(custrecord.unstructure(customer), profile=strict) == customer


@given(customers())
def test_flatten_round_trips_through_the_flat_form(customer: Customer) -> None:
    # The JSON list columns are export's (io.customer_row): flatten holds what the flat columns hold.
    in_columns = tuple(a for a in customer.addresses if a.default and a.role in ("shipping", "billing"))
    customer = attrs.evolve(customer, contacts=customer.contacts[:1], extra={}, addresses=in_columns,
                            bank_accounts=())
    row = custrecord.flatten(customer)
    assert all(isinstance(v, str) for v in row.values())
    assert custrecord.structure(row) == customer
    assert custrecord.structure(custrecord.flatten(customer, headers="zh")) == customer


def test_flatten_columns() -> None:
    row = custrecord.flatten(SAMPLE)
    assert list(row)[: len(FIELDS)] == [f.column for f in FIELDS]
    assert row["contact_mobile"] == "+8613812345678"
    assert row["tags"] == "KA,VIP"
    assert row["credit_limit"] == "500000.00"
    assert row["postcode"] == ""
    assert row["erp_id"] == "7"
    zh = custrecord.flatten(SAMPLE, headers="zh")
    assert zh["客户名称"] == SAMPLE.name
    assert zh["手机"] == "+8613812345678"


def test_flat_extra_columns_round_trip_as_text_when_declared() -> None:
    row = custrecord.flatten(SAMPLE)
    back = custrecord.structure(row, profile=custrecord.Profile(custom_fields=frozenset({"erp_id", "note"})))
    assert back.extra == {"erp_id": "7", "note": "x"}
