"""Legacy Chinese tax registration numbers (税务登记证号, before the 2015 USCC reform).

* 15 characters: a six-digit region code and the nine-character GB 11714
  organisation code of the enterprise;
* 20 characters: a sole proprietor's 18-digit resident ID number followed by
  two digits (or a 15-digit old ID followed by five digits).

They are accepted only where a profile allows legacy numbers, and then
flagged as legacy.

>>> validate('110108600037341')
'110108600037341'
"""

from __future__ import annotations

import re

from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from custrecord.identifiers import orgcode

__all__ = ["compact", "format", "is_valid", "validate"]

_REGION = re.compile(r"[1-8]\d{5}")


def compact(number: str) -> str:
    """Strip separators and white space, and upper-case."""
    return "".join(c for c in str(number) if c not in " -.").strip().upper()


def validate(number: str) -> str:
    """Check a legacy 15- or 20-character tax number and return its compact form."""
    number = compact(number)
    if not number.isascii():
        # Other scripts' digits pass str.isdigit() and int(); they are not tax numbers.
        raise InvalidFormat()
    if len(number) == 15:
        if not _REGION.fullmatch(number[:6]):
            raise InvalidComponent()
        orgcode.validate(number[6:])
        return number
    if len(number) == 20:
        if not number[18:].isdigit():
            raise InvalidFormat()
        if not number.isdigit() or _is_ric(number[:18]):
            # An 18-character resident ID and two more digits.
            ric.validate(number[:18])
            return number
        # A 15-digit first-generation ID (region, yymmdd, serial) and five digits.
        if not _REGION.fullmatch(number[:6]) or not _is_yymmdd(number[6:12]):
            raise InvalidComponent()
        return number
    raise InvalidLength()


def _is_ric(number: str) -> bool:
    try:
        ric.validate(number)
    except ValidationError:
        return False
    return True


def _is_yymmdd(text: str) -> bool:
    month, day = int(text[2:4]), int(text[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid legacy tax number."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The compact form."""
    return compact(number)
