"""Checks that make a batch write all or nothing: every refusal is raised before anything is stored.

Adapters look up which keys of a batch are already taken (in one query per
batch, say) and hand them over; the batch itself may repeat a key too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from itertools import islice
from typing import TypeVar

from custrecord.errors import DuplicateError, StorageError
from custrecord.model import Customer
from custrecord.storage.values import OutboxEvent

__all__ = ["check_new", "check_new_events", "chunks", "tax_key"]

T = TypeVar("T")


def tax_key(customer: Customer) -> tuple[str, str] | None:
    """The ``(country, tax_id)`` key of ``customer``, None without a tax ID."""
    return None if customer.tax_id is None else (customer.country, customer.tax_id)


def check_new(
    batch: Iterable[Customer], codes: Collection[str], tax_ids: Mapping[tuple[str, str], str | None]
) -> None:
    """Raise what adding each customer of ``batch`` in turn would: ``StorageError`` for a
    missing code, ``DuplicateError`` for a code in ``codes`` (taken) or repeated, or a tax
    ID key in ``tax_ids`` (taken, mapped to its holder's code when known) or repeated.
    """
    seen_codes: set[str] = set()
    seen_tax_ids: dict[tuple[str, str], str] = {}
    for customer in batch:
        code = customer.code
        if not code:
            raise StorageError("cannot store a customer without a code: assign one first")
        if code in codes or code in seen_codes:
            raise DuplicateError(f"customer code {code!r} is taken")
        seen_codes.add(code)
        key = tax_key(customer)
        if key is None:
            continue
        if key in tax_ids or key in seen_tax_ids:
            holder = tax_ids.get(key) or seen_tax_ids.get(key)
            by = f" by customer {holder!r}" if holder else ""
            raise DuplicateError(f"tax ID {key[0]} {key[1]} is taken{by}")
        seen_tax_ids[key] = code


def check_new_events(batch: Iterable[OutboxEvent], ids: Collection[str]) -> None:
    """Raise ``DuplicateError`` when an event id of ``batch`` is in ``ids`` (taken) or repeated."""
    seen: set[str] = set()
    for event in batch:
        if event.id in ids or event.id in seen:
            raise DuplicateError(f"outbox event {event.id!r} exists")
        seen.add(event.id)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
