"""USCC (统一社会信用代码), the Chinese unified social credit code, per GB 32100-2015.

Eighteen characters from ``0-9`` and ``A-Z`` without ``I O Z S V``:

* 1: registration authority (``1``-``9``, ``A``, ``N``, ``Y``),
* 2: entity type,
* 3-8: administrative region of registration,
* 9-17: GB 11714 organisation code (with its own check character),
* 18: check character over the first seventeen.

``stdnum.cn.uscc`` expects digits in the first eight places and so rejects
codes issued by authorities ``A`` (military reform and staffing office),
``N`` (agriculture) and ``Y`` (other). This module accepts them when the check
character is right, and can also verify the embedded organisation code.

>>> validate('91110000600037341L')
'91110000600037341L'
>>> validate('91110000600037341M')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from custrecord.identifiers import orgcode

__all__ = ["compact", "format", "is_valid", "region", "validate"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTHORITIES = frozenset("123456789ANY")
_SHAPE = re.compile(r"[0-9ANY][0-9A-HJ-NP-RTUWXY][0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")
_STDNUM_SHAPE = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}")
_SEPARATORS = str.maketrans("", "", " -.")


def compact(number: str) -> str:
    """Strip separators and white space, and upper-case."""
    number = str(number)
    if not number.isalnum():  # most codes have nothing to strip, and translate() is the slow part
        number = number.translate(_SEPARATORS).strip()
    return number.upper()


# GB 32100 weighs the i-th character (from 0) by 3**i mod 31, and 34 = 3 (mod 31): the seventeen
# characters read as one base-34 number, last character first, each written as the base-36 digit
# of its value in ALPHABET, give the weighted sum modulo 31 in one C call.
_AS_DIGITS = bytes.maketrans(ALPHABET.encode(), b"0123456789ABCDEFGHIJKLMNOPQRSTU")
_NOT_ALPHABET = bytes(sorted(set(range(256)) - set(ALPHABET.encode())))


def calc_check_digit(number: str) -> str:
    """The check character for the first seventeen characters of ``number``.

    Raises ``InvalidFormat`` for a character outside the USCC alphabet.
    """
    head = number[:17]
    if not head.isascii() or len(head.encode().translate(None, _NOT_ALPHABET)) != len(head):
        raise InvalidFormat()
    return _check_char(head) if head else ALPHABET[0]


def _check_char(number: str) -> str:
    """:func:`calc_check_digit` of a non-empty ``number`` known to be of ALPHABET alone."""
    return ALPHABET[-int(number[16::-1].encode().translate(_AS_DIGITS), 34) % 31]


def validate(number: str, *, check_organization_code: bool = False) -> str:
    """Check a USCC and return its compact form.

    Raises ``InvalidLength``, ``InvalidFormat``, ``InvalidChecksum`` or, with
    ``check_organization_code``, ``InvalidComponent`` when characters 9-17 are
    not a valid GB 11714 organisation code. For codes of authorities 1-9 the
    outcome is exactly ``stdnum.cn.uscc.validate``'s (the tests check this),
    computed here in one pass because validation runs for every imported row.
    """
    number = compact(number)
    if len(number) != 18:
        raise InvalidLength()
    # stdnum wants digits in the first eight places, which rejects authorities A, N and Y.
    shape = _SHAPE if number[0] in "ANY" else _STDNUM_SHAPE
    if not shape.fullmatch(number):
        raise InvalidFormat()
    if number[17] != _check_char(number):
        raise InvalidChecksum()
    if number[0] not in AUTHORITIES:
        raise InvalidComponent()
    if check_organization_code and not orgcode.is_valid(number[8:17]):
        raise InvalidComponent()
    return number


def is_valid(number: str, *, check_organization_code: bool = False) -> bool:
    """Whether ``number`` is a valid USCC."""
    try:
        return bool(validate(number, check_organization_code=check_organization_code))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The compact form, which is also how USCCs are printed."""
    return compact(number)


def region(number: str) -> str:
    """The six-digit administrative region of registration (characters 3-8)."""
    return compact(number)[2:8]
