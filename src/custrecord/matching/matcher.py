"""The matcher: candidate pairs, a model fitted to them, and the pairs that score high.

:func:`find_duplicates` is the SPEC 4 entry point over a sequence of records,
:func:`find_links` links two files. Both run the blocking passes
(:mod:`~custrecord.matching.blocking`), fit the Fellegi-Sunter model to the
candidate pairs (:mod:`~custrecord.matching.model`; at most :data:`EM_PAIRS`
of them, drawn at random; the default weights for small inputs) and keep the
pairs that score at least the threshold, after a
:class:`~custrecord.matching.scoring.Screen` has ruled out most of the others
on a few fields.
:class:`Matcher` keeps an index so that one new record is checked against an
indexed set without a scan. :func:`find_duplicates_in` does the same over a
store through the small :class:`CandidateSource` protocol.
"""

from __future__ import annotations

import gc
import random
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import attrs

from custrecord.matching.blocking import DEFAULT_MAX_BLOCK, BlockIndex, block_keys, candidates
from custrecord.matching.features import Features, Record, extract
from custrecord.matching.model import DEFAULT_MODEL, MIN_RECORDS, Model, Pattern, equal_shares, fit
from custrecord.matching.scoring import DEFAULT_THRESHOLD, Match, Reason, Screen, compare, pattern
from custrecord.model import Customer

__all__ = ["EM_PAIRS", "RANDOM_PAIRS", "CandidateSource", "Hit", "Matcher", "find_duplicates",
           "find_duplicates_in", "find_links"]

#: How many random pairs estimate u (all pairs when there are fewer).
RANDOM_PAIRS = 30_000
#: How many candidate pairs, drawn at random, EM learns m from (all when there are fewer): the
#: patterns of a hundred thousand pairs hold the duplicates' shape as well as millions do.
EM_PAIRS = 100_000


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

    Indexing many records creates millions of small objects; each automatic
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


def _random_pairs(size: int, split: int | None, count: int) -> Iterator[tuple[int, int]]:
    """``count`` distinct random pairs (every pair when there are no more), the same in every run."""
    left, right = (size, size) if split is None else (split, size - split)
    total = size * (size - 1) // 2 if split is None else left * right
    if total <= count:
        if split is None:
            yield from ((i, j) for i in range(size) for j in range(i + 1, size))
        else:
            yield from ((i, j) for i in range(split) for j in range(split, size))
        return
    rng = random.Random(16)
    seen: set[tuple[int, int]] = set()
    while len(seen) < count:
        if split is None:
            i, j = rng.randrange(size), rng.randrange(size)
            if i == j:
                continue
            pair = (min(i, j), max(i, j))
        else:
            pair = (rng.randrange(split), split + rng.randrange(right))
        if pair not in seen:
            seen.add(pair)
            yield pair


def _sample(size: int, count: int) -> Iterable[int]:
    """``count`` of the positions below ``size`` at random (all when there are no more), ascending.

    The same in every run.
    """
    if size <= count:
        return range(size)
    return sorted(random.Random(16).sample(range(size), count))


def fit_model(features: Sequence[Features], compared: Counter[Pattern], *, split: int | None = None,
              candidate_pairs: int | None = None) -> Model:
    """The model fitted to candidate patterns ``compared``, or the default one for small inputs.

    u comes from :data:`RANDOM_PAIRS` random pairs of ``features`` (across
    ``split`` when linking two files) and from how often values repeat.
    ``compared`` may be a sample of ``candidate_pairs`` candidate pairs.
    """
    if len(features) < MIN_RECORDS or not compared:
        return DEFAULT_MODEL
    sampled: Counter[Pattern] = Counter(
        pattern(features[i], features[j]) for i, j in _random_pairs(len(features), split, RANDOM_PAIRS))
    shares = (equal_shares(features) if split is None
              else equal_shares(features[:split], features[split:]))
    size = len(features)
    total = size * (size - 1) // 2 if split is None else split * (size - split)
    return fit(compared, sampled, equal_shares=shares, total_pairs=total, candidate_pairs=candidate_pairs)


def _fit_sample(features: Sequence[Features], left: array[int], right: array[int],
                split: int | None) -> Model:
    """The model fitted to the patterns of :data:`EM_PAIRS` candidate pairs drawn at random."""
    if len(features) < MIN_RECORDS:
        return DEFAULT_MODEL
    counts = Counter(pattern(features[left[k]], features[right[k]]) for k in _sample(len(left), EM_PAIRS))
    return fit_model(features, counts, split=split, candidate_pairs=len(left))


@attrs.frozen
class Run:
    """What one matching run found: the matches, the model used and the work done.

    ``compared`` is the number of distinct candidate pairs scored; ``passes``
    how many pairs each blocking pass proposed.
    """

    matches: list[Match]
    model: Model
    compared: int
    passes: dict[str, int]


def run(features: Sequence[Features], *, threshold: float | None = None, split: int | None = None,
        model: Model | None = None, max_block: int = DEFAULT_MAX_BLOCK) -> Run:
    """Block, fit (unless ``model`` is given), score; matches sorted by ``left``, ``right``."""
    limit = _threshold(threshold)
    with _bulk():
        found = candidates(features, split=split, max_block=max_block)
        left, right = found.pair_arrays()
        used = model if model is not None else _fit_sample(features, left, right, split)
        screen = Screen(used, limit)
        matches = []
        for i, j in zip(left, right, strict=True):
            a, b = features[i], features[j]
            if screen.passes(a, b):
                value, reasons = compare(a, b, used)
                if value >= limit:
                    matches.append(Match(i, j, value, reasons))
    return Run(matches, used, len(found), dict(found.passes))


