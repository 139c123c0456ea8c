"""The flat form of SPEC 1: a customer as one row of cells, and a row's columns routed back.

A row holds the top-level fields, the address parts without their prefix
(``city``), the credit terms (``credit_limit``), one primary contact
(``contact_phone``) and the contacts after it as a JSON list in the
other-contacts column; the default shipping and billing addresses in their
column groups (``shipping_street``, 收货地址) and the other addresses and bank
accounts as JSON lists in their own columns; English or Chinese headers, and
the aliases of the field catalogue, are all accepted on the way back. Extra
(user-defined) fields are appended by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from custrecord.convert import unstructure
from custrecord.errors import CustrecordError
from custrecord.fields import (
    CATALOGUE,
    FIELDS,
    LIST_COLUMN_HEADERS,
    OTHER_ADDRESSES,
    OTHER_BANK_ACCOUNTS,
    OTHER_CONTACTS,
    Field,
    Value,
    column_for,
    field_for_column,
    field_for_path,
)
from custrecord.model import AddressEntry, Customer
from custrecord.problems import Problem, ProblemCode, Severity, make_problem
from custrecord.text import clean_text, text_of

__all__ = [
    "CELL_TYPES",
    "LIST_COLUMNS",
    "NESTED_PARTS",
    "OTHER_ADDRESSES_KEY",
    "OTHER_BANK_ACCOUNTS_KEY",
    "OTHER_CONTACTS_KEY",
    "ColumnMapError",
    "ColumnPlan",
    "Parts",
    "companies_text",
    "flatten",
    "identifier_columns",
    "is_field_key",
    "list_column",
    "list_column_text",
    "other_contacts_column",
    "other_contacts_text",
    "route",
    "split_record",
]

#: Keys that carry a whole part in its nested form (``companies``: a mapping, or its JSON cell).
NESTED_PARTS = frozenset(
    {"address", "contacts", "credit", "extra", "addresses", "bank_accounts", "companies"}
)

#: The key :func:`split_record` files the other-contacts column under, in ``Parts.nested``.
OTHER_CONTACTS_KEY = "other_contacts"
#: The keys of the other-addresses and other-bank-accounts columns, in ``Parts.nested``.
OTHER_ADDRESSES_KEY = "other_addresses"
OTHER_BANK_ACCOUNTS_KEY = "other_bank_accounts"
#: The JSON list columns of the flat form: the list each fills, and its headers by language.
LIST_COLUMNS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    OTHER_CONTACTS_KEY: ("contacts", OTHER_CONTACTS),
    OTHER_ADDRESSES_KEY: ("addresses", OTHER_ADDRESSES),
    OTHER_BANK_ACCOUNTS_KEY: ("bank_accounts", OTHER_BANK_ACCOUNTS),
}
_LIST_KEYS = {target: key for key, (target, _) in LIST_COLUMNS.items()}

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
    ``phone`` of the primary contact), ``shipping`` and ``billing`` those of
    the default shipping and billing addresses; ``nested`` holds whole parts
    given in nested form (``address``, ``contacts``, ``credit``, ``extra``,
    ``addresses``, ``bank_accounts``) and the JSON list columns
    (:data:`LIST_COLUMNS`); ``extra`` the declared custom-field columns;
    ``unknown`` every key that maps to no field.
    """

    top: dict[str, Any] = attrs.Factory(dict)
    address: dict[str, Any] = attrs.Factory(dict)
    credit: dict[str, Any] = attrs.Factory(dict)
    contact: dict[str, Any] = attrs.Factory(dict)
    shipping: dict[str, Any] = attrs.Factory(dict)
    billing: dict[str, Any] = attrs.Factory(dict)
    nested: dict[str, Any] = attrs.Factory(dict)
    extra: dict[str, Any] = attrs.Factory(dict)
    unknown: dict[str, Any] = attrs.Factory(dict)


_TOP_NAMES = frozenset(
    f.path for f in CATALOGUE if "." not in f.path and f.value not in (Value.EXTRA, Value.COMPANIES)
)
_PART_OF_HEAD = {"address": "address", "credit": "credit", "contacts": "contact",
                 "addresses[shipping]": "shipping", "addresses[billing]": "billing"}


def _route_of(key: str) -> tuple[str, str] | None:
    """(part, name in it) for a key, or None when it maps to no field."""
    if key in _TOP_NAMES:
        return "top", key
    if key in NESTED_PARTS:
        return "nested", key
    if key in LIST_COLUMN_HEADERS:
        return "nested", _LIST_KEYS[LIST_COLUMN_HEADERS[key]]
    field = field_for_column(key)
    if field is None:
        return None
    if field.value is Value.COMPANIES:
        return "nested", field.head
    part = _PART_OF_HEAD.get(field.path.split(".", 1)[0].removesuffix("[]"))
    return ("top", field.head) if part is None else (part, field.leaf)

