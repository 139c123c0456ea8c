"""Cell values: what a table row holds, and how spreadsheet values become cells.

A cell is text, a number, a boolean, a date or None (blank). Spreadsheets
store numbers as binary floating point with 15 significant digits, so an
integral number is handed on as an ``int`` only while it is exact (below
10**15); beyond that it stays a ``float``, which the parser reports for text
fields (an 18-digit ID typed as a number has already lost digits).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeAlias

__all__ = [
    "CELL_LIMIT",
    "EXACT_INT_LIMIT",
    "Cell",
    "Row",
    "cell_text",
    "column_letter",
    "escape_ooxml",
    "from_spreadsheet",
    "is_blank",
    "neutralise_formula",
    "restore_formula",
    "unescape_ooxml",
]

#: A cell value. ``datetime`` is a ``date`` too.
Cell: TypeAlias = str | int | float | bool | Decimal | date | None

#: A row of a table: its line number as a spreadsheet shows it, and its cells by column.
Row: TypeAlias = tuple[int, dict[str, Cell]]

#: Integers at or above this cannot be held exactly by a spreadsheet number (15 digits).
EXACT_INT_LIMIT = 10**15

#: The most characters a cell may hold, read or written, CSV or XLSX: what custrecord writes it
#: reads back, and a quote that never closes (or a blown-up workbook) stops here.
CELL_LIMIT = 1 << 20

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection).
_FORMULA_START = frozenset("=+-@\t\r")


def neutralise_formula(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula: a leading ``'`` where OWASP says.

    A text that already starts with ``'`` followed by such a character (or another ``'``)
    gets one more, so that :func:`restore_formula` gives every text back exactly.
    """
    if text and (text[0] in _FORMULA_START or (text[0] == "'" and text[1:2] and text[1] in _QUOTED)):
        return "'" + text
    return text


def restore_formula(text: str) -> str:
    """Undo :func:`neutralise_formula` (for CSV cells as read)."""
    if text[:1] == "'" and text[1:2] and text[1] in _QUOTED:
        return text[1:]
    return text


_QUOTED = _FORMULA_START | {"'"}


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 -> ``A``, 27 -> ``AB``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_blank(value: Cell) -> bool:
    """True for None and for text that is empty or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def from_spreadsheet(value: Any) -> Cell:
    """A cell from a value openpyxl read: exact ints, dates for midnight datetimes, text unescaped."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return unescape_ooxml(value) if value else None
    if isinstance(value, int):
        # Written exactly by a program, but Excel itself would already have rounded it.
        return value if abs(value) < EXACT_INT_LIMIT else float(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < EXACT_INT_LIMIT:
            return int(value)
        return value
    if isinstance(value, datetime):
        return value.date() if value.time() == time() and value.tzinfo is None else value
    if isinstance(value, date):
        return value
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


# ST_Xstring escaping of OOXML: characters XML cannot hold are written _xHHHH_,
# and a literal "_xHHHH_" protects its underscore as _x005F_.
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff\ud800-\udfff]")


def escape_ooxml(text: str) -> str:
    """Escape ``text`` for an XLSX cell so that Excel and :func:`unescape_ooxml` give it back."""
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def unescape_ooxml(text: str) -> str:
    """Undo OOXML ``_xHHHH_`` escapes, as Excel does when it reads a cell."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text)


def cell_text(value: Cell) -> str:
    """A cell as CSV text: blank for None, ISO dates, ``TRUE``/``FALSE`` as Excel writes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)
