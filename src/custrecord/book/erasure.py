"""Erasure (PIPL/GDPR): a customer's personal data scrubbed from the record, its history and the outbox."""

from __future__ import annotations

from collections.abc import Mapping

from custrecord.book.approval import pending_revision
from custrecord.book.revisions import BookContext, code_of, entry
from custrecord.copying import copy_with
from custrecord.diff import FieldChange, changes_between
from custrecord.errors import CustrecordError
from custrecord.events import Erased, Event
from custrecord.fields import PERSONAL_PATHS
from custrecord.model import Customer, Status
from custrecord.permissions import Actor
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import REDACTED

__all__ = ["erase_customer", "erased"]


def erased(customer: Customer) -> Customer:
    """``customer`` without its personal data: the name becomes ``REDACTED``, the rest blank.

    Code, kind, status, category, region, tags and credit terms stay.
    """
    blank = Customer(name=REDACTED)
    return copy_with(customer, {path: getattr(blank, path) for path in PERSONAL_PATHS})


def erase_customer(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, reason: str
) -> tuple[Customer, list[Event]]:
    """Erase customer ``code`` and everyone merged with it; see ``CustomerBook.erase``."""
    ctx.load(uow, who, code)
    customers = [uow.customers.get(c) for c in _merge_group(uow, code)]
    for current in customers:
        if current.status is Status.PENDING or pending_revision(uow.history.list(code_of(current))):
            raise CustrecordError(
                f"customer {current.code} awaits approval; approve or reject it before erasing"
            )
    at = ctx.now()
    events: list[Event] = []
    result = customers[0]
    for current in customers:
        stored = uow.customers.update(erased(current), current.version)
        key = code_of(stored)
        uow.history.redact(key, PERSONAL_PATHS)
        uow.outbox.redact(key, PERSONAL_PATHS)
        diff = [FieldChange(c.path, REDACTED, c.new) for c in changes_between(current, stored)]
        uow.history.append(entry(stored, "erase", who, reason, diff, at))
        events.append(Erased(code=key, at=stored.updated_at or at, actor=who.name, reason=reason))
        if key == code:
            result = stored
    return result, events


def _merge_group(uow: UnitOfWork, code: str) -> list[str]:
    """``code`` first, then every customer merged into or with it (the replacement chain)."""
    group = [code]
    pending = [code]
    while pending:
        current = uow.customers.get(pending.pop())
        linked = [current.replaced_by] if current.replaced_by else []
        for item in uow.history.list(code_of(current)):
            for change in item.changes:
                if change.path == "merged" and isinstance(change.new, Mapping):
                    linked.extend(c for c in change.new.get("replaced", ()) if isinstance(c, str))
        for other in linked:
            if other not in group:
                group.append(other)
                pending.append(other)
    return group
