"""Classification: category/region/industry trees, tree operations, tags and rules."""

from __future__ import annotations

from custrecord.classification.conditions import Condition, Facts, Value, always, fact, field, when
from custrecord.classification.operations import CustomerChange, TreeEdit, move_customers, rename_node
from custrecord.classification.rules import ClassificationRule, Classified, Explanation, classify
from custrecord.classification.tags import (
    POTENTIAL,
    VIP,
    ClassificationError,
    add_tags,
    normalise_tag,
    remove_tags,
    set_priority,
)
from custrecord.classification.tree import (
    ClassificationTree,
    CodeScheme,
    TreeError,
    UnknownNodeError,
    normalise_node_code,
)

__all__ = [
    "POTENTIAL",
    "VIP",
    "ClassificationError",
    "ClassificationRule",
    "ClassificationTree",
    "Classified",
    "CodeScheme",
    "Condition",
    "CustomerChange",
    "Explanation",
    "Facts",
    "TreeEdit",
    "TreeError",
    "UnknownNodeError",
    "Value",
    "add_tags",
    "always",
    "classify",
    "fact",
    "field",
    "move_customers",
    "normalise_node_code",
    "normalise_tag",
    "remove_tags",
    "rename_node",
    "set_priority",
    "when",
]
