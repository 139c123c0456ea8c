"""Customers as JSON documents: the lossless form every adapter may store.

:func:`custrecord.convert.unstructure_set` and :func:`custrecord.convert.load` do the
work, so contacts, extra fields, tags, Decimal money and dates survive a round
trip exactly; here they only become compact JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from custrecord.convert import load, unstructure_set
from custrecord.errors import StorageError
from custrecord.model import Customer

__all__ = ["dump_json", "from_document", "load_json", "parse_time", "time_text", "to_document"]

_loads = json.JSONDecoder().decode


def _encoder() -> Callable[[Any], str]:
    """Compact JSON encoding, UTF-8 characters kept, NaN refused.

    ``JSONEncoder.encode`` builds CPython's C encoder anew for every call, a
    quarter of the time of a customer document; built once here, it is reused
    (without its circular-reference bookkeeping: documents are trees, and a cycle
    ends in ``RecursionError``). Where there is no C encoder, the standard one.
    """
    standard = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    c_make_encoder: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(
        json.encoder, "c_make_encoder", None
    )
    if c_make_encoder is None:  # pragma: no cover - CPython has it
        return standard.encode
    try:
        # The arguments JSONEncoder.iterencode passes: markers, default, string
        # encoder, indent, key and item separators, sort_keys, skipkeys, allow_nan.
        encode = c_make_encoder(
            None, standard.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
        )
    except TypeError:  # pragma: no cover - not CPython, or another signature
        return standard.encode

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


_dumps = _encoder()


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
