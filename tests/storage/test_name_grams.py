"""The SQL stores' gram table: it holds the grams of the stored names, no more, on every backend.

The conformance kit checks what name search finds; these tests read the table
itself, and force the paths a large store takes (a fragment too common for the
id lookup) on a small one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from custrecord import Customer
from custrecord.storage.sql import SqlStorage, downgrade
from custrecord.storage.sql.search import name_grams
from custrecord.storage.values import Query
from custrecord.testing.reference import reference_find

from .servers import MARIADB_ENV, POSTGRES_ENV, isolated, server_url

_CHARS = "苏州华信公司科技ACme gß%_ＡｃİO"
_NAMES = st.text(_CHARS, min_size=1, max_size=7)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStorage]:
    if request.param == "sqlite":
        storage = SqlStorage(str(tmp_path_factory.mktemp("grams") / "g.db"))
        yield storage
        storage.close()
        return
    storage = isolated(server_url(POSTGRES_ENV if request.param == "postgresql" else MARIADB_ENV))
    yield storage
    storage.drop()


def stored_grams(storage: SqlStorage) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(what the gram table holds, what it should hold for the stored names) as (gram, id) pairs."""
    t = storage.tables
    with storage.engine.connect() as conn:
        held = {(g.decode() if isinstance(g, bytes) else g, i) for g, i in conn.execute(select(t.grams))}
        names = conn.execute(select(t.customers.c.id, t.customers.c.name_key)).all()
    return held, {(gram, ident) for ident, key in names for gram in name_grams(key)}


_settings = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@_settings
@given(
    first=st.lists(_NAMES, min_size=1, max_size=6),
    more=st.lists(_NAMES, max_size=3),
    renames=st.lists(st.tuples(st.integers(0, 8), _NAMES), max_size=4),
    deleted=st.sets(st.integers(0, 8), max_size=2),
)
def test_the_table_holds_the_grams_of_the_names_stored(
    store: SqlStorage, first: list[str], more: list[str], renames: list[tuple[int, str]], deleted: set[int]
) -> None:
    store.clear()
    store.customers.add_many(Customer(name=name, code=f"G{i}") for i, name in enumerate(first))
    for i, name in enumerate(more, start=len(first)):
        store.customers.add(Customer(name=name, code=f"G{i}"))
    count = len(first) + len(more)
    for index, name in renames:
        if index < count:
            old = store.customers.get(f"G{index}")
            store.customers.update(attrs.evolve(old, name=name), old.version)
    for index in deleted:
        if index < count:
            store.customers.delete(f"G{index}")
    held, expected = stored_grams(store)
    assert held == expected


@_settings
@given(names=st.lists(_NAMES, min_size=1, max_size=10), fragment=st.text(_CHARS, min_size=1, max_size=4))
def test_fragments_too_common_for_the_id_lookup_are_found_by_walking(
    store: SqlStorage, names: list[str], fragment: str
) -> None:
    """A large store leaves a fragment with more than ``probe`` index hits to a LIKE walk."""
    store.clear()
    stored = [store.customers.add(Customer(name=name, code=f"W{i}")) for i, name in enumerate(names)]
    query = Query(name_contains=fragment, include_deleted=True, limit=3)
    expected = [c.code for c in reference_find(stored, query)]
    for probe in (0, 1, 2000):
        store.search.probe = probe
        store.search.common.clear()
        try:
            assert [c.code for c in store.customers.find(query)] == expected
            assert [c.code for c in store.customers.find(query)] == expected  # remembered common
        finally:
            store.search.probe = 2000


def test_migration_builds_the_table_for_stored_names(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    storage = SqlStorage(str(path))
    names = ("苏州华信", "ACME", "ß")
    storage.customers.add_many(Customer(name=n, code=f"M{i}") for i, n in enumerate(names))
    storage.close()
    assert downgrade(str(path), 4) == 4  # as the release before the gram table left it
    again = SqlStorage(str(path))
    held, expected = stored_grams(again)
    assert held == expected
    assert {("苏州", 1), ("信", 1), ("cm", 2), ("e", 2), ("ss", 3), ("s", 3)} <= held
    assert [c.code for c in again.customers.find(name_contains="Ss")] == ["M2"]
    again.close()


def test_long_names_are_indexed_to_their_last_character(store: SqlStorage) -> None:
    store.clear()
    name = "苏州" + "华信科技" * 60 + "Ⅻ有限公司ǅ"  # NFKC and case folding lengthen the last two
    store.customers.add_many([Customer(name=name, code="L1"), Customer(name="上海", code="L2")])
    held, expected = stored_grams(store)
    assert held == expected
    assert [c.code for c in store.customers.find(name_contains="ǆ")] == ["L1"]
    assert [c.code for c in store.customers.find(name_contains="xi")] == ["L1"]
