"""What the book's operations return: import outcomes, registrations, duplicate groups, batches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from custrecord.errors import CustrecordError
from custrecord.model import Customer
from custrecord.problems import Problem

__all__ = [
    "BatchResult",
    "DuplicateGroup",
    "DuplicatePair",
    "ImportOutcome",
    "ReferencedError",
    "Registration",
]


class ReferencedError(CustrecordError):
    """The host application says the customer is still referenced (orders, invoices)."""


@attrs.frozen
class ImportOutcome:
    """What happened to one imported record.

    ``action`` is ``added``, ``updated``, ``unchanged``, ``skipped`` or ``invalid``;
    ``problems`` holds every problem (warnings of stored records too).
    """

    row: int
    action: str
    code: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the record was stored or already up to date."""
        return self.action != "invalid"


@attrs.frozen
class DuplicatePair:
    """Two stored customers that look like one: codes, score (0-1) and the matcher's reasons."""

    left: str
    right: str
    score: float
    reasons: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "left": self.left,
            "right": self.right,
            "score": round(self.score, 4),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@attrs.frozen
class DuplicateGroup:
    """Customers that are probably one (a cluster of matching pairs)."""

    codes: tuple[str, ...]
    score: float
    pairs: tuple[DuplicatePair, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "codes": list(self.codes),
            "score": round(self.score, 4),
            "pairs": [p.to_dict() for p in self.pairs],
        }


@attrs.frozen
class Registration:
    """A registered customer with the warnings it was stored with and its likely duplicates."""

    customer: Customer
    warnings: tuple[Problem, ...] = ()
    similar: tuple[DuplicatePair, ...] = ()


@attrs.frozen
class BatchResult:
    """Outcome of a batch operation: the codes that succeeded and the errors by code."""

    succeeded: tuple[str, ...]
    failed: Mapping[str, CustrecordError]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed
