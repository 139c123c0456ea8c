"""Updates (修改): partial changes laid over a stored customer, validated, checked and stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custrecord.book.approval import (
    changed_events,
    pending_revision,
    propose,
    split_for_approval,
)
from custrecord.book.checks import duplicate_problem, key_problems, phone_problems
from custrecord.book.groups import parent_problems
from custrecord.book.revisions import BookContext, code_of, entry, revision
from custrecord.coerce import is_blank
from custrecord.contact_ids import with_contact_ids
from custrecord.convert import unstructure
from custrecord.diff import apply_changes, changes_between
from custrecord.errors import DuplicateError, ValidationError
from custrecord.events import Event
from custrecord.fields import MANAGED_FIELDS, SELECTING_FIELDS
from custrecord.flat import OTHER_ADDRESSES_KEY, OTHER_BANK_ACCOUNTS_KEY, OTHER_CONTACTS_KEY, split_record
from custrecord.model import Customer, Status
from custrecord.permissions import Actor, check_edit
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.storage.ports import UnitOfWork
from custrecord.validation.engine import run

__all__ = ["SELECTING_KEYS", "apply_update", "merge_changes", "refuse_selecting_keys", "update_customer"]

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
    replaces the ones after it; the ``shipping_*`` and ``billing_*`` columns change the
    default address of their role, the other-addresses column replaces every other
    address, the other-bank-accounts column every account after the main one; a
    ``companies`` mapping changes the companies it names (None removes one), its JSON
    text (a cell) replaces them all. Unknown keys are passed on, so validation reports them.
    """
    data = unstructure(current)
    for key in ("code", "status", *MANAGED_FIELDS):
        data.pop(key, None)
    parts = split_record(changes, custom_fields)
    if OTHER_CONTACTS_KEY in parts.nested:
        if is_blank(parts.nested[OTHER_CONTACTS_KEY]):  # a blank cell changes nothing
            del parts.nested[OTHER_CONTACTS_KEY]
        else:  # the column stands for every contact after the primary one
            data["contacts"] = data["contacts"][:1]
    if OTHER_ADDRESSES_KEY in parts.nested:
        if is_blank(parts.nested[OTHER_ADDRESSES_KEY]):
            del parts.nested[OTHER_ADDRESSES_KEY]
        else:  # it stands for every address but the default shipping and billing ones
            data["addresses"] = [a for a in data["addresses"] if _in_columns(a)]
    if OTHER_BANK_ACCOUNTS_KEY in parts.nested:
        if is_blank(parts.nested[OTHER_BANK_ACCOUNTS_KEY]):
            del parts.nested[OTHER_BANK_ACCOUNTS_KEY]
        else:
            data["bank_accounts"] = []
    for key, value in {**parts.top, **parts.nested}.items():
        if key == "companies" and isinstance(value, Mapping) and isinstance(data[key], Mapping):
            # By company: the companies named change, one given as None goes, the others stay.
            merged = {**data[key], **value}
            data[key] = {company: terms for company, terms in merged.items() if terms is not None}
        elif key in _PARTS:
            data[key] = _merged_part(key, data[key], value)
        else:
            data[key] = value
    for key, flat in (("address", parts.address), ("credit", parts.credit), ("extra", parts.extra)):
        if flat and isinstance(data[key], Mapping):
            data[key] = {**data[key], **flat}
    for role, flat in (("shipping", parts.shipping), ("billing", parts.billing)):
        if flat and isinstance(data["addresses"], list):
            data["addresses"] = _with_default_address(data["addresses"], role, flat)
    if parts.contact:
        contacts = list(data["contacts"]) or [{}]
        first = contacts[0] if isinstance(contacts[0], Mapping) else {}
        contacts[0] = {**first, **parts.contact}
        data["contacts"] = contacts
    data.update(parts.unknown)
    return data


def _in_columns(address: Any) -> bool:
    """Whether a stored address is the default shipping or billing one (the flat form's column groups)."""
    return (isinstance(address, Mapping) and bool(address.get("default"))
            and address.get("role") in _COLUMN_ROLES)


_COLUMN_ROLES = frozenset({"shipping", "billing"})


