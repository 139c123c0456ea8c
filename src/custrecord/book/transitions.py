"""Status changes (状态): approval, rejection, freeze, disable, soft delete and restore."""

from __future__ import annotations

import attrs

from custrecord.book.approval import (
    approve_revision,
    authors_since_approval,
    pending_revision,
    reject_revision,
    require_other_approver,
)
from custrecord.book.results import ReferencedError
from custrecord.book.revisions import BookContext, code_of, entry, replay, revision, status_changed
from custrecord.diff import FieldChange, changes_between
from custrecord.events import Event
from custrecord.lifecycle import Transition, next_status
from custrecord.model import Customer, Status
from custrecord.permissions import Actor
from custrecord.storage.ports import UnitOfWork

__all__ = ["change_status", "restore_deleted"]


def change_status(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    code: str,
    transition: Transition,
    reason: str | None,
    expected_version: int | None = None,
) -> tuple[Customer, list[Event]]:
    """Apply one lifecycle ``transition`` to customer ``code``.

    Approving or rejecting decides the customer's first approval (its status is
    ``pending``) or else its pending revision, which leaves the status as it is.
    Raises ``InvalidTransition`` when neither waits or the status does not allow
    the step, ``PermissionDenied`` when someone who made a change awaiting the
    decision makes it (unless the settings allow that), ``ReferencedError`` when
    deleting a customer the host application still references.
    """
    current = ctx.load(uow, who, code)
    if transition in (Transition.APPROVE, Transition.REJECT):
        entries = list(uow.history.list(code))
        pending = None if current.status is Status.PENDING else pending_revision(entries)
        if pending is None:
            next_status(code, current.status, transition)  # raises: nothing awaits a decision
        require_other_approver(ctx, who, code, authors_since_approval(entries), transition.value)
        if pending is not None:
            if transition is Transition.APPROVE:
                return approve_revision(ctx, uow, who, current, pending, reason)
            return reject_revision(ctx, uow, who, current, reason)
    next_status(code, current.status, transition)  # raises when not allowed
    if transition is Transition.REJECT:
        return _reject(ctx, uow, who, current, reason)
    if transition is Transition.DELETE:
        referenced = ctx.settings.is_referenced
        if referenced is not None and referenced(code):
            raise ReferencedError(
                f"customer {code} is referenced by the host application; freeze or disable it instead"
            )
        stored = uow.customers.delete(code, expected_version=expected_version)
    else:
        target = next_status(code, current.status, transition)
        version = current.version if expected_version is None else expected_version
        stored = uow.customers.update(attrs.evolve(current, status=target), version)
    return _recorded(ctx, uow, who, current, stored, transition.value, reason)


def restore_deleted(ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, reason: str | None) -> tuple[
    Customer, list[Event]
]:
    """Undo a soft delete: the status before deletion comes back (a customer not deleted is left)."""
    current = ctx.load(uow, who, code)
    if current.status is not Status.DELETED:
        return current, []
    return _recorded(ctx, uow, who, current, uow.customers.restore(code), "restore", reason)


def _recorded(
    ctx: BookContext, uow: UnitOfWork, who: Actor, before: Customer, stored: Customer, action: str,
    reason: str | None,
) -> tuple[Customer, list[Event]]:
    """Record a status change in the history and announce it."""
    change = FieldChange("status", before.status.value, stored.status.value)
    at = ctx.now()
    uow.history.append(entry(stored, action, who, reason, [change], at))
    return stored, [status_changed(before, stored, who, reason, at)]


def _reject(
    ctx: BookContext, uow: UnitOfWork, who: Actor, current: Customer, reason: str | None
) -> tuple[Customer, list[Event]]:
    """A rejected change goes back to the last approved version; a rejected new customer to draft."""
    entries = list(uow.history.list(code_of(current)))
    approved = [
        e for e in entries if any(c.path == "status" and c.new == Status.ACTIVE.value for c in e.changes)
    ]
    if approved:
        target = revision(current, replay(entries[: entries.index(approved[-1]) + 1]), status=Status.ACTIVE)
    else:
        target = attrs.evolve(current, status=Status.DRAFT)
    stored = uow.customers.update(target, current.version)
    at = ctx.now()
    uow.history.append(entry(stored, "reject", who, reason, changes_between(current, stored), at))
    return stored, [status_changed(current, stored, who, reason, at)]


