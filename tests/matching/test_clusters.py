"""Union-find clustering of matched pairs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from custrecord.matching import Match, UnionFind, cluster


def _m(left: int, right: int, score: float = 0.9) -> Match:
    return Match(left, right, score)


def test_pairs_chain_into_groups() -> None:
    assert cluster([_m(0, 1), _m(1, 2), _m(5, 7), _m(3, 4), _m(4, 3)]) == [[0, 1, 2], [3, 4], [5, 7]]
    assert cluster([]) == []


def test_exclusive_values_never_meet_in_one_group() -> None:
    # 1 has tax ID A, 2 has tax ID B, 0 has none and matches both: it joins the stronger side.
    matches = [_m(0, 1, 0.85), _m(0, 2, 0.95), _m(2, 3, 0.9)]
    assert cluster(matches, exclusive=[None, "A", "B", "B"]) == [[0, 2, 3]]
    assert cluster(matches, exclusive=[None, None, None, None]) == [[0, 1, 2, 3]]


def test_union_find_basics() -> None:
    uf = UnionFind()
    uf.union(1, 2)
    uf.union(3, 4)
    assert uf.find(1) == uf.find(2) != uf.find(3)
    uf.union(2, 4)
    assert sorted(sorted(g) for g in uf.groups()) == [[1, 2, 3, 4]]


_pairs = st.tuples(st.integers(0, 30), st.integers(0, 30)).filter(lambda p: p[0] != p[1])


@given(st.lists(_pairs, max_size=40))
def test_clusters_partition_the_matched_indexes(pairs: list[tuple[int, int]]) -> None:
    matches = [_m(min(a, b), max(a, b)) for a, b in pairs]
    groups = cluster(matches)
    members = [i for g in groups for i in g]
    assert len(members) == len(set(members))
    assert set(members) == {i for m in matches for i in (m.left, m.right)}
    where = {i: n for n, g in enumerate(groups) for i in g}
    assert all(where[m.left] == where[m.right] for m in matches)
