"""Registration (新增客户): one pipeline for one record or a chunk of many.

The data path of ``book.add``, in order: structure and validate the input and
check the fields the actor may set (:func:`admit`, no I/O); then, for the
batch, uniqueness against the store and within the batch, classification and
credit defaults, codes, the status, one insert, the history entries and the
events (:func:`register_many`). ``book.register`` runs it with one record; a
bulk import with each run of new rows of a chunk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from custrecord.book.checks import duplicate_problem, key_problems, phone_problems
from custrecord.book.duplicates import similar_to
from custrecord.book.groups import parent_problems
from custrecord.book.results import Registration
from custrecord.book.revisions import BookContext, code_of
from custrecord.classification import classify
from custrecord.codes import CodeRule, code_for, normalise_code, sequence_key
from custrecord.contact_ids import number_contacts
from custrecord.copying import copy_with
from custrecord.credit import apply_credit_defaults
from custrecord.diff import changes_between
from custrecord.errors import DuplicateError, NotFound, ValidationError
from custrecord.events import CustomerRegistered, Event
from custrecord.model import Customer, Status
from custrecord.permissions import SYSTEM, Actor, PermissionDenied, Policy
from custrecord.problems import Problem, ProblemCode, Severity, make_problem
from custrecord.storage.ports import Sequences, UnitOfWork
from custrecord.storage.values import added_entry
from custrecord.validation.engine import Profile, run

__all__ = [
    "Admission",
    "Candidate",
    "Registered",
    "admit",
    "register_many",
    "register_one",
]



@attrs.frozen
class Candidate:
    """A validated record on its way in: its spreadsheet ``row``, the customer and its problems."""

    row: int
    customer: Customer
    problems: tuple[Problem, ...] = ()


@attrs.frozen
class Registered:
    """What registration made of one candidate: the customer handed to storage, or the refusal.

    ``problems`` holds every problem found: the warnings (and, under a lenient
    profile, the errors) a stored customer carries, or what refused it.
    """

    candidate: Candidate
    customer: Customer | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when the customer was stored."""
        return self.customer is not None


@attrs.frozen
class Admission:
    """What admitting records needs, and nothing of the store or the clock: profile, policy, actor, day.

    Worker processes admit records with one (:mod:`custrecord.book.workers`).
    """

    profile: Profile
    policy: Policy
    who: Actor
    today: date

    @classmethod
    def of(cls, ctx: BookContext, who: Actor) -> Admission:
        """The admission of ``who`` in ``ctx`` today."""
        return cls(ctx.settings.profile, ctx.settings.policy, who, ctx.today())

    def admit(self, data: Any, row: int = 0) -> Candidate:
        """Structure and validate ``data`` and check that the actor may set every field it sets.

        No I/O. Raises :class:`PermissionDenied` for a field the actor may not set; problems
        of the data (errors too) are carried by the candidate.
        """
        report = run(data, self.profile, today=self.today)
        assert report.customer is not None
        customer = report.customer
        who = self.who
        if who is not SYSTEM:  # the library's own identity may set every field
            for change in changes_between(None, customer):
                # The kind always has a value (enterprise by default), so it is not the actor's choice.
                if change.path != "kind" and not self.policy.may_edit(who, change.path):
                    raise PermissionDenied(who, "set", change.path)
        return Candidate(row, customer, report.problems)


def admit(ctx: BookContext, who: Actor, data: Any, row: int = 0) -> Candidate:
    """Structure and validate ``data`` and check that ``who`` may set every field it sets (see
    :meth:`Admission.admit`)."""
    return Admission.of(ctx, who).admit(data, row)


