"""Pairwise scoring: how strongly two records look like one customer, and why.

Each field comparison gives a similarity (0 to 1) and a weight of evidence in
bits: positive when the field agrees, negative when it disagrees, in the
spirit of Fellegi and Sunter. A shared phone is strong evidence while a
different phone is weak evidence against (companies have many numbers). The
score is the logistic of the prior plus the sum, so it lies between 0 and 1.

Two rules override the sum: equal tax IDs make a duplicate whatever the names
(score at least :attr:`Weights.sure`), and two different valid tax IDs are
never a duplicate (score at most :attr:`Weights.conflict_cap`).
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from custrecord.matching.features import Features
from custrecord.matching.normalize import NameParts
from custrecord.model import Kind

__all__ = ["DEFAULT_THRESHOLD", "DEFAULT_WEIGHTS", "Match", "Outcome", "Reason", "Weights", "compare",
           "match_pair", "name_similarity", "score"]

#: Pairs scoring at least this are reported as duplicates.
DEFAULT_THRESHOLD = 0.8


class Outcome(enum.StrEnum):
    """How one field compared."""

    AGREE = "agree"
    PARTIAL = "partial"
    DISAGREE = "disagree"


@attrs.frozen
class Reason:
    """One field's part in a score: outcome, similarity and weight of evidence in bits.

    ``note`` qualifies some outcomes: ``conflict`` (two different valid tax IDs),
    ``organisation`` (old and new tax numbers of one organisation).
    """

    field: str
    outcome: Outcome
    similarity: float
    weight: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        data: dict[str, Any] = {"field": self.field, "outcome": str(self.outcome),
                                "similarity": round(self.similarity, 3), "weight": round(self.weight, 2)}
        if self.note:
            data["note"] = self.note
        return data

    def __str__(self) -> str:
        return f"{self.field} {self.outcome} ({self.similarity:.2f}, {self.weight:+.1f})"


@attrs.frozen
class Match:
    """Two records (indexes ``left`` < ``right``) that look like one customer.

    ``score`` is between 0 and 1; ``reasons`` lists the fields that agreed or
    disagreed, strongest evidence first.
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


@attrs.frozen(kw_only=True)
class Weights:
    """The weights of evidence, in bits. ``agree`` when equal, ``disagree`` (negative) when not."""

    prior: float = -3.0
    name_agree: float = 8.0
    name_disagree: float = -8.0
    #: Name similarity at which the name says nothing either way (one typo in four characters).
    name_neutral: float = 0.75
    #: A person's name is shared by many people; its agreement counts this fraction.
    person_name_factor: float = 0.4
    place_agree: float = 0.5
    place_disagree: float = -4.0
    form_disagree: float = -1.5
    branch_disagree: float = -5.0
    tax_agree: float = 12.0
    tax_disagree: float = -12.0
    tax_typo: float = 3.0
    tax_other: float = -3.0
    phone_agree: float = 6.0
    phone_disagree: float = -1.5
    email_agree: float = 6.0
    email_disagree: float = -1.0
    address_agree: float = 3.0
    address_disagree: float = -2.0
    city_agree: float = 0.5
    city_disagree: float = -2.0
    bank_agree: float = 5.0
    bank_disagree: float = -1.0
    legal_agree: float = 1.5
    legal_disagree: float = -1.0
    contact_agree: float = 1.0
    kind_disagree: float = -3.0
    country_disagree: float = -3.0
    #: Floor of the score when the tax IDs agree.
    sure: float = 0.95
    #: Ceiling of the score when both tax IDs are valid and differ.
    conflict_cap: float = 0.49


DEFAULT_WEIGHTS = Weights()


_FUZZ: Any = None


def _fuzz() -> Any:
    """rapidfuzz.fuzz, imported on first use so that ``import custrecord`` stays light."""
    global _FUZZ
    if _FUZZ is None:
        from rapidfuzz import fuzz

        _FUZZ = fuzz
    return _FUZZ