def _with_default_address(addresses: list[Any], role: str, flat: Mapping[str, Any]) -> list[Any]:
    """``addresses`` with the flat columns of ``role``'s default address laid over it (added when none)."""
    out = list(addresses)
    for i, address in enumerate(out):
        if isinstance(address, Mapping) and address.get("role") == role and address.get("default"):
            out[i] = {**address, **flat}
            return out
    return [*out, {**flat, "role": role, "default": True}]


#: Parts given whole in nested form: a mapping changes the keys it names, None clears the part.
_PARTS = frozenset({"address", "credit", "extra"})


def _merged_part(key: str, stored: Any, given: Any) -> Any:
    """A nested part after an update: merged, cleared, a one-line address as the street, or as given
    (a wrong type is left for validation to report)."""
    if given is None:
        return {}
    if isinstance(given, Mapping) and isinstance(stored, Mapping):
        return {**stored, **given}
    if key == "address" and isinstance(given, str) and isinstance(stored, Mapping):
        return {**stored, "street": given}
    return given


def update_customer(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    code: str,
    changes: Mapping[str, Any],
    reason: str | None,
    expected_version: int,
) -> tuple[Customer, list[Event]]:
    """Update customer ``code`` (see :func:`apply_update`); fields ``update`` never changes are refused."""
    refuse_selecting_keys(code, changes)
    return apply_update(ctx, uow, who, ctx.load(uow, who, code), changes, reason, expected_version)


def apply_update(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    current: Customer,
    changes: Mapping[str, Any],
    reason: str | None,
    expected_version: int,
    *,
    warnings: list[Problem] | None = None,
) -> tuple[Customer, list[Event]]:
    """Validate the changed record, check field rights and keys, then store it or propose it.

    The edit is laid over what the editor sees: the approved customer with its
    pending revision, if any. What it changes in approval fields, by an actor who
    needs approval, joins the pending revision; the rest is stored at once. Returns
    the stored customer (``current`` when nothing was stored). Raises
    ``ValidationError`` with every problem, ``PermissionDenied`` for a field the
    actor may not edit, ``ConflictError`` when the stored version is not
    ``expected_version``. The warnings of a change that goes ahead are added to ``warnings``.
    """
    settings = ctx.settings
    key = code_of(current)
    if current.status is Status.DELETED:
        raise ValidationError(
            [make_problem("status", ProblemCode.INVALID_CHOICE, value="deleted", choices="not deleted")],
            record=repr(key),
        )
    pending = pending_revision(uow.history.list(key)) if settings.require_approval else None
    base = pending.applied_to(current) if pending is not None else current
    report = run(merge_changes(base, changes, settings.profile.custom_fields), settings.profile,
                 today=ctx.today())
    assert report.customer is not None
    new = revision(current, report.customer)
    if new.contacts != base.contacts:  # changed contacts are numbered; unchanged ones stay as stored
        new = with_contact_ids(new)
    diff = changes_between(base, new)
    check_edit(who, settings.policy, diff)
    problems = [*report.problems, *key_problems(ctx, uow, [(0, new)], own=key)[0]]
    # An unchanged parent is not checked again (it may have been deleted since).
    if new.parent != base.parent and all(p.path != "parent" for p in problems):
        problems += parent_problems(ctx, uow, who, new)
    if settings.profile.lenient or not any(p.is_error for p in problems):
        problems.extend(phone_problems(ctx, uow, who, [(0, new)], own=key, before=base)[0])
    if not settings.profile.lenient and any(p.is_error for p in problems):
        raise ValidationError(problems, record=repr(key))
    if warnings is not None:
        warnings.extend(p for p in problems if not p.is_error)
    proposed, direct = split_for_approval(ctx, who, current, diff)
    events: list[Event] = []
    stored = current
    if direct:
        try:
            stored = uow.customers.update(apply_changes(current, direct), expected_version)
        except DuplicateError as exc:
            raise ValidationError([duplicate_problem(exc, new)], record=repr(key)) from exc
        at = ctx.now()
        stored_diff = changes_between(current, stored)
        uow.history.append(entry(stored, "update", who, reason, stored_diff, at))
        events.extend(changed_events(stored, who, stored_diff, reason, at))
    if proposed:
        events.extend(propose(ctx, uow, who, stored, proposed, reason))
    return stored, events
