"""Declarative conditions over a customer and facts, for classification rules.

``field("region").startswith("32") & fact("annual_sales").at_least(10_000_000)``
is a :class:`Condition`: callable as ``cond(customer, facts)`` and able to say
what it tests (``describe``), so every change a rule makes can be explained.
Facts are what custrecord does not own, such as annual sales, supplied by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from custrecord.classification.tags import ClassificationError
from custrecord.model import Customer

__all__ = ["Condition", "Facts", "Value", "always", "fact", "field", "when"]

#: Facts about a customer supplied by the caller (``{"annual_sales": Decimal("1.2E7")}``).
Facts = Mapping[str, Any]
_Test = Callable[[Customer, Facts], bool]


@attrs.frozen
class Condition:
    """A named test of a customer and facts; combine with ``&``, ``|`` and ``~``."""

    test: _Test = attrs.field(repr=False)
    description: str
    description_zh: str | None = None

    def __call__(self, customer: Customer, facts: Facts | None = None) -> bool:
        return bool(self.test(customer, facts or {}))

    def describe(self, lang: str = "en") -> str:
        """What the condition tests, in ``en`` or ``zh``."""
        return (self.description_zh or self.description) if lang == "zh" else self.description

    def __and__(self, other: Condition) -> Condition:
        return Condition(lambda c, f: self(c, f) and other(c, f),
                         f"({self.description} and {other.description})",
                         f"（{self.describe('zh')}且{other.describe('zh')}）")

    def __or__(self, other: Condition) -> Condition:
        return Condition(lambda c, f: self(c, f) or other(c, f),
                         f"({self.description} or {other.description})",
                         f"（{self.describe('zh')}或{other.describe('zh')}）")

    def __invert__(self) -> Condition:
        return Condition(lambda c, f: not self(c, f), f"not {self.description}", f"非{self.describe('zh')}")


def when(test: _Test, description: str, description_zh: str | None = None) -> Condition:
    """A condition from any function ``test(customer, facts) -> bool``."""
    return Condition(test, description, description_zh)


#: True for every customer.
always = Condition(lambda c, f: True, "always", "总是")


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, frozenset | tuple | set) and not value)


@attrs.frozen
class Value:
    """A value a condition looks at: a customer field or a fact. Build with :func:`field` or :func:`fact`."""

    get: Callable[[Customer, Facts], Any] = attrs.field(repr=False)
    label: str

    def _cond(self, test: Callable[[Any], bool], en: str, zh: str) -> Condition:
        get = self.get
        return Condition(lambda c, f: test(get(c, f)), f"{self.label} {en}", f"{self.label}{zh}")

    def _compare(self, op: Callable[[Decimal, Decimal], bool], bound: Any, en: str, zh: str) -> Condition:
        limit = _number(bound)
        if limit is None:
            raise ClassificationError(f"{self.label}: compare with a number, not {bound!r}")

        def test(value: Any) -> bool:
            number = _number(value)
            return number is not None and op(number, limit)

        return self._cond(test, f"{en} {limit}", f"{zh}{limit}")

    def equals(self, expected: Any) -> Condition:
        """Equal to ``expected``."""
        return self._cond(lambda v: v == expected, f"= {expected!r}", f"等于{expected}")

    def one_of(self, *choices: Any) -> Condition:
        """One of ``choices``."""
        shown = ", ".join(map(str, choices))
        return self._cond(lambda v: v in choices, f"in ({shown})", f"属于（{shown}）")

    def startswith(self, prefix: str) -> Condition:
        """A text starting with ``prefix`` (a code under a tree node, say)."""
        return self._cond(lambda v: isinstance(v, str) and v.startswith(prefix), f"starts with {prefix!r}",
                          f"以{prefix}开头")

    def contains(self, item: Any) -> Condition:
        """A collection (such as ``tags``) or text containing ``item``."""
        return self._cond(lambda v: v is not None and item in v, f"contains {item!r}", f"包含{item}")

    def is_blank(self) -> Condition:
        """Missing or empty."""
        return self._cond(_blank, "is blank", "为空")

    def at_least(self, bound: Any) -> Condition:
        """A number >= ``bound``; a missing or non-numeric value never matches."""
        return self._compare(lambda a, b: a >= b, bound, ">=", "≥")

    def above(self, bound: Any) -> Condition:
        """A number > ``bound``."""
        return self._compare(lambda a, b: a > b, bound, ">", ">")

    def at_most(self, bound: Any) -> Condition:
        """A number <= ``bound``."""
        return self._compare(lambda a, b: a <= b, bound, "<=", "≤")

    def below(self, bound: Any) -> Condition:
        """A number < ``bound``."""
        return self._compare(lambda a, b: a < b, bound, "<", "<")


def _get_path(customer: Customer, path: str) -> Any:
    value: Any = customer
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def field(path: str) -> Value:
    """A customer field by path: ``field("region")``, ``field("credit.limit")``, ``field("tags")``."""
    head = path.split(".", 1)[0]
    if head not in attrs.fields_dict(Customer):
        raise ClassificationError(f"{path!r} is not a customer field")
    return Value(lambda c, f: _get_path(c, path), path)


def fact(name: str) -> Value:
    """A fact the caller supplies: ``fact("annual_sales")``; a missing fact matches no comparison."""
    return Value(lambda c, f: f.get(name), name)
