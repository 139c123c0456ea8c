"""Stores made by release 0.1 open with today's code and read back exactly what they held.

The fixtures in tests/fixtures/release_0_1 were written by that release (see make.py
there): a SQLite file, and dumps of the same store on PostgreSQL and MariaDB. Opening
one migrates it in place; every customer, every history entry and every undelivered
outbox event must then read as release 0.1 read them, and the store must take new work.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect

from custrecord import Customer
from custrecord.book import CustomerBook
from custrecord.convert import unstructure
from custrecord.errors import StorageError
from custrecord.storage.sql import SqlStorage, downgrade, schema_version, upgrade
from custrecord.storage.sql.schema import SCHEMA_VERSION

from .servers import MARIADB_ENV, POSTGRES_ENV, server_url, unique_prefix

FIXTURES = Path(__file__).parent.parent / "fixtures" / "release_0_1"
OLD_PREFIX = "rel01_"


def _expected() -> dict[str, Any]:
    """What release 0.1 read, with the fields added since at their defaults."""
    data: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    blank = unstructure(Customer(name=""))
    data["customers"] = [
        # Nested parts too: a credit term added since (group_limit) reads as its default.
        {**blank, **customer, "credit": {**blank["credit"], **customer.get("credit", {})}}
        for customer in data["customers"]
    ]
    return data


def _read(storage: SqlStorage) -> dict[str, Any]:
    book = CustomerBook(storage)
    customers = [unstructure(c) for c in book.all(include_deleted=True)]
    history = {c["code"]: [e.to_dict() for e in book.history(c["code"])] for c in customers}
    outbox = [
        {"type": e.type, "code": e.code, "payload": dict(e.payload)} for e in storage.outbox.undelivered()
    ]
    return {"customers": customers, "history": history, "outbox": outbox}


def _holds_and_works(storage: SqlStorage) -> None:
    assert _read(storage) == _expected()
    book = CustomerBook(storage)
    added = book.add({"name": "升级后新增客户有限公司", "city": "广州市"})
    assert added.code == "C000009"
    assert [c.code for c in book.find(name_contains="导入")] == ["C000006", "C000007", "C000008"]
    # The look-up table is built from the old documents.
    assert [c.code for c in book.find(phone="13812345678")] == ["C000001"]
    assert [c.code for c in book.find(phone="0512-65201234")] == ["C000001"]
    assert [c.code for c in book.find(email="WANG@example.com")] == ["C000001"]
    assert [c.code for c in book.find(contact="张三")] == ["C000003"]
    assert [c.code for c in book.find(tax_id="de136695976")] == ["C000002"]


def _sql_script(name: str, prefix: str) -> list[str]:
    script = (FIXTURES / name).read_text(encoding="utf-8").replace(OLD_PREFIX, prefix)
    lines = [line for line in script.splitlines() if not line.startswith(("\\", "--"))]
    statements, current = [], []
    for line in lines:
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current))
            current = []
    return [s for s in statements if s.strip()]


@pytest.fixture
def sqlite_copy(tmp_path: Path) -> Path:
    target = tmp_path / "old.db"
    shutil.copy(FIXTURES / "custrecord.db", target)
    return target


def test_sqlite_store_of_release_0_1_upgrades(sqlite_copy: Path) -> None:
    storage = SqlStorage(f"sqlite:///{sqlite_copy}", table_prefix=OLD_PREFIX)
    try:
        _holds_and_works(storage)
    finally:
        storage.close()


@pytest.fixture(params=["postgresql", "mariadb"])
def server_store(request: pytest.FixtureRequest) -> Iterator[SqlStorage]:
    url = server_url(POSTGRES_ENV if request.param == "postgresql" else MARIADB_ENV)
    prefix = unique_prefix()
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in _sql_script(f"{request.param}.sql", prefix):
            conn.exec_driver_sql(statement.replace("%", "%%") if request.param == "mariadb" else statement)
    storage = SqlStorage(url, table_prefix=prefix)
    try:
        yield storage
    finally:
        storage.drop()
        engine.dispose()


def test_server_store_of_release_0_1_upgrades(server_store: SqlStorage) -> None:
    _holds_and_works(server_store)


def test_fixture_sql_names_only_its_own_tables() -> None:
    for name in ("postgresql.sql", "mariadb.sql"):
        script = (FIXTURES / name).read_text(encoding="utf-8")
        assert "custrecord_" not in script


# -- going back down -------------------------------------------------------------------


def _columns(storage: SqlStorage) -> set[str]:
    return {c["name"] for c in inspect(storage.engine).get_columns(storage.tables.customers.name)}


def _down_and_up(url: str, prefix: str) -> None:
    """Upgraded already: down to release 0.1's schema, then up again by opening."""
    assert downgrade(url, 1, table_prefix=prefix) == 1
    engine = create_engine(url)  # look without opening the store (opening upgrades it)
    try:
        names = set(inspect(engine).get_table_names())
        assert f"{prefix}credit_reservations" not in names
        columns = {c["name"] for c in inspect(engine).get_columns(f"{prefix}customers")}
        assert not {"short_name", "owner"} & columns
        with engine.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT MAX(version) FROM {prefix}schema_version").scalar() == 1
    finally:
        engine.dispose()
    again = SqlStorage(url, table_prefix=prefix)
    try:
        assert {"short_name", "owner"} <= _columns(again)
        _holds_and_works(again)
    finally:
        again.close()


