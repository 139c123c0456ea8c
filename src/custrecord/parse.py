"""Tolerant parsing of raw input (nested or flat) into a :class:`Customer`.

Parsing coerces types and normalises text (trim, NFKC, aliases); it never
raises for bad data. Every value that cannot be coerced becomes a
:class:`~custrecord.problems.Problem` with its path, and the field keeps its
default, so the remaining fields are still parsed and checked. Which key goes
where is :func:`custrecord.flat.split_record`'s business; how each value is
coerced, :mod:`custrecord.coerce`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from custrecord.coerce import COERCERS, BadValue, coerce_extra_value, plain_value
from custrecord.fields import CATALOGUE, Value
from custrecord.flat import OTHER_CONTACTS_KEY, split_record
from custrecord.model import Address, Contact, CreditProfile, Customer
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.text import PLACEHOLDERS, has_unstorable, text_of

__all__ = ["parse"]

Coercers = Mapping[str, Callable[[Any], Any]]


def _table(head: str) -> Coercers:
    """The coercers of one part (``""`` for the top level), by attribute name."""
    return {
        f.leaf: COERCERS[f.value]
        for f in CATALOGUE
        if f.value is not Value.EXTRA and (f.head == head if head else "." not in f.path)
    }


_TOP, _ADDRESS, _CONTACT, _CREDIT = _table(""), _table("address"), _table("contacts"), _table("credit")
# A contact's id is no column of the flat form, but nested data and the other-contacts cell keep it.
_CONTACT = {**_CONTACT, "id": COERCERS[Value.IDENTIFIER]}


def _problem(path: str, exc: BadValue, value: Any) -> Problem:
    return make_problem(path, exc.code, value=value, hint=exc.hint, hint_zh=exc.hint_zh, **exc.params)


class _Parser:
    __slots__ = ("custom_fields", "problems")

    def __init__(self, custom_fields: frozenset[str]) -> None:
        self.problems: list[Problem] = []
        self.custom_fields = custom_fields

    def fields(self, prefix: str, table: Mapping[str, Callable[[Any], Any]], data: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if data is None:
            return out
        if not isinstance(data, Mapping):
            self.problems.append(
                make_problem(
                    prefix.rstrip("."), ProblemCode.INVALID_FORMAT, value=data, hint="a mapping expected"
                )
            )
            return out
        for key, value in data.items():
            coerce = table.get(key) if isinstance(key, str) else None
            if coerce is None:
                self.unknown(f"{prefix}{text_of(key)}", value)
                continue
            try:
                parsed = coerce(plain_value(value))
            except BadValue as exc:
                self.problems.append(_problem(f"{prefix}{key}", exc, value))
                continue
            if parsed is not None:
                out[key] = parsed
        return out

    def unknown(self, path: str, value: Any) -> None:
        if len(path) > 100:
            path = path[:99] + "…"  # a junk header must not blow up every message and report
        self.problems.append(make_problem(path, ProblemCode.UNKNOWN_COLUMN, value=value, column=path))

    def contacts(self, data: Any, first: dict[str, Any] | None) -> tuple[Contact, ...]:
        contacts: list[Contact] = []
        if first:
            contacts.append(Contact(**first))
        if data is None:
            return tuple(contacts)
        if isinstance(data, Mapping):
            data = [data]
        if not isinstance(data, list | tuple):
            self.problems.append(
                make_problem(
                    "contacts", ProblemCode.INVALID_FORMAT, value=data, hint="a list of contacts expected"
                )
            )
            return tuple(contacts)
        for item in data:
            # Paths use the index the contact gets in the record, which rules use too:
            # an empty contact is dropped unless it had problems (then it is kept,
            # so that the problems point at it).
            before = len(self.problems)
            values = self.fields(f"contacts[{len(contacts)}].", _CONTACT, item)
            contact = Contact(**values)
            if not contact.is_empty() or len(self.problems) > before:
                contacts.append(contact)
        return tuple(contacts)

    def other_contacts(self, value: Any) -> list[Any]:
        """The contacts of an other-contacts cell: a JSON list of contact objects, or blank."""
        value = plain_value(value)
        if value is None or (isinstance(value, str) and (not value.strip() or value.strip() in PLACEHOLDERS)):
            return []
        if isinstance(value, list | tuple):
            return list(value)  # already structured: checked like any contacts
        data: Any = None
        if isinstance(value, str):
            try:
                data = json.loads(value)
            except (ValueError, RecursionError):
                data = None
        if isinstance(data, list) and all(isinstance(item, Mapping) for item in data):
            return data
        self.problems.append(
            make_problem(
                "contacts",
                ProblemCode.INVALID_FORMAT,
                value=value,
                label="other contacts",
                label_zh="其他联系人",
                hint='a JSON list such as [{"name": "Li Lei", "mobile": "13812345678"}]',
                hint_zh='应为JSON列表，如 [{"name": "李雷", "mobile": "13812345678"}]',
            )
        )
        return []

    def extra(self, data: Any, flat_extra: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if data is not None:
            if not isinstance(data, Mapping):
                self.problems.append(make_problem("extra", ProblemCode.INVALID_FORMAT, value=data))
                data = {}
            for key, value in data.items():
                self._extra_item(out, key, value)
        for key, value in flat_extra.items():
            self._extra_item(out, key, value)
        return out

    def _extra_item(self, out: dict[str, Any], key: Any, value: Any) -> None:
        if not isinstance(key, str) or not key.strip() or has_unstorable(key):
            self.problems.append(make_problem("extra", ProblemCode.INVALID_FORMAT, value=key))
            return
        try:
            out[key] = coerce_extra_value(plain_value(value))
        except BadValue as exc:
            self.problems.append(_problem(f"extra.{key}", exc, value))


def _joined(contacts: Any, others: list[Any]) -> Any:
    """Nested ``contacts`` followed by the other-contacts column's."""
    if contacts is None:
        return others
    if isinstance(contacts, Mapping):
        return [contacts, *others]
    if isinstance(contacts, list | tuple):
        return [*contacts, *others]
    return contacts  # its type problem is reported by the contacts parser


