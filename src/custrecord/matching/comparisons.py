"""What is compared between two records, and in how many levels of agreement.

Each :class:`Comparison` reads one field of two records' features and says
which of its :class:`Level` s the pair is at (``exact``, ``close``,
``other`` ...), with the similarity that put it there, or None when one side
has no value (a missing value is no evidence either way). The Fellegi-Sunter
model (:mod:`~custrecord.matching.model`) gives each level a weight of
evidence; a level also carries its default weight, used when there is too
little data to estimate one, and the prior ``m`` that estimation starts from.

String similarities come from rapidfuzz, imported on the first comparison.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import attrs

from custrecord.matching.features import Features
from custrecord.matching.normalize import NameParts
from custrecord.model import Kind

__all__ = [
    "COMPARISONS",
    "Comparison",
    "Level",
    "Outcome",
    "address_similarity",
    "name_similarity",
]


class Outcome(enum.StrEnum):
    """How one field compared."""

    AGREE = "agree"
    PARTIAL = "partial"
    DISAGREE = "disagree"


@attrs.frozen
class Level:
    """One level of agreement of a comparison.

    ``weight`` is the default weight of evidence in bits (log2 of m/u);
    ``m`` the share of true duplicates expected at this level, where
    estimation starts. A ``silent`` level (two records of the same kind) is
    counted but not listed among a match's reasons.
    """

    label: str
    outcome: Outcome
    weight: float
    m: float
    silent: bool = False


#: What a comparison measures: (level index, similarity 0-1), or None when a side has no value.
Measure = Callable[[Features, Features], "tuple[int, float] | None"]


@attrs.frozen
class Comparison:
    """A field compared in levels, best agreement first.

    ``value`` (optional) is what the first level compares for equality: the
    chance that two random records share it is then computed from how often
    each value occurs, exactly, instead of from a sample of pairs. ``cost`` is
    what one measure costs beside a comparison of two values (string
    similarities cost more): scoring makes the cheap, telling ones first.
    """

    field: str
    levels: tuple[Level, ...]
    measure: Measure
    value: Callable[[Features], Any] | None = None
    cost: float = 1.0

    @property
    def labels(self) -> tuple[str, ...]:
        """The level labels, best first."""
        return tuple(level.label for level in self.levels)


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
    """Similarity of two name cores: per character, and word order aside for Latin words."""
    if a.core == b.core:
        return 1.0
    ca, cb = a.compact, b.compact
    if ca == cb:
        return 0.98
    if " " in a.core or " " in b.core:
        return max(float(_fuzz().token_sort_ratio(a.core, b.core, processor=None)) / 100.0, _ratio(ca, cb))
    return _ratio(ca, cb)


def _contains_part(a: str, b: str) -> bool:
    """One of two texts holds the other's words or characters (a word missing, 示例 in 示例科技)."""
    wa, wb = a.split(" "), b.split(" ")
    if len(wa) > 1 or len(wb) > 1:
        shared = set(wa) & set(wb)
        return any(len(w) >= 3 for w in shared) or any(
            len(x) >= 4 and len(y) >= 4 and x[0] == y[0] and _ratio(x, y) >= 0.85 for x in wa for y in wb)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 2 and short in long


def _name_level(a: Features, b: Features) -> tuple[int, float]:
    na, nb = a.name, b.name
    sim = name_similarity(na, nb)
    if sim >= 0.98:
        return 0, sim
    if a.sound == b.sound:
        return 1, sim
    if sim >= 0.9:
        return 2, sim
    if sim >= 0.8:
        return 3, sim
    if _contains_part(na.core, nb.core):
        return 4, sim
    return 5, sim


def _is_person(a: Features, b: Features) -> bool:
    return a.kind is Kind.INDIVIDUAL and b.kind is Kind.INDIVIDUAL


def _company_name(a: Features, b: Features) -> tuple[int, float] | None:
    if not a.name.core or not b.name.core or _is_person(a, b):
        return None
    return _name_level(a, b)


def _person_name(a: Features, b: Features) -> tuple[int, float] | None:
    if not a.name.core or not b.name.core or not _is_person(a, b):
        return None
    return _name_level(a, b)


def _place(a: Features, b: Features) -> tuple[int, float] | None:
    pa, pb = a.name.places, b.name.places
    if not pa or not pb:
        return None
    return (0, 1.0) if set(pa) & set(pb) else (1, 0.0)


