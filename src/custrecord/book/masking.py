"""What an actor sees: customers and history entries with the values it may not see masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from custrecord.permissions import Actor, Policy, Visibility, mask_contact_data, mask_middle
from custrecord.storage.values import HistoryEntry

__all__ = ["view_entry"]

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
        elif change.path == "contacts":
            masked_change = change._replace(
                old=_mask_contacts(change.old, actor, policy), new=_mask_contacts(change.new, actor, policy)
            )
            masked = masked or masked_change != change
            change = masked_change
        changes.append(change)
    return attrs.evolve(item, changes=tuple(changes)) if masked else item


def _mask_value(value: Any) -> Any:
    return mask_middle(value) if isinstance(value, str) else value


def _mask_contacts(value: Any, actor: Actor, policy: Policy) -> Any:
    """A contact list as history stores it, masked for ``actor``."""
    if not isinstance(value, list):
        return value
    return [mask_contact_data(item, actor, policy) if isinstance(item, Mapping) else item for item in value]
