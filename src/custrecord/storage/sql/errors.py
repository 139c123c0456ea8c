"""Driver and SQLAlchemy exceptions turned into custrecord storage errors.

Callers of a SQL store catch :mod:`custrecord.errors` classes only; the original
exception stays reachable as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from custrecord.errors import (
    ConflictError,
    CustrecordError,
    DuplicateError,
    StorageError,
    UnavailableError,
)
from custrecord.text import has_unstorable

__all__ = ["storable", "translate_errors"]

# Deadlock / serialisation failure / lock wait timeout: the transaction lost a
# race and may be retried, which is what ConflictError tells a caller.
_RETRYABLE = (
    "deadlock",
    "serializ",
    "could not serialize",
    "lock wait timeout",
    "1213",
    "1205",
    "40001",
    "40p01",
)


def _duplicate_message(text: str) -> str:
    lowered = text.lower()
    if "short_name" in lowered:
        return "the short name is taken by another customer"
    if "tax" in lowered:
        return "the tax ID is taken by another customer"
    if "outbox" in lowered:
        return "an outbox event with this id exists"
    if "code" in lowered:
        return "the customer code is taken"
    return "a unique key is taken"


def convert(error: BaseException) -> CustrecordError:
    """The custrecord error for a driver or SQLAlchemy ``error``."""
    text = str(getattr(error, "orig", None) or error)
    lowered = text.lower()
    if isinstance(error, sa_exc.IntegrityError):
        return DuplicateError(f"{_duplicate_message(text)} ({text.splitlines()[0]})")
    if any(marker in lowered for marker in _RETRYABLE):
        return ConflictError(
            f"the transaction collided with a concurrent one; retry it ({text.splitlines()[0]})"
        )
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return UnavailableError(f"the database connection was lost: {text.splitlines()[0]}")
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return UnavailableError(f"the database is unavailable: {text.splitlines()[0] if text else error!r}")
    if isinstance(error, sa_exc.DataError):
        return StorageError(f"a value does not fit the database column: {text.splitlines()[0]}")
    return StorageError(f"the database failed: {text.splitlines()[0] if text else error!r}")


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise SQLAlchemy and driver errors inside the block as custrecord errors."""
    try:
        yield
    except CustrecordError:
        raise
    except (sa_exc.SQLAlchemyError, OSError) as error:
        raise convert(error) from error


def storable(*texts: object) -> bool:
    """Whether each key is text a database could hold: no stored key is anything else, so a
    lookup of one that is not (broken Unicode, NUL) finds nothing instead of failing in the driver."""
    return all(isinstance(text, str) and not has_unstorable(text) for text in texts)
