"""The reading half of the customer book: its plumbing and every read.

:class:`BookReads` holds what every operation of the book shares (the storage, the
settings, the gate that authorises and masks, one unit of work per use case and the
events published after it) and the reads: get, find, count, groups, iteration,
export, backup, history, pending revisions, duplicates and reminders. The writes
are :class:`~custrecord.book.facade.CustomerBook`'s, which builds on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any, Self, TypeVar

from custrecord.book.approval import Revision, pending_revision
from custrecord.book.duplicates import duplicate_groups
from custrecord.book.gate import Gate
from custrecord.book.groups import group_of
from custrecord.book.queries import (
    credit_expiring,
    due_for_review,
    find_current,
    list_history,
    replay_version,
)
from custrecord.book.results import DuplicateGroup
from custrecord.book.revisions import BookContext, outbox_event
from custrecord.codes import normalise_code
from custrecord.credit import CreditLedger
from custrecord.errors import NotFound, ValidationError
from custrecord.events import Event, EventBus
from custrecord.model import Customer, Status
from custrecord.permissions import SENSITIVE_FIELDS, Action, Actor, PermissionDenied, Visibility
from custrecord.settings import Settings
from custrecord.storage.backup import BackupInfo, write_backup
from custrecord.storage.ports import Storage
from custrecord.storage.values import HistoryEntry, Query, utcnow

__all__ = ["BookReads"]


T = TypeVar("T")


class BookReads:
    """A customer book's plumbing and reads; :class:`~custrecord.book.facade.CustomerBook` adds the writes."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        credit_ledger: CreditLedger | None = None,
    ) -> None:
        self.storage = storage
        self.settings = settings or Settings()
        self.events = EventBus()
        #: Where checked orders reserve credit: the store's ledger unless another one is given.
        self.credit_ledger: CreditLedger | None = credit_ledger
        self._ctx = BookContext(self.settings, clock)
        self._gate = Gate(self._ctx)
        if self.settings.profile.unique_short_names:
            storage.customers.require_unique_short_names()

    # -- plumbing -----------------------------------------------------------

    def close(self) -> None:
        """Close the storage."""
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(
        self, handler: Callable[[Event], None], event_type: type[Event] = Event
    ) -> Callable[[], None]:
        """Call ``handler`` after commit for each event of ``event_type``; returns an unsubscribe function."""
        return self.events.subscribe(handler, event_type)

    def _run(self, use_case: Callable[..., tuple[T, list[Event]]], who: Actor, *args: Any) -> T:
        """Run ``use_case(context, unit of work, who, *args)`` in one transaction, then publish its events.

        A refusal never shows ``who`` a value it may not see.
        """
        refused: ValidationError | None = None
        try:
            with self.storage.unit_of_work() as uow:
                result, events = use_case(self._ctx, uow, who, *args)
                uow.outbox.append_many(outbox_event(e) for e in events)
        except ValidationError as exc:
            refused = exc
        if refused is not None:  # raised outside the handler, so the original is not its context
            raise ValidationError(self._gate.problems(refused.problems, who), record=refused.record)
        self._publish(events)
        return result

    def _reading(self, actor: Actor | None, code: str) -> tuple[Actor, str]:
        """Who reads customer ``code``, and its key, once it may: ``NotFound`` outside its scope."""
        who = self._gate.authorise(actor, Action.VIEW)
        key = normalise_code(code)
        self._ctx.load(self.storage, who, key)
        return who, key

    def _publish(self, events: Iterable[Event]) -> None:
        for event in events:
            self.events.publish(event)

    # -- reads --------------------------------------------------------------

    def get(self, code: str, *, actor: Actor | None = None, follow: bool = True) -> Customer:
        """The customer with ``code``; raises :class:`~custrecord.NotFound`.

        A merged-away customer leads to the one it was merged into, unless ``follow`` is false.
        """
        who, key = self._reading(actor, code)
        found = find_current(self.storage, key, follow=follow)
        if not self._ctx.in_scope(who, found):
            raise NotFound(f"no customer with code {key!r}")
        return self._gate.logged(who, "get", [self._gate.view(found, who)])[0]

    def find(
        self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any
    ) -> list[Customer]:
        """Customers matching a :class:`~custrecord.storage.Query` or its fields as keywords."""
        who = self._gate.authorise(actor, Action.VIEW)
        found = self.storage.customers.find(self._gate.scoped(who, query, filters))
        return self._gate.logged(who, "find", [self._gate.view(c, who) for c in found])

    def count(self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any) -> int:
        """How many customers match (of those ``actor`` may see)."""
        who = self._gate.authorise(actor, Action.VIEW)
        counted = self.storage.customers.count(self._gate.scoped(who, query, filters))
        self._gate.record(who, "count", (), counted)
        return counted

    def children(
        self, code: str, *, actor: Actor | None = None, include_deleted: bool = False
    ) -> list[Customer]:
        """The direct children of customer ``code`` (those whose ``parent`` it is), in code order.

        Of those ``actor`` may see, masked for it; ``NotFound`` when it may not see ``code``.
        A merged-away ``code`` leads to the customer it was merged into, as :meth:`get` does,
        and merged-away children are left out (their survivor stands for them).
        """
        who, key = self._reading(actor, code)
        head = find_current(self.storage, key)
        if not self._ctx.in_scope(who, head):
            raise NotFound(f"no customer with code {key!r}")
        query = self._gate.scoped(who, None, {"parent": head.code, "include_deleted": include_deleted})
        found = [c for c in self.storage.customers.find(query) if c.replaced_by is None]
        return self._gate.logged(who, "children", [self._gate.view(c, who) for c in found])

    def group(
        self, code: str, *, actor: Actor | None = None, include_deleted: bool = False
    ) -> list[Customer]:
        """The whole group (集团) of customer ``code``, from any member: its root (the top parent)
        first, then everyone below it, level by level, each level in code order.

        Of those ``actor`` may see, masked for it; deleted members are left out unless
        ``include_deleted`` (a deleted member's children still belong to the group). A
        merged-away ``code`` leads to the group of the customer it was merged into, and
        merged-away members are left out (their survivor stands for them).
        """
        who, key = self._reading(actor, code)
        with self.storage.unit_of_work() as uow:
            head = find_current(uow, key)
            if not self._ctx.in_scope(who, head):
                raise NotFound(f"no customer with code {key!r}")
            members = group_of(uow, head)
        kept = (c for c in members
                if c.replaced_by is None and (include_deleted or c.status is not Status.DELETED))
        return self._gate.logged(who, "group", list(self._gate.visible(who, kept)))

    def __iter__(self) -> Iterator[Customer]:
        """Every customer not deleted, as the book's default actor sees them."""
        return self.all()

    def all(self, *, actor: Actor | None = None, include_deleted: bool = False) -> Iterator[Customer]:
        """Every customer in code order, of those ``actor`` may see, masked for it."""
        who = self._gate.authorise(actor, Action.VIEW)
        stored = self.storage.customers.iterate(include_deleted=include_deleted)
        yield from self._gate.streamed(who, "all", self._gate.visible(who, stored))

    def export(
        self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any
    ) -> Iterator[Customer]:
        """Customers to write to a file (导出), masked for ``actor``, who needs the export right.

        With no query or filters, every customer not deleted, in code order, streamed.
        """
        who = self._gate.authorise(actor, Action.EXPORT)
        if query is None and not filters:
            stored: Iterable[Customer] = self.storage.customers.iterate(include_deleted=False)
        else:
            stored = self.storage.customers.find(self._gate.scoped(who, query, filters))
        chosen = self._gate.visible(who, stored)
        yield from self._gate.streamed(who, "export", chosen)

    def backup(self, path: str | os.PathLike[str], *, actor: Actor | None = None) -> BackupInfo:
        """Write everything the store holds to ``path`` (gzip JSON lines, checksummed); see
        :mod:`custrecord.storage.backup`. Restore it with :func:`custrecord.restore`.

        A backup holds every customer unmasked, deleted ones too: ``actor`` needs the
        export right, no scope, and a full view of every sensitive field.
        """
        who = self._gate.authorise(actor, Action.EXPORT)
        policy = self.settings.policy
        if policy.scope(who) is not None:
            raise PermissionDenied(who, "backup", "the whole store (this actor sees only its scope)")
        masked = [path for path in SENSITIVE_FIELDS if policy.visibility(who, path) is not Visibility.FULL]
        if masked:
            raise PermissionDenied(who, "backup", f"the whole store unmasked ({', '.join(masked)})")
        info = write_backup(self.storage, path)
        self._gate.record(who, "backup", [], info.counts["customers"])
        return info

    def history(self, code: str, *, actor: Actor | None = None) -> list[HistoryEntry]:
        """The changes of customer ``code``, oldest first, masked for ``actor``."""
        who, key = self._reading(actor, code)
        self._gate.record(who, "history", (key,), 1)
        return [self._gate.entry(e, who) for e in list_history(self.storage, key)]

    def pending(self, code: str, *, actor: Actor | None = None) -> Revision | None:
        """The customer's revision awaiting approval (审核): each field's approved and proposed value,
        who proposed it and why; None when nothing waits. Values are masked for ``actor``."""
        who, key = self._reading(actor, code)
        found = pending_revision(self.storage.history.list(key))
        return None if found is None else self._gate.revision(found, who)

    def as_of(self, code: str, version: int, *, actor: Actor | None = None) -> Customer:
        """Customer ``code`` as it was at ``version``, replayed from its history."""
        who, key = self._reading(actor, code)
        past = self._gate.view(replay_version(self.storage, key, version), who)
        return self._gate.logged(who, "as_of", [past])[0]

    # -- duplicates and reminders ---------------------------------------------

    def duplicates(
        self, *, threshold: float | None = None, actor: Actor | None = None
    ) -> list[DuplicateGroup]:
        """Groups of likely duplicates over the whole store (deleted customers left out), strongest first.

        Uses the same matcher as :func:`custrecord.find_duplicates`. A customer
        without a tax ID never joins two customers with different valid tax IDs
        into one group.
        """
        who = self._gate.authorise(actor, Action.VIEW)
        stored = self.storage.customers.iterate(include_deleted=False)
        return duplicate_groups([c for c in stored if self._ctx.in_scope(who, c)], threshold)

    def review_due(self, *, on: date | None = None, actor: Actor | None = None) -> list[Customer]:
        """Customers whose ``review_date`` is on or before ``on`` (default today), earliest first."""
        who = self._gate.authorise(actor, Action.VIEW)
        customers = self._gate.visible(who, self.storage.customers.iterate(include_deleted=False))
        return due_for_review(customers, on or self._ctx.today())

    def expiring_credit(self, within_days: int, *, actor: Actor | None = None) -> list[Customer]:
        """Customers whose credit profile ends within ``within_days`` from today (and not yet ended)."""
        who = self._gate.authorise(actor, Action.VIEW)
        customers = self._gate.visible(who, self.storage.customers.iterate(include_deleted=False))
        return credit_expiring(customers, self._ctx.today(), within_days)
