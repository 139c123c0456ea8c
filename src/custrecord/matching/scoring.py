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

__all__ = ["CONFLICT_CAP", "DEFAULT_THRESHOLD", "SURE", "Match", "Outcome", "Reason", "compare",
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


def score_of(levels: Pattern, model: Model = DEFAULT_MODEL) -> float:
    """The score of a comparison vector, overrides included."""
    bits = model.bits(levels)
    value = 1.0 / (1.0 + math.exp2(-max(-60.0, min(60.0, bits))))
    tax = levels[_TAX]
    if tax in _TAX_AGREE:
        return max(value, SURE)
    if tax == _TAX_CONFLICT:
        return min(value, CONFLICT_CAP)
    return value


def score(a: Features, b: Features, model: Model = DEFAULT_MODEL) -> float:
    """The score of a pair, 0 to 1, without its reasons."""
    return score_of(pattern(a, b, model), model)


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