def _merge(nested: Any, flat: dict[str, Any]) -> Any:
    if not flat:
        return nested
    if nested is None:
        return flat
    if isinstance(nested, Mapping):
        return {**nested, **flat}
    return nested  # the nested value's type problem is reported on its own


def parse(data: Any, *, custom_fields: Iterable[str] = ()) -> tuple[Customer, list[Problem]]:
    """Parse nested or flat input (or a :class:`Customer`) into a customer and the problems met.

    Never raises for bad data. ``custom_fields`` names flat columns that go to
    ``extra``; other unknown keys are reported as ``unknown_column``.
    """
    parser = _Parser(frozenset(custom_fields))
    if isinstance(data, Customer):
        # Parse a customer like any input, so that one built by hand is normalised
        # (trimmed, NFKC) and checked exactly as its dict form would be.
        data = attrs.asdict(data, recurse=True)
    if not isinstance(data, Mapping):
        parser.problems.append(
            make_problem("", ProblemCode.INVALID_FORMAT, value=data, label="record", label_zh="记录",
                         hint="a mapping of field names to values expected")
        )
        return Customer(name=""), parser.problems
    parts = split_record(data, parser.custom_fields)
    for key, value in parts.unknown.items():
        parser.unknown(key, value)
    values = parser.fields("", _TOP, parts.top)
    # A whole part given as NaN (a DataFrame column named "address") is blank, like None.
    nested = {key: plain_value(value) for key, value in parts.nested.items()}
    raw_address = nested.get("address")
    if isinstance(raw_address, str):
        # A one-line address is the street part, not an error.
        raw_address = {"street": raw_address}
    address = parser.fields("address.", _ADDRESS, raw_address)
    if parts.address:
        address.update(parser.fields("address.", _ADDRESS, parts.address))
    credit = parser.fields("credit.", _CREDIT, _merge(nested.get("credit"), parts.credit))
    first = parser.fields("contacts[0].", _CONTACT, parts.contact) if parts.contact else None
    raw_contacts = nested.get("contacts")
    if OTHER_CONTACTS_KEY in nested:
        others = parser.other_contacts(nested[OTHER_CONTACTS_KEY])
        if others:
            raw_contacts = _joined(raw_contacts, others)
    contacts = parser.contacts(raw_contacts, first)
    extra = parser.extra(nested.get("extra"), parts.extra) if "extra" in nested or parts.extra else {}
    name = values.pop("name", "")
    try:
        customer = Customer(
            name=name,
            address=Address(**address) if address else _NO_ADDRESS,
            credit=CreditProfile(**credit) if credit else _NO_CREDIT,
            contacts=contacts,
            extra=extra,
            **values,
        )
    except (TypeError, ValueError) as exc:  # pragma: no cover - the tables above guard this
        parser.problems.append(make_problem("", ProblemCode.INVALID_FORMAT, value=repr(exc)))
        customer = Customer(name=name)
    return customer, parser.problems


# Values are immutable, so records without these parts can share one empty instance.
_NO_ADDRESS = Address()
_NO_CREDIT = CreditProfile()
