"""Approval (审核) of edits: pending revisions beside the approved customer, as U8's 审核/弃审 keep them.

With ``Settings.require_approval``, an edit of an approval field (``approval_fields``:
name, kind, tax ID, bank, credit by default) by a role that needs approval does not
change the stored customer: it is recorded as a ``propose`` entry of the history, and
the proposals since the last decision form the customer's pending revision. Reads,
exports and the credit check see the approved customer until someone who made none
of the revision's changes approves it (the values are applied, checked again, and
stored) or rejects it (dropped). Status is independent of approval: a frozen customer
stays frozen through edits, approvals and rejections.

A new customer that awaits its first approval is another matter: its status is
``pending`` (the whole record waits), as the lifecycle says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from custrecord.book.checks import checked
from custrecord.book.revisions import BookContext, code_of, entry
from custrecord.diff import FieldChange, apply_changes, changes_between
from custrecord.events import ChangeProposed, CreditChanged, CustomerChanged, Event, ProposalRejected
from custrecord.model import Customer, Status
from custrecord.permissions import SYSTEM, Actor, PermissionDenied
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import HistoryEntry

__all__ = [
    "PROPOSE",
    "Revision",
    "approve_revision",
    "authors_since_approval",
    "awaits_first_approval",
    "changed_events",
    "pending_revision",
    "propose",
    "reject_revision",
    "require_other_approver",
    "split_for_approval",
]

#: The history action of a proposed change that waits for approval.
PROPOSE = "propose"
#: Actions that decide a pending revision (or a new customer's first approval).
_DECISIONS = frozenset({"approve", "reject"})
#: Actions whose authors made a change that an approval covers.
_AUTHORED = frozenset({"add", "update", "submit", PROPOSE})


@attrs.frozen
class Revision:
    """A customer's pending revision: what it would change, who proposed it, when and why.

    ``changes`` holds one ``(path, approved value, proposed value)`` per field, in
    the order first proposed; ``authors`` everyone who proposed a part of it.
    """

    code: str
    changes: tuple[FieldChange, ...]
    authors: tuple[str, ...]
    reasons: tuple[str, ...]
    since: datetime

    def applied_to(self, customer: Customer) -> Customer:
        """``customer`` with the proposed values."""
        return apply_changes(customer, self.changes)


def pending_revision(entries: Sequence[HistoryEntry]) -> Revision | None:
    """The revision that ``entries`` (a customer's history, oldest first) leave pending, or None."""
    start = max((i + 1 for i, e in enumerate(entries) if e.action in _DECISIONS), default=0)
    proposals = [e for e in entries[start:] if e.action == PROPOSE]
    if not proposals:
        return None
    changes: dict[str, FieldChange] = {}
    for item in proposals:
        for change in item.changes:
            first = changes.get(change.path)
            changes[change.path] = FieldChange(change.path, first.old if first else change.old, change.new)
    return Revision(
        code=proposals[0].code,
        changes=tuple(c for c in changes.values() if c.old != c.new),
        authors=tuple(dict.fromkeys(e.actor or "" for e in proposals)),
        reasons=tuple(e.reason for e in proposals if e.reason),
        since=proposals[0].at,
    )


def authors_since_approval(entries: Sequence[HistoryEntry]) -> set[str]:
    """Everyone who made a change since the last decision: those who may not approve it."""
    start = max((i + 1 for i, e in enumerate(entries) if e.action in _DECISIONS), default=0)
    return {e.actor or "" for e in entries[start:] if e.action in _AUTHORED}


def require_other_approver(ctx: BookContext, who: Actor, code: str, authors: set[str], action: str) -> None:
    """Four eyes: ``who`` may not decide on changes it made (unless the settings allow it)."""
    if who.name in authors and who is not SYSTEM and not ctx.settings.allow_self_approval:
        raise PermissionDenied(who, action, f"customer {code} (own change awaits the decision)")


def propose(
    ctx: BookContext, uow: UnitOfWork, who: Actor, current: Customer, proposed: Sequence[FieldChange],
    reason: str | None,
) -> list[Event]:
    """Record ``proposed`` changes of customer ``current`` as part of its pending revision."""
    at = ctx.now()
    item = HistoryEntry(code=code_of(current), version=current.version, action=PROPOSE, at=at,
                        actor=who.name, reason=reason, changes=tuple(proposed))
    uow.history.append(item)
    payload = tuple(c.to_dict() for c in proposed)
    return [ChangeProposed(code=code_of(current), at=at, actor=who.name, changes=payload, reason=reason)]


def approve_revision(
    ctx: BookContext, uow: UnitOfWork, who: Actor, current: Customer, revision: Revision, reason: str | None
) -> tuple[Customer, list[Event]]:
    """Store the revision's values over the approved customer (checked again), status unchanged."""
    target = checked(ctx, uow, current, revision.applied_to(current))
    stored = uow.customers.update(target, current.version)
    at = ctx.now()
    diff = changes_between(current, stored)
    uow.history.append(entry(stored, "approve", who, reason, diff, at))
    return stored, changed_events(stored, who, diff, reason, at)


def reject_revision(
    ctx: BookContext, uow: UnitOfWork, who: Actor, current: Customer, reason: str | None
) -> tuple[Customer, list[Event]]:
    """Drop the pending revision; the customer stays as approved."""
    at = ctx.now()
    uow.history.append(entry(current, "reject", who, reason, (), at))
    return current, [ProposalRejected(code=code_of(current), at=at, actor=who.name, reason=reason)]


def changed_events(
    stored: Customer, who: Actor, diff: Sequence[FieldChange], reason: str | None, at: datetime
) -> list[Event]:
    """``CustomerChanged`` for a stored change, and ``CreditChanged`` when credit terms changed."""
    payload = tuple(c.to_dict() for c in diff)
    when = stored.updated_at or at
    events: list[Event] = [CustomerChanged(code=code_of(stored), at=when, actor=who.name,
                                           version=stored.version, changes=payload, reason=reason)]
    credit = tuple(c for c in payload if str(c["path"]).startswith("credit."))
    if credit:
        events.append(CreditChanged(code=code_of(stored), at=when, actor=who.name, version=stored.version,
                                    changes=credit, reason=reason))
    return events


def awaits_first_approval(customer: Customer) -> bool:
    """A new customer not yet approved: its whole record waits, and its edits apply directly."""
    return customer.status in (Status.DRAFT, Status.PENDING)


def split_for_approval(
    ctx: BookContext, who: Actor, current: Customer, diff: Sequence[FieldChange]
) -> tuple[list[FieldChange], list[FieldChange]]:
    """``diff`` as (the changes that wait for approval, the changes that apply now).

    Edits of a customer not yet approved apply directly: its whole record waits already.
    """
    if awaits_first_approval(current):
        return [], list(diff)
    proposed = [c for c in diff if ctx.settings.needs_approval(who, c.path)]
    return proposed, [c for c in diff if c not in proposed]
