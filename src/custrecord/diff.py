"""Field-level differences between two versions of a customer, and their replay.

Values are in the JSON-safe canonical form of :func:`custrecord.unstructure`, so
a change can be stored in any history backend and replayed exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from custrecord.contact_ids import parse_contact_path, with_contact_ids
from custrecord.convert import load, unstructure, unstructure_set
from custrecord.fields import CATALOGUE, MANAGED_FIELDS, Value
from custrecord.model import Customer

__all__ = [
    "BLANK",
    "FIELD_PATHS",
    "MANAGED_FIELDS",
    "FieldChange",
    "apply_changes",
    "changes_between",
    "flat_paths",
    "is_field_path",
]

_NESTED = ("address", "credit")
#: The record every history starts from.
BLANK = Customer(name="")


class FieldChange(NamedTuple):
    """One changed field: ``path`` (``credit.limit``), old and new JSON-safe values.

    A named tuple, so history entries store it as it is (it is also
    :class:`custrecord.storage.values.Change`).
    """

    path: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"path": self.path, "old": self.old, "new": self.new}


def flat_paths(data: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical data as ``{path: value}``; address and credit parts get their own paths.

    Contacts, tags and extra are compared as whole values: a contact list is one
    field for history, which keeps replay exact whatever the list edits were.
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in MANAGED_FIELDS:
            continue
        if key in _NESTED and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                out[f"{key}.{sub}"] = sub_value
        else:
            out[key] = value
    return out


def changes_between(old: Customer | None, new: Customer) -> tuple[FieldChange, ...]:
    """The fields that differ from ``old`` to ``new``.

    ``old`` None stands for a blank record (``Customer(name="")`` with defaults),
    so a new customer's changes are exactly what it sets, and replaying them on a
    blank record with :func:`apply_changes` gives it back.
    """
    if old is None:
        return _set_over_blank(new)
    before, after = flat_paths(unstructure(old)), flat_paths(unstructure(new))
    return tuple(
        FieldChange(path, before.get(path), value)
        for path, value in after.items()
        if before.get(path) != value and not _same_amount(path, before.get(path), value)
    )


#: Paths of amounts: ``900000.00`` and ``900000`` are one amount, so a re-import that writes it
#: differently (a spreadsheet keeps no trailing zeros) changes nothing.
_AMOUNT_PATHS = frozenset(f.path for f in CATALOGUE if f.value is Value.DECIMAL)


def _same_amount(path: str, old: Any, new: Any) -> bool:
    return path in _AMOUNT_PATHS and old is not None and new is not None and Decimal(old) == Decimal(new)


def apply_changes(customer: Customer, changes: Iterable[FieldChange | Mapping[str, Any]]) -> Customer:
    """Replay ``changes`` (their ``new`` values) on ``customer``.

    A contact's path (``contacts[c2]``, ``contacts[c2].mobile``) changes the contact
    with that id: a whole contact is added, replaced or (new value None) removed.
    """
    pairs = [
        (change.path, change.new) if isinstance(change, FieldChange) else (change["path"], change["new"])
        for change in changes
    ]
    if any(parse_contact_path(path) for path, _ in pairs):
        customer = with_contact_ids(customer)  # the ids the paths name, for contacts stored without
    data = unstructure(customer)
    for path, value in pairs:
        target = parse_contact_path(path)
        if target is not None:
            data["contacts"] = _contact_changed(data["contacts"], *target, value)
            continue
        head, _, tail = path.partition(".")
        if tail:
            data[head] = {**data[head], tail: value}
        else:
            data[head] = value
    return load(data)


def _contact_changed(contacts: list[Any], contact_id: str, leaf: str | None, value: Any) -> list[Any]:
    """The contact list after one contact-path change."""
    out = list(contacts)
    at = next((i for i, c in enumerate(out) if isinstance(c, Mapping) and c.get("id") == contact_id), None)
    if leaf is not None:
        if at is not None:
            out[at] = {**out[at], leaf: value}
    elif value is None:
        if at is not None:
            del out[at]
    elif at is not None:
        out[at] = value
    else:
        out.append(value)
    return out


def is_field_path(path: str) -> bool:
    """Whether a history path names a field (or a contact's), not a pseudo-change (``merged``)."""
    return path in FIELD_PATHS or parse_contact_path(path) is not None


_BLANK_PATHS = flat_paths(unstructure(BLANK))
#: The paths a change of a field has; history also records pseudo-changes (``merged``,
#: ``credit.raise``) that are no field.
FIELD_PATHS: frozenset[str] = frozenset(_BLANK_PATHS)
#: Every path of a record in canonical order: (top-level key, key inside its part or None, path, blank value).
_LAYOUT = tuple(
    (head, sub or None, path, blank)
    for path, blank in _BLANK_PATHS.items()
    for head, _, sub in [path.partition(".")]
)
_ABSENT = object()


def _set_over_blank(new: Customer) -> tuple[FieldChange, ...]:
    """``changes_between(None, new)``: a blank record holds every default, so only what
    ``new`` sets (its :func:`~custrecord.convert.unstructure_set` form) can differ from it."""
    data = unstructure_set(new)
    out = []
    for head, sub, path, blank in _LAYOUT:
        value = data.get(head, _ABSENT)
        if value is not _ABSENT and sub is not None:
            value = value.get(sub, _ABSENT)
        if value is not _ABSENT and value != blank:
            out.append(FieldChange(path, blank, value))
    return tuple(out)
