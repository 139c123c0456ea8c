"""Money as Decimal: coercion that refuses floats and non-finite values.

Text is read by :func:`custrecord.money.parse_amount`, as import cells and
settings are: ``"1,000"``, ``"50万"`` and ``"¥2,000.50"`` are amounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custrecord.credit.errors import CreditError
from custrecord.money import MoneyError, parse_amount

__all__ = ["Money", "to_money"]

#: What custrecord accepts as an amount: never a float, whose binary value is not the written one.
Money = Decimal | int | str

#: Amounts beyond this many digits (either side of the point) are no money: arithmetic on them
#: would overflow or round.
_DIGITS = 30


def to_money(value: Any, what: str = "amount", *, negative: bool = False) -> Decimal:
    """``value`` as a finite Decimal; raises :class:`CreditError` for floats, NaN, text that is no number.

    ``negative`` allows values below zero. Amounts of more than 30 digits either side of the
    point are refused too.
    """
    if isinstance(value, bool | float):
        raise CreditError(f"{what} must be a Decimal, int or str, not {type(value).__name__} {value!r}: "
                          "floats cannot hold money exactly")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = parse_amount(value)
        except MoneyError:
            raise CreditError(f"{what} {value!r} is not an amount such as 50000, 50万 or ¥1,000.00") from None
        if amount is None:
            raise CreditError(f"{what} is blank")
        number = amount
    else:
        raise CreditError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if not number.is_finite():
        raise CreditError(f"{what} must be a finite number, not {value!r}")
    if number and abs(number.adjusted()) > _DIGITS:
        raise CreditError(f"{what} {value!r} is out of range: at most {_DIGITS} digits either side of the "
                          "decimal point")
    if number < 0 and not negative:
        raise CreditError(f"{what} must not be negative, not {value!r}")
    return number
