"""Column names the I/O layer adds to the flat form of SPEC 1, in English and Chinese.

The flat form's own columns are :mod:`custrecord.flat`'s business.
"""

from __future__ import annotations

__all__ = ["ERROR_COLUMNS", "IGNORED_HEADERS"]

#: The columns an error file adds in front of the original ones: row, field, code, message.
ERROR_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "en": ("error_row", "error_field", "error_code", "error_message"),
    "zh": ("错误行号", "错误字段", "错误代码", "错误说明"),
}

#: Headers a reader skips, so that a corrected error file imports as it is.
IGNORED_HEADERS: frozenset[str] = frozenset(name for names in ERROR_COLUMNS.values() for name in names)