def register_one(
    ctx: BookContext, uow: UnitOfWork, who: Actor, candidate: Candidate
) -> tuple[Registration, list[Event]]:
    """Register one record: refused with ``ValidationError``, or stored with its warnings and look-alikes."""
    try:
        (result,), events = register_many(ctx, uow, who, [candidate])
    except DuplicateError as exc:  # a concurrent writer took the code or tax ID meanwhile
        raise ValidationError([duplicate_problem(exc, candidate.customer)],
                              record=repr(candidate.customer.name)) from exc
    if result.customer is None:
        label = result.candidate.customer.code or result.candidate.customer.name
        raise ValidationError(result.problems, record=repr(label) if label else None)
    stored = uow.customers.get(result.customer.code or "")
    warnings = [p for p in result.problems if not p.is_error]
    threshold = ctx.settings.duplicate_warning_threshold
    similar = similar_to(uow.customers, stored, threshold) if threshold is not None else []
    if similar:
        hint = ", ".join(f"{p.right} ({p.score:.2f})" for p in similar[:5])
        warnings.append(make_problem("name", ProblemCode.POSSIBLE_DUPLICATE, severity=Severity.WARNING,
                                     value=stored.name, hint=hint, hint_zh=hint))
    return Registration(stored, tuple(warnings), tuple(similar)), events


def register_many(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    candidates: Sequence[Candidate],
    reason: str | None = None,
    *,
    keys_free: bool = False,
) -> tuple[list[Registered], list[Event]]:
    """Register new customers: what is refused, and what is stored with its history and events.

    Every candidate is meant to be a new customer: a code, tax ID or (with the
    profile's unique short names) short name that the store or an earlier
    candidate holds is a problem of that candidate. Candidates with errors are
    refused unless the profile is lenient; the others get defaults, a code and a
    status, and are stored in one insert, which raises ``DuplicateError`` when a
    concurrent writer took one of their keys meanwhile. ``keys_free`` says the caller
    has looked their codes and tax IDs up already and found no stored holder.
    """
    settings = ctx.settings
    lenient = settings.profile.lenient
    refused: dict[int, Registered] = {}
    admitted: list[tuple[int, Customer, tuple[Problem, ...]]] = []
    rows = [(c.row, c.customer) for c in candidates]
    clashes = key_problems(ctx, uow, rows, stored=not keys_free)
    # Shared phones are looked up for the records that would be stored; a refused one says why already.
    storable = [i for i, (c, found) in enumerate(zip(candidates, clashes, strict=True))
                if lenient or not any(p.is_error for p in (*c.problems, *found))]
    shared = dict(zip(storable, phone_problems(ctx, uow, who, [rows[i] for i in storable]), strict=True))
    # Parents: stored ones read at once; a parent added by an earlier candidate counts as stored.
    parents = uow.customers.get_many({c.customer.parent for c in candidates if c.customer.parent})
    earlier: set[str] = set()
    for index, (candidate, found) in enumerate(zip(candidates, clashes, strict=True)):
        problems = candidate.problems + tuple(found) + tuple(shared.get(index, ()))
        if all(p.path != "parent" for p in problems):
            problems += tuple(parent_problems(ctx, uow, who, candidate.customer, stored=parents,
                                              earlier=earlier))
        if not lenient and any(p.is_error for p in problems):
            refused[index] = Registered(candidate, None, problems)
        else:
            admitted.append((index, _with_defaults(ctx, candidate.customer), problems))
            if candidate.customer.code:
                earlier.add(candidate.customer.code)
    codes = _codes(ctx, uow, [customer for _, customer, _ in admitted])
    batch: list[Customer] = []
    results: dict[int, Registered] = dict(refused)
    status = Status.PENDING if settings.require_approval else None
    for (index, customer, problems), allocated in zip(admitted, codes, strict=True):
        candidate = candidates[index]
        if isinstance(allocated, ValidationError):
            if not (lenient and _keepable(customer, allocated)):
                results[index] = Registered(candidate, None, problems + allocated.problems)
                continue
            # Lenient: a given code that breaks only the format or the rule is kept, reported.
            code, problems = normalise_code(customer.code or ""), problems + allocated.problems
        else:
            code = allocated
        given = customer.status if customer.status is not Status.DELETED else Status.ACTIVE
        # One copy: the code, the status and every contact numbered (see custrecord.contact_ids).
        customer = copy_with(customer, {"code": code, "status": status or given,
                                        "contacts": number_contacts(customer.contacts)})
        batch.append(customer)
        results[index] = Registered(candidate, customer, problems)
    events: list[Event] = []
    if batch:
        uow.customers.add_many(batch)
        at = ctx.now()
        uow.history.append_many(added_entry(c, at=at, actor=who.name, reason=reason) for c in batch)
        events = [
            CustomerRegistered(code=code_of(c), at=at, actor=who.name, status=c.status.value) for c in batch
        ]
    return [results[i] for i in range(len(candidates))], events


