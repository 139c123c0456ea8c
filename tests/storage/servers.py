"""Helpers for tests on shared database servers: isolated stores, dropped afterwards."""

from __future__ import annotations

import os
import uuid

import pytest

from custrecord.storage.sql import SqlStorage

POSTGRES_ENV = "CUSTRECORD_TEST_POSTGRES_URL"
MARIADB_ENV = "CUSTRECORD_TEST_MARIADB_URL"


def server_url(env: str) -> str:
    """The server URL from ``env``, or skip the test with the reason."""
    url = os.environ.get(env)
    if not url:
        pytest.skip(f"set {env} to run the tests on this database server")
    return url


def unique_prefix() -> str:
    """A table prefix no other test run uses (CI jobs share the `test` database)."""
    return f"t{uuid.uuid4().hex[:10]}_"


def isolated(url: str) -> SqlStorage:
    """A store on ``url`` with tables of its own."""
    return SqlStorage(url, table_prefix=unique_prefix())