def _legal_form(a: Features, b: Features) -> tuple[int, float] | None:
    if not a.name.forms or not b.name.forms:
        return None
    fa, fb = a.name.families, b.name.families
    if not fa or not fb:
        return None
    return (0, 1.0) if fa & fb else (1, 0.0)


def _branch(a: Features, b: Features) -> tuple[int, float] | None:
    ba, bb = a.name.branch, b.name.branch
    if ba is None and bb is None:
        return None
    return (0, 1.0) if ba == bb else (1, 0.0)


def _tax_id(a: Features, b: Features) -> tuple[int, float] | None:
    ta, tb = a.tax_id, b.tax_id
    if ta is None or tb is None:
        return None
    if ta == tb:
        return 0, 1.0
    if a.organisation is not None and a.organisation == b.organisation and a.tax_valid != b.tax_valid:
        # A legacy number and the USCC that replaced it (only one is valid under current rules).
        return 1, 1.0
    if a.tax_valid and b.tax_valid:
        return 4, 0.0
    sim = _ratio(ta, tb)
    return (2, sim) if sim >= 0.88 else (3, sim)  # one or two characters off: a typo in an invalid number


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[int, float] | None:
    if not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:  # one phone each, as most records have: no loop
        return (0, 1.0) if a[0] == b[0] else (1, 0.0)
    shared = sum(1 for x in a if x in b)
    return (0, shared / min(len(a), len(b))) if shared else (1, 0.0)


def _equal(a: str | None, b: str | None) -> tuple[int, float] | None:
    if a is None or b is None:
        return None
    return (0, 1.0) if a == b else (1, 0.0)


def address_similarity(a: str, b: str) -> float:
    """Similarity of two addresses' words: per character with spaces dropped, or word order aside."""
    if a == b:
        return 1.0
    return max(_ratio(a.replace(" ", ""), b.replace(" ", "")),
               float(_fuzz().token_sort_ratio(a, b, processor=None)) / 100.0)


def _address(a: Features, b: Features) -> tuple[int, float] | None:
    sa, sb = a.address, b.address
    if not sa or not sb:
        return None
    sim = address_similarity(sa, sb)
    if sim >= 0.98:
        return 0, sim
    if sim >= 0.9:
        return 1, sim
    if sim >= 0.75:
        return 2, sim
    if float(_fuzz().partial_ratio(sa, sb, processor=None)) >= 90.0 and min(len(sa), len(sb)) >= 4:
        return 3, sim  # one address is a part of the other (a line or a building name missing)
    return 4, sim


def _numbers(a: Features, b: Features) -> tuple[int, float] | None:
    na, nb = a.numbers, b.numbers
    if not na or not nb:
        return None
    if na == nb:
        return 0, 1.0
    shared = len(set(na) & set(nb))
    return (1, shared / min(len(na), len(nb))) if shared else (2, 0.0)


def _city(a: Features, b: Features) -> tuple[int, float] | None:
    ca, cb = a.city, b.city
    if ca is None or cb is None:
        return None
    if ca == cb:
        return 0, 1.0
    sim = _ratio(ca.replace(" ", ""), cb.replace(" ", ""))
    return (1, sim) if sim >= 0.8 else (2, sim)


def _postcode(a: Features, b: Features) -> tuple[int, float] | None:
    pa, pb = a.postcode, b.postcode
    if pa is None or pb is None:
        return None
    if pa == pb:
        return 0, 1.0
    if len(pa) == len(pb):
        differ = sum(1 for x, y in zip(pa, pb, strict=True) if x != y)
        if differ == 1 or (differ == 2 and sorted(pa) == sorted(pb)):
            return 1, 1.0 - differ / len(pa)  # one digit mistyped, or two swapped
    return 2, 0.0


def _kind(a: Features, b: Features) -> tuple[int, float]:
    return (0, 1.0) if a.kind is b.kind else (1, 0.0)


def _country(a: Features, b: Features) -> tuple[int, float]:
    return (0, 1.0) if a.country == b.country else (1, 0.0)


_A, _P, _D = Outcome.AGREE, Outcome.PARTIAL, Outcome.DISAGREE


