"""Customers to CSV or XLSX rows in the flat form of SPEC 1, ready to re-import.

A row carries the primary contact in the ``contact_*`` columns and any
further contacts as a JSON list in ``other_contacts`` (其他联系人), so that an
export imports back unchanged. CSV holds text only; XLSX keeps numbers,
dates and booleans, and stores identifiers as text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from custrecord.convert import flatten
from custrecord.fields import FIELDS, column_for
from custrecord.io.cells import Cell
from custrecord.io.columns import OTHER_CONTACTS, identifier_columns, other_contacts_column
from custrecord.io.writer import output_format, write_rows
from custrecord.model import Customer

__all__ = ["STANDARD_COLUMNS", "customer_columns", "customer_row", "extra_columns", "write_customers"]

#: Names an extra field cannot use as a column: the flat columns in both languages, and the
#: keys a record reads as its own (nested parts, storage fields).
STANDARD_COLUMNS = frozenset(
    {column_for(f.path, headers=h) for f in FIELDS for h in ("en", "zh")}
    | set(OTHER_CONTACTS.values())
    | {"address", "contacts", "credit", "extra", "version", "created_at", "updated_at"}
)

_TYPED: dict[str, Callable[[str], Cell]] = {
    "credit.limit": Decimal,
    "credit.days": int,
    "priority": int,
    "credit.valid_from": date.fromisoformat,
    "credit.valid_until": date.fromisoformat,
}


def customer_columns(*, headers: str = "en", extra: Sequence[str] = ()) -> list[str]:
    """The export header: SPEC 1 flat columns, other contacts, then the ``extra`` fields."""
    columns = [column_for(f.path, headers=headers) for f in FIELDS]
    columns.append(other_contacts_column(headers))
    columns.extend(key for key in dict.fromkeys(extra) if key not in STANDARD_COLUMNS)
    return columns


def extra_columns(customers: Iterable[Customer]) -> list[str]:
    """The extra-field names used by ``customers``, in order of first use."""
    seen: dict[str, None] = {}
    for customer in customers:
        seen.update(dict.fromkeys(k for k in customer.extra if k not in STANDARD_COLUMNS))
    return list(seen)


def _other_contacts(customer: Customer) -> str | None:
    if len(customer.contacts) < 2:
        return None
    others = [
        {k: v for k, v in attrs.asdict(contact).items() if v is not None} for contact in customer.contacts[1:]
    ]
    return json.dumps(others, ensure_ascii=False)


def customer_row(customer: Customer, *, headers: str = "en", typed: bool = False) -> dict[str, Cell]:
    """One flat row of ``customer`` (:func:`custrecord.flatten` plus other contacts).

    Text cells, blank ones None; with ``typed``, amounts are Decimal, days and
    priority int, dates date and extra fields keep their own type (for XLSX).
    """
    row: dict[str, Cell] = {k: (v or None) for k, v in flatten(customer, headers=headers).items()}
    row[other_contacts_column(headers)] = _other_contacts(customer)
    if typed:
        for path, convert in _TYPED.items():
            column = column_for(path, headers=headers)
            text = row[column]
            row[column] = None if text is None else convert(str(text))
        for key, value in customer.extra.items():
            if key not in STANDARD_COLUMNS:
                row[key] = value
    return row


def write_customers(
    path: str | os.PathLike[str],
    customers: Iterable[Customer],
    *,
    headers: str = "en",
    extra: Sequence[str] | None = None,
) -> int:
    """Export ``customers`` to CSV or XLSX (by extension) with ``en`` or ``zh`` headers.

    ``extra`` names the extra-field columns; None collects them from the
    customers, which reads them all first (pass ``extra`` to stream a large
    export in constant memory). Returns the number of rows written.
    """
    fmt = output_format(path)
    if extra is None:
        customers = customers if isinstance(customers, Sequence) else list(customers)
        extra = extra_columns(customers)
    columns = customer_columns(headers=headers, extra=extra)
    typed = fmt == "xlsx"
    rows = (customer_row(c, headers=headers, typed=typed) for c in customers)
    text = identifier_columns(headers)
    title = "客户档案" if headers == "zh" else "Customers"
    return write_rows(path, columns, rows, text_columns=text, sheet_title=title)


