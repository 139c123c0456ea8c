"""Text normalisation shared by parsing, validation and matching."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "PLACEHOLDERS",
    "clean_text",
    "compact_identifier",
    "is_placeholder",
    "nfkc",
]

_SPACES = re.compile(r"\s+")

#: Values that people type into a field to mean "none" (无 = none, 暂无 = none yet).
PLACEHOLDERS = frozenset(
    {"/", "-", "--", "—", "N/A", "NA", "n/a", "na", "NONE", "None", "none", "null", "NULL", "无", "暂无", "空"}
)


def nfkc(text: str) -> str:
    """NFKC-normalise: full-width letters, digits and brackets become half-width."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


def clean_text(text: str) -> str | None:
    """Trim, NFKC-normalise and collapse runs of white space; blank gives None."""
    text = nfkc(text)
    if "  " in text or "\t" in text or "\n" in text or "\r" in text or "\u3000" in text:
        text = _SPACES.sub(" ", text)
    text = text.strip()
    return text or None


def compact_identifier(text: str) -> str:
    """NFKC, upper case, and no spaces, dashes, dots or slashes."""
    text = nfkc(text).upper()
    return text.translate(_COMPACT)


_COMPACT = str.maketrans("", "", " \t\r\n-./_\u00a0")


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is a placeholder for "none" such as ``/``, ``N/A`` or ``无``."""
    return text.strip() in PLACEHOLDERS
