"""Summary reports (报表) over customers, as plain records.

Every function returns a list of dicts with the same keys in every row, which
``pandas.DataFrame(rows)`` takes directly; custrecord itself needs no pandas.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from custrecord.model import Customer

__all__ = ["COMPLETENESS_FIELDS", "completeness", "counts_by", "credit_totals_by", "groups", "summary"]

#: The fields whose presence the completeness report measures, with how to read them.
COMPLETENESS_FIELDS: dict[str, Callable[[Customer], object]] = {
    "code": lambda c: c.code,
    "short_name": lambda c: c.short_name,
    "tax_id": lambda c: c.tax_id,
    "category": lambda c: c.category,
    "region": lambda c: c.region,
    "industry": lambda c: c.industry,
    "address": lambda c: c.address.street or c.address.city,
    "postcode": lambda c: c.address.postcode,
    "contact": lambda c: c.contacts,
    "phone": lambda c: any(x.phone or x.mobile for x in c.contacts),
    "email": lambda c: any(x.email for x in c.contacts),
    "bank_account": lambda c: c.bank_account,
    "credit_grade": lambda c: c.credit.grade,
    "credit_limit": lambda c: c.credit.limit is not None,
}

_DIMENSIONS: dict[str, Callable[[Customer], Iterable[str]]] = {
    "category": lambda c: [c.category or ""],
    "region": lambda c: [c.region or ""],
    "grade": lambda c: [c.credit.grade or ""],
    "status": lambda c: [c.status.value],
    "kind": lambda c: [c.kind.value],
    "country": lambda c: [c.country],
    "tag": lambda c: sorted(c.tags) or [""],
    "role": lambda c: sorted(role.value for role in c.roles),
    "currency": lambda c: [c.currency or ""],
    "parent": lambda c: [c.parent or ""],
    "owner": lambda c: [c.owner or ""],
    "department": lambda c: [c.department or ""],
}


def _keys(dimension: str) -> Callable[[Customer], Iterable[str]]:
    try:
        return _DIMENSIONS[dimension]
    except KeyError:
        raise ValueError(f"unknown dimension {dimension!r}; choose from {', '.join(_DIMENSIONS)}") from None


def counts_by(customers: Iterable[Customer], dimension: str) -> list[dict[str, Any]]:
    """Customer counts by ``category``, ``region``, ``grade``, ``status``, ``kind``, ``country``, ``tag``,
    ``owner`` (专管业务员), ``department`` (分管部门), ``parent`` (the children of each parent company),
    ``role`` (customer, supplier) or ``currency`` (the trading currency).

    A blank value is counted under ``""``; a customer with several tags counts once per tag, a
    partner that is both customer and supplier once per role.
    """
    keys = _keys(dimension)
    counter: Counter[str] = Counter()
    for customer in customers:
        counter.update(keys(customer))
    return [{dimension: key, "count": n} for key, n in sorted(counter.items())]


def credit_totals_by(customers: Iterable[Customer], dimension: str) -> list[dict[str, Any]]:
    """Sum of credit limits by dimension and currency (currencies are never added together)."""
    keys = _keys(dimension)
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: Counter[tuple[str, str]] = Counter()
    for customer in customers:
        if customer.credit.limit is None:
            continue
        for key in keys(customer):
            totals[key, customer.credit.currency] += customer.credit.limit
            counts[key, customer.credit.currency] += 1
    return [
        {dimension: key, "currency": currency, "customers": counts[key, currency], "credit_limit": total}
        for (key, currency), total in sorted(totals.items())
    ]


def groups(customers: Iterable[Customer]) -> list[dict[str, Any]]:
    """The groups (集团) among ``customers``, by root: its direct ``children``, all its ``members``
    (itself included) and how many ``levels`` deep it goes (2: a parent and its children).

    A root is a customer with children whose own parent is not among ``customers``; a
    customer alone is no group, and a merged-away one no member (its survivor stands for
    it, as in ``book.group``). Biggest groups first, then by root code.
    """
    items = [c for c in customers if c.replaced_by is None]
    below: dict[str, list[str]] = defaultdict(list)
    codes = {c.code for c in items if c.code}
    for c in items:
        if c.code and c.parent:
            below[c.parent].append(c.code)
    roots = [c.code for c in items
             if c.code and c.code in below and (c.parent is None or c.parent not in codes)]
    sizes: list[tuple[int, str, int, int]] = []
    for root in roots:
        members, levels, level, seen = 1, 1, [root], {root}
        while True:
            level = [child for code in level for child in below.get(code, ()) if child not in seen]
            if not level:
                break
            seen.update(level)
            members += len(level)
            levels += 1
        sizes.append((-members, root, len(below[root]), levels))
    return [{"group": root, "children": children, "members": -negative, "levels": levels}
            for negative, root, children, levels in sorted(sizes)]


def completeness(customers: Iterable[Customer]) -> list[dict[str, Any]]:
    """For each field of :data:`COMPLETENESS_FIELDS`: how many customers have it, and the share."""
    items = list(customers)
    total = len(items)
    rows = []
    for name, read in COMPLETENESS_FIELDS.items():
        filled = sum(1 for c in items if read(c))
        rows.append(
            {
                "field": name,
                "filled": filled,
                "total": total,
                "share": round(filled / total, 4) if total else 0.0,
            }
        )
    return rows


def summary(customers: Iterable[Customer], *, today: date | None = None) -> dict[str, Any]:
    """Totals and the data-quality headline figures of a set of customers."""
    items = list(customers)
    day = today or date.today()
    expired = sum(1 for c in items if c.credit.valid_until is not None and c.credit.valid_until < day)
    return {
        "customers": len(items),
        "by_status": {row["status"]: row["count"] for row in counts_by(items, "status")},
        "by_kind": {row["kind"]: row["count"] for row in counts_by(items, "kind")},
        "by_role": {row["role"]: row["count"] for row in counts_by(items, "role")},
        "without_tax_id": sum(1 for c in items if not c.tax_id),
        "without_contact": sum(1 for c in items if not c.contacts),
        "expired_credit": expired,
    }
