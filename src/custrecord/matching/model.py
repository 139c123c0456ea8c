"""The Fellegi-Sunter model: a weight of evidence for every comparison level, learned from the data.

For each level of each comparison, ``m`` is the chance that a true duplicate
pair is at that level and ``u`` the chance that two unrelated records are;
the level's weight is ``log2(m / u)`` bits. A pair's score is the chance that
it is a duplicate given its levels: the logistic (base 2) of the prior plus
its weights, comparisons taken as independent.

Nothing is labelled, so both are estimated from the records themselves:

* ``u`` from pairs drawn at random (nearly all of them unrelated); for a
  level that means "equal", from how often each value occurs, which is exact
  and sees values too rare for a sample;
* ``m`` and the share of duplicates by expectation-maximisation over the
  candidate pairs that the default weights do not rule out
  (:data:`PLAUSIBLE`), starting from the default weights; on large inputs
  over a random sample of the candidates, whose duplicates are then scaled
  up to all of them (``fit(..., candidate_pairs=...)``).

Both start from, and are smoothed towards, the defaults of each
:class:`~custrecord.matching.comparisons.Level`, so a level that the data
never shows keeps a sensible weight. When the data is too small to estimate
anything (:data:`MIN_RECORDS` records, :data:`MIN_MATCHES` expected
duplicates), the default weights are used as they are.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

import attrs

from custrecord.matching.comparisons import COMPARISONS, Comparison, Measure
from custrecord.matching.features import Features

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PRIOR",
    "MIN_MATCHES",
    "MIN_RECORDS",
    "PLAUSIBLE",
    "Model",
    "Pattern",
    "equal_shares",
    "estimate_u",
    "expectation_maximisation",
    "fit",
]

#: A comparison vector: the level of each comparison, -1 where a side has no value.
Pattern = tuple[int, ...]

#: The prior of the default model, in bits: one pair in nine among candidates is a duplicate.
DEFAULT_PRIOR = -3.0
#: Fewer records than this are scored with the default weights.
MIN_RECORDS = 1000
#: A fit that finds fewer duplicates than this among the candidates is not trusted.
MIN_MATCHES = 10.0
#: EM learns from the candidate pairs whose default weights reach this many bits: pairs the
#: defaults rule out (names wholly different, no identifier shared) cannot be duplicates, and
#: many of them alike in one way (one address) could otherwise draw EM to them.
PLAUSIBLE = -8.0
#: The least chance left to the levels other than "equal" when every record has one value.
MIN_SHARE = 1e-6
#: The largest weight a level may get, in bits either way.
MAX_WEIGHT = 30.0


@attrs.frozen
class Model:
    """Weights of evidence per comparison level (bits) and the prior (bits).

    ``m`` and ``u`` are None for the default model. ``matches`` is how many
    of ``pairs`` candidate pairs the fit takes for duplicates.
    """

    weights: tuple[tuple[float, ...], ...]
    prior: float = DEFAULT_PRIOR
    m: tuple[tuple[float, ...], ...] | None = None
    u: tuple[tuple[float, ...], ...] | None = None
    matches: float = 0.0
    pairs: int = 0
    comparisons: tuple[Comparison, ...] = attrs.field(default=COMPARISONS, repr=False, eq=False)
    #: Each comparison's measure, in order: the scoring loop reads them once a pair. Held here
    #: rather than looked up by the comparisons, whose hash walks every level of every one.
    measures: tuple[Measure, ...] = attrs.field(init=False, repr=False, eq=False)

    @measures.default
    def _measures(self) -> tuple[Measure, ...]:
        return tuple(c.measure for c in self.comparisons)

    @property
    def fitted(self) -> bool:
        """True when the weights were estimated from data."""
        return self.m is not None

    @classmethod
    def default(cls, comparisons: tuple[Comparison, ...] = COMPARISONS) -> Model:
        """The fixed weights of every level: what small inputs are scored with."""
        return cls(tuple(tuple(level.weight for level in c.levels) for c in comparisons), DEFAULT_PRIOR,
                   comparisons=comparisons)

    def bits(self, pattern: Pattern) -> float:
        """The prior plus the weights of the pattern's levels."""
        total = self.prior
        for weights, level in zip(self.weights, pattern, strict=True):
            if level >= 0:
                total += weights[level]
        return total

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe description: per comparison, each level's weight (and m, u when fitted)."""
        out: list[dict[str, object]] = []
        for k, c in enumerate(self.comparisons):
            levels = []
            for i, level in enumerate(c.levels):
                entry: dict[str, object] = {"label": level.label, "weight": round(self.weights[k][i], 3)}
                if self.m is not None and self.u is not None:
                    entry["m"] = self.m[k][i]
                    entry["u"] = self.u[k][i]
                levels.append(entry)
            out.append({"field": c.field, "levels": levels})
        return {"prior": round(self.prior, 3), "fitted": self.fitted, "matches": round(self.matches, 1),
                "pairs": self.pairs, "comparisons": out}


