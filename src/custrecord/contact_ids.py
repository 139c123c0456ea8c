"""Contact ids: each contact of a customer has one, unique within the customer, kept while it lives.

A contact without an id (one stored before ids existed, or read from a flat
row, whose columns carry the first contact without its id) gets the smallest
free ``c<n>``, in list order; so a customer whose contacts have no ids yet
numbers them ``c1``, ``c2``... the same way each time, and the contact methods
and history can name a contact by its id (``contacts[c2].mobile``) before the
customer is next written. ``book.add_contact`` gives a new contact the next
number above the highest instead (:func:`next_id`), so a removed contact's id
is not handed to the next one. A given id is kept when it is well formed (a
letter, then up to 31 letters, digits, ``_`` or ``-``) and no earlier contact
has it; otherwise it is replaced.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from custrecord.copying import copy_with
from custrecord.model import Contact, Customer

__all__ = [
    "ID_PATTERN",
    "contact_path",
    "next_id",
    "number_contacts",
    "parse_contact_path",
    "with_contact_ids",
]

#: A well-formed contact id; never all digits, so ``contacts[c2]`` is never an index.
ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
_NUMBERED = re.compile(r"c([1-9][0-9]{0,8})")
_PATH = re.compile(r"contacts\[([A-Za-z][A-Za-z0-9_-]{0,31})\](?:\.([a-z_]+))?")


def number_contacts(contacts: Sequence[Contact]) -> tuple[Contact, ...]:
    """``contacts`` with ids: one without a usable id gets the next ``c<n>``; ids given are kept."""
    used: set[str] = set()
    keep: list[bool] = []
    for contact in contacts:
        given = contact.id
        ok = given is not None and ID_PATTERN.fullmatch(given) is not None and given not in used
        keep.append(ok)
        if ok:
            used.add(contact.id or "")
    if all(keep):
        return tuple(contacts)
    free = (f"c{n}" for n in itertools.count(1) if f"c{n}" not in used)
    return tuple(
        contact if ok else copy_with(contact, {"id": next(free)})
        for contact, ok in zip(contacts, keep, strict=True)
    )


def next_id(contacts: Sequence[Contact]) -> str:
    """The id of a contact added after ``contacts``: ``c`` and the number above the highest."""
    top = max((int(m[1]) for c in contacts if c.id and (m := _NUMBERED.fullmatch(c.id))), default=0)
    return f"c{top + 1}"


def with_contact_ids(customer: Customer) -> Customer:
    """``customer`` with every contact numbered (itself when they all have ids)."""
    numbered = number_contacts(customer.contacts)
    return customer if numbered == customer.contacts else copy_with(customer, {"contacts": numbered})


def contact_path(contact_id: str, leaf: str | None = None) -> str:
    """The history path of a contact (``contacts[c2]``) or of one of its fields (``contacts[c2].mobile``)."""
    return f"contacts[{contact_id}]" + (f".{leaf}" if leaf else "")


def parse_contact_path(path: str) -> tuple[str, str | None] | None:
    """``(id, field or None)`` of a contact's history path, None for any other path."""
    match = _PATH.fullmatch(path)
    return None if match is None else (match[1], match[2])
