"""Merging duplicates (合并) and undoing a merge, both recorded in the histories of everyone involved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from custrecord.book.approval import pending_revision
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

__all__ = ["merge_customers", "unmerge_survivor"]


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
    # The contacts taken from the others may bring ids the survivor's have: they get free ones.
    merged = with_contact_ids(revision(current, result.customer, replaced_by=None))
    stored = uow.customers.update(merged, current.version)
    record = FieldChange("merged", None, result.record.to_dict())
    uow.history.append(entry(stored, "merge", who, reason, [*changes_between(current, stored), record], at))
    return (stored, [code_of(c) for c in customers if c is not current]), events


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
    return stored, events
