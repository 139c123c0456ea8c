"""Grouping matched pairs into clusters of one customer each (union-find).

Matching is pairwise, and A~B, B~C puts A, B and C in one group. With
``exclusive`` (for instance each record's valid tax ID), a group never joins
two different values: pairs are taken strongest first, and a link that would
put two different tax IDs into one group is left out.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from custrecord.matching.scoring import Match

__all__ = ["UnionFind", "cluster"]


class UnionFind:
    """Disjoint sets of integers, with path halving and union by size."""

    __slots__ = ("_parent", "_size")

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}
        self._size: dict[int, int] = {}

    def find(self, item: int) -> int:
        """The representative of ``item``'s set (adding ``item`` when new)."""
        parent = self._parent
        if item not in parent:
            parent[item] = item
            self._size[item] = 1
            return item
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> int:
        """Join the sets of ``a`` and ``b``; return the new representative."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]
        return ra

    def groups(self) -> list[list[int]]:
        """Every set of two or more items."""
        out: dict[int, list[int]] = {}
        for item in self._parent:
            out.setdefault(self.find(item), []).append(item)
        return [g for g in out.values() if len(g) > 1]


def cluster(
    matches: Iterable[Match], *, exclusive: Sequence[Hashable | None] | None = None
) -> list[list[int]]:
    """Groups of record indexes that matched, each sorted, ordered by first index.

    ``exclusive[i]`` is a value of record ``i`` that no two members of a group
    may differ in (None: no value); pairs are then joined strongest first.
    """
    uf = UnionFind()
    if exclusive is None:
        for m in matches:
            uf.union(m.left, m.right)
    else:
        values: dict[int, frozenset[Hashable]] = {}
        for m in sorted(matches, key=lambda m: (-m.score, m.left, m.right)):
            ra, rb = uf.find(m.left), uf.find(m.right)
            if ra == rb:
                continue
            va = values.get(ra, _own(exclusive, m.left))
            vb = values.get(rb, _own(exclusive, m.right))
            if va and vb and va != vb:
                continue  # two different tax IDs would meet in one group
            values[uf.union(ra, rb)] = va | vb
    return sorted(sorted(g) for g in uf.groups())


def _own(exclusive: Sequence[Hashable | None], index: int) -> frozenset[Hashable]:
    value = exclusive[index] if 0 <= index < len(exclusive) else None
    return frozenset() if value is None else frozenset({value})
