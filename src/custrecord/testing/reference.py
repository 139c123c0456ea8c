"""A deliberately simple reference of storage semantics for the conformance kit.

Written independently of every adapter (and of :mod:`custrecord.storage.query_eval`),
plainly and slowly, so that a disagreement points at a real bug.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Any

import attrs

from custrecord.model import Customer, Status
from custrecord.storage.values import Query
from custrecord.validation.contact import normalize_phone

__all__ = ["reference_find", "strip_managed"]


def strip_managed(customer: Customer) -> Customer:
    """``customer`` without the fields storage manages (version and times)."""
    return attrs.evolve(customer, version=0, created_at=None, updated_at=None)


def _folded(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def _looked_up(query: Query, c: Customer) -> bool:
    """The look-up filters by their definitions (docs/storage.md), written without the index."""
    if query.tax_id is not None:
        compact = "".join(ch for ch in unicodedata.normalize("NFKC", query.tax_id).upper() if ch.isalnum())
        if not c.tax_id or not compact or compact != "".join(ch for ch in c.tax_id.upper() if ch.isalnum()):
            return False
    emails = {_folded(k.email) for k in c.contacts if k.email}
    if query.email is not None and _folded(query.email) not in emails:
        return False
    names = {_folded(k.name) for k in c.contacts if k.name}
    if query.contact is not None and _folded(query.contact) not in names:
        return False
    if query.phone is not None:
        mine = {p.partition(";")[0] for k in c.contacts for p in (k.phone, k.mobile) if p}
        read = [normalize_phone(text, c.country) if text else None for text in query.phones()]
        if not any(r is not None and r.partition(";")[0] in mine for r in read):
            return False
    return True


def _passes(query: Query, c: Customer) -> bool:
    if query.status is not None:
        if c.status not in query.status:
            return False
    elif not query.include_deleted and c.status == Status.DELETED:
        return False
    checks: list[tuple[Any, Any]] = [
        (query.kind, c.kind),
        (query.country, c.country),
        (query.category, c.category),
        (query.region, c.region),
    ]
    for wanted, actual in checks:
        if wanted is not None and wanted != actual:
            return False
    if query.category_prefix is not None and (
        c.category is None or not c.category.startswith(query.category_prefix)
    ):
        return False
    if query.region_prefix is not None and (c.region is None or not c.region.startswith(query.region_prefix)):
        return False
    if query.tag is not None and query.tag not in c.tags:
        return False
    if query.short_name is not None and query.short_name != c.short_name:
        return False
    if query.owner is not None and query.owner != c.owner:
        return False
    if query.role is not None and all(str(role) != query.role for role in c.roles):
        return False
    if query.parent is not None and query.parent != c.parent:
        return False
    if query.department is not None and query.department != c.department:
        return False
    if not _looked_up(query, c):
        return False
    if query.scope is not None:
        s = query.scope
        if s.categories and not (c.category and any(c.category.startswith(p) for p in s.categories)):
            return False
        if s.regions and not (c.region and any(c.region.startswith(p) for p in s.regions)):
            return False
        if s.owners and c.owner not in s.owners:
            return False
    if query.name_contains:
        import unicodedata

        fragment = unicodedata.normalize("NFKC", query.name_contains).casefold()
        if fragment not in unicodedata.normalize("NFKC", c.name).casefold():
            return False
    return True


def _compare(order_by: tuple[str, ...], a: Customer, b: Customer) -> int:
    for item in (*order_by, "code"):
        field = item.lstrip("-")
        sign = -1 if item.startswith("-") else 1
        x, y = getattr(a, field), getattr(b, field)
        if isinstance(x, Status):
            x = x.value
        if isinstance(y, Status):
            y = y.value
        if x == y:
            continue
        if x is None:
            return -sign
        if y is None:
            return sign
        return -sign if x < y else sign
    return 0


def reference_find(customers: Iterable[Customer], query: Query) -> list[Customer]:
    """What ``find(query)`` must return over ``customers``."""
    hits = [c for c in customers if _passes(query, c)]
    hits.sort(key=functools.cmp_to_key(functools.partial(_compare, query.order_by)))
    end = None if query.limit is None else query.offset + query.limit
    return hits[query.offset : end]
