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

#: Values that mean "no value" wherever they stand (an empty Excel cell reads as NaN).
BLANK: list[Any] = [None, float("nan"), "", " "]
#: Values no field takes: each is refused where it stands, with one of ``REFUSAL_CODES``.
REFUSED: list[Any] = [
    True,
    10**5000,
    -(10**5000),
    float("inf"),
    Decimal("NaN"),
    Decimal("1E+999999"),
    "\x00",
    "\ud800",
    b"bytes",
    bytearray(b"x"),
    [1, "a"],
    {"a": {"b": [1]}},
    {1: 2},
    {None: None},
    frozenset({1}),
]
#: Objects no field takes either (kept apart: hypothesis cannot show them in a failing example).
REFUSED_OBJECTS: list[Any] = [object(), type, Customer, lambda: 1, Ellipsis, complex(1, 2)]
#: Values some fields take and others refuse (0 as a priority, ``[]`` as tags, a date as a date).
DEPENDS: list[Any] = [
    0,
    -1,
    1.5,
    "x" * 100_000,
    "９" * 5000,
    [],
    (None,),
    {},
    {"name": 1},
    set(),
    date(2025, 1, 1),
    datetime(2025, 1, 1),
]
WRONG_VALUES: list[Any] = [*BLANK, *REFUSED, *DEPENDS, *REFUSED_OBJECTS]
REFUSAL_CODES = frozenset({"invalid_format", "invalid_choice", "out_of_range", "unknown_column", "required"})


TOP_KEYS = sorted(
    {f.head for f in FIELDS}
    | {"address", "contacts", "credit", "extra", "version", "created_at", "updated_at"}
)
NESTED_PATHS = [f.path for f in FIELDS if "." in f.path]


def _refused(value: Any, *, extra: bool = False) -> bool:
    """Whether ``value`` is junk in a field (``extra``: in a custom field, which keeps booleans and
    keeps a Decimal as its text)."""
    if extra and (value is True or (isinstance(value, Decimal) and value.is_finite())):
        return False
    return any(value is junk for junk in (*REFUSED, *REFUSED_OBJECTS))


def check_report(data: Any, profile: Any = None, *, refused_at: str | None = None) -> None:
    """``data`` gives a report that is whole and agrees with ``structure``; with ``refused_at``,
    the record is also refused with a problem at that path (or under it) of a ``REFUSAL_CODES`` code."""
    report = custrecord.validate(data, profile=profile)
    if refused_at is not None:
        assert not report.ok, data
        there = {p.code for p in report.problems if p.is_error and _under(p.path, refused_at)}
        assert there, (refused_at, report.problems)
        assert there <= REFUSAL_CODES, (refused_at, report.problems)
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


def _under(path: str, head: str) -> bool:
    return path == head or path.startswith((f"{head}.", f"{head}["))


@given(raw_records())
def test_junk_records(data: Any) -> None:
    check_report(data)


@given(raw_records(), st.sampled_from(PROFILES))
def test_junk_records_with_every_profile(data: Any, profile: Any) -> None:
    check_report(data, profile)


@pytest.mark.parametrize("key", TOP_KEYS)
def test_wrong_types_in_every_top_level_field(key: str) -> None:
    for value in WRONG_VALUES:
        check_report({"name": "x", key: value}, refused_at=key if _refused(value) else None)
    if key != "name":
        for value in BLANK if key not in ("address", "contacts", "credit", "extra") else BLANK[:2]:
            report = custrecord.validate({"name": "x", key: value})
            assert report.ok, (key, value, report.problems)


@pytest.mark.parametrize("path", NESTED_PATHS)
def test_wrong_types_in_every_nested_field(path: str) -> None:
    head, _, tail = path.partition(".")
    for value in WRONG_VALUES:
        refused = _refused(value)
        if head == "contacts[]":
            check_report({"name": "x", "contacts": [{"name": "A", tail: value}]},
                         refused_at=f"contacts[0].{tail}" if refused else None)
            check_report({"name": "x", "contacts": {tail: value}}, refused_at="contacts" if refused else None)
        elif head.startswith("addresses["):  # a column group of the default address of a role
            role = head.removeprefix("addresses[").removesuffix("]")
            check_report({"name": "x", f"{role}_{tail}": value}, refused_at="addresses" if refused else None)
        else:
            check_report({"name": "x", head: {tail: value}}, refused_at=path if refused else None)


@pytest.mark.parametrize("value", WRONG_VALUES, ids=lambda v: type(v).__name__)
def test_wrong_types_for_whole_records_and_parts(value: Any) -> None:
    check_report(value, refused_at="" if not isinstance(value, dict) else None)
    check_report({"name": "x", "extra": {"k": value}},
                 refused_at="extra.k" if _refused(value, extra=True) else None)
    check_report({"name": "x", "extra": {value if isinstance(value, str | int) else "k": 1}})
    check_report({"name": "x", "contacts": [value, {"name": "A"}]},
                 refused_at="contacts[0]" if _refused(value) else None)
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


@given(customers(), st.sampled_from(_PATHS), st.sampled_from([*BLANK, *REFUSED, *DEPENDS]))
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
    refused_at = None
    if _refused(value) and not (value is True and path.endswith(".default")):  # True is a default flag
        # A list item is checked where it ends up: the list keeps its own order.
        refused_at = "addresses" if head.startswith("addresses[") else (
            "bank_accounts" if head == "bank_accounts[]" else path.replace("[]", "[0]"))
    check_report(data, refused_at=refused_at)