def _with_defaults(ctx: BookContext, customer: Customer) -> Customer:
    """Classification rules first (they may set the category), then credit defaults.

    What the user gave is kept: rules only fill gaps and add tags.
    """
    settings = ctx.settings
    if settings.classification_rules:
        customer = classify(customer, settings.classification_rules, overwrite=False).customer
    if settings.credit_policy is not None:
        customer = apply_credit_defaults(customer, settings.credit_policy)
    return customer


def _code_rule(ctx: BookContext) -> CodeRule:
    """The settings' code rule with the profile's code length limit."""
    rule = ctx.settings.code_rule
    limit = ctx.settings.profile.max_lengths.get("code")
    return rule if limit is None or limit == rule.max_length else attrs.evolve(rule, max_length=limit)


def _codes(ctx: BookContext, uow: UnitOfWork, customers: Sequence[Customer]) -> list[str | ValidationError]:
    """The code of each customer (its own, checked, or a new one), or why it cannot have one.

    Serials are reserved per series in one call each. A new code that a stored
    customer already has (given by hand earlier) is drawn again, so one batch read
    replaces a lookup per code.
    """
    rule, today = _code_rule(ctx), ctx.today()
    plans = [None if c.code else _series(rule, c, today) for c in customers]
    budget = Counter(sequence_key(plan) for plan in plans if isinstance(plan, str))
    sequences = _Reserved(uow.sequences, budget)
    taken: set[str] = set()
    out: list[str | ValidationError] = []
    for customer, plan in zip(customers, plans, strict=True):
        if isinstance(plan, ValidationError):
            out.append(plan)
            continue
        try:
            code = code_for(customer, rule, sequences, is_taken=taken.__contains__, today=today, series=plan,
                            check_shape=ctx.settings.given_codes == "rule")
        except ValidationError as exc:
            out.append(exc)
            continue
        taken.add(code)
        out.append(code)
    fresh = [i for i, plan in enumerate(plans) if isinstance(plan, str) and isinstance(out[i], str)]
    clashes = uow.customers.get_many(str(out[i]) for i in fresh)
    if clashes:

        def is_taken(code: str) -> bool:
            return code in taken or _exists(uow, code)

        for i in fresh:
            plan = plans[i]
            if out[i] in clashes and isinstance(plan, str):
                out[i] = code = rule.allocate(customers[i], uow.sequences, is_taken=is_taken, today=today,
                                              series=plan)
                taken.add(code)
    return out


#: Stored codes are at most this long on every adapter.
_STORED_CODE_LENGTH = 64


def _keepable(customer: Customer, refusal: ValidationError) -> bool:
    """Whether a lenient profile can keep the customer's given code despite ``refusal``."""
    code = normalise_code(customer.code or "")
    return (
        bool(code)
        and len(code) <= _STORED_CODE_LENGTH
        and all(p.code != ProblemCode.DUPLICATE_CODE for p in refusal.problems)
    )


def _series(rule: CodeRule, customer: Customer, today: date) -> str | ValidationError:
    """The code series of a customer without a code, or why the rule cannot make one."""
    try:
        return rule.series(customer, today)
    except ValidationError as exc:
        return exc


def _exists(uow: UnitOfWork, code: str) -> bool:
    try:
        uow.customers.get(code)
    except NotFound:
        return False
    return True


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
