"""The customer book: the service an ERP application calls (SPEC 4).

A thin facade over the use cases of this package. Each operation authorises the
actor once, runs one use case in one unit of work, writes its events to the
outbox in the same transaction, publishes them after the commit, and shows the
result as the actor may see it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from custrecord.book.batch import run_batch
from custrecord.book.bulk_import import ImportOptions, Record, import_chunk
from custrecord.book.duplicates import duplicate_groups
from custrecord.book.erasure import erase_customer
from custrecord.book.masking import view_entry
from custrecord.book.merging import merge_customers, unmerge_survivor
from custrecord.book.queries import (
    credit_expiring,
    due_for_review,
    find_current,
    list_history,
    replay_version,
)
from custrecord.book.register import admit, register_one
from custrecord.book.results import BatchResult, DuplicateGroup, ImportOutcome, Registration
from custrecord.book.revisions import BookContext, code_of, outbox_event, require_reason
from custrecord.book.transitions import change_status, restore_deleted
from custrecord.book.update import apply_update, refuse_selecting_keys
from custrecord.codes import normalise_code
from custrecord.credit import DEFAULT_POLICY, CreditDecision, CreditLedger, InMemoryCreditLedger, check_credit
from custrecord.errors import CustrecordError, StorageError
from custrecord.events import Event, EventBus
from custrecord.flat import ColumnPlan
from custrecord.lifecycle import Transition
from custrecord.model import Customer
from custrecord.permissions import SYSTEM, Action, Actor, PermissionDenied, mask_customer
from custrecord.settings import Settings
from custrecord.storage.ports import Storage, UnitOfWork
from custrecord.storage.registry import open_storage
from custrecord.storage.values import HistoryEntry, Query, utcnow

__all__ = ["CustomerBook", "open_book"]

T = TypeVar("T")


class _DryRun(Exception):
    """Raised to roll back a dry-run chunk."""


class CustomerBook:
    """Customer management over a storage backend.

    ``actor`` arguments default to :data:`~custrecord.permissions.SYSTEM`, which
    may do everything; pass an :class:`~custrecord.permissions.Actor` to apply
    the settings' permission policy.
    """

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
        #: Reservations of checked orders (see :meth:`check_credit`); in memory, per book.
        self.credit_ledger: CreditLedger = credit_ledger or InMemoryCreditLedger()
        self._ctx = BookContext(self.settings, clock)

    # -- plumbing -----------------------------------------------------------

    def close(self) -> None:
        """Close the storage."""
        self.storage.close()

    def __enter__(self) -> CustomerBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(
        self, handler: Callable[[Event], None], event_type: type[Event] = Event
    ) -> Callable[[], None]:
        """Call ``handler`` after commit for each event of ``event_type``; returns an unsubscribe function."""
        return self.events.subscribe(handler, event_type)

    def _authorise(self, actor: Actor | None, action: Action) -> Actor:
        """The acting identity (the system when none is given), once it may perform ``action``."""
        who = actor or SYSTEM
        if not self.settings.policy.allows(who, action):
            raise PermissionDenied(who, action.value)
        return who

    def _run(self, use_case: Callable[..., tuple[T, list[Event]]], *args: Any) -> T:
        """Run ``use_case(context, unit of work, *args)`` in one transaction, then publish its events."""
        with self.storage.unit_of_work() as uow:
            result, events = use_case(self._ctx, uow, *args)
            uow.outbox.append_many(outbox_event(e) for e in events)
        self._publish(events)
        return result

    def _publish(self, events: Iterable[Event]) -> None:
        for event in events:
            self.events.publish(event)

    def _view(self, customer: Customer, who: Actor) -> Customer:
        return mask_customer(customer, who, self.settings.policy)

    # -- registration -------------------------------------------------------

    def add(self, data: Any, *, actor: Actor | None = None) -> Customer:
        """Validate, assign a code, store, record history and emit ``CustomerRegistered``.

        Raises :class:`~custrecord.ValidationError` with every problem (including
        ``duplicate_tax_id`` and ``duplicate_code``), :class:`PermissionDenied`.
        Use :meth:`register` to also get the warnings of a stored record.
        """
        return self.register(data, actor=actor).customer

    def register(self, data: Any, *, actor: Actor | None = None) -> Registration:
        """Like :meth:`add`, and tell the warnings too, ``possible_duplicate`` included.

        Likely duplicates are looked up through the store's name index and the tax
        ID (no scan) and scored with the duplicate matcher; at or above
        ``Settings.duplicate_warning_threshold`` they become a warning.
        """
        who = self._authorise(actor, Action.CREATE)
        done = self._run(register_one, who, admit(self._ctx, who, data))
        return Registration(self._view(done.customer, who), done.warnings, done.similar)

    # -- reads --------------------------------------------------------------

    def get(self, code: str, *, actor: Actor | None = None, follow: bool = True) -> Customer:
        """The customer with ``code``; raises :class:`~custrecord.NotFound`.

        A merged-away customer leads to the one it was merged into, unless ``follow`` is false.
        """
        who = self._authorise(actor, Action.VIEW)
        return self._view(find_current(self.storage, normalise_code(code), follow=follow), who)

    def find(
        self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any
    ) -> list[Customer]:
        """Customers matching a :class:`~custrecord.storage.Query` or its fields as keywords."""
        who = self._authorise(actor, Action.VIEW)
        return [self._view(c, who) for c in self.storage.customers.find(query, **filters)]

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        """How many customers match."""
        return self.storage.customers.count(query, **filters)

    def __iter__(self) -> Iterator[Customer]:
        return self.storage.customers.iterate(include_deleted=False)

    def all(self, *, actor: Actor | None = None, include_deleted: bool = False) -> Iterator[Customer]:
        """Every customer in code order, masked for ``actor``."""
        who = self._authorise(actor, Action.VIEW)
        for customer in self.storage.customers.iterate(include_deleted=include_deleted):
            yield self._view(customer, who)

    def export(
        self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any
    ) -> Iterator[Customer]:
        """Customers to write to a file (导出), masked for ``actor``, who needs the export right.

        With no query or filters, every customer not deleted, in code order, streamed.
        """
        who = self._authorise(actor, Action.EXPORT)
        if query is None and not filters:
            yield from self.all(actor=who)
        else:
            yield from self.find(query, actor=who, **filters)

    def history(self, code: str, *, actor: Actor | None = None) -> list[HistoryEntry]:
        """The changes of customer ``code``, oldest first, masked for ``actor``."""
        who = self._authorise(actor, Action.VIEW)
        entries = list_history(self.storage, normalise_code(code))
        return [view_entry(e, who, self.settings.policy) for e in entries]

    def as_of(self, code: str, version: int, *, actor: Actor | None = None) -> Customer:
        """Customer ``code`` as it was at ``version``, replayed from its history."""
        who = self._authorise(actor, Action.VIEW)
        return self._view(replay_version(self.storage, normalise_code(code), version), who)

    # -- updates ------------------------------------------------------------

    def update(
        self,
        code: str,
        changes: Mapping[str, Any],
        *,
        expected_version: int,
        actor: Actor | None = None,
        reason: str | None = None,
    ) -> Customer:
        """Apply partial ``changes`` (nested or flat keys) when the stored version is ``expected_version``.

        Raises :class:`~custrecord.ConflictError` naming both versions when stale,
        :class:`~custrecord.ValidationError` with every problem of the result,
        :class:`PermissionDenied` for a field the actor may not edit. The code and
        the status are not changed here (see the lifecycle methods).
        """
        who = self._authorise(actor, Action.EDIT)
        key = normalise_code(code)
        refuse_selecting_keys(key, changes)

        def use_case(ctx: BookContext, uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            return apply_update(ctx, uow, who, uow.customers.get(key), changes, reason, expected_version)

        return self._view(self._run(use_case), who)

    # -- import -------------------------------------------------------------

    def import_records(
        self,
        records: Iterable[Record],
        *,
        update_existing: bool = True,
        dry_run: bool = False,
        chunk_size: int = 10_000,
        actor: Actor | None = None,
        reason: str | None = "import",
        on_conflict: str = "keep",
        columns: Mapping[str, str] | None = None,
        strict_columns: bool = False,
    ) -> Iterator[ImportOutcome]:
        """Register or update many records, one unit of work per chunk (导入).

        ``records`` are ``(row, data)`` pairs (``row`` as the spreadsheet shows it).
        A record matching a stored customer by code, or else by tax ID, updates it
        with its non-blank cells (or is skipped without ``update_existing``), so
        importing the same file twice changes nothing the second time. Invalid
        records are never stored. Each committed chunk stays committed if a later
        one fails, so an interrupted import can simply be run again.

        A record found by its tax ID that names another company is a ``name_conflict``:
        ``on_conflict`` ``keep`` (the stored customer stays as it is), ``update`` or
        ``refuse``. The records' keys are read as one table's columns: ``columns``
        (default ``Settings.columns``) maps headers to fields, and a key that maps
        to no field is an ``unknown_column`` warning of the first record that has
        it, unless ``strict_columns``.
        """
        who = self._authorise(actor, Action.CREATE)
        plan = ColumnPlan(self.settings.columns if columns is None else columns,
                          custom_fields=self.settings.profile.custom_fields, strict=strict_columns)
        options = ImportOptions(update_existing=update_existing, reason=reason, on_conflict=on_conflict,
                                columns=plan)
        chunk: list[Record] = []
        for item in records:
            chunk.append(item)
            if len(chunk) >= chunk_size:
                yield from self._import_chunk(chunk, who, options, dry_run)
                chunk = []
        if chunk:
            yield from self._import_chunk(chunk, who, options, dry_run)

    def _import_chunk(
        self, chunk: Sequence[Record], who: Actor, options: ImportOptions, dry_run: bool
    ) -> list[ImportOutcome]:
        """One chunk in one unit of work; when a write fails (a concurrent writer took a key),
        the chunk again one record at a time."""
        try:
            with self.storage.unit_of_work() as uow:
                outcomes, events = import_chunk(self._ctx, uow, who, chunk, options)
                uow.outbox.append_many(outbox_event(e) for e in events)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            return outcomes
        except StorageError:
            if len(chunk) == 1:
                raise
            return [o for item in chunk for o in self._import_chunk([item], who, options, dry_run)]
        self._publish(events)
        return outcomes

    # -- lifecycle ----------------------------------------------------------

    def _transition(
        self,
        code: str,
        transition: Transition,
        action: Action,
        actor: Actor | None,
        reason: str | None,
        *,
        expected_version: int | None = None,
    ) -> Customer:
        who = self._authorise(actor, action)
        stored = self._run(change_status, who, normalise_code(code), transition, reason, expected_version)
        return self._view(stored, who)

    def submit(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Draft -> pending (送审)."""
        return self._transition(code, Transition.SUBMIT, Action.EDIT, actor, reason)

    def approve(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Pending -> active (审核通过); the author may not approve unless settings allow it."""
        return self._transition(code, Transition.APPROVE, Action.APPROVE, actor, reason)

    def reject(self, code: str, *, reason: str, actor: Actor | None = None) -> Customer:
        """Refuse a pending customer or change (审核不通过), with a reason."""
        require_reason(reason)
        return self._transition(code, Transition.REJECT, Action.APPROVE, actor, reason)

    def freeze(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Active -> frozen (冻结): kept, but credit checks block."""
        return self._transition(code, Transition.FREEZE, Action.EDIT, actor, reason)

    def unfreeze(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Frozen -> active (解冻)."""
        return self._transition(code, Transition.UNFREEZE, Action.EDIT, actor, reason)

    def disable(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Active or frozen -> disabled (停用)."""
        return self._transition(code, Transition.DISABLE, Action.EDIT, actor, reason)

    def enable(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Disabled -> active (启用)."""
        return self._transition(code, Transition.ENABLE, Action.EDIT, actor, reason)

    def delete(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Soft delete (删除); refused while the host application says the customer is referenced."""
        return self._transition(code, Transition.DELETE, Action.DELETE, actor, reason)

    def restore(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Undo a soft delete: the status before deletion comes back."""
        who = self._authorise(actor, Action.DELETE)
        return self._view(self._run(restore_deleted, who, normalise_code(code), reason), who)

    # -- batch --------------------------------------------------------------

    def batch_update(
        self,
        codes: Iterable[str],
        changes: Mapping[str, Any],
        *,
        actor: Actor | None = None,
        reason: str | None = None,
        atomic: bool = False,
    ) -> BatchResult:
        """Apply the same ``changes`` to many customers (批量修改), each with its own history entry.

        Without ``atomic`` a failure on one customer is reported and the others keep
        their changes; with ``atomic`` any failure rolls back all of them.
        """
        return run_batch(
            self.storage,
            codes,
            lambda code, current: self.update(
                code, changes, expected_version=current.version, actor=actor, reason=reason
            ),
            atomic,
        )

    def batch_status(
        self,
        codes: Iterable[str],
        transition: Transition | str,
        *,
        actor: Actor | None = None,
        reason: str | None = None,
        atomic: bool = False,
    ) -> BatchResult:
        """Apply one lifecycle step (``freeze``, ``disable``, ``delete``...) to many customers."""
        step = Transition(transition)
        method: Callable[..., Customer] = getattr(self, step.value)
        return run_batch(
            self.storage, codes, lambda code, current: method(code, actor=actor, reason=reason), atomic
        )

    # -- merge and erasure ----------------------------------------------------

    def merge(
        self,
        codes: Sequence[str],
        *,
        survivor: str | None = None,
        actor: Actor | None = None,
        reason: str | None = None,
        force: bool = False,
        strategies: Mapping[str, str] | None = None,
        choose: Mapping[str, str] | None = None,
    ) -> Customer:
        """Merge duplicates into one customer (合并); non-destructive and undoable.

        The survivor (``survivor``, or the matcher's choice) takes the combined
        fields by the survivorship rules (``strategies`` per field, or ``choose``
        naming the code to take a field from) and every contact. The others stay,
        disabled, with ``replaced_by`` pointing at the survivor, which :meth:`get`
        follows. Both histories record the merge; a ``Merged`` event per replaced
        code (and ``Settings.on_merge``) tells the host application to re-point its
        orders. Customers with different valid tax IDs are refused unless
        ``force`` is given with a reason. :meth:`unmerge` undoes it.
        """
        who = self._authorise(actor, Action.MERGE)
        keys = [normalise_code(c) for c in codes]
        if len(set(keys)) != len(keys) or len(keys) < 2:
            raise CustrecordError("a merge needs at least two different customer codes")
        chosen = {field: normalise_code(code) for field, code in (choose or {}).items()}
        merged = self._run(
            merge_customers, who, keys, normalise_code(survivor) if survivor else None, strategies, chosen,
            force, reason,
        )
        if self.settings.on_merge is not None:
            for code in keys:
                if code != merged.code:
                    self.settings.on_merge(code, code_of(merged))
        return self._view(merged, who)

    def unmerge(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Undo the last merge of survivor ``code`` through its history; returns the survivor as before.

        Refused when the survivor changed after the merge (edit it by hand then).
        """
        who = self._authorise(actor, Action.MERGE)
        return self._view(self._run(unmerge_survivor, who, normalise_code(code), reason), who)

    def erase(self, code: str, *, actor: Actor | None = None, reason: str) -> Customer:
        """Erase the personal data of a customer (PIPL/GDPR); irreversible and recorded.

        Keeps the code, kind, status, category, region, tags, credit terms and the
        shape of the history (which entries exist, who made them, which fields they
        changed); personal values are scrubbed from the record, its history and the
        outbox, for the customer and everyone merged with it. Refused while approval
        is pending.
        """
        who = self._authorise(actor, Action.ERASE)
        require_reason(reason)
        return self._view(self._run(erase_customer, who, normalise_code(code), reason), who)

    # -- credit, duplicates, reminders ---------------------------------------

    def check_credit(
        self,
        code: str,
        amount: Decimal | int | str,
        *,
        exposure: Decimal | int | str = 0,
        order_ref: str | None = None,
        overdue_days: int = 0,
        currency: str | None = None,
        actor: Actor | None = None,
    ) -> CreditDecision:
        """Credit check of an order (信用检查) against the customer's current credit.

        ``exposure`` is open receivables plus open orders, from the host
        application. With ``order_ref`` the book's credit ledger counts that order
        once however often it is re-checked (edited, copied or reopened orders).
        """
        self._authorise(actor, Action.VIEW)
        return check_credit(
            self.storage.customers.get(normalise_code(code)),
            amount,
            exposure,
            policy=self.settings.credit_policy or DEFAULT_POLICY,
            order_ref=order_ref,
            ledger=self.credit_ledger,
            overdue_days=overdue_days,
            currency=currency,
            today=self._ctx.today(),
        )

    def duplicates(
        self, *, threshold: float | None = None, actor: Actor | None = None
    ) -> list[DuplicateGroup]:
        """Groups of likely duplicates over the whole store (deleted customers left out), strongest first.

        Uses the same matcher as :func:`custrecord.find_duplicates`. A customer
        without a tax ID never joins two customers with different valid tax IDs
        into one group.
        """
        self._authorise(actor, Action.VIEW)
        return duplicate_groups(list(self.storage.customers.iterate(include_deleted=False)), threshold)

    def review_due(self, *, on: date | None = None, actor: Actor | None = None) -> list[Customer]:
        """Customers whose ``review_date`` is on or before ``on`` (default today), earliest first."""
        who = self._authorise(actor, Action.VIEW)
        due = due_for_review(self.storage.customers.iterate(include_deleted=False), on or self._ctx.today())
        return [self._view(c, who) for c in due]

    def expiring_credit(self, within_days: int, *, actor: Actor | None = None) -> list[Customer]:
        """Customers whose credit profile ends within ``within_days`` from today (and not yet ended)."""
        who = self._authorise(actor, Action.VIEW)
        customers = self.storage.customers.iterate(include_deleted=False)
        return [self._view(c, who) for c in credit_expiring(customers, self._ctx.today(), within_days)]


def open_book(url: str | os.PathLike[str] | None = None, *, settings: Settings | None = None) -> CustomerBook:
    """Open a customer book (SPEC 4 ``custrecord.open``).

    ``None`` keeps customers in memory; a file path or ``sqlite:///...`` uses an
    embedded SQLite file; ``postgresql+psycopg://...`` and ``mysql+pymysql://...``
    real servers; other schemes come from the storage registry.
    """
    return CustomerBook(open_storage(None if url is None else os.fspath(url)), settings)
