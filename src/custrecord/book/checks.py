"""The checks a record passes before it is stored: its keys, and a revision of a stored customer.

Keys (code, tax ID, and short name where the profile wants them unique) are
looked up set-wise for a batch; a key that the store refuses later all the same
(a concurrent writer took it) becomes the same problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from custrecord.book.groups import parent_problems
from custrecord.book.revisions import BookContext, code_of
from custrecord.convert import unstructure
from custrecord.errors import DuplicateError, ValidationError
from custrecord.model import Customer
from custrecord.permissions import Actor
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.storage.batch import chunks
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import Query
from custrecord.validation.engine import run

__all__ = ["TaxKey", "checked", "duplicate_problem", "key_problems", "phone_problems"]

#: A tax ID with its country, the key of a tax-ID lookup.
TaxKey = tuple[str, str]


def key_problems(
    ctx: BookContext,
    uow: UnitOfWork,
    rows: Sequence[tuple[int, Customer]],
    *,
    own: str | None = None,
    stored: bool = True,
) -> list[list[Problem]]:
    """For each ``(row, customer)``, the keys that another stored customer or an earlier row holds.

    Keys are the tax ID (in its country), the code and, when the profile asks for
    unique short names, the short name. ``own`` is the code of the stored customer
    that the one row is a new revision of (an update): its own keys are no clash,
    and its code is not checked. Without ``stored``, codes and tax IDs are checked
    only among the rows (the caller knows no stored customer holds them).
    """
    store = uow.customers
    customers = [customer for _, customer in rows]
    holders: Mapping[TaxKey, Customer] = {}
    codes: Mapping[str, Customer] = {}
    if stored:
        holders = store.get_many_by_tax_id({(c.country, c.tax_id) for c in customers if c.tax_id})
        if own is None:
            codes = store.get_many({c.code for c in customers if c.code})
    unique_short_names = ctx.settings.profile.unique_short_names
    seen_tax: dict[TaxKey, int] = {}
    seen_code: dict[str, int] = {}
    seen_short: dict[str, int] = {}
    out: list[list[Problem]] = []
    for row, customer in rows:
        problems: list[Problem] = []
        if customer.tax_id:
            key = (customer.country, customer.tax_id)
            holder = _other(holders.get(key), own)
            if holder is not None or key in seen_tax:
                hint, hint_zh = _held_by(holder, seen_tax.get(key))
                problems.append(make_problem("tax_id", ProblemCode.DUPLICATE_TAX_ID, value=customer.tax_id,
                                             hint=hint, hint_zh=hint_zh))
            seen_tax.setdefault(key, row)
        if customer.code and own is None:
            if customer.code in codes or customer.code in seen_code:
                hint, hint_zh = _held_by(codes.get(customer.code), seen_code.get(customer.code))
                problems.append(make_problem("code", ProblemCode.DUPLICATE_CODE, value=customer.code,
                                             hint=hint, hint_zh=hint_zh))
            seen_code.setdefault(customer.code, row)
        if unique_short_names and customer.short_name:
            short = customer.short_name
            holder = _other(_short_name_holder(uow, short), own)
            if holder is not None or short in seen_short:
                hint, hint_zh = _held_by(holder, seen_short.get(short))
                problems.append(make_problem("short_name", ProblemCode.DUPLICATE_SHORT_NAME, value=short,
                                             hint=hint, hint_zh=hint_zh))
            seen_short.setdefault(short, row)
        out.append(problems)
    return out


def _phones(customer: Customer) -> list[tuple[str, str]]:
    """``(path, number without extension)`` of each contact phone and mobile stored in E.164."""
    return [
        (f"contacts[{i}].{field}", value.partition(";")[0])
        for i, contact in enumerate(customer.contacts)
        for field in ("phone", "mobile")
        if (value := getattr(contact, field)) and value.startswith("+")
    ]


def phone_problems(
    ctx: BookContext,
    uow: UnitOfWork,
    who: Actor,
    rows: Sequence[tuple[int, Customer]],
    *,
    own: str | None = None,
    before: Customer | None = None,
) -> list[list[Problem]]:
    """For each ``(row, customer)``, ``duplicate_phone`` for each phone another customer (or an earlier
    row) has, looked up through the phone index; severity as ``Settings.duplicate_phone`` says.

    ``own`` is the code of the stored customer being changed and ``before`` its stored
    version: phones it had already are not reported again. The other customer is named
    only when ``who`` may see it.
    """
    severity = ctx.settings.duplicate_phone
    kept = {number for _, number in _phones(before)} if before is not None else set()
    holders = _phone_holders(uow, {n for _, c in rows for _, n in _phones(c)} - kept, own)
    seen: dict[str, int] = {}
    out: list[list[Problem]] = []
    for row, customer in rows:
        problems: list[Problem] = []
        mine: set[str] = set()
        for path, number in _phones(customer):
            if number in mine:
                continue
            mine.add(number)
            if number in kept:
                continue
            holder = holders.get(number)
            if holder is not None or number in seen:
                if holder is not None and not ctx.in_scope(who, holder):
                    hint, hint_zh = "", ""
                else:
                    hint, hint_zh = _held_by(holder, seen.get(number))
                problems.append(make_problem(path, ProblemCode.DUPLICATE_PHONE, severity=severity,
                                             value=number, hint=hint or None, hint_zh=hint_zh or None))
            seen.setdefault(number, row)
        out.append(problems)
    return out


def _phone_holders(uow: UnitOfWork, numbers: set[str], own: str | None) -> dict[str, Customer]:
    """For each E.164 number, the stored customer (not deleted, not ``own``) with the lowest code
    that has it: one look-up per few hundred numbers."""
    found: dict[str, Customer] = {}
    for part in chunks(sorted(numbers), 500):
        for customer in uow.customers.find(Query(phone=frozenset(part))):
            if customer.code == own:
                continue
            for _, number in _phones(customer):
                if number in numbers and number not in found:
                    found[number] = customer
    return found


def _other(holder: Customer | None, own: str | None) -> Customer | None:
    """``holder`` unless it is the customer being changed."""
    return None if holder is None or holder.code == own else holder


def duplicate_problem(exc: DuplicateError, customer: Customer) -> Problem:
    """The problem of a key that the store refused as taken (a concurrent writer took it meanwhile)."""
    text = str(exc).lower()
    if "short name" in text:
        return make_problem("short_name", ProblemCode.DUPLICATE_SHORT_NAME, value=customer.short_name)
    if "tax" in text:
        return make_problem("tax_id", ProblemCode.DUPLICATE_TAX_ID, value=customer.tax_id)
    return make_problem("code", ProblemCode.DUPLICATE_CODE, value=customer.code)


def _held_by(holder: Customer | None, row: int | None) -> tuple[str, str]:
    """The hint (English, Chinese) naming who holds a key: a stored customer, or an earlier row."""
    if holder is not None:
        return f"customer {holder.code}", f"客户{holder.code}"
    return f"row {row}", f"第{row}行"


def _short_name_holder(uow: UnitOfWork, short_name: str) -> Customer | None:
    found = uow.customers.find(Query(short_name=short_name, include_deleted=True, limit=1))
    return found[0] if found else None


def checked(ctx: BookContext, uow: UnitOfWork, current: Customer, target: Customer) -> Customer:
    """``target``, a new revision of the stored ``current``, validated and normalised; its keys checked.

    Raises ``ValidationError`` with every problem (unless the profile is lenient).
    """
    profile = ctx.settings.profile
    report = run(unstructure(target), profile, today=ctx.today())
    assert report.customer is not None
    new = report.customer
    problems = [*report.problems, *key_problems(ctx, uow, [(0, new)], own=code_of(current))[0]]
    if new.parent != current.parent and all(p.path != "parent" for p in problems):
        problems += parent_problems(ctx, uow, None, new)
    if not profile.lenient and any(p.is_error for p in problems):
        raise ValidationError(problems, record=repr(code_of(current)))
    return new
