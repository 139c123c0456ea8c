"""Query evaluation in plain Python: which customers a :class:`Query` selects, and in which order.

The in-memory adapter uses these after narrowing candidates with its indexes;
SQL adapters express the same semantics in SQL; the conformance kit holds both
to it. (Duplicate detection is :mod:`custrecord.matching`, not this.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from custrecord.model import Customer
from custrecord.storage.lookup import LookupKind, lookup_keys, lookup_matches, query_key
from custrecord.storage.values import Query, name_key

__all__ = ["compile_filter", "contact_name_matches", "matches", "order_and_page", "sort_value"]


def compile_filter(query: Query, *, name_checked: bool = False) -> Callable[[Customer], bool]:
    """A predicate for ``query``'s filters (paging aside); ``name_checked`` skips the name test."""
    statuses = query.statuses()
    fragment = None if name_checked else query.fragment()
    kind, country, tag, short_name = query.kind, query.country, query.tag, query.short_name
    owner, department, scope, parent = query.owner, query.department, query.scope, query.parent
    role = query.role
    lookups, phones = query.lookups(), query.phones()
    contact = query.contact_fragment()
    category, category_prefix = query.category, query.category_prefix
    region, region_prefix = query.region, query.region_prefix

    def test(c: Customer) -> bool:
        if statuses is not None and c.status not in statuses:
            return False
        if kind is not None and c.kind != kind:
            return False
        if country is not None and c.country != country:
            return False
        if category is not None and c.category != category:
            return False
        if category_prefix is not None and (c.category is None or not c.category.startswith(category_prefix)):
            return False
        if region is not None and c.region != region:
            return False
        if region_prefix is not None and (c.region is None or not c.region.startswith(region_prefix)):
            return False
        if tag is not None and tag not in c.tags:
            return False
        if short_name is not None and c.short_name != short_name:
            return False
        if owner is not None and c.owner != owner:
            return False
        if role is not None and role not in c.roles:
            return False
        if parent is not None and c.parent != parent:
            return False
        if department is not None and c.department != department:
            return False
        if scope is not None and not scope.contains(c):
            return False
        if (lookups or phones) and not lookup_matches(c, lookups, phones):
            return False
        if contact is not None and not contact_name_matches(c, contact):
            return False
        return fragment is None or fragment in name_key(c.name)

    return test


def contact_name_matches(customer: Customer, fragment: str) -> bool:
    """Whether a contact name of ``customer``, as its look-up keys hold it, contains ``fragment``
    (read as a ``contact`` query is); a fragment no key can hold matches nobody."""
    key = query_key(LookupKind.CONTACT, fragment)
    return key is not None and any(
        kind == LookupKind.CONTACT.value and key in value for kind, value in lookup_keys(customer)
    )


def matches(query: Query, customer: Customer) -> bool:
    """Whether ``customer`` passes every filter of ``query`` (paging aside)."""
    return compile_filter(query)(customer)


def sort_value(customer: Customer, field: str) -> Any:
    """The value ``field`` orders by (a datetime, int or str), or None when missing."""
    value = getattr(customer, field)
    return value.value if field == "status" else value


def order_and_page(query: Query, customers: Iterable[Customer]) -> list[Customer]:
    """``customers`` in ``query`` order (missing values first ascending), then the page."""
    rows = sorted(customers, key=lambda c: c.code or "")
    for item in reversed(query.order_by):
        field = item.lstrip("-")
        if field == "code":
            if item.startswith("-"):
                rows.reverse()
            continue
        descending = item.startswith("-")
        # Python's sort is stable: sorting by each key from the last to the first
        # gives lexicographic order with ``code`` ascending as the final tie-break.
        rows.sort(key=_sort_key(field), reverse=descending)
    end = None if query.limit is None else query.offset + query.limit
    return rows[query.offset : end]


def _sort_key(field: str) -> Callable[[Customer], tuple[bool, Any]]:
    def key(customer: Customer) -> tuple[bool, Any]:
        value = sort_value(customer, field)
        return (value is not None, value if value is not None else _ZERO[field])

    return key


class _Zero(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return ""


# A same-typed stand-in for None in sort keys; never compared, only keeps tuples sortable.
_ZERO: dict[str, Any] = _Zero(priority=0)
