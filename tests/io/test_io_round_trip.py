"""Lossless round trips: a book exported and imported, CSV or XLSX, zh or en headers, is the same book."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.clirun import run

import custrecord
from custrecord.book import CustomerBook
from custrecord.fields import MANAGED_FIELDS
from custrecord.flat import is_field_key
from custrecord.io import import_file, write_customers
from custrecord.model import Customer, Status
from custrecord.settings import Settings
from custrecord.validation.profiles import DEFAULT

strategies = pytest.importorskip("custrecord.testing.strategies")

#: What a customer is, apart from what storage keeps (version and times).
_MANAGED = dict.fromkeys(MANAGED_FIELDS) | {"version": 0}


def _as_filed(customer: Customer) -> Customer:
    """A generated customer as a flat file can hold it: extra fields as text (a cell has no type)."""
    extra = {k: str(v) for k, v in customer.extra.items() if v not in (None, "") and not is_field_key(k)}
    return attrs.evolve(customer, extra=extra)


def _key(customer: Customer) -> Customer:
    return attrs.evolve(customer, **_MANAGED)  # type: ignore[arg-type]


def _book(customers: list[Customer]) -> CustomerBook:
    keys = frozenset(k for c in customers for k in c.extra)
    return custrecord.open(settings=Settings(profile=DEFAULT.evolve(custom_fields=keys)))


_BOOKS = st.lists(
    strategies.customers(with_code=True, statuses=tuple(s for s in Status if s is not Status.DELETED)).map(
        _as_filed
    ),
    min_size=1,
    max_size=4,
    unique_by=((lambda c: c.code), (lambda c: c.tax_id or f"none-{id(c)}")),
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(customers=_BOOKS, fmt=st.sampled_from(["csv", "xlsx"]), headers=st.sampled_from(["en", "zh"]))
def test_export_then_import_leaves_every_customer_unchanged(
    tmp_path_factory: pytest.TempPathFactory, customers: list[Customer], fmt: str, headers: str
) -> None:
    source = _book(customers)
    for customer in customers:
        source.add(customer)
    stored = {c.code: c for c in source.all()}
    path = tmp_path_factory.mktemp("rt") / f"export.{fmt}"
    assert write_customers(path, source.export(), headers=headers, extra=sorted(
        {k for c in customers for k in c.extra})) == len(customers)

    # Into the same book: every row is the customer it came from, so nothing is written.
    again = import_file(source, path)
    assert again.counts == {"unchanged": len(customers)}, again.invalid
    assert {c.code: c for c in source.all()} == stored

    # Into a fresh book: the same customers (amounts compare as Decimals, dates as dates, tags as sets).
    fresh = _book(customers)
    result = import_file(fresh, path)
    assert result.counts == {"added": len(customers)}, result.invalid
    assert {code: _key(c) for code, c in ((c.code, c) for c in fresh.all())} == {
        code: _key(c) for code, c in stored.items()
    }


@pytest.mark.parametrize(("fmt", "headers"), [("csv", "zh"), ("xlsx", "en")])
def test_a_round_trip_through_the_command_line(tmp_path: Path, fmt: str, headers: str) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    sample = str(Path(custrecord.__file__).parent / "data" / "customers.csv")
    assert run("import", sample, "--db", str(first), "--quiet").returncode == 1  # the sample has bad rows
    out = tmp_path / f"export.{fmt}"
    assert run("export", str(out), "--db", str(first), "--headers", headers).returncode == 0
    again = run("import", str(out), "--db", str(first), "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "unchanged" in again.stdout
    assert "updated" not in again.stdout
    assert "added" not in again.stdout
    moved = run("import", str(out), "--db", str(second), "--quiet")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    with custrecord.open(first) as a, custrecord.open(second) as b:
        left: dict[Any, Customer] = {c.code: _key(c) for c in a.all()}
        right: dict[Any, Customer] = {c.code: _key(c) for c in b.all()}
    assert left == right
    assert len(left) > 300
