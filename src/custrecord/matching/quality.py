"""Periodic data-quality checks (定期检查) over a sequence of customers.

Three checks, each a pure function, and :func:`check_quality` running them all:

* :func:`completeness` - how many customers have each field filled in;
* :func:`stale` - customers not updated for more than N days (``stale``);
* :func:`revalidate` - values that older rules let in, found by validating
  each record again with the current profile (the problem's own code, such
  as ``invalid_checksum``).

Every :class:`Finding` names the customer by index and code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from custrecord.fields import FIELDS
from custrecord.model import Customer
from custrecord.problems import Severity

if TYPE_CHECKING:
    from custrecord.validation.engine import Profile

__all__ = [
    "STALE",
    "Completeness",
    "Finding",
    "QualityReport",
    "check_quality",
    "completeness",
    "revalidate",
    "stale",
]

#: The finding code of a customer not updated for too long.
STALE = "stale"

#: Paths whose completeness is reported by default: every catalogue field except status/kind/country
#: and roles (they always have a value) and the credit currency (it has a default).
_ALWAYS_SET = frozenset({"kind", "country", "status", "credit.currency", "roles"})
DEFAULT_PATHS: tuple[str, ...] = tuple(f.path for f in FIELDS if f.path not in _ALWAYS_SET)


@attrs.frozen
class Finding:
    """One problem of one customer: ``code``, the customer's ``index`` and ``customer`` code."""

    code: str
    index: int
    customer: str | None
    path: str | None
    message: str
    message_zh: str
    severity: Severity = Severity.WARNING

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"code": self.code, "index": self.index, "customer": self.customer, "path": self.path,
                "severity": str(self.severity), "message": self.message, "message_zh": self.message_zh}


@attrs.frozen
class Completeness:
    """How many of ``total`` customers have ``path`` filled in."""

    path: str
    filled: int
    total: int

    @property
    def ratio(self) -> float:
        """``filled / total``; 1.0 for no customers."""
        return self.filled / self.total if self.total else 1.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"path": self.path, "filled": self.filled, "total": self.total, "ratio": round(self.ratio, 4)}


@attrs.frozen
class QualityReport:
    """Completeness per field and the findings of every check."""

    total: int
    completeness: tuple[Completeness, ...]
    findings: tuple[Finding, ...]

    def by_code(self) -> dict[str, int]:
        """How many findings of each code."""
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.code] = counts.get(f.code, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"total": self.total, "completeness": [c.to_dict() for c in self.completeness],
                "findings": [f.to_dict() for f in self.findings], "counts": self.by_code()}


def _value(customer: Customer, path: str) -> Any:
    head, _, tail = path.partition(".")
    if head.endswith("[]"):  # contacts[].mobile, addresses[].city: any item's
        return [getattr(item, tail, None) for item in getattr(customer, head[:-2], ())]
    if head.startswith("addresses["):  # addresses[shipping].street: the default of that role
        entry = customer.default_address(head[len("addresses["):-1])
        return None if entry is None else getattr(entry, tail, None)
    value = getattr(customer, head, None)
    return getattr(value, tail, None) if tail else value


def _is_filled(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_filled(v) for v in value)
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, frozenset | tuple):
        return bool(value)
    return value is not None


def completeness(
    customers: Sequence[Customer], paths: Iterable[str] = DEFAULT_PATHS
) -> tuple[Completeness, ...]:
    """For each path (``name``, ``address.city``, ``contacts[].mobile``): how many have it.

    A contact path counts as filled when any contact has it.
    """
    total = len(customers)
    return tuple(
        Completeness(path, sum(1 for c in customers if _is_filled(_value(c, path))), total) for path in paths
    )


def stale(customers: Sequence[Customer], *, days: int = 365, today: date | None = None) -> list[Finding]:
    """Customers whose ``updated_at`` is more than ``days`` days before ``today``.

    Customers without ``updated_at`` (never stored) are not judged.
    """
    day = today or datetime.now(UTC).date()
    limit = datetime.combine(day - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    found = []
    for i, c in enumerate(customers):
        at = c.updated_at
        if at is None:
            continue
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        if aware < limit:
            age = (day - aware.date()).days
            found.append(Finding(
                STALE, i, c.code, "updated_at",
                f"not updated for {age} days (since {aware.date().isoformat()}; limit {days})",
                f"已{age}天未更新（自{aware.date().isoformat()}起；期限{days}天）",
            ))
    return found


def revalidate(customers: Sequence[Customer], *, profile: Profile | str | None = None,
               today: date | None = None) -> list[Finding]:
    """Problems the current rules find in stored customers (which older rules let in).

    Each finding has the problem's code, path, messages and severity.
    """
    from custrecord.convert import unstructure
    from custrecord.validation.engine import validate

    found: list[Finding] = []
    for i, c in enumerate(customers):
        report = validate(unstructure(c), profile=profile, today=today)
        found.extend(
            Finding(p.code, i, c.code, p.path, p.message, p.message_zh, p.severity) for p in report.problems
        )
    return found


def check_quality(
    customers: Sequence[Customer],
    *,
    stale_after_days: int = 365,
    profile: Profile | str | None = None,
    paths: Iterable[str] = DEFAULT_PATHS,
    today: date | None = None,
) -> QualityReport:
    """Run every check: completeness, stale records and re-validation with ``profile``."""
    customers = list(customers)
    findings = [*stale(customers, days=stale_after_days, today=today),
                *revalidate(customers, profile=profile, today=today)]
    findings.sort(key=lambda f: (f.index, f.code, f.path or ""))
    return QualityReport(len(customers), completeness(customers, paths), tuple(findings))
