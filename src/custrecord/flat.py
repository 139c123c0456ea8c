"""The flat form of SPEC 1: a customer as one row of cells, and a row's columns routed back.

A row holds the top-level fields, the address parts without their prefix
(``city``), the credit terms (``credit_limit``), one primary contact
(``contact_phone``) and the contacts after it as a JSON list in the
other-contacts column; English or Chinese headers, and the aliases of the field
catalogue, are all accepted on the way back. Extra (user-defined) fields are
appended by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from custrecord.convert import unstructure
from custrecord.fields import CATALOGUE, FIELDS, OTHER_CONTACTS, Value, column_for, field_for_column
from custrecord.model import Customer
from custrecord.text import is_placeholder, text_of

__all__ = [
    "CELL_TYPES",
    "NESTED_PARTS",
    "OTHER_CONTACTS_KEY",
    "Parts",
    "flatten",
    "identifier_columns",
    "is_field_key",
    "is_unset",
    "other_contacts_column",
    "other_contacts_text",
    "split_record",
]

#: Keys that carry a whole part in its nested form.
NESTED_PARTS = frozenset({"address", "contacts", "credit", "extra"})

#: The key :func:`split_record` files the other-contacts column under, in ``Parts.nested``.
OTHER_CONTACTS_KEY = "other_contacts"

#: How a typed cell (XLSX) holds a field's text: amounts as Decimal, counts as int, dates as date.
CELL_TYPES: Mapping[Value, Callable[[str], Any]] = {
    Value.DECIMAL: Decimal,
    Value.INT: int,
    Value.DATE: date.fromisoformat,
}


@attrs.define
class Parts:
    """A record's keys sorted by where their values go.

    ``top`` maps top-level fields (``name``); ``address``, ``credit`` and
    ``contact`` map the leaves given as flat columns (``city``, ``limit``,
    ``phone`` of the primary contact); ``nested`` holds whole parts given in
    nested form (``address``, ``contacts``, ``credit``, ``extra``) and the
    other-contacts column; ``extra`` the declared custom-field columns;
    ``unknown`` every key that maps to no field.
    """

    top: dict[str, Any] = attrs.Factory(dict)
    address: dict[str, Any] = attrs.Factory(dict)
    credit: dict[str, Any] = attrs.Factory(dict)
    contact: dict[str, Any] = attrs.Factory(dict)
    nested: dict[str, Any] = attrs.Factory(dict)
    extra: dict[str, Any] = attrs.Factory(dict)
    unknown: dict[str, Any] = attrs.Factory(dict)


_TOP_NAMES = frozenset(f.path for f in CATALOGUE if "." not in f.path and f.value is not Value.EXTRA)
_PART_OF_HEAD = {"address": "address", "credit": "credit", "contacts": "contact"}


def _route_of(key: str) -> tuple[str, str] | None:
    """(part, name in it) for a key, or None when it maps to no field."""
    if key in _TOP_NAMES:
        return "top", key
    if key in NESTED_PARTS:
        return "nested", key
    if key in _OTHER_CONTACT_HEADERS:
        return "nested", OTHER_CONTACTS_KEY
    field = field_for_column(key)
    if field is None:
        return None
    part = _PART_OF_HEAD.get(field.head)
    return ("top", field.head) if part is None else (part, field.leaf)


_OTHER_CONTACT_HEADERS = frozenset(OTHER_CONTACTS.values())
#: Every header the catalogue names, routed once; other keys are routed when met.
_ROUTES: dict[str, tuple[str, str] | None] = {
    key: _route_of(key)
    for key in (
        *_TOP_NAMES,
        *NESTED_PARTS,
        *_OTHER_CONTACT_HEADERS,
        *(h for f in FIELDS for h in (f.column, f.zh, *f.aliases)),
    )
}


def is_unset(value: Any) -> bool:
    """A cell that gives no value: empty, or a placeholder such as ``/`` or ``无``.

    On import and update such a cell leaves what is stored as it is; it never erases.
    """
    return value is None or (isinstance(value, str) and (not value.strip() or is_placeholder(value)))


def is_field_key(key: str) -> bool:
    """Whether a record key stands for a field (so an extra field of that name could not round-trip)."""
    route = _ROUTES[key] if key in _ROUTES else _route_of(key)
    return route is not None


def split_record(data: Mapping[Any, Any], custom_fields: frozenset[str] = frozenset()) -> Parts:
    """Sort the keys of a nested or flat record into :class:`Parts`.

    ``custom_fields`` names flat columns that go to ``extra`` (a field's own name wins).
    """
    parts = Parts()
    for key, value in data.items():
        if not isinstance(key, str):
            parts.unknown[text_of(key)] = value
            continue
        if key in custom_fields and key not in _TOP_NAMES and key not in NESTED_PARTS:
            parts.extra[key] = value
            continue
        route = _ROUTES[key] if key in _ROUTES else _route_of(key)
        if route is None:
            parts.unknown[key] = value
        else:
            part, name = route
            getattr(parts, part)[name] = value
    return parts


def other_contacts_column(headers: str = "en") -> str:
    """The header of the other-contacts column in ``en`` or ``zh``."""
    return OTHER_CONTACTS["zh" if headers == "zh" else "en"]


def other_contacts_text(customer: Customer) -> str | None:
    """The other-contacts cell: the contacts after the primary one as a JSON list, or None."""
    if len(customer.contacts) < 2:
        return None
    others = [
        {k: v for k, v in attrs.asdict(contact).items() if v is not None} for contact in customer.contacts[1:]
    ]
    return json.dumps(others, ensure_ascii=False)


def identifier_columns(headers: str = "en") -> frozenset[str]:
    """Headers of the identifier fields, written as text so a spreadsheet never makes them numbers."""
    return frozenset(
        column_for(f.path, headers=headers) for f in FIELDS if f.value in (Value.CODE, Value.IDENTIFIER)
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | frozenset | set):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


def flatten(customer: Customer, *, headers: str = "en") -> dict[str, str]:
    """One flat row of text cells; extra fields are appended by name.

    ``headers`` is ``en`` (``contact_phone``) or ``zh`` (``电话``). Only the
    primary contact fits the ``contact_*`` columns; see :func:`other_contacts_text`.
    """
    data = unstructure(customer)
    contact = data["contacts"][0] if data["contacts"] else {}
    row: dict[str, str] = {}
    for field in FIELDS:
        head, _, tail = field.path.partition(".")
        if head == "contacts[]":
            value = contact.get(tail)
        elif tail:
            value = data[head].get(tail)
        else:
            value = data[head]
        row[column_for(field.path, headers=headers)] = _cell(value)
    for key, value in data["extra"].items():
        row.setdefault(key, _cell(value))
    return row