def test_sqlite_store_goes_down_to_release_0_1_and_up_again(sqlite_copy: Path) -> None:
    url = f"sqlite:///{sqlite_copy}"
    SqlStorage(url, table_prefix=OLD_PREFIX).close()  # up
    _down_and_up(url, OLD_PREFIX)


def test_server_store_goes_down_to_release_0_1_and_up_again(server_store: SqlStorage) -> None:
    url = server_store.engine.url.render_as_string(hide_password=False)
    _down_and_up(url, server_store.tables.prefix)


def test_a_downgrade_that_would_lose_credit_data_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    storage = SqlStorage(url)
    storage.customers.add(Customer(name="苏州华信科技有限公司", code="C1", owner="王五"))
    storage.credit.reserve("C1", "SO-1", Decimal("10"), "CNY")
    with pytest.raises(StorageError, match="would drop 1 credit"):
        downgrade(url, 3)
    assert storage.credit.reservations("C1")["SO-1"].amount == Decimal("10")
    storage.credit.release("C1", "SO-1")
    assert downgrade(url, 2) == 2
    storage.close()
    again = SqlStorage(url)
    assert [c.code for c in again.customers.find(owner="王五")] == ["C1"]
    again.close()


def test_downgrade_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such database"):
        downgrade(str(tmp_path / "missing.db"), 2)
    assert not (tmp_path / "missing.db").exists()
    SqlStorage(str(tmp_path / "c.db")).close()
    for version in (0, SCHEMA_VERSION + 1):
        with pytest.raises(StorageError, match="no schema version"):
            downgrade(str(tmp_path / "c.db"), version)
    with pytest.raises(StorageError, match="no custrecord store"):
        downgrade(str(tmp_path / "c.db"), 2, table_prefix="other_")


def test_the_migrate_command_goes_down_and_up(tmp_path: Path) -> None:
    """`custrecord migrate --db DB [--to N]`: the version before and after, never a new database."""
    from tests.clirun import run

    db = tmp_path / "c.db"
    SqlStorage(str(db)).close()
    assert schema_version(str(db)) == SCHEMA_VERSION
    shown = run("migrate", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"schema version {SCHEMA_VERSION}, up to date"
    down = run("migrate", "--db", str(db), "--to", "3")
    assert down.returncode == 0, down.stderr
    assert down.stdout.strip() == f"schema version {SCHEMA_VERSION} -> 3 (downgraded)"
    assert schema_version(str(db)) == 3
    up = run("migrate", "--db", str(db), "--lang", "zh")
    assert up.stdout.strip() == f"数据库结构版本3 -> {SCHEMA_VERSION}（已升级）"
    assert upgrade(str(db)) == SCHEMA_VERSION
    missing = run("migrate", "--db", str(tmp_path / "missing.db"))
    assert missing.returncode == 2
    assert "no such database" in missing.stderr
    assert not (tmp_path / "missing.db").exists()
    for bad in ("0", str(SCHEMA_VERSION + 1), "x"):
        refused = run("migrate", "--db", str(db), "--to", bad)
        assert refused.returncode == 2
        assert "Traceback" not in refused.stderr


def test_upgrade_refuses_to_go_down(tmp_path: Path) -> None:
    url = str(tmp_path / "c.db")
    SqlStorage(url).close()
    with pytest.raises(StorageError, match="use downgrade"):
        upgrade(url, 3)
    with pytest.raises(StorageError, match="no such database"):
        schema_version(str(tmp_path / "missing.db"))
