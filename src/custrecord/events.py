"""Domain events (事件) a book emits after commit, and the in-process bus that delivers them.

Each event is also written to the storage outbox in the same unit of work as
the change, so a host application can forward it to other systems (CRM, data
warehouse) reliably even if a subscriber fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

import attrs

__all__ = [
    "ChangeProposed",
    "CreditChanged",
    "CustomerChanged",
    "CustomerRegistered",
    "Erased",
    "Event",
    "EventBus",
    "Merged",
    "ProposalRejected",
    "StatusChanged",
]

log = logging.getLogger(__name__)
_COMMON = frozenset({"code", "at", "actor"})


_PAYLOAD_NAMES: dict[type, tuple[str, ...]] = {}


def _payload_names(cls: type[Event]) -> tuple[str, ...]:
    names = _PAYLOAD_NAMES.get(cls)
    if names is None:
        names = _PAYLOAD_NAMES[cls] = tuple(a.name for a in attrs.fields(cls) if a.name not in _COMMON)
    return names


@attrs.frozen(kw_only=True)
class Event:
    """Base of every event: which customer, when, by whom."""

    type: ClassVar[str] = "Event"
    code: str
    at: datetime
    actor: str

    def payload(self) -> dict[str, Any]:
        """JSON-safe fields of the event (without ``code``, ``at`` and ``actor``)."""
        return {name: getattr(self, name) for name in _payload_names(type(self))}


@attrs.frozen(kw_only=True)
class CustomerRegistered(Event):
    """A new customer was stored; ``status`` tells whether it awaits approval."""

    type: ClassVar[str] = "CustomerRegistered"
    status: str


@attrs.frozen(kw_only=True)
class CustomerChanged(Event):
    """Fields changed; ``changes`` lists ``{"path", "old", "new"}`` dicts."""

    type: ClassVar[str] = "CustomerChanged"
    version: int
    changes: tuple[dict[str, Any], ...]
    reason: str | None = None


@attrs.frozen(kw_only=True)
class CreditChanged(Event):
    """Credit terms changed (grade, limit, days or validity)."""

    type: ClassVar[str] = "CreditChanged"
    version: int
    changes: tuple[dict[str, Any], ...]
    reason: str | None = None


@attrs.frozen(kw_only=True)
class ChangeProposed(Event):
    """Changes that wait for approval (审核) were proposed; ``changes`` as in ``CustomerChanged``."""

    type: ClassVar[str] = "ChangeProposed"
    changes: tuple[dict[str, Any], ...]
    reason: str | None = None


@attrs.frozen(kw_only=True)
class ProposalRejected(Event):
    """The customer's pending revision was rejected; the approved customer stays as it was."""

    type: ClassVar[str] = "ProposalRejected"
    reason: str | None = None


@attrs.frozen(kw_only=True)
class StatusChanged(Event):
    """Lifecycle status changed (approval, freeze, disable, delete, restore)."""

    type: ClassVar[str] = "StatusChanged"
    old: str
    new: str
    reason: str | None = None


@attrs.frozen(kw_only=True)
class Merged(Event):
    """``merged`` was merged into ``code``; re-point references from ``merged`` to ``code``."""

    type: ClassVar[str] = "Merged"
    merged: str
    reason: str | None = None


@attrs.frozen(kw_only=True)
class Erased(Event):
    """Personal data of the customer was erased (PIPL/GDPR); the code remains."""

    type: ClassVar[str] = "Erased"
    reason: str | None = None


Subscriber = Callable[[Event], None]


class EventBus:
    """Delivers events to subscribers, in order, after the change committed.

    A failing subscriber is logged and does not stop the others: the change is
    already committed and the outbox still holds the event.
    """

    def __init__(self) -> None:
        self._subscribers: list[tuple[type[Event], Subscriber]] = []

    def subscribe(self, handler: Subscriber, event_type: type[Event] = Event) -> Callable[[], None]:
        """Call ``handler`` for every event of ``event_type``; returns an unsubscribe function."""
        entry = (event_type, handler)
        self._subscribers.append(entry)
        return lambda: self._subscribers.remove(entry)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every matching subscriber."""
        for event_type, handler in list(self._subscribers):
            if isinstance(event, event_type):
                try:
                    handler(event)
                except Exception:
                    log.exception("subscriber %r failed on %s for %s", handler, event.type, event.code)
