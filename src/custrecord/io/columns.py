"""Column names the I/O layer adds to the flat form of SPEC 1, in English and Chinese."""

from __future__ import annotations

from custrecord.fields import OTHER_CONTACTS, column_for

__all__ = [
    "ERROR_COLUMNS",
    "IDENTIFIER_PATHS",
    "IGNORED_HEADERS",
    "OTHER_CONTACTS",
    "identifier_columns",
    "other_contacts_column",
]

#: The columns an error file adds in front of the original ones: row, field, code, message.
ERROR_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "en": ("error_row", "error_field", "error_code", "error_message"),
    "zh": ("错误行号", "错误字段", "错误代码", "错误说明"),
}

#: Headers a reader skips, so that a corrected error file imports as it is.
IGNORED_HEADERS: frozenset[str] = frozenset(name for names in ERROR_COLUMNS.values() for name in names)

#: Fields that are identifiers: written as text so that a spreadsheet never turns them into numbers.
IDENTIFIER_PATHS: tuple[str, ...] = (
    "code",
    "tax_id",
    "category",
    "region",
    "address.postcode",
    "contacts[].phone",
    "contacts[].mobile",
    "bank_account",
)


def other_contacts_column(headers: str = "en") -> str:
    """The header of the other-contacts column in ``en`` or ``zh``."""
    return OTHER_CONTACTS["zh" if headers == "zh" else "en"]


def identifier_columns(headers: str = "en") -> frozenset[str]:
    """The headers of the identifier fields in ``en`` or ``zh``."""
    return frozenset(column_for(path, headers=headers) for path in IDENTIFIER_PATHS)
