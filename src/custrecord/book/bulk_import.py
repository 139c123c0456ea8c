"""Import (导入): many records, one chunk per unit of work, on top of the registration pipeline.

A record that is a stored customer (by code, else tax ID, else, for a record
with neither, its exact name) updates it with its non-blank cells; the others
are registered together. A record matched by tax ID that names another company
is a ``name_conflict``: the stored customer is kept as it is, updated, or the row
refused, as ``on_conflict`` says. A record that changes nothing is ``unchanged``
and writes no version. Rows go in runs: a run ends before a row that is a
customer an earlier row of the run adds or updates, so that row, in the next
run, finds it stored. The outcomes are those of importing record by record.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from custrecord.book.admitting import Admitted, Sorted, admitted_here, denied_outcome
from custrecord.book.register import Candidate, register_many
from custrecord.book.results import ImportOutcome
from custrecord.book.revisions import BookContext, code_of, outbox_event
from custrecord.book.update import SELECTING_KEYS, apply_update
from custrecord.book.workers import admit_in_workers
from custrecord.coerce import is_blank, is_masked
from custrecord.errors import StorageError, ValidationError
from custrecord.events import Event
from custrecord.flat import ColumnPlan
from custrecord.model import Customer
from custrecord.permissions import Actor, PermissionDenied, Visibility, is_personal_id
from custrecord.problems import Problem, ProblemCode, Severity, make_problem
from custrecord.storage.batch import chunks
from custrecord.storage.ports import Storage, UnitOfWork
from custrecord.storage.values import Query

__all__ = ["ON_CONFLICT", "ImportOptions", "Record", "import_chunk", "import_chunks"]

#: What a row matched by tax ID that names another company does: ``keep`` the stored customer as it
#: is (the row is skipped), ``update`` it with the row, name included, or ``refuse`` the row.
ON_CONFLICT = ("keep", "update", "refuse")

#: A numbered input record: its row as the spreadsheet shows it, and its data.
Record = tuple[int, Mapping[str, Any]]
TaxKey = tuple[str, str]
#: Customers read at a time while looking for a row's exact name among those containing it.
NAME_PAGE = 200


@attrs.frozen
class ImportOptions:
    """How records that are stored customers are treated, the reason history records, the plan
    that sorts the records' columns (None: taken as they are), and whether every chunk is
    rolled back (a dry run)."""

    update_existing: bool = True
    reason: str | None = "import"
    on_conflict: str = attrs.field(default="keep", validator=attrs.validators.in_(ON_CONFLICT))
    columns: ColumnPlan | None = attrs.field(default=None, eq=False)
    dry_run: bool = False


class _DryRun(Exception):
    """Raised to roll back a dry-run chunk."""


def import_chunks(
    storage: Storage,
    ctx: BookContext,
    who: Actor,
    records: Iterable[Record],
    options: ImportOptions,
    chunk_size: int,
    *,
    jobs: int = 1,
) -> Generator[tuple[list[ImportOutcome], list[Event]], None, None]:
    """Import ``records`` a chunk per unit of work: each chunk's outcomes and committed events.

    A committed chunk stays committed if a later one fails. When a chunk's write fails (a
    concurrent writer took a key meanwhile), the chunk is imported again record by record.
    With ``jobs`` above 1 the records are parsed and validated in that many worker
    processes (:mod:`custrecord.book.workers`); reading and writing stay here, in order.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    sorted_records = _sort_all(options.columns, records)
    if jobs == 1:
        for ready in chunks(admitted_here(ctx, who, sorted_records, chunk_size), chunk_size):
            yield from _store(storage, ctx, who, ready, options)
        return
    with admit_in_workers(ctx, who, sorted_records, chunk_size, jobs) as admitted:
        for ready in chunks(admitted, chunk_size):
            yield from _store(storage, ctx, who, ready, options)