#: Every header the catalogue names, routed once; other keys are routed when met.
_ROUTES: dict[str, tuple[str, str] | None] = {
    key: _route_of(key)
    for key in (
        *_TOP_NAMES,
        *NESTED_PARTS,
        *LIST_COLUMN_HEADERS,
        *(h for f in FIELDS for h in (f.column, f.zh, *f.aliases)),
    )
}




def _route_key(key: str) -> Any:
    """What a key stands for, so that two headers of one field are known as one (``税号``, ``tax_id``)."""
    return _ROUTES[key] if key in _ROUTES else _route_of(key)


def is_field_key(key: str) -> bool:
    """Whether a record key stands for a field (so an extra field of that name could not round-trip)."""
    route = _ROUTES[key] if key in _ROUTES else _route_of(key)
    return route is not None


def route(key: Any, custom_fields: frozenset[str] = frozenset()) -> tuple[str, Any]:
    """Where :func:`split_record` files ``key``: the :class:`Parts` attribute and the name in it.

    Unknown keys are filed under their text.
    """
    if not isinstance(key, str):
        return "unknown", text_of(key)
    if key in custom_fields and key not in _TOP_NAMES and key not in NESTED_PARTS:
        return "extra", key
    found = _ROUTES[key] if key in _ROUTES else _route_of(key)
    return ("unknown", key) if found is None else found


def split_record(data: Mapping[Any, Any], custom_fields: frozenset[str] = frozenset()) -> Parts:
    """Sort the keys of a nested or flat record into :class:`Parts` (see :func:`route`).

    ``custom_fields`` names flat columns that go to ``extra`` (a field's own name wins).
    """
    parts = Parts()
    for key, value in data.items():
        part, name = route(key, custom_fields)
        getattr(parts, part)[name] = value
    return parts


class ColumnMapError(CustrecordError, ValueError):
    """A column mapping names no field (``--map 旧列=nothing``)."""


def _mapped_target(header: str, target: str) -> str:
    """The record key a mapped column goes to: the flat column of the field ``target`` names."""
    field: Field | None = field_for_path(target) or field_for_column(target)
    if field is not None and field.flat:
        return field.column
    if target in LIST_COLUMN_HEADERS:
        return _LIST_KEYS[LIST_COLUMN_HEADERS[target]]
    raise ColumnMapError(
        f"column {header!r} is mapped to {target!r}, which is no field; name a field such as "
        "tax_id, contact_mobile, credit.limit or 信用额度 (see docs/reference/fields.md)"
    )