DEFAULT_MODEL = Model.default()



def _normalised(values: Sequence[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


def _default_u(c: Comparison) -> list[float]:
    """The u that the default weights and m imply, normalised."""
    return _normalised([level.m / 2.0 ** level.weight for level in c.levels])


def _equal_share(values: Iterable[Hashable | None], others: Iterable[Hashable | None] | None) -> float | None:
    """The chance that two random records (one of each side when ``others`` is given) share a value."""
    left = Counter(v for v in values if v is not None and v != "" and v != ())
    if others is None:
        n = sum(left.values())
        if n < 2:
            return None
        same = sum(c * (c - 1) for c in left.values())
        return max(same, 1) / (n * (n - 1))
    right = Counter(v for v in others if v is not None and v != "" and v != ())
    n, r = sum(left.values()), sum(right.values())
    if not n or not r:
        return None
    same = sum(c * right.get(v, 0) for v, c in left.items())
    return max(same, 1) / (n * r)


def estimate_u(random_patterns: Counter[Pattern], *, equal_shares: Sequence[float | None] | None = None,
               comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[list[float]]:
    """u per comparison level from the patterns of random pairs, smoothed towards the defaults.

    ``equal_shares[k]``, when given, replaces the share of the first level
    (equal values), and the other levels share the rest as the sample says.
    """
    u: list[list[float]] = []
    for k, c in enumerate(comparisons):
        counts = [0.0] * len(c.levels)
        for pattern, n in random_patterns.items():
            if pattern[k] >= 0:
                counts[pattern[k]] += n
        prior = _default_u(c)
        strength = len(c.levels) / 2
        share = equal_shares[k] if equal_shares is not None else None
        if share is not None:
            # Every record in one city: the other levels still need some chance, or EM takes log(0).
            share = min(share, 1.0 - MIN_SHARE)
            rest = [(counts[i] + strength * prior[i]) for i in range(1, len(counts))]
            total = sum(rest)
            u.append([share] + [(1.0 - share) * x / total for x in rest])
        else:
            total = sum(counts) + strength
            u.append([(counts[i] + strength * prior[i]) / total for i in range(len(counts))])
    return u


def _smoothed(counts: Sequence[float], prior: Sequence[float], strength: float) -> list[float]:
    total = sum(counts) + strength * sum(prior)
    return [(x + strength * p) / total for x, p in zip(counts, prior, strict=True)]


def _logs(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    return [[math.log(x) for x in row] for row in rows]


def expectation_maximisation(
    patterns: Counter[Pattern], u: Sequence[Sequence[float]], *,
    comparisons: tuple[Comparison, ...] = COMPARISONS, iterations: int = 60, tolerance: float = 1e-5,
) -> tuple[list[list[float]], list[list[float]], float, float]:
    """m and u per comparison level among the candidate ``patterns``, by EM from ``u`` of random pairs.

    Returns (m, u among candidates, share of duplicates, expected duplicates).
    Candidates agree more often than random pairs on the fields that brought
    them together, so u is re-estimated among them too, starting from and
    smoothed towards the random pairs' u (two pairs' worth); m is smoothed
    towards each level's default m, so levels that no duplicate shows keep a
    small m. The first step takes the default weights for the odds: the
    duplicates start as the pairs the defaults believe in, not some other
    large group of alike pairs (one street, one postcode).
    """
    items = list(patterns.items())
    total = sum(n for _, n in items)
    ln2 = math.log(2.0)
    prior_m = [[level.m for level in c.levels] for c in comparisons]
    m = [_normalised(row) for row in prior_m]
    cand_u = [list(row) for row in u]
    log_m = [[ln2 * level.weight for level in c.levels] for c in comparisons]
    log_u = [[0.0] * len(c.levels) for c in comparisons]
    log_share, log_rest = ln2 * DEFAULT_PRIOR, 0.0
    share = expected = 0.0
    for step in range(iterations):
        if step:
            log_m, log_u = _logs(m), _logs(cand_u)
            log_share, log_rest = math.log(share), math.log1p(-share)
        agree = [[0.0] * len(c.levels) for c in comparisons]
        differ = [[0.0] * len(c.levels) for c in comparisons]
        expected = 0.0
        for pattern, n in items:
            lm, lu = log_share, log_rest
            for k, level in enumerate(pattern):
                if level >= 0:
                    lm += log_m[k][level]
                    lu += log_u[k][level]
            diff = lu - lm
            w = 1.0 / (1.0 + math.exp(diff)) if diff < 700 else 0.0
            expected += w * n
            for k, level in enumerate(pattern):
                if level >= 0:
                    agree[k][level] += w * n
                    differ[k][level] += (1.0 - w) * n
        new_m = [_smoothed(agree[k], prior_m[k], 2.0) for k in range(len(comparisons))]
        cand_u = [_smoothed(differ[k], u[k], 2.0) for k in range(len(comparisons))]
        change = max(abs(a - b) for row, new in zip(m, new_m, strict=True)
                     for a, b in zip(row, new, strict=True))
        m = new_m
        share = min(max(expected / total, 1e-9), 0.999) if total else 0.0
        if change < tolerance or not total:
            break
    return m, cand_u, share, expected


def _weights(m: Sequence[Sequence[float]], u: Sequence[Sequence[float]]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(max(-MAX_WEIGHT, min(MAX_WEIGHT, math.log2(a / b)))
                       for a, b in zip(mr, ur, strict=True)) for mr, ur in zip(m, u, strict=True))


def fit(candidates: Counter[Pattern], random_patterns: Counter[Pattern], *,
        equal_shares: Sequence[float | None] | None = None, total_pairs: int = 0,
        comparisons: tuple[Comparison, ...] = COMPARISONS, candidate_pairs: int | None = None) -> Model:
    """A model estimated from the patterns of the candidate pairs and of random pairs.

    ``candidates`` may be a random sample of ``candidate_pairs`` pairs: the
    duplicates found among them are then scaled up to all of them for the prior.
    The default model when the fit finds fewer than :data:`MIN_MATCHES` duplicates.
    """
    sample = sum(candidates.values())
    pairs = candidate_pairs if candidate_pairs is not None else sample
    u = estimate_u(random_patterns, equal_shares=equal_shares, comparisons=comparisons)
    default = Model.default(comparisons)
    plausible = Counter({p: n for p, n in candidates.items() if default.bits(p) >= PLAUSIBLE})
    m, _, share, expected = expectation_maximisation(plausible, u, comparisons=comparisons)
    if expected < MIN_MATCHES or share >= 0.999:
        return Model.default(comparisons)
    expected *= pairs / sample
    # The prior is over all pairs, as u is: the chance that two random records are one customer.
    odds = expected / max(1.0, total_pairs - expected) if total_pairs else share / (1.0 - share)
    prior = math.log2(odds)
    return Model(_weights(m, u), prior, tuple(map(tuple, m)), tuple(map(tuple, u)), expected, pairs,
                 comparisons=comparisons)


def equal_shares(features: Sequence[Features], others: Sequence[Features] | None = None,
                 comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[float | None]:
    """Per comparison, the chance that two random records share the value its first level compares.

    With ``others`` (the right file when linking two), one record of each side.
    """
    return [None if c.value is None else
            _equal_share(map(c.value, features), None if others is None else map(c.value, others))
            for c in comparisons]
