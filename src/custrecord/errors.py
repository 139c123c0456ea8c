"""Exceptions raised by custrecord.

Callers catch these, never a driver's or a parser's own exceptions: adapters and
parsers convert what they meet into one of the classes below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custrecord.problems import Problem

__all__ = [
    "ConflictError",
    "CustrecordError",
    "DuplicateError",
    "InvalidQuery",
    "NotFound",
    "StorageError",
    "UnavailableError",
    "ValidationError",
    "WorkerError",
]


class CustrecordError(Exception):
    """Base class of every exception custrecord raises on purpose."""


class InvalidQuery(CustrecordError, ValueError):
    """A query that cannot be asked: an unknown order field, a negative page, text no store can hold."""


class ValidationError(CustrecordError, ValueError):
    """A record has problems of severity ``error``.

    ``problems`` lists every problem of the record, warnings included; ``record``
    names the record (its code, name or row) when one is known.
    """

    def __init__(self, problems: Sequence[Problem], *, record: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.record = record
        super().__init__(self._summary())

    def _summary(self) -> str:
        errors = [p for p in self.problems if p.is_error]
        who = f"customer {self.record}" if self.record else "customer"
        lines = [f"{who} has {len(errors)} error(s):"]
        lines.extend(f"  {p.path}: {p.code}: {p.message}" for p in errors)
        return "\n".join(lines)


class StorageError(CustrecordError):
    """A storage adapter failed; the driver's exception is chained as ``__cause__``."""


class NotFound(StorageError, KeyError):
    """No customer (or other stored object) has the given key."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a sentence reads better.
        return str(self.args[0]) if self.args else "not found"


class DuplicateError(StorageError):
    """A unique key (customer code, tax ID) is already taken."""


class ConflictError(StorageError):
    """An update carried a stale version: someone else changed the record first."""

    def __init__(self, message: str, *, expected: int | None = None, actual: int | None = None):
        self.expected = expected
        self.actual = actual
        super().__init__(message)


class UnavailableError(StorageError):
    """The storage backend cannot be reached or refused the connection."""


class WorkerError(CustrecordError):
    """A worker process of a parallel import stopped (killed, or out of memory) before it answered.

    The chunks committed before it are kept: running the import again resumes it.
    """

    def __init__(self, message: str = "", *, message_zh: str = "") -> None:
        self.message_zh = message_zh or message
        super().__init__(message)

    def message_in(self, lang: str) -> str:
        """The message in ``lang`` (``en`` or ``zh``)."""
        return self.message_zh if lang == "zh" else str(self)
