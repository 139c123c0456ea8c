"""Reads: a customer (following merges), its history and past versions, reviews and expiring credit.

Nothing here masks: the facade shows each result as the actor may see it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import attrs

from custrecord.book.revisions import replay
from custrecord.errors import NotFound
from custrecord.model import Customer
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import HistoryEntry

__all__ = ["credit_expiring", "due_for_review", "find_current", "list_history", "replay_version"]


def find_current(uow: UnitOfWork, code: str, *, follow: bool = True) -> Customer:
    """Customer ``code``; a merged-away one leads to the one it was merged into, unless not ``follow``."""
    customer = uow.customers.get(code)
    seen = {customer.code}
    while follow and customer.replaced_by and customer.replaced_by not in seen:
        customer = uow.customers.get(customer.replaced_by)
        seen.add(customer.code)
    return customer


def list_history(uow: UnitOfWork, code: str) -> list[HistoryEntry]:
    """The entries of customer ``code``, oldest first; ``NotFound`` for an unknown code."""
    entries = list(uow.history.list(code))
    if not entries:
        uow.customers.get(code)  # raises NotFound for an unknown code
    return entries


def replay_version(uow: UnitOfWork, code: str, version: int) -> Customer:
    """Customer ``code`` as it was at ``version``, replayed from its history."""
    entries = [e for e in uow.history.list(code) if e.version <= version]
    if not entries:
        raise NotFound(f"customer {code} has no version {version}")
    return attrs.evolve(replay(entries), version=entries[-1].version)


def due_for_review(customers: Iterable[Customer], day: date) -> list[Customer]:
    """The customers whose ``review_date`` is on or before ``day``, earliest first."""
    due = [c for c in customers if c.review_date is not None and c.review_date <= day]
    due.sort(key=lambda c: (c.review_date or day, c.code or ""))
    return due


def credit_expiring(customers: Iterable[Customer], today: date, within_days: int) -> list[Customer]:
    """The customers whose credit profile ends within ``within_days`` from ``today`` (and not yet ended)."""
    horizon = today + timedelta(days=within_days)
    return [
        c for c in customers if c.credit.valid_until is not None and today <= c.credit.valid_until <= horizon
    ]
