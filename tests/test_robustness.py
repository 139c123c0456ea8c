"""Junk in, problems out: validate() never raises, structure() raises only ValidationError."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord import Customer, ValidationError
from custrecord.fields import CATALOGUE, FIELDS
from custrecord.problems import Problem
from custrecord.testing.strategies import customers, raw_records

PROFILES = (
    "default",
    "yonyou",
    "lenient",
    custrecord.Profile(check_organization_code=True, allow_legacy_tax_ids=True),
)

WRONG_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**5000,
    -(10**5000),
    1.5,
    float("nan"),
    float("inf"),
    Decimal("NaN"),
    Decimal("1E+999999"),
    "",
    " ",
    "\x00",
    "\ud800",
    "x" * 100_000,
    "９" * 5000,
    b"bytes",
    bytearray(b"x"),
    [],
    [1, "a"],
    (None,),
    {},
    {"a": {"b": [1]}},
    {1: 2},
    {None: None},
    {"name": 1},
    set(),
    frozenset({1}),
    date(2025, 1, 1),
    datetime(2025, 1, 1),
    object(),
    type,
    Customer,
    lambda: 1,
    Ellipsis,
    complex(1, 2),
]

TOP_KEYS = sorted(
    {f.path.partition(".")[0].removesuffix("[]") for f in FIELDS}
    | {"address", "contacts", "credit", "extra", "version", "created_at", "updated_at"}
)
NESTED_PATHS = [f.path for f in FIELDS if "." in f.path]


def check_report(data: Any, profile: Any = None) -> None:
    report = custrecord.validate(data, profile=profile)
    assert isinstance(report.ok, bool)
    assert isinstance(report.customer, Customer)
    for problem in report.problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.path, str)
        assert problem.code
        assert problem.message
        assert problem.message_zh
        repr(problem)
    json.dumps(report.to_dict())
    try:
        customer = custrecord.structure(data, profile=profile)
    except ValidationError as exc:
        # Both outcomes are legitimate here, so pytest.raises does not fit.
        assert not report.ok
        assert exc.problems == report.problems  # noqa: PT017
        str(exc)
    else:
        assert report.ok or (profile == "lenient")
        assert customer == report.customer
        text = json.dumps(custrecord.unstructure(customer), ensure_ascii=False)
        if report.ok:
            # Anything accepted can be stored: UTF-8 encodable, no NUL (PostgreSQL refuses it).
            text.encode("utf-8")
            assert "\x00" not in text
            assert "\\u0000" not in text
        if report.ok:
            # What was accepted is stable: validating it again changes nothing.
            assert custrecord.structure(custrecord.unstructure(customer), profile=profile) == customer


@given(raw_records())
def test_junk_records(data: Any) -> None:
    check_report(data)


@given(raw_records(), st.sampled_from(PROFILES))
def test_junk_records_with_every_profile(data: Any, profile: Any) -> None:
    check_report(data, profile)


@pytest.mark.parametrize("key", TOP_KEYS)
def test_wrong_types_in_every_top_level_field(key: str) -> None:
    for value in WRONG_VALUES:
        check_report({"name": "x", key: value})


@pytest.mark.parametrize("path", NESTED_PATHS)
def test_wrong_types_in_every_nested_field(path: str) -> None:
    head, _, tail = path.partition(".")
    for value in WRONG_VALUES:
        if head == "contacts[]":
            check_report({"name": "x", "contacts": [{"name": "A", tail: value}]})
            check_report({"name": "x", "contacts": {tail: value}})
        else:
            check_report({"name": "x", head: {tail: value}})


@pytest.mark.parametrize("value", WRONG_VALUES, ids=lambda v: type(v).__name__)
def test_wrong_types_for_whole_records_and_parts(value: Any) -> None:
    check_report(value)
    check_report({"name": "x", "extra": {"k": value}})
    check_report({"name": "x", "extra": {value if isinstance(value, str | int) else "k": 1}})
    check_report({"name": "x", "contacts": [value, {"name": "A"}]})
    check_report({value if _hashable(value) else "k": 1, "name": "x"})


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def test_flat_columns_with_junk() -> None:
    row = {f.zh: value for f, value in zip(FIELDS, WRONG_VALUES * 2, strict=False)}
    check_report(row)
    check_report({f.column: "x" * 10_000 for f in FIELDS})


def test_customer_objects_with_wrong_types() -> None:
    bad = [
        Customer(name=123),  # type: ignore[arg-type]
        Customer(name="x", contacts=["not a contact"]),
        Customer(name="x", tags=[1, "a"]),
        Customer(name="x", kind="alien"),  # type: ignore[arg-type]
        Customer(name="x", address=None),  # type: ignore[arg-type]
        Customer(name="x", extra={"k": object()}),  # type: ignore[dict-item]
        Customer(name="x", credit="lots"),  # type: ignore[arg-type]
        Customer(name="x", addresses=["junk", 1, None]),  # type: ignore[list-item]
        Customer(name="x", bank_accounts=[{"account": object()}]),  # type: ignore[list-item]
        Customer(name="x", roles=["alien"]),  # type: ignore[list-item]
    ]
    for customer in bad:
        check_report(customer)


_PATHS = sorted({f.path for f in CATALOGUE if not f.managed and f.path != "replaced_by"})


@given(customers(), st.sampled_from(_PATHS), st.sampled_from(WRONG_VALUES[:30]))
def test_one_bad_field_in_a_valid_record(customer: Customer, path: str, value: Any) -> None:
    data = custrecord.unstructure(customer)
    head, _, tail = path.partition(".")
    if head == "contacts[]":
        data["contacts"] = [{**(data["contacts"][0] if data["contacts"] else {"name": "A"}), tail: value}]
    elif head.startswith("addresses["):
        role = head.removeprefix("addresses[").removesuffix("]") or "other"
        data["addresses"] = [*data["addresses"], {"role": role, tail: value}]
    elif head == "bank_accounts[]":
        data["bank_accounts"] = [*data["bank_accounts"], {"bank_name": "B", tail: value}]
    elif tail:
        data[head] = {**data[head], tail: value}
    else:
        data[head] = value
    check_report(data)
