"""Customers to CSV or XLSX rows in the flat form of SPEC 1, ready to re-import.

A row carries the primary contact in the ``contact_*`` columns and any
further contacts as a JSON list in ``other_contacts`` (其他联系人); the
addresses and bank accounts the columns do not hold go to ``other_addresses``
(其他地址) and ``other_bank_accounts`` (其他银行账户) likewise, so that an
export imports back unchanged. CSV holds text only; XLSX keeps numbers,
dates and booleans, and stores identifiers as text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from custrecord.fields import FIELDS, column_for
from custrecord.flat import (
    CELL_TYPES,
    LIST_COLUMNS,
    flatten,
    identifier_columns,
    is_field_key,
    list_column,
    list_column_text,
)
from custrecord.io.cells import Cell
from custrecord.io.writer import output_format, write_rows
from custrecord.model import Customer

__all__ = ["customer_columns", "customer_row", "extra_columns", "write_customers"]


def customer_columns(*, headers: str = "en", extra: Sequence[str] = ()) -> list[str]:
    """The export header: SPEC 1 flat columns, the JSON list columns, then the ``extra`` fields."""
    columns = [column_for(f.path, headers=headers) for f in FIELDS]
    columns.extend(list_column(key, headers) for key in LIST_COLUMNS)
    columns.extend(key for key in dict.fromkeys(extra) if not is_field_key(key))
    return columns


def extra_columns(customers: Iterable[Customer]) -> list[str]:
    """The extra-field names used by ``customers``, in order of first use."""
    seen: dict[str, None] = {}
    for customer in customers:
        seen.update(dict.fromkeys(k for k in customer.extra if not is_field_key(k)))
    return list(seen)


def customer_row(customer: Customer, *, headers: str = "en", typed: bool = False) -> dict[str, Cell]:
    """One flat row of ``customer`` (:func:`custrecord.flatten` plus the JSON list columns).

    Text cells, blank ones None; with ``typed``, amounts are Decimal, days and
    priority int, dates date and extra fields keep their own type (for XLSX).
    """
    row: dict[str, Cell] = {k: (v or None) for k, v in flatten(customer, headers=headers).items()}
    for key in LIST_COLUMNS:
        row[list_column(key, headers)] = list_column_text(customer, key)
    if typed:
        for field in FIELDS:
            convert = CELL_TYPES.get(field.value)
            if convert is not None:
                column = column_for(field.path, headers=headers)
                text = row[column]
                row[column] = None if text is None else convert(str(text))
        for key, value in customer.extra.items():
            if not is_field_key(key):
                row[key] = value
    return row


def write_customers(
    path: str | os.PathLike[str],
    customers: Iterable[Customer],
    *,
    headers: str = "en",
    extra: Sequence[str] | None = None,
    neutralise_formulas: bool = True,
) -> int:
    """Export ``customers`` to CSV or XLSX (by extension) with ``en`` or ``zh`` headers.

    ``extra`` names the extra-field columns; None collects them from the
    customers, which reads them all first (pass ``extra`` to stream a large
    export in constant memory). ``neutralise_formulas``: see
    :func:`~custrecord.io.write_rows`. Returns the number of rows written.
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
    return write_rows(path, columns, rows, text_columns=text, sheet_title=title,
                      neutralise_formulas=neutralise_formulas)


