"""Tree operations over customers: move a category's customers, rename a node's code.

Both are pure functions: they take customers and return new customers with a
list of what changed, and never touch storage (the book applies the result with
ordinary updates, so every change is versioned and recorded in history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from custrecord.classification.tree import ClassificationTree, TreeError, normalise_node_code
from custrecord.model import Customer
from custrecord.problems import ProblemCode, make_problem

__all__ = ["CLASSIFIED_FIELDS", "CustomerChange", "TreeEdit", "move_customers", "rename_node"]

#: The customer fields a tree classifies.
CLASSIFIED_FIELDS = ("category", "region", "industry")


@attrs.frozen
class CustomerChange:
    """One field of one customer changed: ``index`` is its position in the input sequence."""

    index: int
    code: str | None
    field: str
    old: str | None
    new: str | None


@attrs.frozen
class TreeEdit:
    """The outcome of a tree operation.

    ``customers`` holds every input customer (changed or not) in input order;
    ``changes`` lists the changed ones; ``renamed`` maps old node codes to new
    ones (empty for a move); ``tree`` is the tree after the operation.
    """

    tree: ClassificationTree | None
    customers: tuple[Customer, ...]
    changes: tuple[CustomerChange, ...]
    renamed: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def changed(self) -> tuple[Customer, ...]:
        """Only the customers that changed."""
        return tuple(self.customers[c.index] for c in self.changes)


def _check_field(field: str) -> None:
    if field not in CLASSIFIED_FIELDS:
        raise TreeError([make_problem("field", ProblemCode.INVALID_CHOICE, value=field, label="field",
                                      label_zh="字段", choices=", ".join(CLASSIFIED_FIELDS))])


def _recode(
    customers: Sequence[Customer], field: str, mapping: Mapping[str, str]
) -> tuple[tuple[Customer, ...], tuple[CustomerChange, ...]]:
    out: list[Customer] = []
    changes: list[CustomerChange] = []
    for i, customer in enumerate(customers):
        old = getattr(customer, field)
        new = mapping.get(normalise_node_code(old)) if isinstance(old, str) else None
        if new is not None and new != old:
            change: dict[str, Any] = {field: new}
            out.append(attrs.evolve(customer, **change))
            changes.append(CustomerChange(index=i, code=customer.code, field=field, old=old, new=new))
        else:
            out.append(customer)
    return tuple(out), tuple(changes)


def move_customers(
    customers: Sequence[Customer],
    source: str,
    target: str,
    *,
    tree: ClassificationTree | None = None,
    field: str = "category",
    subtree: bool = False,
    leaf_only: bool | None = None,
) -> TreeEdit:
    """Move every customer classified under ``source`` to ``target``.

    With ``subtree``, customers on nodes below ``source`` move too. With a
    ``tree``, both codes must be nodes of it and, for categories (or when
    ``leaf_only``), ``target`` must be a leaf; problems raise :class:`TreeError`.
    """
    _check_field(field)
    src, dst = normalise_node_code(source), normalise_node_code(target)
    problems = []
    if tree is not None:
        unknown = ProblemCode.UNKNOWN_REGION if field == "region" else ProblemCode.UNKNOWN_CATEGORY
        for path, code in (("source", src), ("target", dst)):
            if code not in tree:
                problems.append(make_problem(path, unknown, value=code, label=f"{path} {code!r}",
                                             label_zh=f"{'原' if path == 'source' else '目标'}编码“{code}”"))
        if leaf_only is None:
            leaf_only = field == "category"
        if not problems and leaf_only and not tree.is_leaf(dst):
            problems.append(make_problem("target", ProblemCode.NOT_LEAF_CATEGORY, value=dst,
                                         label=f"target {dst!r}", label_zh=f"目标编码“{dst}”"))
    if problems:
        raise TreeError(problems)
    sources = {src}
    if subtree:
        if tree is not None:
            sources.update(tree.descendants(src))
        else:
            sources.update(
                normalise_node_code(v) for c in customers
                if isinstance(v := getattr(c, field), str) and normalise_node_code(v).startswith(src)
            )
    customers_out, changes = _recode(customers, field, dict.fromkeys(sources, dst))
    return TreeEdit(tree=tree, customers=customers_out, changes=changes)


def rename_node(
    tree: ClassificationTree,
    old: str,
    new: str,
    customers: Sequence[Customer] = (),
    *,
    field: str | None = None,
) -> TreeEdit:
    """Give node ``old`` the code ``new``; its descendants and customers follow.

    ``new`` must fit the same level (same length) and its parent must exist, so a
    rename may also move the subtree under another parent; it must not be taken.
    ``field`` defaults to the tree's kind. Problems raise :class:`TreeError`.
    """
    field = field or (tree.kind if tree.kind in CLASSIFIED_FIELDS else "category")
    _check_field(field)
    src, dst = normalise_node_code(old), normalise_node_code(new)
    labels: dict[str, Any] = {"label": f"new code {dst!r}", "label_zh": f"新编码“{dst}”"}
    if src not in tree:
        unknown = ProblemCode.UNKNOWN_REGION if field == "region" else ProblemCode.UNKNOWN_CATEGORY
        raise TreeError([make_problem("old", unknown, value=old, label=f"code {src!r}",
                                      label_zh=f"编码“{src}”")])
    if src == dst:
        return TreeEdit(tree=tree, customers=tuple(customers), changes=())
    if len(dst) != len(src):
        raise TreeError([make_problem("new", ProblemCode.INVALID_LENGTH, value=new,
                                      hint=f"a level-{tree.level(src)} code has {len(src)} characters",
                                      hint_zh=f"第{tree.level(src)}级编码为{len(src)}位", **labels)])
    if dst in tree:
        raise TreeError([make_problem("new", ProblemCode.DUPLICATE_CODE, value=new,
                                      hint="already in the tree", hint_zh="树中已存在", **labels)])
    parent = tree.scheme.parent_of(dst)
    if parent is not None and parent not in tree:
        raise TreeError([make_problem("new", ProblemCode.INVALID_CODE, value=new,
                                      hint=f"its parent {parent} is not in the tree",
                                      hint_zh=f"上级编码{parent}不存在", **labels)])
    mapping = {c: dst + c[len(src):] for c in (src, *tree.descendants(src))}
    names = {mapping.get(c, c): n for c, n in tree.names().items()}
    new_tree = ClassificationTree(tree.scheme, names, kind=tree.kind)
    customers_out, changes = _recode(customers, field, mapping)
    return TreeEdit(tree=new_tree, customers=customers_out, changes=changes, renamed=mapping)
