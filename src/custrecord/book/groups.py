"""Groups of customers (集团): a parent company (上级客户, U8's 客户总公司) and its descendants.

A customer names its parent by code in ``parent``. The book keeps the parents a
tree: a parent must be a stored customer (``unknown_parent``) that is neither the
customer itself nor one of its descendants (``parent_cycle``). A group is a root
(a customer without a parent) and everyone below it; the group credit limit of a
parent (``credit.group_limit``) covers its own subtree (see :mod:`custrecord.book.credit`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from custrecord.book.revisions import BookContext
from custrecord.errors import NotFound
from custrecord.model import Customer, Status
from custrecord.permissions import Actor
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import Query

__all__ = ["ancestors", "descendants", "group_of", "parent_problems", "root_of"]

#: How deep a chain of parents is followed; deeper than any real group, and a guard against a
#: cycle that reached the store some other way (a host writing the store directly).
MAX_DEPTH = 64


def ancestors(uow: UnitOfWork, customer: Customer) -> list[Customer]:
    """The customer's parent, its parent's parent, ... up to the root, nearest first.

    A parent that is not stored ends the chain; so does a repeat (a cycle), never looping.
    """
    chain: list[Customer] = []
    seen = {customer.code}
    parent = customer.parent
    while parent is not None and parent not in seen and len(chain) < MAX_DEPTH:
        try:
            found = uow.customers.get(parent)
        except NotFound:
            break
        chain.append(found)
        seen.add(parent)
        parent = found.parent
    return chain


def root_of(uow: UnitOfWork, customer: Customer) -> Customer:
    """The root of the customer's group (the customer itself when it has no stored parent)."""
    chain = ancestors(uow, customer)
    return chain[-1] if chain else customer


def descendants(uow: UnitOfWork, customer: Customer) -> list[Customer]:
    """Everyone below ``customer``, level by level, each level in code order (deleted ones too)."""
    found: list[Customer] = []
    seen = {customer.code}
    level = [customer]
    for _ in range(MAX_DEPTH):
        below: list[Customer] = []
        for member in level:
            for child in uow.customers.find(Query(parent=member.code, include_deleted=True)):
                if child.code not in seen:
                    seen.add(child.code)
                    below.append(child)
        if not below:
            break
        found.extend(below)
        level = below
    return found


def group_of(uow: UnitOfWork, customer: Customer) -> list[Customer]:
    """The whole group ``customer`` belongs to: its root first, then everyone below it."""
    root = root_of(uow, customer)
    return [root, *descendants(uow, root)]


def parent_problems(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor | None,
    customer: Customer,
    *,
    stored: Mapping[str, Customer] | None = None,
    earlier: Collection[str] = (),
) -> list[Problem]:
    """What is wrong with ``customer``'s parent: not a stored customer (or a deleted or merged-away one),
    or the customer itself or below it.

    ``stored`` holds parents already looked up (a batch does one read); ``earlier`` the codes
    of rows before this one in the same batch, which count as stored. Callers skip a record
    whose ``parent`` has a problem already (validation's: a malformed code, or its own code). A parent out of
    ``who``'s scope is reported as unknown, as it would be if it did not exist (None: no scope).
    """
    parent = customer.parent
    if parent is None:
        return []
    if customer.code is not None and parent == customer.code:
        return [make_problem("parent", ProblemCode.PARENT_CYCLE, value=parent,
                             hint="a customer cannot be its own parent", hint_zh="客户不能是自己的上级客户")]
    if parent in earlier:
        return []
    found = stored.get(parent) if stored is not None else None
    if found is None:
        try:
            found = uow.customers.get(parent)
        except NotFound:
            found = None
    hidden = found is not None and who is not None and not ctx.in_scope(who, found)  # reads as absent
    if found is None or hidden or found.status is Status.DELETED or found.replaced_by:
        hint = hint_zh = None
        if found is not None and not hidden:  # say why a stored customer is no parent
            merged = found.replaced_by
            hint = f"merged into {merged}" if merged else "deleted"
            hint_zh = f"已合并至{merged}" if merged else "已删除"
        return [make_problem("parent", ProblemCode.UNKNOWN_PARENT, value=parent, hint=hint, hint_zh=hint_zh)]
    if customer.code is None:
        return []
    chain = [found, *ancestors(uow, found)]
    codes = [c.code or "" for c in chain]
    if customer.code in codes:
        cycle = " -> ".join([customer.code, *codes[: codes.index(customer.code) + 1]])
        return [make_problem("parent", ProblemCode.PARENT_CYCLE, value=parent, hint=cycle, hint_zh=cycle)]
    return []
