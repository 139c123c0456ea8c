"""The customer book: the service an ERP application calls (SPEC 4).

A book takes its storage as an argument (Cosmic Python's "services take their
ports"), validates, assigns codes, stores, records history and emits events,
each operation in one unit of work. Reads are masked for restricted actors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from custrecord.codes import assign_code, code_for, normalise_code, sequence_key
from custrecord.convert import unstructure
from custrecord.copying import copy_with
from custrecord.diff import BLANK, FieldChange, apply_changes, changes_between
from custrecord.errors import CustrecordError, DuplicateError, NotFound, StorageError, ValidationError
from custrecord.events import (
    CreditChanged,
    CustomerChanged,
    CustomerRegistered,
    Erased,
    Event,
    EventBus,
    Merged,
    StatusChanged,
)
from custrecord.flat import OTHER_CONTACTS_KEY, split_record
from custrecord.lifecycle import Transition, next_status
from custrecord.model import Customer, Status
from custrecord.permissions import (
    SYSTEM,
    Action,
    Actor,
    PermissionDenied,
    Policy,
    Visibility,
    check_edit,
    mask_contact_data,
    mask_customer,
    mask_middle,
)
from custrecord.problems import Problem, ProblemCode, Severity, make_problem
from custrecord.settings import Settings
from custrecord.storage.ports import Sequences, Storage, UnitOfWork
from custrecord.storage.values import REDACTED, HistoryEntry, OutboxEvent, Query, utcnow
from custrecord.text import is_placeholder
from custrecord.validation.engine import run

if TYPE_CHECKING:
    from custrecord.credit import CreditDecision, CreditLedger

__all__ = [
    "BatchResult",
    "CustomerBook",
    "DuplicateGroup",
    "DuplicatePair",
    "ImportOutcome",
    "ReferencedError",
    "Registration",
    "open_book",
]


class ReferencedError(CustrecordError):
    """The host application says the customer is still referenced (orders, invoices)."""


@attrs.frozen
class ImportOutcome:
    """What happened to one imported record.

    ``action`` is ``added``, ``updated``, ``unchanged``, ``skipped`` or ``invalid``;
    ``problems`` holds every problem (warnings of stored records too).
    """

    row: int
    action: str
    code: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the record was stored or already up to date."""
        return self.action != "invalid"


class _DryRun(Exception):
    """Raised to roll back a dry-run chunk."""


#: A validated import row: (index among the chunk's outcomes, row, data, customer, problems).
_Ready = tuple[int, int, Mapping[str, Any], Customer, list[Problem]]


class _Reserved:
    """A sequence source that reserves each key's expected count in one call, then hands them out."""

    def __init__(self, sequences: Sequences, budget: Mapping[str, int]) -> None:
        self._sequences = sequences
        self._budget = dict(budget)
        self._blocks: dict[str, Iterator[int]] = {}

    def next_value(self, key: str) -> int:
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = iter(self._sequences.next_values(key, self._budget.pop(key, 0)))
        # Beyond the reservation (a serial skipped as taken), one at a time.
        value = next(block, None)
        return value if value is not None else self._sequences.next_value(key)


#: Import columns that select a customer rather than change it.
_NOT_UPDATED = frozenset({"code", "客户编码", "status", "状态"})


def _blank(value: Any) -> bool:
    """A cell that leaves a stored value as it is: empty, or a placeholder such as ``/`` or ``无``.

    On import a placeholder means "not given", never "erase what is stored".
    """
    return value is None or (isinstance(value, str) and (not value.strip() or is_placeholder(value)))


@attrs.frozen
class Registration:
    """A registered customer with the warnings it was stored with and its likely duplicates."""

    customer: Customer
    warnings: tuple[Problem, ...] = ()
    similar: tuple[DuplicatePair, ...] = ()


class _StoreCandidates:
    """Duplicate candidates from the store's own indexes (name fragments, tax ID), never a scan.

    Phones and e-mails are not indexed by the storage ports yet, so they only
    count as evidence once a name or tax ID brought the candidate in.
    """

    def __init__(self, uow: UnitOfWork, country: str) -> None:
        self._uow = uow
        self._country = country

    def lookup(self, kind: str, value: str, limit: int) -> Sequence[Customer]:
        store = self._uow.customers
        if kind == "tax":
            try:
                return [store.get_by_tax_id(self._country, value)]
            except NotFound:
                return []
        if kind in ("name", "suf") and len(value) >= 2:
            return store.find(Query(name_contains=value, limit=limit))
        return []


@attrs.frozen
class DuplicatePair:
    """Two stored customers that look like one: codes, score (0-1) and the matcher's reasons."""

    left: str
    right: str
    score: float
    reasons: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "left": self.left,
            "right": self.right,
            "score": round(self.score, 4),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@attrs.frozen
class DuplicateGroup:
    """Customers that are probably one (a cluster of matching pairs)."""

    codes: tuple[str, ...]
    score: float
    pairs: tuple[DuplicatePair, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "codes": list(self.codes),
            "score": round(self.score, 4),
            "pairs": [p.to_dict() for p in self.pairs],
        }


@attrs.frozen
class BatchResult:
    """Outcome of a batch operation: the codes that succeeded and the errors by code."""

    succeeded: tuple[str, ...]
    failed: Mapping[str, CustrecordError]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed


