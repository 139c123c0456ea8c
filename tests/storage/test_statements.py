"""The SQL a store runs, as each server dialect compiles it (no server needed)."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import mysql, postgresql

from custrecord.storage.sql.schema import build_tables
from custrecord.storage.sql.statements import Statements


@pytest.mark.parametrize("dialect", [postgresql.dialect(), mysql.dialect()], ids=["postgresql", "mariadb"])
def test_version_check_locks_the_row(dialect: object) -> None:
    """Without ``FOR UPDATE`` two writers read version 1 together and both write: a lost update
    that only the server tests (two threads at a barrier) would otherwise catch."""
    sql = str(Statements(build_tables("t_")).locked.compile(dialect=dialect))
    assert sql.rstrip().endswith("FOR UPDATE")
    assert "t_customers" in sql

