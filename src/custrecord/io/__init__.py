"""Tabular import and export: CSV and XLSX files, row-level error reports, templates.

>>> from custrecord.io import read_rows, validate_rows, summarize   # doctest: +SKIP
>>> summary = summarize(validate_rows(read_rows("customers.xlsx")))  # doctest: +SKIP

openpyxl is imported only when an XLSX file is read or written.
"""

from __future__ import annotations

from custrecord.fields import OTHER_ADDRESSES, OTHER_BANK_ACCOUNTS, OTHER_CONTACTS
from custrecord.io.card import customer_card_html
from custrecord.io.cells import Cell, Row
from custrecord.io.columns import ERROR_COLUMNS
from custrecord.io.errorfile import write_errors
from custrecord.io.errors import FileError, FileFormatError, MissingDependencyError
from custrecord.io.export import customer_columns, customer_row, write_customers
from custrecord.io.importing import FileImport, import_file
from custrecord.io.pipeline import RowResult, chunks, record_from_cells, summarize, validate_rows
from custrecord.io.reader import DUPLICATE_COLUMN, Table, open_table, read_rows
from custrecord.io.template import write_template
from custrecord.io.writer import write_rows

__all__ = [
    "DUPLICATE_COLUMN",
    "ERROR_COLUMNS",
    "OTHER_ADDRESSES",
    "OTHER_BANK_ACCOUNTS",
    "OTHER_CONTACTS",
    "Cell",
    "FileError",
    "FileFormatError",
    "FileImport",
    "MissingDependencyError",
    "Row",
    "RowResult",
    "Table",
    "chunks",
    "customer_card_html",
    "customer_columns",
    "customer_row",
    "import_file",
    "open_table",
    "read_rows",
    "record_from_cells",
    "summarize",
    "validate_rows",
    "write_customers",
    "write_errors",
    "write_rows",
    "write_template",
]
