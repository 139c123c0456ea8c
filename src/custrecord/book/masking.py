"""What an actor sees: customers and history entries with the values it may not see masked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from custrecord.permissions import Actor, Policy, Visibility, mask_contact_data, mask_middle
from custrecord.problems import Problem
from custrecord.storage.values import HistoryEntry

__all__ = ["view_entry", "view_problems"]

#: History paths whose values are masked whole (an individual's tax ID is a personal ID number).
_MASKED_VALUES = ("bank_account", "tax_id")


def view_entry(item: HistoryEntry, actor: Actor, policy: Policy) -> HistoryEntry:
    """A history entry as ``actor`` may see it, masked as ``mask_customer`` masks a customer."""
    changes = []
    masked = False
    for change in item.changes:
        if change.path in _MASKED_VALUES and policy.visibility(actor, change.path) is Visibility.MASKED:
            change = change._replace(old=_mask_value(change.old), new=_mask_value(change.new))
            masked = True
        elif change.path == "bank_accounts" and policy.visibility(actor, "bank_account") is Visibility.MASKED:
            change = change._replace(old=_mask_accounts(change.old), new=_mask_accounts(change.new))
            masked = True
        elif change.path.startswith("contacts[") and "]." in change.path:  # one field of one contact
            field = "contacts." + change.path.rpartition("].")[2]
            if field in _SENSITIVE and policy.visibility(actor, field) is Visibility.MASKED:
                leaf = field.partition(".")[2]
                change = change._replace(old=_mask_leaf(leaf, change.old, actor, policy),
                                         new=_mask_leaf(leaf, change.new, actor, policy))
                masked = True
        elif change.path == "contacts" or change.path.startswith("contacts["):
            masked_change = change._replace(
                old=_mask_contacts(change.old, actor, policy), new=_mask_contacts(change.new, actor, policy)
            )
            masked = masked or masked_change != change
            change = masked_change
        changes.append(change)
    return attrs.evolve(item, changes=tuple(changes)) if masked else item


def view_problems(problems: Iterable[Problem], actor: Actor, policy: Policy) -> tuple[Problem, ...]:
    """``problems`` with the values ``actor`` may not see masked (a problem never echoes a secret)."""
    out = []
    for problem in problems:
        field = _INDEX.sub("", problem.path)
        field = _POLICY_PATHS.get(field, field)
        hidden = field in _SENSITIVE and policy.visibility(actor, field) is Visibility.MASKED
        if hidden and problem.value is not None:
            problem = attrs.evolve(problem, value=_mask_value(str(problem.value)))
        out.append(problem)
    return tuple(out)


#: Problem paths whose values a policy may mask, in the policy's form (``contacts.mobile``).
_SENSITIVE = frozenset({"tax_id", "bank_account", "contacts.phone", "contacts.mobile", "contacts.email"})
_INDEX = re.compile(r"\[\d*\]")
#: Problem paths a policy knows by another name: every bank account is masked as the main one is.
_POLICY_PATHS = {"bank_accounts.account": "bank_account"}


def _mask_value(value: Any) -> Any:
    return mask_middle(value) if isinstance(value, str) else value


def _mask_accounts(value: Any) -> Any:
    """A bank-account list as history stores it, with the account numbers masked."""
    if not isinstance(value, list):
        return value
    return [
        {**item, "account": _mask_value(item.get("account"))} if isinstance(item, Mapping) else item
        for item in value
    ]
def _mask_leaf(leaf: str, value: Any, actor: Actor, policy: Policy) -> Any:
    """One contact field's value, masked as in a whole contact."""
    return mask_contact_data({leaf: value}, actor, policy).get(leaf) if isinstance(value, str) else value


def _mask_contacts(value: Any, actor: Actor, policy: Policy) -> Any:
    """A contact list (or one contact) as history stores it, masked for ``actor``."""
    if isinstance(value, Mapping):
        return mask_contact_data(value, actor, policy)
    if not isinstance(value, list):
        return value
    return [mask_contact_data(item, actor, policy) if isinstance(item, Mapping) else item for item in value]
