"""Pair scores and their reasons.

A pair's comparison vector (:func:`pattern`) gives each comparison's level;
the :class:`~custrecord.matching.model.Model` gives each level a weight of
evidence in bits. The score is the logistic (base 2) of the prior plus the
weights: the chance that the pair is one customer, between 0 and 1.

Two rules override the sum: equal tax IDs make a duplicate whatever the names
(score at least :data:`SURE`), and two different valid tax IDs are never a
duplicate (score at most :data:`CONFLICT_CAP`).
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from custrecord.matching.comparisons import Outcome, name_similarity
from custrecord.matching.features import Features
from custrecord.matching.model import DEFAULT_MODEL, Model, Pattern

__all__ = ["CONFLICT_CAP", "DEFAULT_THRESHOLD", "SURE", "Match", "Outcome", "Reason", "Screen", "compare",
           "match_pair", "name_similarity", "pattern", "score", "score_of"]

#: Pairs scoring at least this are reported as duplicates.
DEFAULT_THRESHOLD = 0.8
#: Floor of the score when the tax IDs agree.
SURE = 0.95
#: Ceiling of the score when both tax IDs are valid and differ.
CONFLICT_CAP = 0.49

# The tax ID is the first comparison; its levels 0-1 agree and 4 is a conflict.
_TAX, _TAX_AGREE, _TAX_CONFLICT = 0, (0, 1), 4


@attrs.frozen
class Reason:
    """One field's part in a score: outcome, similarity and weight of evidence in bits.

    ``level`` names the comparison level (``exact``, ``sound``, ``close`` ...);
    ``note`` qualifies some outcomes: ``conflict`` (two different valid tax
    IDs), ``organisation`` (old and new tax numbers of one organisation).
    """

    field: str
    outcome: Outcome
    similarity: float
    weight: float
    note: str = ""
    level: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        data: dict[str, Any] = {"field": self.field, "outcome": str(self.outcome),
                                "similarity": round(self.similarity, 3), "weight": round(self.weight, 2)}
        if self.level:
            data["level"] = self.level
        if self.note:
            data["note"] = self.note
        return data

    def __str__(self) -> str:
        return f"{self.field} {self.outcome} ({self.similarity:.2f}, {self.weight:+.1f})"


@attrs.frozen
class Match:
    """Two records that look like one customer.

    ``left`` and ``right`` are indexes into the records (``left`` < ``right``
    within one sequence; into the left and the right file for
    :func:`~custrecord.matching.find_links`). ``score`` is between 0 and 1;
    ``reasons`` lists the fields that agreed or disagreed, strongest evidence first.
    """

    left: int
    right: int
    score: float
    reasons: tuple[Reason, ...] = ()

    @property
    def certain(self) -> bool:
        """True when the tax IDs (or the organisation codes inside them) are equal."""
        return any(r.field == "tax_id" and r.outcome is Outcome.AGREE for r in self.reasons)

    @property
    def conflict(self) -> bool:
        """True when both tax IDs are valid and different: never merge automatically."""
        return any(r.field == "tax_id" and r.note == "conflict" for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"left": self.left, "right": self.right, "score": round(self.score, 4),
                "reasons": [r.to_dict() for r in self.reasons]}


def pattern(a: Features, b: Features, model: Model = DEFAULT_MODEL) -> Pattern:
    """The level of each comparison for a pair, -1 where a side has no value."""
    # A list first: a generator resumed once a comparison costs more than most comparisons.
    return tuple([-1 if (found := measure(a, b)) is None else found[0] for measure in model.measures])


def _logistic(bits: float) -> float:
    return 1.0 / (1.0 + math.exp2(-max(-60.0, min(60.0, bits))))


def score_of(levels: Pattern, model: Model = DEFAULT_MODEL) -> float:
    """The score of a comparison vector, overrides included."""
    value = _logistic(model.bits(levels))
    tax = levels[_TAX]
    if tax in _TAX_AGREE:
        return max(value, SURE)
    if tax == _TAX_CONFLICT:
        return min(value, CONFLICT_CAP)
    return value


def score(a: Features, b: Features, model: Model = DEFAULT_MODEL) -> float:
    """The score of a pair, 0 to 1, without its reasons."""
    return score_of(pattern(a, b, model), model)


def _cutoff(threshold: float) -> float:
    """Bits below which a score stays under ``threshold`` (minus infinity when every score reaches it)."""
    if threshold <= _logistic(-60.0):
        return -math.inf
    if threshold >= 1.0:
        return 50.0  # a score of 1.0 takes about 53 bits
    return math.log2(threshold / (1.0 - threshold))


class Screen:
    """Tells, comparing as few fields as it can, that a pair cannot reach the threshold.

    The most telling comparisons for their cost come first (the spread of
    their weights over :attr:`~custrecord.matching.comparisons.Comparison.cost`);
    after each, the bits so far plus the best weight of every comparison not
    yet made bound the pair's score from above, and a bound under the
    threshold rules the pair out. Most candidate pairs are ruled out after a
    few cheap fields, so only the rest pay for every comparison (and for their
    reasons). Exact: a pair ruled out would score under the threshold. The
    tax ID comes first because its agreement overrides the sum.
    """

    __slots__ = ("_cutoff", "_prior", "_steps")

    def __init__(self, model: Model, threshold: float) -> None:
        weights = model.weights
        rest = range(1, len(weights))
        costs = [c.cost for c in model.comparisons]
        order = [_TAX, *sorted(rest, key=lambda k: ((min(weights[k]) - max(weights[k])) / costs[k], k))]
        best = [max(0.0, *weights[k]) for k in order]
        # A small margin so that summing in another order than Model.bits never rules out a pair.
        self._cutoff = _cutoff(threshold) - 1e-6
        self._prior = model.prior
        self._steps = tuple((model.measures[k], weights[k], sum(best[n + 1:])) for n, k in enumerate(order))

    def passes(self, a: Features, b: Features) -> bool:
        """False when the pair surely scores under the threshold; True when it may reach it."""
        bits, cutoff = self._prior, self._cutoff
        steps = iter(self._steps)
        measure, weights, rest = next(steps)  # the tax ID
        found = measure(a, b)
        if found is not None:
            if found[0] in _TAX_AGREE:
                return True
            bits += weights[found[0]]
        if bits + rest < cutoff:
            return False
        for measure, weights, rest in steps:
            found = measure(a, b)
            if found is not None:
                bits += weights[found[0]]
            if bits + rest < cutoff:
                return False
        return True


_NOTES = {("tax_id", "organisation"): "organisation", ("tax_id", "conflict"): "conflict"}


def compare(a: Features, b: Features, model: Model = DEFAULT_MODEL) -> tuple[float, tuple[Reason, ...]]:
    """The score of a pair (0 to 1) and its reasons, strongest evidence first."""
    levels = []
    reasons = []
    for k, c in enumerate(model.comparisons):
        found = c.measure(a, b)
        if found is None:
            levels.append(-1)
            continue
        level, similarity = found
        levels.append(level)
        spec = c.levels[level]
        if not spec.silent:
            reasons.append(Reason(c.field, spec.outcome, similarity, model.weights[k][level],
                                  _NOTES.get((c.field, spec.label), ""), spec.label))
    reasons.sort(key=lambda r: -abs(r.weight))
    return score_of(tuple(levels), model), tuple(reasons)


def match_pair(left: int, right: int, a: Features, b: Features, model: Model = DEFAULT_MODEL,
               threshold: float = DEFAULT_THRESHOLD) -> Match | None:
    """A :class:`Match` of records ``left`` and ``right`` when they score at least ``threshold``."""
    value, reasons = compare(a, b, model)
    if value < threshold:
        return None
    return Match(left, right, value, reasons)