class Matcher:
    """An index of records for duplicate search.

    :meth:`duplicates` fits the model to the indexed records (unless one was
    given) and keeps it in :attr:`model`, which :meth:`match` then uses.

    >>> m = Matcher()
    >>> m.index([{"name": "苏州示例科技有限公司", "contact_phone": "0512-65201234"}])
    >>> [h.key for h in m.match({"name": "示例科技（苏州）有限公司"})]
    [0]
    """

    def __init__(self, *, threshold: float | None = None, model: Model | None = None,
                 max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.threshold = _threshold(threshold)
        #: The model :meth:`match` scores with: the given one, the fitted one, or the default.
        self.model = model or DEFAULT_MODEL
        self._fixed = model is not None
        self.max_block = max_block
        self._features: list[Features] = []
        self._blocks: BlockIndex | None = None
        #: How many distinct pairs the last :meth:`duplicates` call scored.
        self.compared = 0
        #: How many pairs each blocking pass proposed in the last :meth:`duplicates` call.
        self.passes: dict[str, int] = {}

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
        if self._blocks is not None:
            self._blocks.add(block_keys(features))
        return len(self._features) - 1

    def features(self, position: int) -> Features:
        """The features of the record at ``position``."""
        return self._features[position]

    def _index(self) -> BlockIndex:
        if self._blocks is None:  # built on the first single-record search only
            self._blocks = BlockIndex(max_block=self.max_block)
            for f in self._features:
                self._blocks.add(block_keys(f))
        return self._blocks

    def candidates_for(self, record: Record | Features) -> list[int]:
        """Positions of indexed records that share a blocking key with ``record``."""
        features = record if isinstance(record, Features) else extract(record)
        return sorted(self._index().candidates(block_keys(features)))

    def match(self, record: Record | Features, *, threshold: float | None = None) -> list[Hit]:
        """Indexed records that look like ``record``, best first."""
        limit = self.threshold if threshold is None else _threshold(threshold)
        features = record if isinstance(record, Features) else extract(record)
        hits = []
        for position in self.candidates_for(features):
            value, reasons = compare(features, self._features[position], self.model)
            if value >= limit:
                hits.append(Hit(position, value, reasons))
        hits.sort(key=lambda h: (-h.score, h.key))
        return hits

    def duplicates(self, *, threshold: float | None = None) -> list[Match]:
        """Every pair of indexed records scoring at least the threshold, by position."""
        done = run(self._features, threshold=self.threshold if threshold is None else threshold,
                   model=self.model if self._fixed else None, max_block=self.max_block)
        self.model = done.model
        self.compared = done.compared
        self.passes = done.passes
        return done.matches


def _features(records: Iterable[Record]) -> list[Features]:
    with _bulk():
        return [extract(r) for r in records]


def find_duplicates(records: Sequence[Record], *, threshold: float | None = None) -> list[Match]:
    """Pairs of records that look like one customer (SPEC 4).

    ``records`` are customers or raw mappings; bad data only weakens the
    evidence. Each :class:`Match` has ``left`` < ``right`` (indexes into
    ``records``), ``score`` (0 to 1) and ``reasons``. Sorted by ``left``, ``right``.
    """
    return run(_features(records), threshold=threshold).matches


def find_links(left: Sequence[Record], right: Sequence[Record], *,
               threshold: float | None = None) -> list[Match]:
    """Pairs of one record of ``left`` and one of ``right`` that look like one customer.

    Each :class:`Match` has ``left`` (an index into ``left``) and ``right``
    (an index into ``right``); sorted by ``left``, ``right``. Duplicates
    within one file are not looked for: :func:`find_duplicates` does that.
    """
    split = len(left)
    done = run(_features([*left, *right]), threshold=threshold, split=split)
    return [attrs.evolve(m, right=m.right - split) for m in done.matches]


class CandidateSource(Protocol):
    """What a store provides for duplicate search without a scan.

    ``kind`` is one of ``tax`` and ``org`` (tax ID, and the organisation code
    inside a Chinese one: ``Features.organisation``), ``phone`` (E.164),
    ``email`` (lower case), ``bank``, ``addr`` and ``name``, ``sound`` and
    ``suf`` (the keys of :func:`~custrecord.matching.blocking.name_keys`,
    which the store indexes on write). Return at most ``limit`` customers
    that have that value; a kind the store does not index returns none.
    """

    def lookup(self, kind: str, value: str, limit: int) -> Sequence[Customer]: ...


def find_duplicates_in(source: CandidateSource, record: Record, *, threshold: float | None = None,
                       model: Model = DEFAULT_MODEL, max_block: int = DEFAULT_MAX_BLOCK,
                       exclude: str | None = None) -> list[Hit]:
    """Stored customers that look like ``record``, best first; ``key`` is their code.

    A key that returns ``max_block`` customers or more is too common to tell
    anything and is skipped, except a tax ID. ``exclude`` is a code to leave
    out (the record itself, when it is already stored). One record is too
    little to fit a model, so ``model`` is the default one unless given.
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
        found_score, reasons = compare(features, extract(customer), model)
        if found_score >= limit:
            hits.append(Hit(code, found_score, reasons, customer))
    hits.sort(key=lambda h: (-h.score, str(h.key)))
    return hits