def _sort_all(plan: ColumnPlan | None, records: Iterable[Record]) -> Iterator[Sorted]:
    # In order, here: the first record that has an unknown column carries its warning.
    # Key sets the plan leaves as they are (each key its own target, no custom field whose
    # blank cells it drops) need no sorting the next time: a file's rows, sorted by the
    # table already, all have one.
    as_they_are: set[tuple[Any, ...]] = set()
    for row, given in records:
        if type(given) is dict and plan is not None:
            keys = tuple(given)
            if keys in as_they_are:
                yield row, given, ()
                continue
            data, found = plan.sort(given)
            if not plan.custom_fields and tuple(data) == keys:
                as_they_are.add(keys)
            yield row, data, found
            continue
        data, found = _sorted_columns(plan, given)
        yield row, data, found


def _store(
    storage: Storage, ctx: BookContext, who: Actor, chunk: Sequence[Admitted], options: ImportOptions
) -> Iterator[tuple[list[ImportOutcome], list[Event]]]:
    try:
        with storage.unit_of_work() as uow:
            outcomes, events = _import_admitted(ctx, uow, who, chunk, options)
            uow.outbox.append_many(outbox_event(e) for e in events)
            if options.dry_run:
                raise _DryRun
    except _DryRun:
        yield outcomes, []
        return
    except StorageError:
        if len(chunk) == 1:
            raise
        for item in chunk:
            yield from _store(storage, ctx, who, [item], options)
        return
    yield outcomes, events


@attrs.frozen
class _Ready:
    """A valid record waiting for its run: where its outcome goes, and its data as given."""

    index: int
    candidate: Candidate
    data: Mapping[str, Any]

    @property
    def customer(self) -> Customer:
        return self.candidate.customer


def import_chunk(
    ctx: BookContext, uow: UnitOfWork, who: Actor, records: Sequence[Record], options: ImportOptions
) -> tuple[list[ImportOutcome], list[Event]]:
    """Import ``records`` in one unit of work: an outcome per record, in order, and the events."""
    admitted = list(admitted_here(ctx, who, _sort_all(options.columns, records), max(len(records), 1)))
    return _import_admitted(ctx, uow, who, admitted, options)


def _import_admitted(
    ctx: BookContext, uow: UnitOfWork, who: Actor, chunk: Sequence[Admitted], options: ImportOptions
) -> tuple[list[ImportOutcome], list[Event]]:
    outcomes: list[ImportOutcome | None] = []
    ready: list[_Ready] = []
    for _, data, decided in chunk:
        if isinstance(decided, ImportOutcome):
            outcomes.append(decided)
        else:
            ready.append(_Ready(len(outcomes), decided, data))
            outcomes.append(None)
    events: list[Event] = []
    _Runs(ctx, uow, who, options, ready, outcomes, events).import_all()
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None], events


def _sorted_columns(plan: ColumnPlan | None, data: Any) -> tuple[Any, tuple[Problem, ...]]:
    """The record with its columns sorted by ``plan``, and the unknown columns first met in it."""
    if plan is None or not isinstance(data, Mapping):
        return data, ()
    return plan.sort(data)


