"""Customers as JSON documents: the lossless form every adapter may store.

:func:`custrecord.convert.unstructure_set` and :func:`custrecord.convert.load` do the
work, so contacts, extra fields, tags, Decimal money and dates survive a round
trip exactly; here they only become compact JSON text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from custrecord.convert import load, unstructure_set
from custrecord.errors import StorageError
from custrecord.model import Customer

__all__ = ["dump_json", "from_document", "load_json", "parse_time", "time_text", "to_document"]

_loads = json.JSONDecoder().decode
# Compact, UTF-8 characters kept, NaN refused; built once, as json.dumps with options builds one a call.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def dump_json(value: Any) -> str:
    """Compact JSON text (UTF-8 characters kept, NaN refused)."""
    try:
        return _dumps(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise StorageError(f"value is not JSON-safe: {exc}") from exc


def load_json(text: str) -> Any:
    """The value of JSON ``text`` written by :func:`dump_json`."""
    return _loads(text)


def to_document(customer: Customer) -> str:
    """``customer`` as JSON text."""
    return dump_json(unstructure_set(customer))


def from_document(text: str) -> Customer:
    """The customer of a JSON document written by :func:`to_document`.

    A document that is not one (damaged by hand, say) raises ``StorageError``.
    """
    try:
        return load(_loads(text))
    except Exception as exc:  # json and cattrs raise many kinds; the caller needs one
        raise StorageError(f"a stored customer document cannot be read: {exc}") from exc


@lru_cache(maxsize=256)  # a bulk write stamps thousands of rows with one time
def time_text(value: datetime) -> str:
    """A UTC time as fixed-width ISO text: sorts as text in time order on every backend."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> datetime:
    """The aware UTC time of :func:`time_text` output."""
    return datetime.fromisoformat(text)
