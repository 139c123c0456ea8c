"""What every use case of the book shares: the context it runs in, revisions, history entries, events.

A use case is a function ``(context, unit of work, actor, input) -> (result, events)``;
it reads and writes through the unit of work's ports only, and the facade
(:class:`custrecord.book.CustomerBook`) commits, writes the events to the outbox
and publishes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from custrecord.copying import copy_with
from custrecord.diff import BLANK, FieldChange, apply_changes, is_field_path
from custrecord.errors import NotFound, ValidationError
from custrecord.events import Event, StatusChanged
from custrecord.model import Customer
from custrecord.permissions import Actor
from custrecord.problems import ProblemCode, make_problem
from custrecord.settings import Settings
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import HistoryEntry, OutboxEvent

__all__ = [
    "BookContext",
    "code_of",
    "entry",
    "outbox_event",
    "replay",
    "require_reason",
    "revision",
    "status_changed",
]


@attrs.frozen
class BookContext:
    """What a use case knows besides its input: the book's settings and clock."""

    settings: Settings
    clock: Callable[[], datetime]

    def load(self, uow: UnitOfWork, who: Actor, code: str) -> Customer:
        """Customer ``code`` if ``who`` may see it; ``NotFound`` for one outside its scope too."""
        customer = uow.customers.get(code)
        if not self.in_scope(who, customer):
            raise NotFound(f"no customer with code {code!r}")
        return customer

    def in_scope(self, who: Actor, customer: Customer) -> bool:
        """Whether ``customer`` is among those ``who`` may see at all."""
        scope = self.settings.policy.scope(who)
        return scope is None or scope.contains(customer)

    def now(self) -> datetime:
        """The current time of the book's clock."""
        return self.clock()

    def today(self) -> date:
        """Today by the book's clock (code dates, credit validity, review dates)."""
        return self.clock().date()


def code_of(customer: Customer) -> str:
    """The code of a stored customer (stored customers always have one)."""
    assert customer.code is not None
    return customer.code


def revision(current: Customer, new: Customer, **overrides: Any) -> Customer:
    """``new`` as the next revision of ``current``: it keeps what storage and the lifecycle own.

    Code, status, version and the two times come from ``current`` unless ``overrides``
    says otherwise; everything else is ``new``'s.
    """
    carried = {
        "code": current.code,
        "status": current.status,
        "version": current.version,
        "created_at": current.created_at,
        "updated_at": current.updated_at,
    }
    return copy_with(new, {**carried, **overrides})


def entry(
    customer: Customer,
    action: str,
    who: Actor,
    reason: str | None,
    changes: Iterable[FieldChange],
    at: datetime,
) -> HistoryEntry:
    """The history entry of ``action`` that made the stored ``customer``."""
    return HistoryEntry(
        code=code_of(customer),
        version=customer.version,
        action=action,
        at=customer.updated_at or at,
        actor=who.name,
        reason=reason,
        changes=tuple(changes),
    )


def status_changed(
    before: Customer, after: Customer, who: Actor, reason: str | None, at: datetime
) -> StatusChanged:
    """The event of a status change from ``before`` to the stored ``after``."""
    return StatusChanged(
        code=code_of(after),
        at=after.updated_at or at,
        actor=who.name,
        old=before.status.value,
        new=after.status.value,
        reason=reason,
    )


def replay(entries: Sequence[HistoryEntry]) -> Customer:
    """The customer that ``entries`` describe, replayed on a blank record.

    Proposals that await approval changed nothing, and pseudo-changes (a merge's
    record, a credit raise) are no field: both are skipped.
    """
    state = BLANK
    for item in entries:
        if item.action != "propose":
            state = apply_changes(state, [c for c in item.changes if is_field_path(c.path)])
    return state


def outbox_event(event: Event) -> OutboxEvent:
    """``event`` as the outbox stores it: its payload JSON-safe, the actor inside."""
    payload = {k: list(v) if isinstance(v, tuple) else v for k, v in event.payload().items()}
    return OutboxEvent(type=event.type, code=event.code, payload={**payload, "actor": event.actor},
                       created_at=event.at)


def require_reason(reason: str | None) -> None:
    """Refuse a blank reason where one is owed (reject, erase) with ``required``."""
    if not reason or not reason.strip():
        raise ValidationError([make_problem("reason", ProblemCode.REQUIRED, label="reason", label_zh="原因")])