#: What erasure removes: personal data. Code, category, region, credit and tags stay.
_ERASED_NAME = REDACTED
_PERSONAL_PATHS = (
    "name",
    "short_name",
    "tax_id",
    "bank_name",
    "bank_account",
    "legal_representative",
    "address",
    "contacts",
    "remarks",
    "extra",
)


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
        self._clock = clock
        #: Reservations of checked orders (see :meth:`check_credit`); in memory, per book.
        self.credit_ledger: CreditLedger = credit_ledger or _memory_ledger()

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

    def _today(self) -> date:
        return self._clock().date()

    def _require(self, actor: Actor, action: Action) -> None:
        if not self.settings.policy.allows(actor, action):
            raise PermissionDenied(actor, action.value)

    def _view(self, customer: Customer, actor: Actor) -> Customer:
        return mask_customer(customer, actor, self.settings.policy)

    def _commit(self, work: Callable[[UnitOfWork], tuple[Customer, list[Event]]]) -> Customer:
        with self.storage.unit_of_work() as uow:
            customer, events = work(uow)
            uow.outbox.append_many(_outbox_event(e) for e in events)
        for event in events:
            self.events.publish(event)
        return customer

    def _entry(
        self,
        customer: Customer,
        action: str,
        actor: Actor,
        reason: str | None,
        changes: Iterable[FieldChange],
    ) -> HistoryEntry:
        return HistoryEntry(
            code=_code(customer),
            version=customer.version,
            action=action,
            at=customer.updated_at or self._clock(),
            actor=actor.name,
            reason=reason,
            changes=tuple(changes),
        )

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
        who = actor or SYSTEM
        self._require(who, Action.CREATE)
        customer, problems = self._prepare(data, who)
        status = _given_status(data)
        found: list[DuplicatePair] = []

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            stored, events = self._register(uow, customer, problems, who, status)
            found.extend(self._similar(uow, stored))
            return stored, events

        stored = self._commit(work)
        warnings = [p for p in problems if not p.is_error]
        if found:
            hint = ", ".join(f"{p.right} ({p.score:.2f})" for p in found[:5])
            warnings.append(
                make_problem(
                    "name",
                    ProblemCode.POSSIBLE_DUPLICATE,
                    severity=Severity.WARNING,
                    value=stored.name,
                    hint=hint,
                    hint_zh=hint,
                )
            )
        return Registration(self._view(stored, who), tuple(warnings), tuple(found))

    def _similar(self, uow: UnitOfWork, customer: Customer) -> list[DuplicatePair]:
        threshold = self.settings.duplicate_warning_threshold
        if threshold is None:
            return []
        from custrecord.matching import find_duplicates_in

        hits = find_duplicates_in(
            _StoreCandidates(uow, customer.country), customer, threshold=threshold, exclude=customer.code
        )
        return [DuplicatePair(_code(customer), str(h.key), h.score, h.reasons) for h in hits]

    def _prepare(self, data: Any, who: Actor) -> tuple[Customer, list[Problem]]:
        """Validation and field permissions: no I/O."""
        report = run(data, self.settings.profile, today=self._today())
        assert report.customer is not None
        customer = report.customer
        if who is not SYSTEM:  # the library's own identity may set every field
            for change in changes_between(None, customer):
                if not self.settings.policy.may_edit(who, change.path) and change.path != "kind":
                    raise PermissionDenied(who, "set", change.path)
        return customer, list(report.problems)

    def _register(
        self,
        uow: UnitOfWork,
        customer: Customer,
        problems: list[Problem],
        who: Actor,
        status: Status | None,
    ) -> tuple[Customer, list[Event]]:
        """Uniqueness, defaults, code, store, history. Raises before any write when refused."""
        problems = problems + self._uniqueness_problems(uow, customer, None)
        self._raise_errors(problems, customer, self.settings.profile.lenient)
        customer = self._apply_defaults(customer)
        customer = self._with_code(uow, customer)
        if self.settings.require_approval:
            status = Status.PENDING
        customer = attrs.evolve(customer, status=status or Status.ACTIVE)
        try:
            stored = uow.customers.add(customer)
        except DuplicateError as exc:
            raise ValidationError([_duplicate_problem(exc, customer)], record=repr(customer.name)) from exc
        at = stored.updated_at or self._clock()
        uow.history.append_added([stored], at=at, actor=who.name)
        event = CustomerRegistered(code=_code(stored), at=at, actor=who.name, status=stored.status.value)
        return stored, [event]

    def _uniqueness_problems(
        self, uow: UnitOfWork, customer: Customer, own_code: str | None
    ) -> list[Problem]:
        problems: list[Problem] = []
        if customer.tax_id:
            try:
                other = uow.customers.get_by_tax_id(customer.country, customer.tax_id)
            except NotFound:
                pass
            else:
                if other.code != own_code:
                    severity = self.settings.duplicate_tax_id
                    problems.append(
                        make_problem(
                            "tax_id",
                            ProblemCode.DUPLICATE_TAX_ID,
                            severity=severity,
                            value=customer.tax_id,
                            hint=f"customer {other.code}",
                            hint_zh=f"客户{other.code}",
                        )
                    )
        if customer.code and own_code is None:
            try:
                uow.customers.get(customer.code)
            except NotFound:
                pass
            else:
                problems.append(make_problem("code", ProblemCode.DUPLICATE_CODE, value=customer.code))
        if self.settings.profile.unique_short_names and customer.short_name:
            for other in uow.customers.find(Query(name_contains=None, include_deleted=True)):
                if other.short_name == customer.short_name and other.code != own_code:
                    problems.append(
                        make_problem(
                            "short_name",
                            "duplicate_short_name",
                            value=customer.short_name,
                            hint=f"customer {other.code}",
                            hint_zh=f"客户{other.code}",
                        )
                    )
                    break
        return problems

    @staticmethod
    def _raise_errors(problems: Sequence[Problem], customer: Customer, lenient: bool) -> None:
        if not lenient and any(p.is_error for p in problems):
            label = customer.code or customer.name
            raise ValidationError(problems, record=repr(label) if label else None)

    def _apply_defaults(self, customer: Customer) -> Customer:
        """Classification rules first (they may set the category), then credit defaults.

        What the user gave is kept: rules only fill gaps and add tags.
        """
        if self.settings.classification_rules:
            from custrecord.classification import classify

            customer = classify(customer, self.settings.classification_rules, overwrite=False).customer
        policy = self.settings.credit_policy
        if policy is not None:
            from custrecord.credit import apply_credit_defaults

            customer = apply_credit_defaults(customer, policy)
        return customer

    def _with_code(self, uow: UnitOfWork, customer: Customer) -> Customer:
        def taken(code: str) -> bool:
            try:
                uow.customers.get(code)
            except NotFound:
                return False
            return True

        limit = self.settings.profile.max_lengths.get("code")
        return assign_code(
            customer,
            self.settings.code_rule,
            uow.sequences,
            is_taken=taken,
            today=self._today(),
            max_length=limit,
        )

    # -- reads --------------------------------------------------------------

    def get(self, code: str, *, actor: Actor | None = None, follow: bool = True) -> Customer:
        """The customer with ``code``; raises :class:`~custrecord.NotFound`.

        A merged-away customer leads to the one it was merged into, unless ``follow`` is false.
        """
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        customer = self.storage.customers.get(normalise_code(code))
        seen = {customer.code}
        while follow and customer.replaced_by and customer.replaced_by not in seen:
            customer = self.storage.customers.get(customer.replaced_by)
            seen.add(customer.code)
        return self._view(customer, who)

    def find(
        self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any
    ) -> list[Customer]:
        """Customers matching a :class:`~custrecord.storage.Query` or its fields as keywords."""
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        return [self._view(c, who) for c in self.storage.customers.find(query, **filters)]

    def count(self, query: Query | None = None, /, **filters: Any) -> int:
        """How many customers match."""
        return self.storage.customers.count(query, **filters)

    def __iter__(self) -> Iterator[Customer]:
        return self.storage.customers.iterate(include_deleted=False)

    def all(self, *, actor: Actor | None = None, include_deleted: bool = False) -> Iterator[Customer]:
        """Every customer in code order, masked for ``actor``."""
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        for customer in self.storage.customers.iterate(include_deleted=include_deleted):
            yield self._view(customer, who)

    def export(
        self, query: Query | None = None, /, *, actor: Actor | None = None, **filters: Any
    ) -> Iterator[Customer]:
        """Customers to write to a file (导出), masked for ``actor``, who needs the export right.

        With no query or filters, every customer not deleted, in code order, streamed.
        """
        who = actor or SYSTEM
        self._require(who, Action.EXPORT)
        if query is None and not filters:
            yield from self.all(actor=who)
        else:
            yield from self.find(query, actor=who, **filters)

    def history(self, code: str, *, actor: Actor | None = None) -> list[HistoryEntry]:
        """The changes of customer ``code``, oldest first, masked for ``actor``."""
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        entries = list(self.storage.history.list(normalise_code(code)))
        if not entries:
            self.storage.customers.get(normalise_code(code))  # raises NotFound for an unknown code
        return [self._mask_entry(e, who) for e in entries]

    def _mask_entry(self, entry: HistoryEntry, actor: Actor) -> HistoryEntry:
        policy = self.settings.policy
        changes = []
        masked = False
        for change in entry.changes:
            if (
                change.path in ("bank_account", "tax_id")
                and policy.visibility(actor, change.path) is Visibility.MASKED
            ):
                change = change._replace(old=_mask_value(change.old), new=_mask_value(change.new))
                masked = True
            elif change.path == "contacts":
                masked_change = change._replace(
                    old=_mask_contacts(change.old, actor, policy),
                    new=_mask_contacts(change.new, actor, policy),
                )
                masked = masked or masked_change != change
                change = masked_change
            changes.append(change)
        return attrs.evolve(entry, changes=tuple(changes)) if masked else entry

    def as_of(self, code: str, version: int, *, actor: Actor | None = None) -> Customer:
        """Customer ``code`` as it was at ``version``, replayed from its history."""
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        entries = [e for e in self.storage.history.list(normalise_code(code)) if e.version <= version]
        if not entries:
            raise NotFound(f"customer {code} has no version {version}")
        return self._view(attrs.evolve(_replay(entries), version=entries[-1].version), who)

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
        who = actor or SYSTEM
        self._require(who, Action.EDIT)
        key = normalise_code(code)
        for forbidden in ("code", "status", "version", "created_at", "updated_at", "客户编码", "状态"):
            if forbidden in changes:
                raise ValidationError(
                    [
                        make_problem(
                            forbidden,
                            ProblemCode.INVALID_FORMAT,
                            value=changes[forbidden],
                            hint="not changed by update; use the lifecycle methods",
                            hint_zh="不能通过修改变更",
                        )
                    ],
                    record=repr(key),
                )

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            return self._apply_update(uow, uow.customers.get(key), changes, who, reason, expected_version)

        return self._view(self._commit(work), who)

    def _apply_update(
        self,
        uow: UnitOfWork,
        current: Customer,
        changes: Mapping[str, Any],
        who: Actor,
        reason: str | None,
        expected_version: int,
    ) -> tuple[Customer, list[Event]]:
        """Validate the changed record, check permissions and uniqueness, store, record history."""
        key = _code(current)
        if current.status is Status.DELETED:
            raise ValidationError(
                [make_problem("status", ProblemCode.INVALID_CHOICE, value="deleted", choices="not deleted")],
                record=repr(key),
            )
        merged = _merge_changes(current, changes, self.settings.profile.custom_fields)
        report = run(merged, self.settings.profile, today=self._today())
        assert report.customer is not None
        new = attrs.evolve(
            report.customer,
            code=current.code,
            status=current.status,
            version=current.version,
            created_at=current.created_at,
            updated_at=current.updated_at,
        )
        diff = changes_between(current, new)
        check_edit(who, self.settings.policy, diff)
        problems = list(report.problems) + self._uniqueness_problems(uow, new, current.code)
        self._raise_errors(problems, new, self.settings.profile.lenient)
        if not diff:
            return current, []
        if self.settings.require_approval:
            new = attrs.evolve(new, status=Status.PENDING)
            diff = changes_between(current, new)
        try:
            stored = uow.customers.update(new, expected_version)
        except DuplicateError as exc:
            raise ValidationError([_duplicate_problem(exc, new)], record=repr(key)) from exc
        uow.history.append(self._entry(stored, "update", who, reason, diff))
        at = stored.updated_at or self._clock()
        payload = tuple(c.to_dict() for c in diff)
        events: list[Event] = [
            CustomerChanged(
                code=key, at=at, actor=who.name, version=stored.version, changes=payload, reason=reason
            )
        ]
        credit = tuple(c for c in payload if str(c["path"]).startswith("credit."))
        if credit:
            events.append(
                CreditChanged(
                    code=key, at=at, actor=who.name, version=stored.version, changes=credit, reason=reason
                )
            )
        return stored, events

    # -- import -------------------------------------------------------------

    def import_records(
        self,
        records: Iterable[tuple[int, Mapping[str, Any]]],
        *,
        update_existing: bool = True,
        dry_run: bool = False,
        chunk_size: int = 10_000,
        actor: Actor | None = None,
        reason: str | None = "import",
    ) -> Iterator[ImportOutcome]:
        """Register or update many records, one unit of work per chunk (导入).

        ``records`` are ``(row, data)`` pairs (``row`` as the spreadsheet shows it).
        A record matching a stored customer by code, or else by tax ID, updates it
        with its non-blank cells (or is skipped without ``update_existing``), so
        importing the same file twice changes nothing the second time. Invalid
        records are never stored. Each committed chunk stays committed if a later
        one fails, so an interrupted import can simply be run again.
        """
        who = actor or SYSTEM
        self._require(who, Action.CREATE)
        chunk: list[tuple[int, Mapping[str, Any]]] = []
        for item in records:
            chunk.append(item)
            if len(chunk) >= chunk_size:
                yield from self._import_chunk(chunk, who, update_existing, dry_run, reason)
                chunk = []
        if chunk:
            yield from self._import_chunk(chunk, who, update_existing, dry_run, reason)

    def _import_chunk(
        self,
        chunk: Sequence[tuple[int, Mapping[str, Any]]],
        who: Actor,
        update_existing: bool,
        dry_run: bool,
        reason: str | None,
    ) -> list[ImportOutcome]:
        try:
            return self._import_unit(chunk, who, update_existing, dry_run, reason, bulk=len(chunk) > 1)
        except StorageError:
            if len(chunk) == 1:
                raise
            # A write failed (a concurrent writer took a key): redo the chunk one record at a time.
            return [
                o for item in chunk for o in self._import_chunk([item], who, update_existing, dry_run, reason)
            ]

    def _import_unit(
        self,
        chunk: Sequence[tuple[int, Mapping[str, Any]]],
        who: Actor,
        update_existing: bool,
        dry_run: bool,
        reason: str | None,
        *,
        bulk: bool,
    ) -> list[ImportOutcome]:
        """One unit of work over the chunk; events are published after it commits."""
        events: list[Event] = []
        try:
            with self.storage.unit_of_work() as uow:
                if bulk:
                    outcomes = self._import_bulk(uow, chunk, who, update_existing, reason, events)
                else:
                    outcomes = [
                        self._import_one(uow, row, data, who, update_existing, reason, events)
                        for row, data in chunk
                    ]
                if dry_run:
                    raise _DryRun
        except _DryRun:
            return outcomes
        for event in events:
            self.events.publish(event)
        return outcomes

    def _import_one(
        self,
        uow: UnitOfWork,
        row: int,
        data: Mapping[str, Any],
        who: Actor,
        update_existing: bool,
        reason: str | None,
        events: list[Event],
    ) -> ImportOutcome:
        try:
            customer, problems = self._prepare(data, who)
        except PermissionDenied as exc:
            return ImportOutcome(row, "invalid", None, (_denied(exc),))
        if any(p.is_error for p in problems) and not self.settings.profile.lenient:
            return ImportOutcome(row, "invalid", customer.code, tuple(problems))
        existing = self._existing(uow, customer)
        if existing is not None:
            return self._import_update(
                uow, row, data, existing, problems, who, update_existing, reason, events
            )
        try:
            stored, new_events = self._register(uow, customer, problems, who, _given_status(data))
        except ValidationError as exc:
            return ImportOutcome(row, "invalid", customer.code, exc.problems)
        except PermissionDenied as exc:
            return ImportOutcome(row, "invalid", customer.code, (_denied(exc),))
        self._queue_events(uow, new_events, events)
        return ImportOutcome(row, "added", stored.code, tuple(problems))

    def _import_update(
        self,
        uow: UnitOfWork,
        row: int,
        data: Mapping[str, Any],
        existing: Customer,
        problems: Sequence[Problem],
        who: Actor,
        update_existing: bool,
        reason: str | None,
        events: list[Event],
    ) -> ImportOutcome:
        """An imported record that is a stored customer: skip it, or update it with its non-blank cells."""
        if not update_existing:
            return ImportOutcome(row, "skipped", existing.code, tuple(problems))
        changes = {k: v for k, v in data.items() if not _blank(v) and k not in _NOT_UPDATED}
        try:
            stored, new_events = self._apply_update(uow, existing, changes, who, reason, existing.version)
        except ValidationError as exc:
            return ImportOutcome(row, "invalid", existing.code, exc.problems)
        except PermissionDenied as exc:
            return ImportOutcome(row, "invalid", existing.code, (_denied(exc),))
        self._queue_events(uow, new_events, events)
        return ImportOutcome(row, "updated" if new_events else "unchanged", stored.code, tuple(problems))

    def _import_bulk(
        self,
        uow: UnitOfWork,
        chunk: Sequence[tuple[int, Mapping[str, Any]]],
        who: Actor,
        update_existing: bool,
        reason: str | None,
        events: list[Event],
    ) -> list[ImportOutcome]:
        """One chunk with set-wise reads and writes: the same outcomes as record by record.

        Rows are written in runs: a run ends before a row that is a customer an earlier
        row of the run adds or updates, so that row, in the next run, finds it stored.
        """
        outcomes: list[ImportOutcome | None] = []
        ready: list[_Ready] = []
        for row, data in chunk:
            try:
                customer, problems = self._prepare(data, who)
            except PermissionDenied as exc:
                outcomes.append(ImportOutcome(row, "invalid", None, (_denied(exc),)))
                continue
            if any(p.is_error for p in problems) and not self.settings.profile.lenient:
                outcomes.append(ImportOutcome(row, "invalid", customer.code, tuple(problems)))
                continue
            ready.append((len(outcomes), row, data, customer, problems))
            outcomes.append(None)
        store = uow.customers
        # Where each code and tax ID last occurs: which keys rows after a run still need.
        last_code = {c.code: i for i, (_, _, _, c, _) in enumerate(ready) if c.code}
        last_tax = {(c.country, c.tax_id): i for i, (_, _, _, c, _) in enumerate(ready) if c.tax_id}
        by_code = store.get_many(last_code)
        by_tax = store.get_many_by_tax_id(last_tax)
        start = 0
        while start < len(ready):
            end, touched_codes, touched_taxes = self._import_run(
                uow, ready, start, by_code, by_tax, outcomes, who, update_existing, reason, events
            )
            codes = {code for code in touched_codes if last_code.get(code, -1) >= end}
            taxes = {tax for tax in touched_taxes if last_tax.get(tax, -1) >= end}
            if codes or taxes:  # rows after the run that are its customers: read them as now stored
                for code in codes:
                    by_code.pop(code, None)
                for tax in taxes:
                    by_tax.pop(tax, None)
                by_code.update(store.get_many(codes))
                by_tax.update(store.get_many_by_tax_id(taxes))
            start = end
        assert all(o is not None for o in outcomes)
        return [o for o in outcomes if o is not None]

    def _import_run(
        self,
        uow: UnitOfWork,
        ready: Sequence[_Ready],
        start: int,
        by_code: Mapping[str, Customer],
        by_tax: Mapping[tuple[str, str], Customer],
        outcomes: list[ImportOutcome | None],
        who: Actor,
        update_existing: bool,
        reason: str | None,
        events: list[Event],
    ) -> tuple[int, set[str], set[tuple[str, str]]]:
        """Import ``ready[start:end]``, up to the first row that is a customer of the run.

        Returns ``end`` and the codes and tax IDs the run wrote (rows after it that
        have one must be looked up again).
        """
        new: list[_Ready] = []
        updates: list[_Ready] = []
        codes: set[str] = set()
        taxes: set[tuple[str, str]] = set()
        names: set[str] = set()
        end = start
        for position in range(start, len(ready)):  # not ready[start:]: a chunk may have many runs
            item = ready[position]
            index, row, data, customer, problems = item
            tax = (customer.country, customer.tax_id) if customer.tax_id else None
            existing = by_code.get(customer.code) if customer.code else None
            if existing is None and tax is not None:
                existing = by_tax.get(tax)
            named = not customer.code and tax is None
            if (
                (customer.code and customer.code in codes)
                or (tax is not None and tax in taxes)
                or (named and customer.name in names)
                or (existing is not None and _code(existing) in codes)
            ):
                break  # this row is a customer the run writes: it goes in the next run
            if existing is None and named:
                existing = _by_name(uow, customer)
                if existing is not None and _code(existing) in codes:
                    break
            if customer.code:
                codes.add(customer.code)
            if tax is not None:
                taxes.add(tax)
            names.add(customer.name)  # a later row with only this name is this customer
            if existing is not None:
                codes.add(_code(existing))
                names.add(existing.name)  # renamed by the update: a name lookup would see the old one
                if existing.tax_id:
                    taxes.add((existing.country, existing.tax_id))
                updates.append((index, row, data, existing, problems))
            else:
                new.append(item)
            end += 1
        for index, row, data, existing, problems in updates:
            outcomes[index] = self._import_update(
                uow, row, data, existing, problems, who, update_existing, reason, events
            )
        added = self._add_new(uow, new, who)
        for index, outcome, _ in added:
            outcomes[index] = outcome
        stored_new = [c for _, _, c in added if c is not None]
        codes.update(_code(c) for c in stored_new)
        if stored_new:
            # History records what was set, not the storage-managed fields, so the customers
            # need not be read back; the entries take the book's clock.
            at = self._clock()
            uow.history.append_added(stored_new, at=at, actor=who.name)
            # The payload _outbox_event gives, built once per status rather than per customer
            # (it leaves out the code).
            payloads = {
                s: _payload(CustomerRegistered(code="", at=at, actor=who.name, status=s))
                for s in {c.status.value for c in stored_new}
            }
            uow.outbox.append_many(
                OutboxEvent(
                    type=CustomerRegistered.type,
                    code=_code(c),
                    payload=payloads[c.status.value],
                    created_at=at,
                )
                for c in stored_new
            )
            if self.events.listens_to(CustomerRegistered):  # a bulk import announces many
                events.extend(
                    CustomerRegistered(code=_code(c), at=at, actor=who.name, status=c.status.value)
                    for c in stored_new
                )
        return end, codes, taxes

    def _add_new(
        self,
        uow: UnitOfWork,
        new: Sequence[tuple[int, int, Mapping[str, Any], Customer, list[Problem]]],
        who: Actor,
    ) -> list[tuple[int, ImportOutcome, Customer | None]]:
        """Codes for the chunk's new customers (serials reserved per series in one go), then one insert."""
        rule = self.settings.code_rule
        today = self._today()
        prepared: list[tuple[int, int, Customer, list[Problem], Status | None, str | None]] = []
        results: list[tuple[int, ImportOutcome, Customer | None]] = []
        budget: dict[str, int] = {}
        for index, row, data, customer, problems in new:
            customer = self._apply_defaults(customer)
            series = None
            try:
                if self.settings.profile.unique_short_names:
                    self._raise_errors(self._uniqueness_problems(uow, customer, None), customer, False)
                if not customer.code:
                    series = rule.series(customer, today)
                    key = sequence_key(series)
                    budget[key] = budget.get(key, 0) + 1
            except ValidationError as exc:
                results.append((index, ImportOutcome(row, "invalid", customer.code, exc.problems), None))
                continue
            prepared.append((index, row, customer, problems, _given_status(data), series))
        sequences = _Reserved(uow.sequences, budget)
        taken: set[str] = set()
        limit = self.settings.profile.max_lengths.get("code")
        if limit is not None and limit != rule.max_length:
            rule = attrs.evolve(rule, max_length=limit)  # once, not per record in code_for
        batch: list[Customer] = []
        for index, row, customer, problems, status, series in prepared:
            try:
                code = code_for(
                    customer, rule, sequences, is_taken=taken.__contains__, today=today,
                    max_length=limit, series=series,
                )
            except ValidationError as exc:
                results.append((index, ImportOutcome(row, "invalid", customer.code, exc.problems), None))
                continue
            taken.add(code)
            if self.settings.require_approval:
                status = Status.PENDING
            customer = copy_with(customer, {"code": code, "status": status or Status.ACTIVE})
            batch.append(customer)
            results.append((index, ImportOutcome(row, "added", code, tuple(problems)), customer))
        # A generated code that a manual one already took raises DuplicateError: the chunk then
        # goes record by record, where the allocation skips taken codes.
        uow.customers.add_many(batch)
        return results

    def _queue_events(self, uow: UnitOfWork, new_events: Sequence[Event], events: list[Event]) -> None:
        for event in new_events:
            uow.outbox.append(_outbox_event(event))
        events.extend(new_events)

    def _existing(self, uow: UnitOfWork, customer: Customer) -> Customer | None:
        """The stored customer an imported record is: by code, else by tax ID, else by exact name.

        The name is used only for a record with neither code nor tax ID, and only when exactly
        one stored customer of the same kind and country has it; otherwise re-importing such a
        record would add it again.
        """
        if customer.code:
            try:
                return uow.customers.get(customer.code)
            except NotFound:
                pass
        if customer.tax_id:
            try:
                return uow.customers.get_by_tax_id(customer.country, customer.tax_id)
            except NotFound:
                pass
            return None
        return None if customer.code else _by_name(uow, customer)

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
        who = actor or SYSTEM
        self._require(who, action)
        key = normalise_code(code)

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            current = uow.customers.get(key)
            target = next_status(key, current.status, transition)
            if (
                transition in (Transition.APPROVE, Transition.REJECT)
                and not self.settings.allow_self_approval
            ):
                author = _last_author(uow.history.list(key))
                if author == who.name and who is not SYSTEM:
                    raise PermissionDenied(who, transition.value, f"customer {key} (own change)")
            if transition is Transition.REJECT:
                return self._reject(uow, current, who, reason)
            if transition is Transition.DELETE:
                referenced = self.settings.is_referenced
                if referenced is not None and referenced(key):
                    raise ReferencedError(
                        f"customer {key} is referenced by the host application; freeze or disable it instead"
                    )
                stored = uow.customers.delete(key, expected_version=expected_version)
            else:
                stored = uow.customers.update(
                    attrs.evolve(current, status=target),
                    current.version if expected_version is None else expected_version,
                )
            change = FieldChange("status", current.status.value, stored.status.value)
            uow.history.append(self._entry(stored, transition.value, who, reason, [change]))
            event = StatusChanged(
                code=key,
                at=stored.updated_at or self._clock(),
                actor=who.name,
                old=current.status.value,
                new=stored.status.value,
                reason=reason,
            )
            return stored, [event]

        return self._view(self._commit(work), who)

    def _reject(
        self, uow: UnitOfWork, current: Customer, who: Actor, reason: str | None
    ) -> tuple[Customer, list[Event]]:
        """A rejected change goes back to the last approved version; a rejected new customer to draft."""
        entries = list(uow.history.list(_code(current)))
        approved = [
            e for e in entries if any(c.path == "status" and c.new == Status.ACTIVE.value for c in e.changes)
        ]
        if approved:
            state = _replay(entries[: entries.index(approved[-1]) + 1])
            target = attrs.evolve(
                state,
                code=current.code,
                status=Status.ACTIVE,
                version=current.version,
                created_at=current.created_at,
                updated_at=current.updated_at,
            )
        else:
            target = attrs.evolve(current, status=Status.DRAFT)
        stored = uow.customers.update(target, current.version)
        diff = changes_between(current, stored)
        uow.history.append(self._entry(stored, "reject", who, reason, diff))
        event = StatusChanged(
            code=_code(stored),
            at=stored.updated_at or self._clock(),
            actor=who.name,
            old=current.status.value,
            new=stored.status.value,
            reason=reason,
        )
        return stored, [event]

    def submit(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Draft -> pending (送审)."""
        return self._transition(code, Transition.SUBMIT, Action.EDIT, actor, reason)

    def approve(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Pending -> active (审核通过); the author may not approve unless settings allow it."""
        return self._transition(code, Transition.APPROVE, Action.APPROVE, actor, reason)

    def reject(self, code: str, *, reason: str, actor: Actor | None = None) -> Customer:
        """Refuse a pending customer or change (审核不通过), with a reason."""
        _require_reason(reason)
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
        who = actor or SYSTEM
        self._require(who, Action.DELETE)
        key = normalise_code(code)

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            current = uow.customers.get(key)
            if current.status is not Status.DELETED:
                return current, []
            stored = uow.customers.restore(key)
            change = FieldChange("status", current.status.value, stored.status.value)
            uow.history.append(self._entry(stored, "restore", who, reason, [change]))
            return stored, [
                StatusChanged(
                    code=key,
                    at=stored.updated_at or self._clock(),
                    actor=who.name,
                    old=current.status.value,
                    new=stored.status.value,
                    reason=reason,
                )
            ]

        return self._view(self._commit(work), who)

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
        return self._batch(
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
        return self._batch(codes, lambda code, current: method(code, actor=actor, reason=reason), atomic)

    def _batch(
        self, codes: Iterable[str], apply: Callable[[str, Customer], Customer], atomic: bool
    ) -> BatchResult:
        succeeded: list[str] = []
        failed: dict[str, CustrecordError] = {}
        if atomic:
            # Reuse the per-customer operations inside one outer unit of work: ports join it.
            with self.storage.unit_of_work():
                for code in codes:
                    apply(code, self.storage.customers.get(normalise_code(code)))
                    succeeded.append(normalise_code(code))
            return BatchResult(tuple(succeeded), failed)
        for code in codes:
            try:
                apply(code, self.storage.customers.get(normalise_code(code)))
            except CustrecordError as exc:
                failed[normalise_code(code)] = exc
            else:
                succeeded.append(normalise_code(code))
        return BatchResult(tuple(succeeded), failed)

    # -- merge ----------------------------------------------------------------

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
        from custrecord.matching import merge as merge_customers

        who = actor or SYSTEM
        self._require(who, Action.MERGE)
        keys = [normalise_code(c) for c in codes]
        if len(set(keys)) != len(keys) or len(keys) < 2:
            raise CustrecordError("a merge needs at least two different customer codes")

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            customers = [uow.customers.get(k) for k in keys]
            for c in customers:
                if c.replaced_by or c.status in (Status.DELETED, Status.PENDING):
                    raise CustrecordError(
                        f"customer {c.code} is {c.status.value}"
                        f"{' and merged into ' + c.replaced_by if c.replaced_by else ''}; "
                        "it cannot be merged"
                    )
            keep = keys.index(normalise_code(survivor)) if survivor else None
            picks = {f: keys.index(normalise_code(c)) for f, c in (choose or {}).items()}
            result = merge_customers(
                customers,
                survivor=keep,
                strategies=strategies,
                choose=picks or None,
                force=force,
                reason=reason,
                now=self._clock(),
            )
            current = customers[result.record.survivor_index]
            record = result.record.to_dict()
            events: list[Event] = []
            for c in customers:
                if c is current:
                    continue
                gone = attrs.evolve(
                    c,
                    replaced_by=current.code,
                    status=Status.DISABLED,
                    tax_id=None if c.tax_id == result.customer.tax_id else c.tax_id,
                )
                stored_gone = uow.customers.update(gone, c.version)
                diff = changes_between(c, stored_gone)
                uow.history.append(self._entry(stored_gone, "merged", who, reason, diff))
                events.append(
                    Merged(
                        code=_code(current),
                        at=stored_gone.updated_at or self._clock(),
                        actor=who.name,
                        merged=_code(c),
                        reason=reason,
                    )
                )
            new = attrs.evolve(
                result.customer,
                code=current.code,
                status=current.status,
                version=current.version,
                created_at=current.created_at,
                updated_at=current.updated_at,
                replaced_by=None,
            )
            stored = uow.customers.update(new, current.version)
            merge_diff = [*changes_between(current, stored), FieldChange("merged", None, record)]
            uow.history.append(self._entry(stored, "merge", who, reason, merge_diff))
            return stored, events

        merged = self._commit(work)
        if self.settings.on_merge is not None:
            for code in keys:
                if code != merged.code:
                    self.settings.on_merge(code, _code(merged))
        return self._view(merged, who)

    def unmerge(self, code: str, *, actor: Actor | None = None, reason: str | None = None) -> Customer:
        """Undo the last merge of survivor ``code`` through its history; returns the survivor as before.

        Refused when the survivor changed after the merge (edit it by hand then).
        """
        who = actor or SYSTEM
        self._require(who, Action.MERGE)
        key = normalise_code(code)

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            current = uow.customers.get(key)
            entries = list(uow.history.list(key))
            if not entries or entries[-1].action != "merge":
                raise CustrecordError(f"customer {key} has no merge to undo as its last change")
            record = next(c.new for c in entries[-1].changes if c.path == "merged")
            before = _replay(entries[:-1])
            restored = attrs.evolve(
                before,
                code=current.code,
                status=current.status,
                version=current.version,
                created_at=current.created_at,
                updated_at=current.updated_at,
            )
            events: list[Event] = []
            for other in record["replaced"]:
                gone = uow.customers.get(other)
                back = _replay(list(uow.history.list(other))[:-1])
                again = attrs.evolve(
                    back,
                    code=gone.code,
                    version=gone.version,
                    created_at=gone.created_at,
                    updated_at=gone.updated_at,
                )
                stored_other = uow.customers.update(again, gone.version)
                uow.history.append(
                    self._entry(stored_other, "unmerge", who, reason, changes_between(gone, stored_other))
                )
                events.append(
                    StatusChanged(
                        code=_code(stored_other),
                        at=stored_other.updated_at or self._clock(),
                        actor=who.name,
                        old=gone.status.value,
                        new=stored_other.status.value,
                        reason=reason,
                    )
                )
            stored = uow.customers.update(restored, current.version)
            uow.history.append(self._entry(stored, "unmerge", who, reason, changes_between(current, stored)))
            return stored, events

        return self._view(self._commit(work), who)

    # -- erasure ------------------------------------------------------------

    def erase(self, code: str, *, actor: Actor | None = None, reason: str) -> Customer:
        """Erase the personal data of a customer (PIPL/GDPR); irreversible and recorded.

        Keeps the code, kind, status, category, region, tags, credit terms and the
        shape of the history (which entries exist, who made them, which fields they
        changed); personal values are scrubbed from the record, its history and the
        outbox. Refused while approval is pending.
        """
        who = actor or SYSTEM
        self._require(who, Action.ERASE)
        _require_reason(reason)
        key = normalise_code(code)

        def work(uow: UnitOfWork) -> tuple[Customer, list[Event]]:
            group = _merge_group(uow, key)
            customers = [uow.customers.get(c) for c in group]
            for current in customers:
                if current.status is Status.PENDING:
                    raise CustrecordError(
                        f"customer {current.code} awaits approval; approve or reject it before erasing"
                    )
            events: list[Event] = []
            result = customers[0]
            for current in customers:
                stored = self._erase_one(uow, current, who, reason)
                events.append(
                    Erased(
                        code=_code(stored),
                        at=stored.updated_at or self._clock(),
                        actor=who.name,
                        reason=reason,
                    )
                )
                if stored.code == key:
                    result = stored
            return result, events

        return self._view(self._commit(work), who)

    def _erase_one(self, uow: UnitOfWork, current: Customer, who: Actor, reason: str) -> Customer:
        code = _code(current)
        erased = attrs.evolve(
            current,
            name=_ERASED_NAME,
            short_name=None,
            tax_id=None,
            bank_name=None,
            bank_account=None,
            legal_representative=None,
            contacts=(),
            address=type(current.address)(),
            remarks=None,
            extra={},
        )
        stored = uow.customers.update(erased, current.version)
        uow.history.redact(code, _PERSONAL_PATHS)
        uow.outbox.redact(code, _PERSONAL_PATHS)
        diff = [FieldChange(c.path, REDACTED, c.new) for c in changes_between(current, stored)]
        uow.history.append(self._entry(stored, "erase", who, reason, diff))
        return stored

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
        from custrecord.credit import DEFAULT_POLICY, check_credit

        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        customer = self.storage.customers.get(normalise_code(code))
        return check_credit(
            customer,
            amount,
            exposure,
            policy=self.settings.credit_policy or DEFAULT_POLICY,
            order_ref=order_ref,
            ledger=self.credit_ledger,
            overdue_days=overdue_days,
            currency=currency,
            today=self._today(),
        )

    def duplicates(
        self, *, threshold: float | None = None, actor: Actor | None = None
    ) -> list[DuplicateGroup]:
        """Groups of likely duplicates over the whole store (deleted customers left out), strongest first.

        Uses the same matcher as :func:`custrecord.find_duplicates`. A customer
        without a tax ID never joins two customers with different valid tax IDs
        into one group.
        """
        from custrecord.matching import cluster, find_duplicates
        from custrecord.matching.features import valid_tax_id

        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        customers = list(self.storage.customers.iterate(include_deleted=False))
        matches = find_duplicates(customers, threshold=threshold)
        groups = []
        for members in cluster(matches, exclusive=[valid_tax_id(c) for c in customers]):
            inside = set(members)
            pairs = tuple(
                DuplicatePair(_code(customers[m.left]), _code(customers[m.right]), m.score, m.reasons)
                for m in matches
                if m.left in inside and m.right in inside
            )
            if pairs:
                codes = tuple(_code(customers[i]) for i in members)
                groups.append(DuplicateGroup(codes, max(p.score for p in pairs), pairs))
        groups.sort(key=lambda g: (-g.score, g.codes))
        return groups

    def review_due(self, *, on: date | None = None, actor: Actor | None = None) -> list[Customer]:
        """Customers whose ``review_date`` is on or before ``on`` (default today), earliest first."""
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        day = on or self._today()
        due = [
            c
            for c in self.storage.customers.iterate(include_deleted=False)
            if c.review_date is not None and c.review_date <= day
        ]
        due.sort(key=lambda c: (c.review_date or day, c.code or ""))
        return [self._view(c, who) for c in due]

    def expiring_credit(self, within_days: int, *, actor: Actor | None = None) -> list[Customer]:
        """Customers whose credit profile ends within ``within_days`` from today (and not yet ended)."""
        who = actor or SYSTEM
        self._require(who, Action.VIEW)
        today = self._today()
        horizon = today + timedelta(days=within_days)
        return [
            self._view(c, who)
            for c in self.storage.customers.iterate(include_deleted=False)
            if c.credit.valid_until is not None and today <= c.credit.valid_until <= horizon
        ]


# -- helpers ------------------------------------------------------------------


def _merge_group(uow: UnitOfWork, code: str) -> list[str]:
    """``code`` first, then every customer merged into or with it (the replacement chain)."""
    group = [code]
    pending = [code]
    while pending:
        current = uow.customers.get(pending.pop())
        linked = [current.replaced_by] if current.replaced_by else []
        for entry in uow.history.list(_code(current)):
            for change in entry.changes:
                if change.path == "merged" and isinstance(change.new, Mapping):
                    linked.extend(c for c in change.new.get("replaced", ()) if isinstance(c, str))
        for other in linked:
            if other not in group:
                group.append(other)
                pending.append(other)
    return group


def _replay(entries: Sequence[HistoryEntry]) -> Customer:
    state = BLANK
    for entry in entries:
        state = apply_changes(
            state, [FieldChange(c.path, c.old, c.new) for c in entry.changes if c.path != "merged"]
        )
    return state


def _by_name(uow: UnitOfWork, customer: Customer) -> Customer | None:
    """The one stored customer with exactly this name, kind and country, or None."""
    if not customer.name:
        return None
    found = [
        c
        for c in uow.customers.find(Query(name_contains=customer.name, include_deleted=True, limit=50))
        if c.name == customer.name and c.kind == customer.kind and c.country == customer.country
    ]
    return found[0] if len(found) == 1 else None


def _require_reason(reason: str | None) -> None:
    if not reason or not reason.strip():
        raise ValidationError([make_problem("reason", ProblemCode.REQUIRED, label="reason", label_zh="原因")])


def _outbox_event(event: Event) -> OutboxEvent:
    return OutboxEvent(type=event.type, code=event.code, payload=_payload(event), created_at=event.at)


def _denied(exc: PermissionDenied) -> Problem:
    return make_problem(exc.what or "", "permission_denied", hint=str(exc))


def _memory_ledger() -> CreditLedger:
    from custrecord.credit import InMemoryCreditLedger

    return InMemoryCreditLedger()


def _code(customer: Customer) -> str:
    assert customer.code is not None
    return customer.code


def _payload(event: Event) -> dict[str, Any]:
    data = event.payload()
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()} | {"actor": event.actor}


def _given_status(data: Any) -> Status | None:
    """The status the input asks for (never ``deleted``), or None."""
    if not isinstance(data, Mapping):
        return None
    raw = data.get("status", data.get("状态"))
    if isinstance(raw, Status):
        return None if raw is Status.DELETED else raw
    if isinstance(raw, str) and raw.strip():
        from custrecord.coerce import STATUS_ALIASES

        found = STATUS_ALIASES.get(raw.strip()) or STATUS_ALIASES.get(raw.strip().lower())
        return None if found is Status.DELETED else found
    return None


def _duplicate_problem(exc: DuplicateError, customer: Customer) -> Problem:
    text = str(exc).lower()
    if "tax" in text:
        return make_problem("tax_id", ProblemCode.DUPLICATE_TAX_ID, value=customer.tax_id)
    return make_problem("code", ProblemCode.DUPLICATE_CODE, value=customer.code)


def _last_author(entries: Sequence[HistoryEntry]) -> str | None:
    for entry in reversed(entries):
        if entry.action in ("add", "update", "submit"):
            return entry.actor
    return None


def _merge_changes(
    current: Customer, changes: Mapping[str, Any], custom_fields: frozenset[str]
) -> dict[str, Any]:
    """Current canonical data with ``changes`` laid over it.

    ``changes`` uses nested keys (``credit: {limit: ...}``), flat columns
    (``credit_limit``, ``contact_phone``) or Chinese headers (``信用额度``);
    flat contact columns change the primary contact, and the other-contacts column
    replaces the ones after it. Unknown keys are passed on, so validation reports them.
    """
    data = unstructure(current)
    for key in ("code", "status", "version", "created_at", "updated_at"):
        data.pop(key, None)
    parts = split_record(changes, custom_fields)
    top, address, credit, contact = parts.top, parts.address, parts.credit, parts.contact
    nested, extra, unknown = parts.nested, parts.extra, parts.unknown
    if OTHER_CONTACTS_KEY in nested:
        # The other-contacts column stands for every contact after the primary one.
        data["contacts"] = data["contacts"][:1]
    for key, value in {**top, **nested}.items():
        if key in ("address", "credit", "extra") and isinstance(value, Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    data["address"] = {**data["address"], **address}
    data["credit"] = {**data["credit"], **credit}
    data["extra"] = {**data["extra"], **extra}
    if contact:
        contacts = list(data["contacts"]) or [{}]
        contacts[0] = {**contacts[0], **contact}
        data["contacts"] = contacts
    data.update(unknown)
    return data


def _mask_value(value: Any) -> Any:
    return mask_middle(value) if isinstance(value, str) else value


def _mask_contacts(value: Any, actor: Actor, policy: Policy) -> Any:
    """A contact list as history stores it, masked for ``actor``."""
    if not isinstance(value, list):
        return value
    return [mask_contact_data(item, actor, policy) if isinstance(item, Mapping) else item for item in value]


def open_book(url: str | os.PathLike[str] | None = None, *, settings: Settings | None = None) -> CustomerBook:
    """Open a customer book (SPEC 4 ``custrecord.open``).

    ``None`` keeps customers in memory; a file path or ``sqlite:///...`` uses an
    embedded SQLite file; ``postgresql+psycopg://...`` and ``mysql+pymysql://...``
    real servers; other schemes come from the storage registry.
    """
    from custrecord.storage.registry import open_storage

    return CustomerBook(open_storage(None if url is None else os.fspath(url)), settings)