class _Runs:
    """The runs of one chunk, and the stored customers its rows are, found set-wise."""

    def __init__(
        self,
        ctx: BookContext,
        uow: UnitOfWork,
        who: Actor,
        options: ImportOptions,
        ready: list[_Ready],
        outcomes: list[ImportOutcome | None],
        events: list[Event],
    ) -> None:
        self.ctx, self.uow, self.who, self.options = ctx, uow, who, options
        self.ready, self.outcomes, self.events = ready, outcomes, events
        # Where each code and tax ID last occurs: which keys rows after a run still need.
        self.last_code = {r.customer.code: i for i, r in enumerate(ready) if r.customer.code}
        self.last_tax = {_tax(r.customer): i for i, r in enumerate(ready) if r.customer.tax_id}
        self.by_code = uow.customers.get_many(self.last_code)
        self.by_tax = uow.customers.get_many_by_tax_id(self.last_tax)

    def import_all(self) -> None:
        start = 0
        while start < len(self.ready):
            end, codes, taxes = self._run(start)
            # Rows after the run that are customers it wrote: read them as now stored.
            codes = {code for code in codes if self.last_code.get(code, -1) >= end}
            taxes = {tax for tax in taxes if self.last_tax.get(tax, -1) >= end}
            for code in codes:
                self.by_code.pop(code, None)
            for tax in taxes:
                self.by_tax.pop(tax, None)
            if codes:
                self.by_code.update(self.uow.customers.get_many(codes))
            if taxes:
                self.by_tax.update(self.uow.customers.get_many_by_tax_id(taxes))
            start = end

    def _existing(self, customer: Customer) -> Customer | None:
        found = self.by_code.get(customer.code) if customer.code else None
        if found is None and customer.tax_id:
            found = self.by_tax.get(_tax(customer))
        return found

    def _run(self, start: int) -> tuple[int, set[str], set[TaxKey]]:
        """Import ``ready[start:end]``, up to the first row that is a customer of the run.

        Returns ``end`` and the codes and tax IDs the run wrote.
        """
        new: list[_Ready] = []
        updates: list[tuple[_Ready, Customer]] = []
        codes: set[str] = set()
        taxes: set[TaxKey] = set()
        names: set[str] = set()
        end = start
        for position in range(start, len(self.ready)):  # not a slice: a chunk may have many runs
            item = self.ready[position]
            customer = item.customer
            tax = _tax(customer) if customer.tax_id else None
            existing = self._existing(customer)
            named = not customer.code and tax is None
            if (
                (customer.code and customer.code in codes)
                or (tax is not None and tax in taxes)
                or (named and customer.name in names)
                or (existing is not None and code_of(existing) in codes)
            ):
                break  # this row is a customer the run writes: it goes in the next run
            if existing is None and named:
                existing = _by_name(self.uow, customer)
                if existing is not None and code_of(existing) in codes:
                    break
            if customer.code:
                codes.add(customer.code)
            if tax is not None:
                taxes.add(tax)
            names.add(customer.name)  # a later row with only this name is this customer
            if existing is not None:
                codes.add(code_of(existing))
                names.add(existing.name)  # renamed by the update: a name lookup would see the old one
                if existing.tax_id:
                    taxes.add(_tax(existing))
                updates.append((item, existing))
            else:
                new.append(item)
            end += 1
        for item, existing in updates:
            self.outcomes[item.index] = self._update(item, existing)
        # The run's new rows hold no stored code or tax ID: they were looked up above.
        candidates = [item.candidate for item in new]
        registered, events = register_many(
            self.ctx, self.uow, self.who, candidates, self.options.reason, keys_free=True
        )
        for item, result in zip(new, registered, strict=True):
            action = "added" if result.ok else "invalid"
            code = result.customer.code if result.customer is not None else item.customer.code
            self.outcomes[item.index] = ImportOutcome(item.candidate.row, action, code, result.problems)
            if result.customer is not None:
                codes.add(code_of(result.customer))
        self.events.extend(events)
        return end, codes, taxes

    def _update(self, item: _Ready, existing: Customer) -> ImportOutcome:
        """A record that is a stored customer: skip it, or update it with its non-blank cells.

        A row may only reach a customer its actor can see, through a key it can see: else
        it is refused without saying which customer (an import is no oracle for secrets).
        """
        row, problems = item.candidate.row, item.candidate.problems
        hidden = self._hidden_match(item.customer, existing)
        if hidden is not None:
            denied = make_problem(hidden, ProblemCode.PERMISSION_DENIED,
                                  hint="matches a customer you may not see", hint_zh="与您无权查看的客户相符")
            return ImportOutcome(row, "invalid", None, (denied,))
        if not self.options.update_existing:
            return ImportOutcome(row, "skipped", existing.code, problems)
        conflict = self._name_conflict(item.customer, existing)
        if conflict is not None:
            problems = (*problems, conflict)
            if conflict.is_error:
                return ImportOutcome(row, "invalid", existing.code, problems)
            if self.options.on_conflict == "keep":
                return ImportOutcome(row, "skipped", existing.code, problems)
        changes = {k: v for k, v in item.data.items() if not _not_given(v) and k not in SELECTING_KEYS}
        warnings: list[Problem] = []
        try:
            _, events = apply_update(
                self.ctx, self.uow, self.who, existing, changes, self.options.reason, existing.version,
                warnings=warnings,
            )
        except ValidationError as exc:
            return ImportOutcome(row, "invalid", existing.code, exc.problems)
        except PermissionDenied as exc:
            return denied_outcome(row, existing.code, exc)
        self.events.extend(events)
        # The update's own warnings (duplicate_phone...) beside those of the row's cells, once each.
        problems = (*problems, *(w for w in warnings if w not in problems))
        return ImportOutcome(row, "updated" if events else "unchanged", existing.code, problems)

    def _name_conflict(self, customer: Customer, existing: Customer) -> Problem | None:
        """``name_conflict`` when a row found by its tax ID names another company than the stored one.

        A warning (an error when the rows are refused); a row found by its code is that
        customer whatever its name, so renaming by code stays possible.
        """
        if not customer.name or customer.name == existing.name or customer.code == existing.code:
            return None
        refuse = self.options.on_conflict == "refuse"
        kept = {"keep": ("the stored customer is kept as it is", "已保留原客户，未导入本行"),
                "update": ("the stored customer is updated, name included", "已按本行更新客户（含名称）"),
                "refuse": ("the row is refused", "本行被拒绝")}[self.options.on_conflict]
        return make_problem(
            "name", ProblemCode.NAME_CONFLICT, severity=Severity.ERROR if refuse else Severity.WARNING,
            value=customer.name,
            hint=f"tax ID {existing.tax_id} is customer {existing.code}, {existing.name!r}; {kept[0]}",
            hint_zh=f"税号{existing.tax_id}属于客户{existing.code}“{existing.name}”；{kept[1]}",
        )


    def _hidden_match(self, row: Customer, existing: Customer) -> str | None:
        """The path of the key that matched a customer ``who`` may not see or match by, or None."""
        if not self.ctx.in_scope(self.who, existing):
            return "code" if row.code else "tax_id" if row.tax_id else "name"
        by_tax = not (row.code and row.code == existing.code) and row.tax_id is not None
        policy = self.ctx.settings.policy
        if (
            by_tax
            and existing.tax_id is not None
            and is_personal_id(existing.tax_id, existing.kind)
            and policy.visibility(self.who, "tax_id") is Visibility.MASKED
        ):
            return "tax_id"
        return None


def _tax(customer: Customer) -> TaxKey:
    assert customer.tax_id is not None
    return (customer.country, customer.tax_id)


def _not_given(value: Any) -> bool:
    """A cell that leaves a stored value as it is: blank (NaN too), a placeholder such as ``/`` or
    ``无``, or a masked value.

    On import a placeholder means "not given", never "erase what is stored"; a masked
    value (``w***@example.com``) is never written over the real one.
    """
    return is_blank(value) or is_masked(value)


def _by_name(uow: UnitOfWork, customer: Customer) -> Customer | None:
    """The one stored customer with exactly this name, kind and country, or None.

    Every customer whose name contains the name is read, a page at a time: the exact
    holder may sort after any number of longer names that contain it.
    """
    if not customer.name:
        return None
    query = Query(name_contains=customer.name, kind=customer.kind, country=customer.country,
                  include_deleted=True, limit=NAME_PAGE)
    found: Customer | None = None
    while True:
        page = uow.customers.find(query)
        for c in page:
            if c.name == customer.name:
                if found is not None:
                    return None  # two of that name: neither is taken
                found = c
        if len(page) < NAME_PAGE:
            return found
        query = attrs.evolve(query, offset=query.offset + NAME_PAGE)
