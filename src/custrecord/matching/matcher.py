"""The matcher: index records once, then find duplicates among them or for a new record.

:func:`find_duplicates` is the SPEC 4 entry point over a sequence of records.
:class:`Matcher` keeps the index so that one new record is checked against
an indexed set without a scan. :func:`find_duplicates_in` does the same over
a store through the small :class:`CandidateSource` protocol.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import attrs

from custrecord.matching.blocking import DEFAULT_MAX_BLOCK, BlockIndex, block_keys
from custrecord.matching.features import Features, Record, extract
from custrecord.matching.scoring import (
    DEFAULT_THRESHOLD,
    DEFAULT_WEIGHTS,
    Match,
    Reason,
    Weights,
    compare,
    match_pair,
)
from custrecord.model import Customer

__all__ = ["CandidateSource", "Hit", "Matcher", "find_duplicates", "find_duplicates_in"]


@attrs.frozen
class Hit:
    """An indexed or stored record that looks like the record being checked.

    ``key`` is its position in the index, or its customer code in a store;
    ``customer`` is set when the record came from a store.
    """

    key: int | str
    score: float
    reasons: tuple[Reason, ...] = ()
    customer: Customer | None = None


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Indexing 100,000 records creates millions of small objects; each automatic
    collection would walk all of them again, which costs more than the work itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _threshold(threshold: float | None) -> float:
    if threshold is None:
        return DEFAULT_THRESHOLD
    from custrecord.errors import CustrecordError

    if not 0.0 <= threshold <= 1.0:
        raise CustrecordError(f"threshold must be between 0 and 1, got {threshold!r}")
    return float(threshold)


class Matcher:
    """An index of records for duplicate search.

    >>> m = Matcher()
    >>> m.index([{"name": "苏州示例科技有限公司", "contact_phone": "0512-65201234"}])
    >>> [h.key for h in m.match({"name": "示例科技（苏州）有限公司"})]
    [0]
    """

    def __init__(self, *, threshold: float | None = None, weights: Weights = DEFAULT_WEIGHTS,
                 max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.threshold = _threshold(threshold)
        self.weights = weights
        self._blocks = BlockIndex(max_block=max_block)
        self._features: list[Features] = []
        #: How many pairs the last :meth:`duplicates` call scored.
        self.compared = 0

    def __len__(self) -> int:
        return len(self._features)

    def index(self, records: Iterable[Record]) -> None:
        """Add records; each gets the next position (0, 1, ...)."""
        with _bulk():
            for record in records:
                self.add_features(extract(record))

    def add_features(self, features: Features) -> int:
        """Add one record's features; return its position."""
        self._features.append(features)
        return self._blocks.add(block_keys(features))

    def features(self, position: int) -> Features:
        """The features of the record at ``position``."""
        return self._features[position]

    def candidates_for(self, record: Record | Features) -> list[int]:
        """Positions of indexed records that share a blocking key with ``record``."""
        features = record if isinstance(record, Features) else extract(record)
        return sorted(self._blocks.candidates(block_keys(features)))

    def match(self, record: Record | Features, *, threshold: float | None = None) -> list[Hit]:
        """Indexed records that look like ``record``, best first."""
        limit = self.threshold if threshold is None else _threshold(threshold)
        features = record if isinstance(record, Features) else extract(record)
        hits = []
        for position in self.candidates_for(features):
            score, reasons = compare(features, self._features[position], self.weights)
            if score >= limit:
                hits.append(Hit(position, score, reasons))
        hits.sort(key=lambda h: (-h.score, h.key))
        return hits

    def duplicates(self, *, threshold: float | None = None) -> list[Match]:
        """Every pair of indexed records scoring at least the threshold, by position."""
        limit = self.threshold if threshold is None else _threshold(threshold)
        found = []
        features = self._features
        weights = self.weights
        compared = 0
        with _bulk():
            for i, j in self._blocks.pairs():
                compared += 1
                match = match_pair(i, j, features[i], features[j], weights, limit)
                if match is not None:
                    found.append(match)
        self.compared = compared
        found.sort(key=lambda m: (m.left, m.right))
        return found


def find_duplicates(records: Sequence[Record], *, threshold: float | None = None) -> list[Match]:
    """Pairs of records that look like one customer (SPEC 4).

    ``records`` are customers or raw mappings; bad data only weakens the
    evidence. Each :class:`Match` has ``left`` < ``right`` (indexes into
    ``records``), ``score`` (0 to 1) and ``reasons``. Sorted by ``left``, ``right``.
    """
    matcher = Matcher(threshold=threshold)
    matcher.index(records)
    return matcher.duplicates()


class CandidateSource(Protocol):
    """What a store provides for duplicate search without a scan.

    ``kind`` is one of ``tax`` and ``org`` (tax ID, and the organisation code
    inside a Chinese one: ``Features.organisation``), ``phone`` (E.164),
    ``email`` (lower case), ``name`` and ``word`` (the keys of
    :func:`~custrecord.matching.blocking.name_keys`, which the store indexes on
    write). Return at most ``limit`` customers that have that value.
    """

    def lookup(self, kind: str, value: str, limit: int) -> Sequence[Customer]: ...


def find_duplicates_in(source: CandidateSource, record: Record, *, threshold: float | None = None,
                       weights: Weights = DEFAULT_WEIGHTS, max_block: int = DEFAULT_MAX_BLOCK,
                       exclude: str | None = None) -> list[Hit]:
    """Stored customers that look like ``record``, best first; ``key`` is their code.

    A key that returns ``max_block`` customers or more is too common to tell
    anything and is skipped, except a tax ID. ``exclude`` is a code to leave
    out (the record itself, when it is already stored).
    """
    limit = _threshold(threshold)
    features = extract(record)
    seen: dict[str, Customer] = {}
    for key in sorted(block_keys(features)):
        kind, _, value = key.partition(":")
        found = source.lookup(kind, value, max_block + 1)
        if len(found) > max_block and kind not in ("tax", "org"):
            continue
        for customer in found:
            code = customer.code or f"#{id(customer)}"
            if code != exclude:
                seen.setdefault(code, customer)
    hits = []
    for code, customer in seen.items():
        score, reasons = compare(features, extract(customer), weights)
        if score >= limit:
            hits.append(Hit(code, score, reasons, customer))
    hits.sort(key=lambda h: (-h.score, str(h.key)))
    return hits
