"""Likely duplicates: of one customer at registration (through the store's indexes), and over the store."""

from __future__ import annotations

from collections.abc import Sequence

from custrecord.book.results import DuplicateGroup, DuplicatePair
from custrecord.book.revisions import code_of
from custrecord.errors import NotFound
from custrecord.matching import cluster, find_duplicates, find_duplicates_in, valid_tax_id
from custrecord.model import Customer
from custrecord.storage.ports import CustomerStore
from custrecord.storage.values import Query

__all__ = ["duplicate_groups", "similar_to"]


class _StoreCandidates:
    """Duplicate candidates from the store's own indexes (name fragments, tax ID), never a scan.

    Phones and e-mails are not indexed by the storage ports, so they only count
    as evidence once a name or tax ID brought the candidate in.
    """

    def __init__(self, store: CustomerStore, country: str) -> None:
        self._store = store
        self._country = country

    def lookup(self, kind: str, value: str, limit: int) -> Sequence[Customer]:
        if kind == "tax":
            try:
                return [self._store.get_by_tax_id(self._country, value)]
            except NotFound:
                return []
        if kind in ("name", "suf") and len(value) >= 2:
            return self._store.find(Query(name_contains=value, limit=limit))
        return []


def similar_to(store: CustomerStore, customer: Customer, threshold: float) -> list[DuplicatePair]:
    """Stored customers scoring at least ``threshold`` against the stored ``customer``, best first."""
    hits = find_duplicates_in(
        _StoreCandidates(store, customer.country), customer, threshold=threshold, exclude=customer.code
    )
    return [DuplicatePair(code_of(customer), str(h.key), h.score, h.reasons) for h in hits]


def duplicate_groups(customers: Sequence[Customer], threshold: float | None) -> list[DuplicateGroup]:
    """Groups of likely duplicates among ``customers``, strongest first.

    A customer without a tax ID never joins two customers with different valid
    tax IDs into one group.
    """
    matches = find_duplicates(customers, threshold=threshold)
    groups = []
    for members in cluster(matches, exclusive=[valid_tax_id(c) for c in customers]):
        inside = set(members)
        pairs = tuple(
            DuplicatePair(code_of(customers[m.left]), code_of(customers[m.right]), m.score, m.reasons)
            for m in matches
            if m.left in inside and m.right in inside
        )
        if pairs:
            codes = tuple(code_of(customers[i]) for i in members)
            groups.append(DuplicateGroup(codes, max(p.score for p in pairs), pairs))
    groups.sort(key=lambda g: (-g.score, g.codes))
    return groups
