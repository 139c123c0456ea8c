"""What a rule sees: the :class:`Context` it reports to, and the shape of a rule.

A rule is any callable ``rule(customer, ctx) -> None``. It reports problems with
``ctx.report(path, code, ...)`` and may hand back a normalised value with
``ctx.fix(path, value)`` (a phone in E.164, a tax ID in compact form).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from custrecord.copying import copy_with, fill_own
from custrecord.model import Customer
from custrecord.problems import Problem, Severity, make_problem

if TYPE_CHECKING:
    from custrecord.validation.profiles import Profile

__all__ = ["CodeTree", "Context", "Rule"]


class CodeTree(Protocol):
    """What validation needs of a category or region tree."""

    def __contains__(self, code: object) -> bool: ...

    def is_leaf(self, code: str) -> bool: ...


class Context:
    """What a rule sees besides the record: the profile, and where to report."""

    __slots__ = ("_failed", "_fixes", "_today", "problems", "profile")

    def __init__(self, profile: Profile, problems: list[Problem], today: date | None = None) -> None:
        self.profile = profile
        self.problems = problems
        self._today = today
        self._fixes: dict[str, Any] = {}
        self._failed = {p.path for p in problems if p.is_error}

    @property
    def today(self) -> date:
        """The day rules check dates against (today unless the caller fixed it)."""
        if self._today is None:
            self._today = date.today()
        return self._today

    def report(
        self,
        path: str,
        code: str,
        *,
        severity: Severity = Severity.ERROR,
        value: Any = None,
        hint: str | None = None,
        hint_zh: str | None = None,
        **params: Any,
    ) -> None:
        """Record a problem at ``path``; the profile may change its severity."""
        severity = self.profile.severities.get(code, severity)
        self.problems.append(
            make_problem(path, code, severity=severity, value=value, hint=hint, hint_zh=hint_zh, **params)
        )
        if severity is Severity.ERROR:
            self._failed.add(path)

    def failed(self, path: str) -> bool:
        """Whether ``path`` already has an error (rules skip such fields)."""
        return path in self._failed

    def fix(self, path: str, value: Any) -> None:
        """Replace the value at ``path`` with its normalised form."""
        self._fixes[path] = value

    def applied(self, customer: Customer, *, own: bool = False) -> Customer:
        """``customer`` with the fixes reported so far (``{"credit.limit": ...}``), which are then done.

        ``own``: ``customer`` is the engine's own, freshly parsed and seen by no one but the
        built-in rules (which keep no reference to it); the fixes are then written into it
        instead of into a copy.
        """
        if not self._fixes:
            return customer
        fixes, self._fixes = self._fixes, {}
        if own:
            return _filled(customer, fixes)
        top: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {}
        items: dict[str, dict[int, dict[str, Any]]] = {}
        for path, value in fixes.items():
            head, position, tail = _target(path)
            if position is not None:
                items.setdefault(head, {}).setdefault(position, {})[tail] = value
            elif tail:
                nested.setdefault(head, {})[tail] = value
            else:
                top[head] = value
        for head, parts in nested.items():
            top[head] = copy_with(getattr(customer, head), parts)
        for name, fixed in items.items():
            values = list(getattr(customer, name))
            for position, parts in fixed.items():
                values[position] = copy_with(values[position], parts)
            top[name] = tuple(values)
        return copy_with(customer, top) if top else customer


def _target(path: str) -> tuple[str, int | None, str]:
    """The customer's attribute a fix path names, the position in it for a list, and the rest:
    ``contacts[0].mobile`` gives ``("contacts", 0, "mobile")``, ``address.city``
    ``("address", None, "city")``."""
    head, _, tail = path.partition(".")
    if head.endswith("]"):  # contacts[0], addresses[1], bank_accounts[2]
        name, _, number = head[:-1].partition("[")
        return name, int(number), tail
    return head, None, tail


def _filled(customer: Customer, fixes: dict[str, Any]) -> Customer:
    """``customer`` with ``fixes`` written into it and into its parts, all of them the parser's own.

    Each fixed part stays where it is (the customer's tuple of contacts is not rebuilt for one
    phone), unless its class cannot be filled in place and ``fill_own`` gave a copy instead.
    """
    for path, value in fixes.items():
        head, position, tail = _target(path)
        if not tail:
            customer = fill_own(customer, {head: value})
        elif position is not None:
            items = getattr(customer, head)
            fixed = fill_own(items[position], {tail: value})
            if fixed is not items[position]:
                customer = fill_own(customer, {head: (*items[:position], fixed, *items[position + 1 :])})
        else:
            part = getattr(customer, head)
            fixed = fill_own(part, {tail: value})
            if fixed is not part:
                customer = fill_own(customer, {head: fixed})
    return customer


Rule = Callable[[Customer, Context], None]
