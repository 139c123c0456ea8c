"""Text normalisation shared by parsing, validation and matching."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "PLACEHOLDERS",
    "clean_text",
    "compact_identifier",
    "has_unstorable",
    "is_placeholder",
    "nfkc",
    "text_of",
]

_SPACES = re.compile(r"\s+")

#: Values that people type into a field to mean "none" (无 = none, 暂无 = none yet).
PLACEHOLDERS = frozenset(
    {"/", "-", "--", "—", "N/A", "NA", "n/a", "na", "NONE", "None", "none", "null", "NULL"}
    | {"无", "暂无", "空"}
)


def nfkc(text: str) -> str:
    """NFKC-normalise: full-width letters, digits and brackets become half-width."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


def clean_text(text: str) -> str | None:
    """Trim, NFKC-normalise, drop zero-width spaces and collapse runs of white space; blank gives None."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    # Every white-space and zero-width character is unprintable but " ", so this finds them cheaply.
    if "  " in text or not text.isprintable():
        text = _SPACES.sub(" ", text.translate(_ZERO_WIDTH))
    text = text.strip()
    return text or None


# Invisible characters that text pasted from web pages carries (zero-width space, word joiner,
# byte-order mark) and that would make two equal-looking names differ. The zero-width
# (non-)joiners stay: they shape Persian and Indic text and emoji.
_ZERO_WIDTH = str.maketrans("", "", "\u200b\u2060\ufeff")


def compact_identifier(text: str) -> str:
    """NFKC, upper case, and no spaces, dashes, dots or slashes."""
    text = nfkc(text).upper()
    # No separator in an all-alphanumeric text: skip translate(), the slow part.
    return text if text.isalnum() else text.translate(_COMPACT)


# White space, and the separators people type or paste: ASCII and Unicode dashes, dots, slashes.
_COMPACT = str.maketrans("", "", " \t\r\n-./_\u00a0\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fb")


# C0 controls other than tab/newline/CR (XLSX cannot hold them, PostgreSQL refuses NUL),
# DEL, and lone surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def has_unstorable(text: str) -> bool:
    """Whether ``text`` has characters that no database or spreadsheet should be given."""
    return _UNSTORABLE.search(text) is not None


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is a placeholder for "none" such as ``/``, ``N/A`` or ``无``."""
    return text.strip() in PLACEHOLDERS


def text_of(value: object) -> str:
    """``str(value)``, or ``<type>`` when that fails (a huge int, a broken ``__str__``): for reports."""
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__}>"
