"""Updates (修改): partial changes laid over a stored customer, validated, checked and stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custrecord.book.register import Candidate, duplicate_problem, key_problems
from custrecord.book.revisions import BookContext, code_of, entry, revision
from custrecord.convert import unstructure
from custrecord.diff import changes_between
from custrecord.errors import DuplicateError, ValidationError
from custrecord.events import CreditChanged, CustomerChanged, Event
from custrecord.fields import MANAGED_FIELDS, SELECTING_FIELDS
from custrecord.flat import OTHER_CONTACTS_KEY, split_record
from custrecord.model import Customer, Status
from custrecord.permissions import Actor, check_edit
from custrecord.problems import ProblemCode, make_problem
from custrecord.storage.ports import UnitOfWork
from custrecord.validation.engine import run

__all__ = ["SELECTING_KEYS", "apply_update", "merge_changes", "refuse_selecting_keys"]

#: Keys (names and headers) of the fields ``update`` never changes: they pick the customer,
#: or change through their own operations (lifecycle, merge) or storage.
SELECTING_KEYS: frozenset[str] = frozenset(
    key for f in SELECTING_FIELDS for key in (f.path, f.column, f.zh, *f.aliases)
)


def refuse_selecting_keys(code: str, changes: Mapping[str, Any]) -> None:
    """Raise ``ValidationError`` when ``changes`` name a field that ``update`` never changes."""
    problems = [
        make_problem(key, ProblemCode.INVALID_FORMAT, value=value,
                     hint="not changed by update; use the lifecycle methods", hint_zh="不能通过修改变更")
        for key, value in changes.items()
        if key in SELECTING_KEYS
    ]
    if problems:
        raise ValidationError(problems, record=repr(code))


def merge_changes(
    current: Customer, changes: Mapping[str, Any], custom_fields: frozenset[str]
) -> dict[str, Any]:
    """Current canonical data with ``changes`` laid over it.

    ``changes`` uses nested keys (``credit: {limit: ...}``), flat columns
    (``credit_limit``, ``contact_phone``) or Chinese headers (``信用额度``);
    flat contact columns change the primary contact, and the other-contacts column
    replaces the ones after it. Unknown keys are passed on, so validation reports them.
    """
    data = unstructure(current)
    for key in ("code", "status", *MANAGED_FIELDS):
        data.pop(key, None)
    parts = split_record(changes, custom_fields)
    if OTHER_CONTACTS_KEY in parts.nested:
        # The other-contacts column stands for every contact after the primary one.
        data["contacts"] = data["contacts"][:1]
    for key, value in {**parts.top, **parts.nested}.items():
        if key in ("address", "credit", "extra") and isinstance(value, Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    data["address"] = {**data["address"], **parts.address}
    data["credit"] = {**data["credit"], **parts.credit}
    data["extra"] = {**data["extra"], **parts.extra}
    if parts.contact:
        contacts = list(data["contacts"]) or [{}]
        contacts[0] = {**contacts[0], **parts.contact}
        data["contacts"] = contacts
    data.update(parts.unknown)
    return data


def apply_update(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    current: Customer,
    changes: Mapping[str, Any],
    reason: str | None,
    expected_version: int,
) -> tuple[Customer, list[Event]]:
    """Validate the changed record, check field rights and uniqueness, store, record history.

    Returns ``current`` and no events when nothing changes. Raises
    ``ValidationError`` with every problem, ``PermissionDenied`` for a field the
    actor may not edit, ``ConflictError`` when the stored version is not
    ``expected_version``.
    """
    settings = ctx.settings
    key = code_of(current)
    if current.status is Status.DELETED:
        raise ValidationError(
            [make_problem("status", ProblemCode.INVALID_CHOICE, value="deleted", choices="not deleted")],
            record=repr(key),
        )
    report = run(merge_changes(current, changes, settings.profile.custom_fields), settings.profile,
                 today=ctx.today())
    assert report.customer is not None
    new = revision(current, report.customer)
    diff = changes_between(current, new)
    check_edit(who, settings.policy, diff)
    problems = [*report.problems, *key_problems(ctx, uow, [Candidate(0, new)], own=key)[0]]
    if not settings.profile.lenient and any(p.is_error for p in problems):
        raise ValidationError(problems, record=repr(key))
    if not diff:
        return current, []
    if settings.require_approval:
        new = revision(current, new, status=Status.PENDING)
        diff = changes_between(current, new)
    try:
        stored = uow.customers.update(new, expected_version)
    except DuplicateError as exc:
        raise ValidationError([duplicate_problem(exc, new)], record=repr(key)) from exc
    at = ctx.now()
    uow.history.append(entry(stored, "update", who, reason, diff, at))
    payload = tuple(c.to_dict() for c in diff)
    at = stored.updated_at or at
    common: dict[str, Any] = {"code": key, "at": at, "actor": who.name, "version": stored.version,
                              "reason": reason}
    events: list[Event] = [CustomerChanged(changes=payload, **common)]
    credit = tuple(c for c in payload if str(c["path"]).startswith("credit."))
    if credit:
        events.append(CreditChanged(changes=credit, **common))
    return stored, events
