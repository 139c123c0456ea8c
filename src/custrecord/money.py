"""Amounts and ratios as people write them, read one way everywhere.

Import cells, credit amounts, settings and the command line all read money
through :func:`parse_amount`: ``50万``, ``50万元``, ``1.5亿``, ``¥1,000.00``,
``RMB 5000``, ``100,000元`` and ``5000.00 CNY`` are amounts; the currency
marks accepted are those of the renminbi (and the ``$`` ``€`` ``£`` signs, which
only decorate). Ratios (credit thresholds) are plain numbers, never money:
:func:`parse_ratio` reads ``0.9``, ``"0.9"`` and ``"90%"``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from custrecord.text import nfkc

__all__ = ["MoneyError", "format_amount", "parse_amount", "parse_ratio"]


class MoneyError(ValueError):
    """Text that is no amount (or no ratio); the message says what was expected."""


#: Characters that group digits (thousands separators) and spaces of any width.
_GROUPING = str.maketrans("", "", ",，_ \u00a0\u202f\u3000'")

_UNITS = {"千": 1_000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}
_PREFIX = r"(?:¥|\$|€|£|RMB|CNY|人民币)"
_SUFFIX = r"(?:元|RMB|CNY|人民币)"
_AMOUNT = re.compile(
    rf"(?P<sign1>[+-])?{_PREFIX}?(?P<sign2>[+-])?"
    r"(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:E[+-]?\d+)?)"
    r"(?P<unit>百万|千万|千|万|亿)?"
    rf"{_SUFFIX}?",
    re.IGNORECASE,
)
#: Longer text is no amount anybody wrote (and would cost a regular expression on junk).
_MAX_TEXT = 60
_EXAMPLES = "an amount such as 50000, 50万, 1.5亿 or ¥1,000.00"


def parse_amount(text: str) -> Decimal | None:
    """The amount ``text`` stands for, or None when it is blank.

    Raises :class:`MoneyError` for text that is no amount. The result is exact
    (``1.5亿`` is ``Decimal("150000000.0")``) and may be negative (``-¥20``).
    """
    compact = nfkc(text).translate(_GROUPING)
    if not compact:
        return None
    match = _AMOUNT.fullmatch(compact) if len(compact) <= _MAX_TEXT else None
    if match is None or (match["sign1"] and match["sign2"]):
        raise MoneyError(f"{text!r} is not {_EXAMPLES}")
    try:
        number = Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numbers
        raise MoneyError(f"{text!r} is not {_EXAMPLES}") from None
    if match["unit"]:
        number *= _UNITS[match["unit"]]
    return -number if "-" in (match["sign1"], match["sign2"]) else number


def parse_ratio(value: Any) -> Decimal:
    """A ratio (``0.9``, ``1``, ``"0.9"``, ``"90%"``) as a Decimal; :class:`MoneyError` otherwise.

    A ratio is a plain number: floats are taken at their shortest decimal form
    (``0.9`` is ``Decimal("0.9")``), and money marks are refused.
    """
    if isinstance(value, bool):
        raise MoneyError(f"a ratio such as 0.9 expected, not {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MoneyError(f"a finite ratio expected, not {value!r}")
        return Decimal(repr(value))
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        text = nfkc(value).strip()
        percent = text.endswith("%")
        try:
            number = Decimal(text.removesuffix("%").strip()) / (100 if percent else 1)
        except InvalidOperation:
            raise MoneyError(f"a ratio such as 0.9 or 90% expected, not {value!r}") from None
    else:
        raise MoneyError(f"a ratio such as 0.9 expected, not {type(value).__name__}")
    if not number.is_finite():
        raise MoneyError(f"a finite ratio expected, not {value!r}")
    return number


def format_amount(value: Decimal | int) -> str:
    """An amount for people to read: two decimals and thousands grouped (``900,000.00``)."""
    return f"{Decimal(value):,.2f}"
