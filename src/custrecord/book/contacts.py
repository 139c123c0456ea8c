"""Contacts one at a time (联系人): add, change or remove one contact of a customer by its id.

Each is an update of the customer: the record with the edited contact list is
validated (problems point at ``contacts[2].mobile``), the actor's field rights
are checked for each contact field it sets, a phone another customer has is
``duplicate_phone``, and what needs approval joins the pending revision. History
records the contact's own path: ``contacts[c3]`` for a contact added (old value
None) or removed (new value None), ``contacts[c3].mobile`` for one field, so a
replay gives the customer back exactly. Ids are given as
:mod:`custrecord.contact_ids` says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from custrecord import convert
from custrecord.book.approval import awaits_first_approval, changed_events, pending_revision, propose
from custrecord.book.checks import phone_problems
from custrecord.book.revisions import BookContext, entry, revision
from custrecord.coerce import is_blank
from custrecord.contact_ids import contact_path, next_id, with_contact_ids
from custrecord.convert import unstructure
from custrecord.diff import FieldChange, apply_changes
from custrecord.errors import ConflictError, NotFound, ValidationError
from custrecord.events import Event
from custrecord.fields import CATALOGUE, MANAGED_FIELDS
from custrecord.model import Contact, Customer, Status
from custrecord.permissions import Actor, check_edit
from custrecord.problems import ProblemCode, make_problem
from custrecord.storage.ports import UnitOfWork
from custrecord.validation.engine import run

__all__ = ["add_contact", "remove_contact", "update_contact"]

#: A contact's keys as callers write them (``mobile``, ``contact_mobile``, ``手机``), by field.
_LEAVES: dict[str, str] = {
    key: f.path.rpartition(".")[2]
    for f in CATALOGUE
    if f.path.startswith("contacts[].")
    for key in (f.path.rpartition(".")[2], f.column, f.zh, *f.aliases)
}
_LEAVES["id"] = "id"

Edit = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def _fields(data: Any) -> dict[str, Any]:
    """A contact given as a mapping, its keys as field names (unknown keys are kept for validation)."""
    if not isinstance(data, Mapping):
        raise ValidationError([make_problem("contacts", ProblemCode.INVALID_FORMAT, value=data,
                                            hint="a mapping expected", hint_zh="应为键值对")])
    return {_LEAVES.get(key, key) if isinstance(key, str) else key: value for key, value in data.items()}


def _at(contacts: Sequence[Mapping[str, Any]], contact_id: str, code: str) -> int:
    for i, contact in enumerate(contacts):
        if contact.get("id") == contact_id:
            return i
    raise NotFound(f"customer {code} has no contact {contact_id!r}")


def add_contact(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, data: Any, reason: str | None,
    expected_version: int | None,
) -> tuple[Customer, list[Event]]:
    """Add one contact at the end of customer ``code``'s list; it gets an id unless it brings a free one."""
    fields = _fields(data)
    if all(is_blank(v) for k, v in fields.items() if k != "id"):
        raise ValidationError([make_problem("contacts", ProblemCode.REQUIRED, label="contact",
                                            label_zh="联系人")], record=repr(code))

    def edit(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        taken = {c.get("id") for c in contacts}
        if fields.get("id") is None or fields["id"] in taken:
            numbered = [Contact(id=c.get("id")) for c in contacts]
            return [*contacts, {**fields, "id": next_id(numbered)}]
        return [*contacts, fields]

    return _change(ctx, uow, who, code, edit, reason, expected_version)


def update_contact(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, contact_id: str, changes: Any,
    reason: str | None, expected_version: int | None,
) -> tuple[Customer, list[Event]]:
    """Change the fields ``changes`` names of contact ``contact_id`` (None or blank clears one)."""
    fields = _fields(changes)
    if "id" in fields and fields["id"] != contact_id:
        problem = make_problem("contacts", ProblemCode.INVALID_FORMAT, value=fields["id"],
                               hint="a contact's id does not change", hint_zh="联系人编号不能修改")
        raise ValidationError([problem], record=repr(code))

    def edit(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        at = _at(contacts, contact_id, code)
        contacts[at] = {**contacts[at], **fields}
        return contacts

    return _change(ctx, uow, who, code, edit, reason, expected_version)


def remove_contact(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, contact_id: str, reason: str | None,
    expected_version: int | None,
) -> tuple[Customer, list[Event]]:
    """Remove contact ``contact_id``."""

    def edit(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        del contacts[_at(contacts, contact_id, code)]
        return contacts

    return _change(ctx, uow, who, code, edit, reason, expected_version)


def _change(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, edit: Edit, reason: str | None,
    expected_version: int | None,
) -> tuple[Customer, list[Event]]:
    """Validate the customer with ``edit`` applied to its contacts; store or propose the contact changes."""
    settings = ctx.settings
    current = ctx.load(uow, who, code)
    if current.status is Status.DELETED:
        raise ValidationError(
            [make_problem("status", ProblemCode.INVALID_CHOICE, value="deleted", choices="not deleted")],
            record=repr(code),
        )
    if expected_version is not None and expected_version != current.version:
        raise ConflictError(
            f"customer {code!r} was changed meanwhile: expected version {expected_version}, "
            f"found {current.version}",
            expected=expected_version, actual=current.version,
        )
    pending = pending_revision(uow.history.list(code)) if settings.require_approval else None
    base = with_contact_ids(pending.applied_to(current) if pending is not None else current)
    data = unstructure(base)
    for key in ("code", "status", *MANAGED_FIELDS):
        data.pop(key, None)
    data["contacts"] = edit([dict(c) for c in data["contacts"]])
    report = run(data, settings.profile, today=ctx.today())
    assert report.customer is not None
    new = with_contact_ids(revision(current, report.customer))
    diff = _contact_changes(base.contacts, new.contacts)
    check_edit(who, settings.policy, [c for change in diff for c in _as_fields(change)])
    problems = list(report.problems)
    if settings.profile.lenient or not any(p.is_error for p in problems):
        problems.extend(phone_problems(ctx, uow, who, [(0, new)], own=code, before=base)[0])
    if not settings.profile.lenient and any(p.is_error for p in problems):
        raise ValidationError(problems, record=repr(code))
    if awaits_first_approval(current):
        proposed: list[FieldChange] = []
    else:
        proposed = [c for c in diff if settings.needs_approval(who, c.path)]
    direct = [c for c in diff if c not in proposed]
    events: list[Event] = []
    stored = current
    if direct:
        stored = uow.customers.update(apply_changes(current, direct), current.version)
        at = ctx.now()
        uow.history.append(entry(stored, "update", who, reason, direct, at))
        events.extend(changed_events(stored, who, direct, reason, at))
    if proposed:
        events.extend(propose(ctx, uow, who, stored, proposed, reason))
    return stored, events


def _plain(contact: Contact) -> dict[str, Any]:
    data: dict[str, Any] = convert.converter.unstructure(contact)
    return data


def _contact_changes(before: Sequence[Contact], after: Sequence[Contact]) -> list[FieldChange]:
    """The changes from one numbered contact list to another, each on a contact's own path."""
    old = {c.id or "": _plain(c) for c in before}
    new = {c.id or "": _plain(c) for c in after}
    out: list[FieldChange] = []
    for contact_id, data in new.items():
        prior = old.get(contact_id)
        if prior is None:
            out.append(FieldChange(contact_path(contact_id), None, data))
            continue
        for leaf in data:
            if leaf != "id" and prior.get(leaf) != data[leaf]:
                out.append(FieldChange(contact_path(contact_id, leaf), prior.get(leaf), data[leaf]))
    out.extend(FieldChange(contact_path(i), data, None) for i, data in old.items() if i not in new)
    return out


def _as_fields(change: FieldChange) -> list[FieldChange]:
    """A contact change as the field rights see it: ``contacts`` and each contact field it sets."""
    leaf = change.path.rpartition("].")[2] if "]." in change.path else None
    if leaf is not None:
        return [change._replace(path=f"contacts.{leaf}")]
    whole = change.new if change.new is not None else change.old
    items = whole.items() if isinstance(whole, Mapping) else ()
    leaves = [k for k, v in items if k != "id" and v is not None]
    return [change._replace(path="contacts"), *(change._replace(path=f"contacts.{k}") for k in leaves)]
