"""Merging duplicates (合并) and undoing a merge, both recorded in the histories of everyone involved.

A merge keeps the parent tree (集团) whole: the children of a merged-away customer move
below the survivor, and the survivor never ends up below one of the customers it absorbed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from custrecord.book.approval import changed_events, pending_revision
from custrecord.book.groups import descendants
from custrecord.book.revisions import BookContext, code_of, entry, replay, revision, status_changed
from custrecord.codes import normalise_code
from custrecord.contact_ids import with_contact_ids
from custrecord.diff import FieldChange, changes_between
from custrecord.errors import CustrecordError
from custrecord.events import Event, Merged
from custrecord.matching import merge as merge_records
from custrecord.model import Customer, Status
from custrecord.permissions import Actor
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import Query

__all__ = ["merge_customers", "unmerge_survivor"]

#: The history action of a child whose parent a merge or an unmerge moved.
REGROUP = "regroup"


def merge_customers(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    given: Sequence[str],
    survivor: str | None,
    strategies: Mapping[str, str] | None,
    choose: Mapping[str, str] | None,
    force: bool,
    reason: str | None,
) -> tuple[tuple[Customer, list[str]], list[Event]]:
    """Merge the customers ``given`` (at least two) into one; see ``CustomerBook.merge``.

    Returns the survivor and the codes merged into it.
    """
    codes = [normalise_code(c) for c in given]
    if len(set(codes)) != len(codes) or len(codes) < 2:
        raise CustrecordError("a merge needs at least two different customer codes")
    customers = [ctx.load(uow, who, k) for k in codes]
    for c in customers:
        if c.replaced_by or c.status in (Status.DELETED, Status.PENDING):
            merged_into = f" and merged into {c.replaced_by}" if c.replaced_by else ""
            raise CustrecordError(f"customer {c.code} is {c.status.value}{merged_into}; it cannot be merged")
        if pending_revision(uow.history.list(code_of(c))) is not None:
            raise CustrecordError(f"customer {c.code} has changes awaiting approval; decide them first")
    picks = {field: codes.index(normalise_code(code)) for field, code in (choose or {}).items()}
    result = merge_records(
        customers,
        survivor=codes.index(normalise_code(survivor)) if survivor else None,
        strategies=strategies,
        choose=picks or None,
        force=force,
        reason=reason,
        now=ctx.now(),
    )
    current = customers[result.record.survivor_index]
    at = ctx.now()
    events: list[Event] = []
    for c in customers:
        if c is current:
            continue
        # The survivor may take over a unique key: the merged-away customer lets go of it.
        gone = attrs.evolve(
            c,
            replaced_by=current.code,
            status=Status.DISABLED,
            tax_id=None if c.tax_id == result.customer.tax_id else c.tax_id,
            short_name=None if c.short_name == result.customer.short_name else c.short_name,
        )
        stored_gone = uow.customers.update(gone, c.version)
        uow.history.append(entry(stored_gone, "merged", who, reason, changes_between(c, stored_gone), at))
        events.append(Merged(code=code_of(current), at=stored_gone.updated_at or at, actor=who.name,
                             merged=code_of(c), reason=reason))
    gone_codes = [code_of(c) for c in customers if c is not current]
    moved, moved_events = _regroup(uow, who, reason, at, gone_codes, code_of(current), set(codes))
    events.extend(moved_events)
    # The contacts taken from the others may bring ids the survivor's have: they get free ones.
    parent = _survivor_parent(uow, result.customer.parent, customers, current)
    merged = with_contact_ids(revision(current, result.customer, replaced_by=None, parent=parent))
    stored = uow.customers.update(merged, current.version)
    record = FieldChange("merged", None, {**result.record.to_dict(), "children": moved})
    uow.history.append(entry(stored, "merge", who, reason, [*changes_between(current, stored), record], at))
    return (stored, gone_codes), events


def _survivor_parent(
    uow: UnitOfWork, chosen: str | None, customers: Sequence[Customer], survivor: Customer
) -> str | None:
    """The survivor's parent: the one the merge chose, unless the merged customers hold it or it is
    below one of them (a cycle once their children move below the survivor); then the nearest
    parent of a merged customer (the survivor's first) that is neither, else none."""
    members = {code_of(c) for c in customers}
    below = {code_of(d) for c in customers for d in descendants(uow, c)}

    def fits(code: str | None) -> bool:
        return code is not None and code not in members and code not in below

    if chosen is None or fits(chosen):
        return chosen
    ordered = [survivor, *(c for c in customers if c is not survivor)]
    return next((c.parent for c in ordered if fits(c.parent)), None)


def _regroup(
    uow: UnitOfWork, who: Actor, reason: str | None, at: datetime, gone: Sequence[str], survivor: str,
    members: set[str],
) -> tuple[dict[str, str], list[Event]]:
    """Move the children of the merged-away customers ``gone`` below ``survivor``.

    Returns each moved child's former parent (for unmerge) and the change events. Children
    out of the merging actor's scope move too: a child must not hang below a disabled record.
    """
    moved: dict[str, str] = {}
    events: list[Event] = []
    for code in gone:
        for child in uow.customers.find(Query(parent=code, include_deleted=True)):
            if code_of(child) in members:
                continue  # the merged customers are placed by the merge itself
            stored = _set_parent(uow, who, reason, at, child, survivor, REGROUP, events)
            moved[code_of(stored)] = code
    return moved, events


def _set_parent(
    uow: UnitOfWork, who: Actor, reason: str | None, at: datetime, child: Customer, parent: str, action: str,
    events: list[Event],
) -> Customer:
    """Store ``child`` with ``parent``, its history entry and its change event (added to ``events``)."""
    stored = uow.customers.update(attrs.evolve(child, parent=parent), child.version)
    diff = changes_between(child, stored)
    uow.history.append(entry(stored, action, who, reason, diff, at))
    events.extend(changed_events(stored, who, diff, reason, at))
    return stored


def unmerge_survivor(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, reason: str | None
) -> tuple[Customer, list[Event]]:
    """Undo the last merge of survivor ``code`` through its history; see ``CustomerBook.unmerge``."""
    current = ctx.load(uow, who, code)
    entries = list(uow.history.list(code))
    if not entries or entries[-1].action != "merge":
        raise CustrecordError(f"customer {code} has no merge to undo as its last change")
    record = next(c.new for c in entries[-1].changes if c.path == "merged")
    at = ctx.now()
    # The survivor first: it gives back the keys the others take again.
    stored = uow.customers.update(revision(current, replay(entries[:-1])), current.version)
    uow.history.append(entry(stored, "unmerge", who, reason, changes_between(current, stored), at))
    events: list[Event] = []
    for other in record["replaced"]:
        gone = uow.customers.get(other)
        before = replay(list(uow.history.list(other))[:-1])  # as it was before the merge, status too
        stored_other = uow.customers.update(revision(gone, before, status=before.status), gone.version)
        diff = changes_between(gone, stored_other)
        uow.history.append(entry(stored_other, "unmerge", who, reason, diff, at))
        events.append(status_changed(gone, stored_other, who, reason, at))
    # Children the merge moved go back, unless someone placed them elsewhere since.
    for child_code, parent in (record.get("children") or {}).items():
        child = uow.customers.get(child_code)
        if child.parent == code:
            _set_parent(uow, who, reason, at, child, parent, "unmerge", events)
    return stored, events