def _ratio(a: str, b: str) -> float:
    return float(_fuzz().ratio(a, b, processor=None)) / 100.0


def name_similarity(a: NameParts, b: NameParts) -> float:
    """Similarity of two name cores: token-based for Latin words, per character for Chinese."""
    if a.core == b.core:
        return 1.0
    if a.compact == b.compact:
        return 0.98
    if " " in a.core or " " in b.core:
        return max(float(_fuzz().token_sort_ratio(a.core, b.core, processor=None)) / 100.0,
                   _ratio(a.compact, b.compact))
    return _ratio(a.compact, b.compact)


def _between(similarity: float, neutral: float, agree: float, disagree: float) -> float:
    """Linear from ``disagree`` well below ``neutral`` to ``agree`` at 1, clamped."""
    if similarity >= neutral:
        return agree * (similarity - neutral) / (1.0 - neutral)
    low = max(0.0, 2 * neutral - 1.0)
    return disagree * min(1.0, (neutral - similarity) / (neutral - low))


# Evidence is gathered as plain tuples (field, outcome, similarity, weight, note):
# most candidate pairs are rejected, and only matches need Reason objects.
_Evidence = tuple[str, Outcome, float, float, str]
_AGREE, _PARTIAL, _DISAGREE = Outcome.AGREE, Outcome.PARTIAL, Outcome.DISAGREE


def _name(a: Features, b: Features, w: Weights, out: list[_Evidence]) -> None:
    na, nb = a.name, b.name
    if not na.core or not nb.core:
        return
    sim = name_similarity(na, nb)
    weight = _between(sim, w.name_neutral, w.name_agree, w.name_disagree)
    if weight > 0 and (a.kind is Kind.INDIVIDUAL or b.kind is Kind.INDIVIDUAL):
        weight *= w.person_name_factor
    outcome = _AGREE if sim >= 0.95 else _PARTIAL if weight >= 0 else _DISAGREE
    out.append(("name", outcome, sim, weight, ""))
    if na.places and nb.places:
        if set(na.places) & set(nb.places):
            out.append(("name.place", _AGREE, 1.0, w.place_agree, ""))
        else:
            out.append(("name.place", _DISAGREE, 0.0, w.place_disagree, ""))
    if na.forms and nb.forms and na.forms != nb.forms:
        fa, fb = na.families, nb.families
        if fa and fb and not fa & fb:
            out.append(("name.legal_form", _DISAGREE, 0.0, w.form_disagree, ""))
    if na.branch != nb.branch:
        out.append(("name.branch", _DISAGREE, 0.0, w.branch_disagree, ""))


def _tax_id(a: Features, b: Features, w: Weights, out: list[_Evidence]) -> None:
    if a.tax_id is None or b.tax_id is None:
        return
    if a.tax_id == b.tax_id:
        out.append(("tax_id", _AGREE, 1.0, w.tax_agree, ""))
    elif a.organisation is not None and a.organisation == b.organisation and a.tax_valid != b.tax_valid:
        # A legacy number and the USCC that replaced it (only one is valid under current rules).
        out.append(("tax_id", _AGREE, 1.0, w.tax_agree, "organisation"))
    elif a.tax_valid and b.tax_valid:
        out.append(("tax_id", _DISAGREE, 0.0, w.tax_disagree, "conflict"))
    else:
        sim = _ratio(a.tax_id, b.tax_id)
        if sim >= 0.88:  # one or two characters off: a typo in an invalid number
            out.append(("tax_id", _PARTIAL, sim, w.tax_typo, ""))
        else:
            out.append(("tax_id", _DISAGREE, sim, w.tax_other, ""))


def _sets(name: str, a: frozenset[str], b: frozenset[str], agree: float, disagree: float,
          out: list[_Evidence]) -> None:
    if not a or not b:
        return
    shared = len(a & b)
    if shared:
        out.append((name, _AGREE, shared / min(len(a), len(b)), agree, ""))
    elif disagree:
        out.append((name, _DISAGREE, 0.0, disagree, ""))


