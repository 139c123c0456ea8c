"""The customer book: the service an ERP application calls (SPEC 4).

A thin facade over the use cases of this package. Each operation authorises the
actor once, runs one use case in one unit of work, writes its events to the
outbox in the same transaction, publishes them after the commit, and shows the
result as the actor may see it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from custrecord.book.approval import Revision, pending_revision
from custrecord.book.batch import run_batch
from custrecord.book.bulk_import import ImportOptions, Record, import_chunks
from custrecord.book.contacts import add_contact, remove_contact, update_contact
from custrecord.book.credit import check_order, grant_temporary_raise, override_decision, release_order
from custrecord.book.duplicates import duplicate_groups
from custrecord.book.erasure import erase_customer
from custrecord.book.gate import Gate
from custrecord.book.groups import group_of
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
from custrecord.book.update import update_customer
from custrecord.codes import normalise_code
from custrecord.credit import CreditDecision, CreditLedger, CreditOverride, Reservation, TemporaryRaise
from custrecord.errors import NotFound, ValidationError
from custrecord.events import Event, EventBus
from custrecord.flat import ColumnPlan
from custrecord.lifecycle import Transition
from custrecord.model import Customer, Status
from custrecord.permissions import SENSITIVE_FIELDS, Action, Actor, PermissionDenied, Visibility
from custrecord.settings import Settings
from custrecord.storage.backup import BackupInfo, write_backup
from custrecord.storage.ports import Storage
from custrecord.storage.registry import open_storage
from custrecord.storage.values import HistoryEntry, Query, utcnow

__all__ = ["CustomerBook", "open_book"]

T = TypeVar("T")


class CustomerBook:
    """Customer management over a storage backend.

    Every call acts as an :class:`~custrecord.permissions.Actor`, checked against the
    settings' policy: its rights, the fields it may edit and see, and the customers
    it may see at all (out of its scope, a customer is not found). A call without an
    actor acts as ``Settings.default_actor`` (:data:`~custrecord.permissions.SYSTEM`
    unless the host says otherwise), or is refused when there is none.
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

    def __enter__(self) -> CustomerBook:
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
        who = self._gate.authorise(actor, Action.CREATE)
        done = self._run(register_one, who, admit(self._ctx, who, data))
        warnings = self._gate.problems(done.warnings, who)
        return Registration(self._gate.view(done.customer, who), warnings, done.similar)

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
        """
        who, key = self._reading(actor, code)
        query = self._gate.scoped(who, None, {"parent": key, "include_deleted": include_deleted})
        found = self.storage.customers.find(query)
        return self._gate.logged(who, "children", [self._gate.view(c, who) for c in found])

    def group(
        self, code: str, *, actor: Actor | None = None, include_deleted: bool = False
    ) -> list[Customer]:
        """The whole group (集团) of customer ``code``, from any member: its root (the top parent)
        first, then everyone below it, level by level, each level in code order.

        Of those ``actor`` may see, masked for it; deleted members are left out unless
        ``include_deleted`` (a deleted member's children still belong to the group).
        """
        who, key = self._reading(actor, code)
        with self.storage.unit_of_work() as uow:
            members = group_of(uow, uow.customers.get(key))
        kept = (c for c in members if include_deleted or c.status is not Status.DELETED)
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
        who = self._gate.authorise(actor, Action.EDIT)
        stored = self._run(update_customer, who, normalise_code(code), changes, reason, expected_version)
        return self._gate.view(stored, who)

    # -- contacts -----------------------------------------------------------

    def add_contact(
        self,
        code: str,
        data: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
        reason: str | None = None,
    ) -> Customer:
        """Add one contact (``name``, ``title``, ``phone``, ``mobile``, ``email``; headers as on import)
        at the end of the customer's contacts; returns the customer, the new contact last.

        The contact gets an id (``c3``) unless it brings a free one. Checked like
        :meth:`update`: validation (``contacts[2].mobile``), field rights, approval
        (a change that waits leaves the customer as it is), ``duplicate_phone``;
        ``expected_version``, when given, must be the stored version.
        """
        who = self._gate.authorise(actor, Action.EDIT)
        stored = self._run(add_contact, who, normalise_code(code), data, reason, expected_version)
        return self._gate.view(stored, who)

    def update_contact(
        self,
        code: str,
        contact_id: str,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
        reason: str | None = None,
    ) -> Customer:
        """Change the fields ``changes`` names of contact ``contact_id`` (None clears one), checked as
        :meth:`add_contact` is; ``NotFound`` when the customer has no such contact."""
        who = self._gate.authorise(actor, Action.EDIT)
        stored = self._run(update_contact, who, normalise_code(code), contact_id, changes, reason,
                           expected_version)
        return self._gate.view(stored, who)

    def remove_contact(
        self,
        code: str,
        contact_id: str,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
        reason: str | None = None,
    ) -> Customer:
        """Remove contact ``contact_id``; checked and recorded as :meth:`add_contact`."""
        who = self._gate.authorise(actor, Action.EDIT)
        stored = self._run(remove_contact, who, normalise_code(code), contact_id, reason, expected_version)
        return self._gate.view(stored, who)

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
        jobs: int = 1,
    ) -> Generator[ImportOutcome, None, None]:
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

        ``jobs`` above 1 parses and validates the records in that many worker processes
        (started only for more than one chunk; the records' values must pickle); the
        outcomes are those of ``jobs=1``, in the same order.
        """
        who = self._gate.authorise(actor, Action.CREATE)
        plan = ColumnPlan(self.settings.columns if columns is None else columns,
                          custom_fields=self.settings.profile.custom_fields, strict=strict_columns)
        options = ImportOptions(update_existing=update_existing, reason=reason, on_conflict=on_conflict,
                                columns=plan, dry_run=dry_run)
        imported = import_chunks(self.storage, self._ctx, who, records, options, chunk_size, jobs=jobs)
        try:
            for outcomes, events in imported:
                self._publish(events)
                yield from self._gate.outcomes(outcomes, who)
        finally:
            imported.close()  # now, not when collected: worker processes stop with the import

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
        who = self._gate.authorise(actor, action)
        stored = self._run(change_status, who, normalise_code(code), transition, reason, expected_version)
        return self._gate.view(stored, who)

    def submit(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Draft -> pending (送审)."""
        return self._transition(code, Transition.SUBMIT, Action.EDIT, actor, reason)

    def approve(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Approve (审核通过) a new customer (pending -> active) or else its pending revision (applied).

        Nobody approves what contains a change of their own, unless the settings allow it.
        """
        return self._transition(code, Transition.APPROVE, Action.APPROVE, actor, reason)

    def reject(self, code: str, *, reason: str, actor: Actor | None = None) -> Customer:
        """Refuse (审核不通过), with a reason, a new customer (back to draft) or else its pending revision."""
        require_reason(reason)
        return self._transition(code, Transition.REJECT, Action.APPROVE, actor, reason)

    def freeze(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Active -> frozen (冻结): kept, but credit checks block. Needs the status right."""
        return self._transition(code, Transition.FREEZE, Action.STATUS, actor, reason)

    def unfreeze(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Frozen -> active (解冻). Needs the status right."""
        return self._transition(code, Transition.UNFREEZE, Action.STATUS, actor, reason)

    def disable(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Active or frozen -> disabled (停用). Needs the status right."""
        return self._transition(code, Transition.DISABLE, Action.STATUS, actor, reason)

    def enable(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Disabled -> active (启用). Needs the status right."""
        return self._transition(code, Transition.ENABLE, Action.STATUS, actor, reason)

    def delete(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Soft delete (删除); refused while the host application says the customer is referenced."""
        return self._transition(code, Transition.DELETE, Action.DELETE, actor, reason)

    def restore(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Undo a soft delete: the status before deletion comes back."""
        who = self._gate.authorise(actor, Action.DELETE)
        return self._gate.view(self._run(restore_deleted, who, normalise_code(code), reason), who)

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
        def one(code: str, current: Customer) -> Customer:
            return self.update(code, changes, expected_version=current.version, actor=actor, reason=reason)

        return run_batch(self.storage, codes, one, atomic)

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
        step: Callable[..., Customer] = getattr(self, Transition(transition).value)
        return run_batch(self.storage, codes, lambda code, _: step(code, actor=actor, reason=reason), atomic)

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
        who = self._gate.authorise(actor, Action.MERGE)
        merged, replaced = self._run(merge_customers, who, codes, survivor, strategies, choose, force, reason)
        if self.settings.on_merge is not None:
            for code in replaced:
                self.settings.on_merge(code, code_of(merged))
        return self._gate.view(merged, who)

    def unmerge(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Undo the last merge of survivor ``code`` through its history; returns the survivor as before.

        Refused when the survivor changed after the merge (edit it by hand then).
        """
        who = self._gate.authorise(actor, Action.MERGE)
        return self._gate.view(self._run(unmerge_survivor, who, normalise_code(code), reason), who)

    def erase(self, code: str, *, actor: Actor | None = None, reason: str) -> Customer:
        """Erase the personal data of a customer and everyone merged with it now (PIPL/GDPR).

        Irreversible and recorded; code, kind, status, category, region, tags, credit terms and
        the shape of the history stay. Refused while approval is pending; see docs/book.md.
        """
        who = self._gate.authorise(actor, Action.ERASE)
        require_reason(reason)
        return self._gate.view(self._run(erase_customer, who, normalise_code(code), reason), who)

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
        company: str | None = None,
        group_exposure: Decimal | int | str | Mapping[str, Decimal | int | str] = 0,
    ) -> CreditDecision:
        """Credit check of an order (信用检查) against the customer's approved credit.

        ``exposure`` is open receivables plus open orders the ledger does not hold. With
        ``order_ref`` the order counts once however often it is re-checked, and a check that
        lets it through reserves its amount in the store's ledger (:meth:`release_credit`).
        In a group, the group limit of every parent above the customer (and its own) that
        sets one is checked too, over the reservations of its whole subtree plus
        ``group_exposure`` (the other members' receivables: by code, or one amount).
        ``company`` checks the customer's terms in that company (账套), and reserves there;
        a company it has no terms in raises :class:`~custrecord.credit.UnknownCompanyError`.
        """
        who = self._gate.authorise(actor, Action.VIEW)
        return self._run(check_order, who, normalise_code(code), amount, exposure, order_ref, overdue_days,
                         currency, self.credit_ledger, company, group_exposure)

    def release_credit(
        self, code: str, order_ref: str, *, actor: Actor | None = None, company: str | None = None
    ) -> Reservation | None:
        """Drop an order's reservation (shipped and invoiced, or cancelled) in ``company`` (None: the
        default one); the one dropped, or None."""
        who = self._gate.authorise(actor, Action.VIEW)
        return self._run(release_order, who, normalise_code(code), order_ref, self.credit_ledger, company)

    def grant_credit_raise(
        self,
        code: str,
        limit: Decimal | int | str,
        until: date,
        *,
        reason: str,
        starts: date | None = None,
        actor: Actor | None = None,
    ) -> TemporaryRaise:
        """A temporary raise of the credit limit until ``until`` (临时额度), with a reason, kept in the
        store and the customer's history. Needs the credit right (finance, admin)."""
        who = self._gate.authorise(actor, Action.CREDIT)
        return self._run(grant_temporary_raise, who, normalise_code(code), limit, until, starts, reason)

    def override_credit(
        self, decision: CreditDecision, *, reason: str, actor: Actor | None = None
    ) -> CreditOverride:
        """Let a warned or blocked order through, with a reason, recorded in the customer's history
        (a blocked order with a reference reserves its amount now). Needs the credit right."""
        who = self._gate.authorise(actor, Action.CREDIT)
        return self._run(override_decision, who, decision, reason, self.credit_ledger)

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


def open_book(url: str | os.PathLike[str] | None = None, *, settings: Settings | None = None) -> CustomerBook:
    """Open a customer book (SPEC 4 ``custrecord.open``).

    ``None`` keeps customers in memory; a file path or ``sqlite:///...`` uses an
    embedded SQLite file; ``postgresql+psycopg://...`` and ``mysql+pymysql://...``
    real servers; other schemes come from the storage registry.
    """
    return CustomerBook(open_storage(None if url is None else os.fspath(url)), settings)
