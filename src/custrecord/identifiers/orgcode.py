"""GB 11714 organisation code (组织机构代码).

Eight digits or capital letters and a check character (a digit or ``X``),
often written ``12345678-9``. It is characters 9-17 of a USCC.

>>> validate('60003734-1')
'600037341'
>>> format('600037341')
'60003734-1'
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

__all__ = ["calc_check_digit", "compact", "format", "is_valid", "validate"]

_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_BODY = re.compile(r"[0-9A-Z]{8}")


def compact(number: str) -> str:
    """Strip separators and white space, and upper-case."""
    return "".join(c for c in str(number) if c not in " -.").strip().upper()


def _value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - 55


def calc_check_digit(number: str) -> str:
    """The check character for the first eight characters of ``number``."""
    total = sum(_value(c) * w for c, w in zip(number[:8], _WEIGHTS, strict=False))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate(number: str) -> str:
    """Check length, characters and check character; return the compact form."""
    number = compact(number)
    if len(number) != 9:
        raise InvalidLength()
    if not _BODY.fullmatch(number[:8]) or number[8] not in "0123456789X":
        raise InvalidFormat()
    if number[8] != calc_check_digit(number):
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid organisation code."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The usual presentation ``12345678-9``."""
    number = compact(number)
    return f"{number[:8]}-{number[8:]}"
