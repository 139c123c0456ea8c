"""Opening storage by URL: built-ins, registered adapters, entry points, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from custrecord.errors import StorageError
from custrecord.storage import MemoryStorage, open_storage, register_adapter
from custrecord.storage.registry import adapter_for, scheme_of


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("memory://", "memory"),
        ("customers.db", "sqlite"),
        ("/var/lib/erp/customers.db", "sqlite"),
        (r"C:\erp\customers.db", "sqlite"),
        ("sqlite:///customers.db", "sqlite"),
        ("postgresql+psycopg://u@h/db", "postgresql"),
        ("mysql+pymysql://u@h/db", "mysql"),
        ("MariaDB://u@h/db", "mariadb"),
    ],
)
def test_scheme_of(url: str, scheme: str) -> None:
    assert scheme_of(url) == scheme


def test_none_and_memory_open_the_memory_adapter() -> None:
    assert isinstance(open_storage(None), MemoryStorage)
    assert isinstance(open_storage("memory://"), MemoryStorage)


def test_a_plain_path_opens_sqlite(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "c.db"))
    assert storage.url.startswith("sqlite:///")
    storage.close()


def test_unknown_scheme_is_a_clear_storage_error() -> None:
    with pytest.raises(StorageError, match="no storage adapter for 'nosuch'"):
        open_storage("nosuch://x")


def test_registered_adapters_win_and_can_be_import_paths() -> None:
    register_adapter("custom-test", "custrecord.storage.memory:open_memory")
    assert isinstance(open_storage("custom-test://anything"), MemoryStorage)
    made: list[str] = []

    def factory(url: str, **options: object) -> MemoryStorage:
        made.append(url)
        return MemoryStorage()

    register_adapter("custom-test", factory)
    open_storage("custom-test://x")
    assert made == ["custom-test://x"]


def test_entry_points_are_consulted(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    from custrecord.storage import registry

    point = EntryPoint(
        name="viaplugin", value="custrecord.storage.memory:open_memory", group="custrecord.storage"
    )
    monkeypatch.setattr(
        registry, "entry_points", lambda group: [point] if group == "custrecord.storage" else []
    )
    assert isinstance(open_storage("viaplugin://x"), MemoryStorage)
    hijack = EntryPoint(name="sqlite", value="nowhere:nothing", group="custrecord.storage")
    monkeypatch.setattr(registry, "entry_points", lambda group: [hijack])
    assert adapter_for("sqlite").__module__ == "custrecord.storage.sql.adapter"  # built-ins first


def test_memory_storage_does_not_import_sqlalchemy() -> None:
    code = "import sys, custrecord.storage as s; s.open_storage(); print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