class ColumnPlan:
    """Where the columns of one table (a file, a DataFrame) go: to a field, to ``extra``, or nowhere.

    A column goes to the field its header names (English, Chinese, an alias, in
    simplified or traditional characters), or to the field ``columns`` maps it to
    (``{"旧客户号": "code"}``; a mapping wins over the built-in headers). Columns
    in ``custom_fields`` go to ``extra``. Any other column is unknown: it is
    reported once, as an ``unknown_column`` warning in :attr:`problems`, and left
    out of the records, unless ``strict``, which keeps it in every record so that
    validation refuses the row. Raises :class:`ColumnMapError` for a mapping to no field.
    """

    def __init__(
        self,
        columns: Mapping[str, str] | None = None,
        *,
        custom_fields: frozenset[str] | Iterable[str] = frozenset(),
        strict: bool = False,
    ) -> None:
        self.strict = strict
        self.custom_fields = frozenset(custom_fields)
        self._mapped = {(clean_text(h) or h): _mapped_target(h, t) for h, t in (columns or {}).items()}
        #: key -> record key (None: left out), decided once per key.
        self._targets: dict[Any, str | None] = {}
        #: Where each field's values come from: its route -> the first column that has it.
        self._claimed: dict[Any, str] = {}
        #: Unknown columns, each reported once, in the order they were met.
        self.problems: list[Problem] = []

    def ignore(self, key: str) -> None:
        """Leave ``key`` out of every record without reporting it (its problem is told elsewhere)."""
        self._targets[key] = None

    def target(self, key: Any) -> str | None:
        """The record key of column ``key`` (None when it is left out); reports an unknown column once."""
        try:
            return self._targets[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable key: reported under its text
            return self._unknown(key)
        target = self._decide(key)
        self._targets[key] = target
        return target

    def _candidate(self, key: str) -> str | None:
        """The record key ``key`` would go to, before unknown and repeated columns are sorted out."""
        target = self._mapped.get(clean_text(key) or key)
        if target is None and (key in self.custom_fields or is_field_key(key)):
            target = key
        return target

    def identity(self, key: str) -> Any:
        """What column ``key`` stands for: its field (two headers of one field are one), else the key."""
        return self._identity(key, self._candidate(key))

    def _identity(self, key: str, target: str | None) -> Any:
        if target is None or target in self.custom_fields:
            return key
        return _route_key(target)

    def _decide(self, key: Any) -> str | None:
        if not isinstance(key, str):
            return self._unknown(key)
        target = self._candidate(key)
        if target is None:
            return self._unknown(key)
        first = self._claimed.setdefault(self._identity(key, target), key)
        if first != key:  # two columns for one field: the first one is read
            self.problems.append(make_problem(
                key, ProblemCode.DUPLICATE_COLUMN, severity=Severity.WARNING, column=key,
                hint=f"{first!r} is read; its cells are not imported",
                hint_zh=f"已读取“{first}”，该列不导入",
            ))
            return None
        return target

    def _unknown(self, key: Any) -> str | None:
        column = key if isinstance(key, str) else text_of(key)
        if self.strict:
            return column  # validation reports it in every row
        if len(column) > 100:
            column = column[:99] + "…"  # a junk header must not blow up every report
        self.problems.append(make_problem(
            column, ProblemCode.UNKNOWN_COLUMN, severity=Severity.WARNING, column=column,
            hint="its cells are not imported; map it to a field or declare it as a custom field",
            hint_zh="该列不导入；可将其映射到字段，或声明为自定义字段",
        ))
        return None

    def field_of(self, key: str) -> Field | None:
        """The field column ``key`` stands for (None for a custom field or an unknown column)."""
        target = self.target(key)
        return None if target is None or target in self.custom_fields else field_for_column(target)

    def sort(self, cells: Mapping[Any, Any]) -> tuple[dict[Any, Any], tuple[Problem, ...]]:
        """:meth:`record`, and the problems of the columns first met in these cells."""
        known = len(self.problems)
        record = self.record(cells)
        return record, tuple(self.problems[known:])

    def record(self, cells: Mapping[Any, Any]) -> dict[Any, Any]:
        """The record to validate from a row's cells, keyed as the parser reads them.

        Blank custom-field cells are left out (a blank cell means "not set", so an
        empty custom field adds nothing to ``extra``).
        """
        out: dict[Any, Any] = {}
        custom = self.custom_fields
        for key, value in cells.items():
            target = self.target(key)
            if target is None or (value is None and target in custom):
                continue
            out[target] = value
        return out


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


def list_column(key: str, headers: str = "en") -> str:
    """The header of the JSON list column ``key`` (:data:`LIST_COLUMNS`) in ``en`` or ``zh``."""
    return LIST_COLUMNS[key][1]["zh" if headers == "zh" else "en"]


def _items(values: Iterable[Any]) -> str | None:
    items = [
        {k: v for k, v in attrs.asdict(value).items() if v is not None and v is not False}
        for value in values
    ]
    return json.dumps(items, ensure_ascii=False) if items else None


def list_column_text(customer: Customer, key: str) -> str | None:
    """The cell of the JSON list column ``key``: what the flat form's other columns do not hold, or None.

    Contacts after the primary one; addresses other than the default shipping and
    billing ones (each with its ``role``, ``default`` only when true); bank accounts
    after the main one.
    """
    if key == OTHER_CONTACTS_KEY:
        return other_contacts_text(customer)
    if key == OTHER_ADDRESSES_KEY:
        return _items(a for a in customer.addresses if not _in_columns(a))
    if key == OTHER_BANK_ACCOUNTS_KEY:
        return _items(customer.bank_accounts)
    raise KeyError(key)


def _in_columns(entry: AddressEntry) -> bool:
    """Whether the flat form holds ``entry`` in a column group (the default shipping or billing address)."""
    return entry.default and entry.role in _COLUMN_ROLES


_COLUMN_ROLES = frozenset({"shipping", "billing"})
_ADDRESS_COLUMNS = {
    f.path: (f.path[len("addresses["):].split("]", 1)[0], f.leaf)
    for f in FIELDS
    if f.path.startswith("addresses[")
}
def companies_text(customer: Customer) -> str | None:
    """The companies cell: the credit terms by company as a JSON object, or None."""
    if not customer.companies:
        return None
    return json.dumps(unstructure(customer)["companies"], ensure_ascii=False)


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
    defaults = {a["role"]: a for a in data["addresses"] if a["default"] and a["role"] in _COLUMN_ROLES}
    row: dict[str, str] = {}
    for field in FIELDS:
        head, _, tail = field.path.partition(".")
        if head == "contacts[]":
            value = contact.get(tail)
        elif field.path in _ADDRESS_COLUMNS:
            role, part = _ADDRESS_COLUMNS[field.path]
            value = defaults.get(role, {}).get(part)
        elif field.value is Value.COMPANIES:
            value = companies_text(customer)
        elif tail:
            value = data[head].get(tail)
        else:
            value = data[head]
        row[column_for(field.path, headers=headers)] = _cell(value)
    for key, value in data["extra"].items():
        row.setdefault(key, _cell(value))
    return row
