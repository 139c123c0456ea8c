"""Rule-based classification: declarative rules that set category, tags or priority.

A :class:`ClassificationRule` pairs a :class:`~custrecord.classification.conditions.Condition`
with what to set. :func:`classify` applies rules in order (a later rule sees
what earlier ones set) and explains every change it makes. It runs on demand or
at registration; at registration pass ``overwrite=False`` so values the user
gave are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from custrecord.classification.conditions import Condition, Facts
from custrecord.classification.tags import ClassificationError, check_priority, normalise_tags
from custrecord.classification.tree import normalise_node_code
from custrecord.model import Customer

__all__ = ["ClassificationRule", "Classified", "Explanation", "classify"]


def _tags(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        value = (value,)
    return normalise_tags(value)


def _category(value: str | None) -> str | None:
    return None if value is None else normalise_node_code(value)


@attrs.frozen
class ClassificationRule:
    """When ``when`` holds, set ``category`` and/or ``priority``, add and remove tags.

    ``reason`` / ``reason_zh`` word the explanation; by default the condition's
    description is used.
    """

    name: str
    when: Condition
    category: str | None = attrs.field(default=None, converter=_category)
    add_tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    remove_tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    priority: int | None = None
    reason: str | None = None
    reason_zh: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.priority is not None:
            check_priority(self.priority)
        if self.category is None and self.priority is None and not self.add_tags and not self.remove_tags:
            raise ClassificationError(f"rule {self.name!r} changes nothing: give category, tags or priority")
        both = self.add_tags & self.remove_tags
        if both:
            raise ClassificationError(f"rule {self.name!r} both adds and removes {sorted(both)}")

    def apply(
        self, customer: Customer, facts: Facts | None = None, *, overwrite: bool = True
    ) -> tuple[Customer, tuple[Explanation, ...]]:
        """This rule alone: the new customer and the explanations (see :func:`classify`)."""
        result = classify(customer, (self,), facts, overwrite=overwrite)
        return result.customer, result.explanations

    def because(self, lang: str = "en") -> str:
        """Why the rule applies, in ``en`` or ``zh``."""
        if lang == "zh":
            return self.reason_zh or self.reason or self.when.describe("zh")
        return self.reason or self.when.describe("en")


@attrs.frozen
class Explanation:
    """One change made by one rule: ``field`` went from ``old`` to ``new`` because ..."""

    rule: str
    field: str
    old: Any
    new: Any
    message: str
    message_zh: str


@attrs.frozen
class Classified:
    """The classified customer and the explanation of every change (empty when none)."""

    customer: Customer
    explanations: tuple[Explanation, ...]

    @property
    def changed(self) -> bool:
        """True when some rule changed the customer."""
        return bool(self.explanations)

    def __iter__(self) -> Iterator[Any]:
        """Unpacks as ``customer, explanations = classify(...)``."""
        return iter((self.customer, self.explanations))


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(value)) + "}"
    return "none" if value is None else str(value)


def _explain(rule: ClassificationRule, field: str, old: Any, new: Any) -> Explanation:
    zh_field = {"category": "分类", "tags": "标签", "priority": "优先级"}[field]
    zh_old = "空" if old is None else _show(old)
    return Explanation(
        rule=rule.name, field=field, old=old, new=new,
        message=f"rule {rule.name!r} set {field} from {_show(old)} to {_show(new)} because {rule.because()}",
        message_zh=f"规则“{rule.name}”将{zh_field}由{zh_old}改为{_show(new)}，因为{rule.because('zh')}",
    )


def classify(
    customer: Customer,
    rules: Iterable[ClassificationRule],
    facts: Facts | None = None,
    *,
    overwrite: bool = True,
) -> Classified:
    """Apply every rule whose condition holds, in order, and explain each change.

    With ``overwrite=False`` (registration) a category or priority the customer
    already has is kept and tags it already has are not removed; tags are still added.
    """
    facts = facts or {}
    given_tags = customer.tags
    explanations: list[Explanation] = []
    for rule in rules:
        if not rule.when(customer, facts):
            continue
        changes: dict[str, Any] = {}
        if rule.category is not None and rule.category != customer.category and (
            overwrite or customer.category is None
        ):
            changes["category"] = rule.category
        if rule.priority is not None and rule.priority != customer.priority and (
            overwrite or customer.priority is None
        ):
            changes["priority"] = rule.priority
        removable = rule.remove_tags if overwrite else rule.remove_tags - given_tags
        tags = (customer.tags | rule.add_tags) - removable
        if tags != customer.tags:
            changes["tags"] = tags
        for name in ("category", "tags", "priority"):
            if name in changes:
                explanations.append(_explain(rule, name, getattr(customer, name), changes[name]))
        if changes:
            customer = attrs.evolve(customer, **changes)
    return Classified(customer=customer, explanations=tuple(explanations))
