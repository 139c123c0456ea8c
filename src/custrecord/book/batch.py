"""Batch operations (批量): one operation applied to many customers, each on its own or all together."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from custrecord.book.results import BatchResult
from custrecord.codes import normalise_code
from custrecord.errors import CustrecordError
from custrecord.model import Customer
from custrecord.storage.ports import Storage

__all__ = ["run_batch"]


def run_batch(
    storage: Storage, codes: Iterable[str], apply: Callable[[str, Customer], Customer], atomic: bool
) -> BatchResult:
    """``apply(code, current)`` for each customer; with ``atomic`` all in one unit of work.

    Without ``atomic`` a failure is reported by code and the others go on; with it,
    the first failure rolls every change back and is raised.
    """
    succeeded: list[str] = []
    failed: dict[str, CustrecordError] = {}
    if atomic:
        # The book's operations reuse their ports inside this outer unit of work: they join it.
        with storage.unit_of_work():
            for code in codes:
                key = normalise_code(code)
                apply(code, storage.customers.get(key))
                succeeded.append(key)
        return BatchResult(tuple(succeeded), failed)
    for code in codes:
        key = normalise_code(code)
        try:
            apply(code, storage.customers.get(key))
        except CustrecordError as exc:
            failed[key] = exc
        else:
            succeeded.append(key)
    return BatchResult(tuple(succeeded), failed)