def _levels(*spec: tuple[str, Outcome, float, float] | tuple[str, Outcome, float, float, bool]
            ) -> tuple[Level, ...]:
    return tuple(Level(*item) for item in spec)


def _name_levels(scale: float) -> tuple[Level, ...]:
    return _levels(("exact", _A, 8.0 * scale, 0.70), ("sound", _A, 6.0 * scale, 0.03),
                   ("close", _P, 5.0 * scale, 0.12), ("similar", _P, 2.0 * scale, 0.08),
                   ("part", _P, 1.0 * scale, 0.04), ("other", _D, -8.0, 0.03))


def _binary(agree: float, disagree: float, m: float = 0.9) -> tuple[Level, ...]:
    return _levels(("agree", _A, agree, m), ("disagree", _D, disagree, 1.0 - m))


#: What comparing two strings by similarity costs, beside comparing two values for equality.
_STRINGS = 3.0

#: Every comparison, in the order of a comparison vector. A person's name is
#: shared by many people, so it is a comparison of its own with lower defaults.
COMPARISONS: tuple[Comparison, ...] = (
    Comparison("tax_id", _levels(("agree", _A, 12.0, 0.85), ("organisation", _A, 12.0, 0.02),
                                 ("typo", _P, 3.0, 0.05), ("other", _D, -3.0, 0.07),
                                 ("conflict", _D, -12.0, 0.01)), _tax_id, lambda f: f.tax_id),
    # Each name's equal share counts only its own kind: namesakes are far commoner among people.
    Comparison("name", _name_levels(1.0), _company_name,
               lambda f: f.name.compact if f.kind is not Kind.INDIVIDUAL else None, cost=_STRINGS),
    Comparison("name", _name_levels(0.4), _person_name,
               lambda f: f.name.compact if f.kind is Kind.INDIVIDUAL else None, cost=_STRINGS),
    Comparison("name.place", _binary(0.5, -4.0, 0.97), _place),
    Comparison("name.legal_form", _levels(("same", _A, 0.0, 0.9, True), ("other", _D, -1.5, 0.1)),
               _legal_form),
    Comparison("name.branch", _binary(0.5, -5.0, 0.97), _branch),
    Comparison("phone", _binary(6.0, -1.5, 0.7), lambda a, b: _shared(a.phones, b.phones)),
    Comparison("email", _binary(6.0, -1.0, 0.7), lambda a, b: _shared(a.emails, b.emails)),
    Comparison("address", _levels(("exact", _A, 3.0, 0.6), ("close", _P, 2.5, 0.2), ("similar", _P, 1.0, 0.1),
                                  ("part", _P, 0.0, 0.05), ("other", _D, -2.0, 0.05)),
               _address, lambda f: f.address, cost=_STRINGS),
    Comparison("address.number", _levels(("same", _A, 1.0, 0.85), ("shared", _P, 0.5, 0.05),
                                         ("other", _D, -1.0, 0.1)), _numbers, lambda f: f.numbers),
    Comparison("address.city", _levels(("same", _A, 0.5, 0.9), ("close", _P, 0.3, 0.05),
                                       ("other", _D, -2.0, 0.05)), _city, lambda f: f.city),
    Comparison("address.postcode", _levels(("same", _A, 1.0, 0.9), ("close", _P, 0.0, 0.05),
                                           ("other", _D, -2.0, 0.05)), _postcode, lambda f: f.postcode),
    Comparison("address.province", _binary(0.3, -2.0, 0.95),
               lambda a, b: _equal(a.province, b.province), lambda f: f.province),
    Comparison("bank_account", _binary(5.0, -1.0, 0.8),
               lambda a, b: _equal(a.bank_account, b.bank_account), lambda f: f.bank_account),
    Comparison("legal_representative", _binary(1.5, -1.0, 0.8),
               lambda a, b: _equal(a.legal_representative, b.legal_representative),
               lambda f: f.legal_representative),
    Comparison("contacts.name", _levels(("agree", _A, 1.0, 0.5), ("other", _D, 0.0, 0.5, True)),
               lambda a, b: _shared(a.contact_names, b.contact_names)),
    Comparison("kind", _levels(("same", _A, 0.0, 0.99, True), ("other", _D, -3.0, 0.01)), _kind),
    Comparison("country", _levels(("same", _A, 0.0, 0.99, True), ("other", _D, -3.0, 0.01)), _country),
)
