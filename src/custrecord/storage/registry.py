"""Storage adapters named by URL: a small registry with lazy imports and entry points.

``open_storage("postgresql+psycopg://...")`` looks at the scheme before ``+``
and ``://`` and calls the adapter's factory ``factory(url, **options)``. The
built-in adapters are named by import path and imported only when used, so
custrecord never loads SQLAlchemy unless a SQL URL is opened. Third-party
packages plug in through the ``custrecord.storage`` entry-point group (name =
scheme, value = ``package.module:factory``) or :func:`register_adapter`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from custrecord.errors import StorageError, UnavailableError
from custrecord.storage.ports import Storage

__all__ = ["ENTRY_POINT_GROUP", "adapter_for", "open_storage", "register_adapter", "scheme_of", "with_driver"]

#: The entry-point group third-party adapters register under.
ENTRY_POINT_GROUP = "custrecord.storage"

Factory = Callable[..., Storage]

_BUILTIN: dict[str, str] = {
    "memory": "custrecord.storage.memory:open_memory",
    "sqlite": "custrecord.storage.sql:open_sql",
    "postgresql": "custrecord.storage.sql:open_sql",
    "postgres": "custrecord.storage.sql:open_sql",
    "mysql": "custrecord.storage.sql:open_sql",
    "mariadb": "custrecord.storage.sql:open_sql",
}
_registered: dict[str, Factory | str] = {}
_lock = threading.Lock()


def register_adapter(scheme: str, factory: Factory | str) -> None:
    """Serve URLs of ``scheme`` with ``factory`` (a callable or a ``module:attribute`` path).

    Registered adapters win over built-ins, which win over entry points.
    """
    with _lock:
        _registered[scheme.lower()] = factory


def scheme_of(url: str) -> str:
    """The adapter scheme of ``url``: ``postgresql`` for ``postgresql+psycopg://``; ``sqlite`` for a path."""
    head, sep, _ = url.partition("://")
    if not sep or (len(head) == 1 and head.isalpha()):  # a path, or a Windows drive letter
        return "sqlite"
    return head.partition("+")[0].lower()


def _resolve(target: Factory | str, scheme: str) -> Factory:
    if not isinstance(target, str):
        return target
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = " (install custrecord[sql])" if module_name.startswith("custrecord.storage.sql") else ""
        raise UnavailableError(f"the {scheme!r} storage adapter cannot be loaded: {exc}{hint}") from exc
    factory: Factory = getattr(module, attribute)
    return factory


def adapter_for(scheme: str) -> Factory:
    """The factory serving ``scheme``; raises ``StorageError`` when none does."""
    scheme = scheme.lower()
    with _lock:
        target = _registered.get(scheme)
    if target is None:
        target = _BUILTIN.get(scheme)
    if target is None:
        # Built-ins first: an installed package cannot silently take over sqlite:// or memory://.
        for point in entry_points(group=ENTRY_POINT_GROUP):
            if point.name.lower() == scheme:
                target = point.value
                break
    if target is None:
        known = sorted({*_BUILTIN, *_registered, *(p.name for p in entry_points(group=ENTRY_POINT_GROUP))})
        raise StorageError(f"no storage adapter for {scheme!r} URLs; known schemes: {', '.join(known)}")
    return _resolve(target, scheme)


#: Database URLs written without a driver, as people and hosting services write them, and the
#: driver custrecord installs for them (SQLAlchemy's own defaults, psycopg2 and mysqlclient, are not).
_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",  # the MySQL dialect serves MariaDB and knows it when connected
}


def with_driver(url: str) -> str:
    """``url`` with the installed driver named: ``postgres://h/db`` -> ``postgresql+psycopg://h/db``."""
    head, sep, rest = url.partition("://")
    driver = _DRIVERS.get(head.lower()) if sep else None
    return f"{driver}://{rest}" if driver else url


def open_storage(url: str | None = None, **options: Any) -> Storage:
    """Open the storage ``url`` names.

    None or ``memory://``: in memory. A file path or ``sqlite:///path``: an
    embedded SQLite file. ``postgresql+psycopg://...``, ``mysql+pymysql://...``:
    database servers. Anything else: a registered or entry-point adapter.
    ``options`` go to the adapter's factory. ``postgres://``, ``postgresql://``,
    ``mysql://`` and ``mariadb://`` reach the installed drivers (psycopg, PyMySQL).
    """
    if url is None or url == "":
        url = "memory://"
    url = with_driver(url)
    return adapter_for(scheme_of(url))(url, **options)
