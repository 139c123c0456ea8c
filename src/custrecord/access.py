"""The access log (访问日志): who read or exported which customers, when, and how many.

A book with ``Settings(access_log=...)`` records one :class:`Access` per read it
answers (``get``, ``find``, ``count``, ``all``, ``export``, ``history``...). The log is
a port: :class:`MemoryAccessLog` keeps entries in a list, :class:`LoggingAccessLog`
writes them to Python's ``logging`` (a host application points that at its audit
store); any object with ``record(access)`` will do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

import attrs

__all__ = ["Access", "AccessLog", "LoggingAccessLog", "MemoryAccessLog"]


@attrs.frozen
class Access:
    """One read: who, when, what (``get``, ``find``, ``export``...), which customers and how many.

    ``count`` is the number of customers the read returned (or counted); ``codes`` are
    theirs when the read returned customers.
    """

    at: datetime
    actor: str
    action: str
    codes: tuple[str, ...]
    count: int


class AccessLog(Protocol):
    """Where a book records its reads."""

    def record(self, access: Access) -> None:
        """Keep one read."""
        ...


class MemoryAccessLog:
    """An access log in a list (tests, notebooks, a host that drains it)."""

    def __init__(self) -> None:
        self.entries: list[Access] = []

    def record(self, access: Access) -> None:
        """Append ``access``."""
        self.entries.append(access)


class LoggingAccessLog:
    """An access log written to a :mod:`logging` logger (``custrecord.access`` by default), a line a read."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger("custrecord.access")

    def record(self, access: Access) -> None:
        """Log ``access`` at INFO with its fields as ``extra``."""
        self.logger.info(
            "%s %s %d customer(s): %s",
            access.actor,
            access.action,
            access.count,
            ", ".join(access.codes[:20]) + (" ..." if len(access.codes) > 20 else ""),
            extra={"custrecord_access": attrs.asdict(access)},
        )
