"""Tags (标签) and priority (优先级) of customers."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from custrecord.errors import CustrecordError
from custrecord.model import Customer
from custrecord.text import clean_text

__all__ = [
    "POTENTIAL",
    "PRIORITIES",
    "VIP",
    "ClassificationError",
    "add_tags",
    "check_priority",
    "normalise_tag",
    "normalise_tags",
    "remove_tags",
    "set_priority",
]

VIP = "VIP"
#: 潜在 = prospect: not yet buying.
POTENTIAL = "潜在"
#: Priorities from 1 (highest) to 5, as SPEC 1 says.
PRIORITIES = range(1, 6)
_TAG_LIMIT = 30


class ClassificationError(CustrecordError, ValueError):
    """A tag, a priority or a classification rule is not acceptable."""


def normalise_tag(tag: str) -> str:
    """A tag trimmed and NFKC-normalised (``ｖｉｐ`` gives ``vip``; case is kept).

    Raises :class:`ClassificationError` for a blank tag or one over 30 characters.
    """
    text = clean_text(tag) if isinstance(tag, str) else None
    if text is None:
        raise ClassificationError(f"a tag must be a non-blank text, not {tag!r}")
    if len(text) > _TAG_LIMIT:
        raise ClassificationError(f"tag {text!r} is longer than {_TAG_LIMIT} characters")
    return text


def check_priority(priority: int) -> int:
    """``priority`` when it is 1-5; raises :class:`ClassificationError` otherwise."""
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in PRIORITIES:
        raise ClassificationError(f"priority must be 1 (highest) to 5, not {priority!r}")
    return priority


def add_tags(customer: Customer, *tags: str) -> Customer:
    """``customer`` with ``tags`` added."""
    return attrs.evolve(customer, tags=customer.tags | {normalise_tag(t) for t in tags})


def remove_tags(customer: Customer, *tags: str) -> Customer:
    """``customer`` without ``tags`` (absent tags are ignored)."""
    return attrs.evolve(customer, tags=customer.tags - {normalise_tag(t) for t in tags})


def set_priority(customer: Customer, priority: int | None) -> Customer:
    """``customer`` with a priority (1 highest to 5), or none."""
    return attrs.evolve(customer, priority=None if priority is None else check_priority(priority))


def normalise_tags(tags: Iterable[str]) -> frozenset[str]:
    """Every tag normalised."""
    return frozenset(normalise_tag(t) for t in tags)