def _equal(name: str, a: str | None, b: str | None, agree: float, disagree: float,
           out: list[_Evidence]) -> None:
    if a is None or b is None:
        return
    if a == b:
        out.append((name, _AGREE, 1.0, agree, ""))
    else:
        out.append((name, _DISAGREE, 0.0, disagree, ""))


def _address(a: Features, b: Features, w: Weights, out: list[_Evidence]) -> None:
    other_city = a.city is not None and b.city is not None and a.city != b.city
    if other_city:
        out.append(("address.city", _DISAGREE, 0.0, w.city_disagree, ""))
    elif a.city is not None and b.city is not None:
        out.append(("address.city", _AGREE, 1.0, w.city_agree, ""))
    if a.address and b.address:
        sim = 1.0 if a.address == b.address else (
            float(_fuzz().token_sort_ratio(a.address, b.address, processor=None)) / 100.0)
        weight = _between(sim, 0.7, w.address_agree, w.address_disagree)
        if other_city:
            weight = min(weight, 0.0)  # the same street name in another city says nothing
        outcome = _AGREE if sim >= 0.95 else _PARTIAL if weight >= 0 else _DISAGREE
        out.append(("address", outcome, sim, weight, ""))


def _evaluate(a: Features, b: Features, w: Weights) -> tuple[float, list[_Evidence]]:
    evidence: list[_Evidence] = []
    _tax_id(a, b, w, evidence)
    _name(a, b, w, evidence)
    _sets("phone", a.phones, b.phones, w.phone_agree, w.phone_disagree, evidence)
    _sets("email", a.emails, b.emails, w.email_agree, w.email_disagree, evidence)
    _address(a, b, w, evidence)
    _equal("bank_account", a.bank_account, b.bank_account, w.bank_agree, w.bank_disagree, evidence)
    _equal("legal_representative", a.legal_representative, b.legal_representative,
           w.legal_agree, w.legal_disagree, evidence)
    _sets("contacts.name", a.contact_names, b.contact_names, w.contact_agree, 0.0, evidence)
    if a.kind is not b.kind:
        evidence.append(("kind", _DISAGREE, 0.0, w.kind_disagree, ""))
    if a.country != b.country:
        evidence.append(("country", _DISAGREE, 0.0, w.country_disagree, ""))
    bits = w.prior
    for item in evidence:
        bits += item[3]
    score = 1.0 / (1.0 + 2.0 ** -max(-60.0, min(60.0, bits)))
    if evidence and evidence[0][0] == "tax_id":
        tax = evidence[0]
        if tax[1] is _AGREE:
            score = max(score, w.sure)
        elif tax[4] == "conflict":
            score = min(score, w.conflict_cap)
    return score, evidence


def _reasons(evidence: list[_Evidence]) -> tuple[Reason, ...]:
    reasons = [Reason(*item) for item in evidence]
    reasons.sort(key=lambda r: -abs(r.weight))
    return tuple(reasons)


def score(a: Features, b: Features, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """The score of a pair, 0 to 1, without its reasons."""
    return _evaluate(a, b, weights)[0]


def compare(a: Features, b: Features, weights: Weights = DEFAULT_WEIGHTS) -> tuple[float, tuple[Reason, ...]]:
    """The score of a pair (0 to 1) and its reasons, strongest evidence first."""
    value, evidence = _evaluate(a, b, weights)
    return value, _reasons(evidence)


def match_pair(left: int, right: int, a: Features, b: Features, weights: Weights = DEFAULT_WEIGHTS,
               threshold: float = DEFAULT_THRESHOLD) -> Match | None:
    """A :class:`Match` of records ``left`` and ``right`` when they score at least ``threshold``."""
    value, evidence = _evaluate(a, b, weights)
    if value < threshold:
        return None
    return Match(left, right, value, _reasons(evidence))
