"""The validation engine: run a profile's rules over one record.

A rule is any callable ``rule(customer, ctx) -> None`` (see :mod:`custrecord.validation.context`); later
rules see the fixed record (the built-in rules, which never read each other's fields, have their fixes
applied together). Users add rules with a plain function.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from custrecord.errors import ValidationError
from custrecord.flat import ColumnPlan
from custrecord.model import Customer
from custrecord.parse import parse
from custrecord.problems import Problem, Report
from custrecord.validation.context import CodeTree, Context, Rule
from custrecord.validation.profiles import DEFAULT, Profile, get_profile
from custrecord.validation.rules import DEFAULT_RULES

__all__ = [
    "CodeTree", "Context", "Profile", "Rule", "run", "run_planned", "structure", "validate", "validate_many",
]

# The built-in rules each fix only the fields they read, so their fixes can be applied together (one
# rebuild of the record, not one per rule). Any other rule sees every fix made before it.
_INDEPENDENT: frozenset[Rule] = frozenset(DEFAULT_RULES)


def run(data: Any, profile: Profile, *, today: date | None = None) -> Report:
    """Parse ``data`` and run every rule of ``profile``; never raises for bad data."""
    customer, problems = parse(data, custom_fields=profile.custom_fields)
    if profile.severities:
        problems = [
            attrs.evolve(p, severity=profile.severities[p.code]) if p.code in profile.severities else p
            for p in problems
        ]
    ctx = Context(profile, problems, today)
    rules = profile.rules
    own = _all_independent(rules)
    if own:
        for rule in rules:
            rule(customer, ctx)
    else:
        for rule in rules:
            if not _is_independent(rule):
                customer = ctx.applied(customer)
            rule(customer, ctx)
    found = tuple(_unique(ctx.problems)) if ctx.problems else ()
    # Only built-in rules saw the parsed customer, and they keep no reference: fix it in place.
    return Report(problems=found, customer=ctx.applied(customer, own=own))


def _is_independent(rule: Rule) -> bool:
    try:
        return rule in _INDEPENDENT
    except TypeError:  # an unhashable callable object: a user rule
        return False


@functools.lru_cache(maxsize=64)
def _all_independent_cached(rules: tuple[Rule, ...]) -> bool:
    return all(rule in _INDEPENDENT for rule in rules)


def _all_independent(rules: tuple[Rule, ...]) -> bool:
    """Whether every rule is a built-in one (then all fixes wait for the end), decided once per rule list."""
    try:
        return _all_independent_cached(rules)
    except TypeError:  # an unhashable callable object: a user rule
        return False


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.path, p.code)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _profile(profile: Profile | str | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if profile is None:
        return DEFAULT
    return get_profile(profile)


def validate(data: Any, *, profile: Profile | str | None = None, today: date | None = None) -> Report:
    """Validate raw input (nested or flat mapping) and report every problem.

    Never raises for bad data: ``report.ok``, ``report.problems`` and the
    normalised ``report.customer`` tell the outcome.
    """
    return run(data, _profile(profile), today=today)


def _record_label(customer: Customer | None) -> str | None:
    if customer is not None and (customer.code or customer.name):
        return repr(customer.code or customer.name)
    return None


def structure(data: Any, *, profile: Profile | str | None = None, today: date | None = None) -> Customer:
    """Build a normalised :class:`Customer` from raw input.

    Raises :class:`~custrecord.ValidationError` carrying every problem when the
    record has errors, unless the profile is lenient.
    """
    chosen = _profile(profile)
    report = run(data, chosen, today=today)
    assert report.customer is not None
    if not report.ok and not chosen.lenient:
        raise ValidationError(report.problems, record=_record_label(report.customer))
    return report.customer


def run_planned(data: Any, plan: ColumnPlan, profile: Profile, *, today: date | None = None) -> Report:
    """:func:`run` on a row whose columns ``plan`` sorts; the unknown columns it meets first here are
    warnings of this row."""
    if not isinstance(data, Mapping):
        return run(data, profile, today=today)
    record, met = plan.sort(data)
    report = run(record, profile, today=today)
    return Report((*met, *report.problems), report.customer) if met else report


def validate_many(
    rows: Iterable[Any],
    *,
    profile: Profile | str | None = None,
    columns: Mapping[str, str] | None = None,
    strict_columns: bool = False,
    today: date | None = None,
) -> list[Report]:
    """Validate many records (any iterable of mappings, such as ``df.to_dict("records")``); reports in order.

    The rows are read as one table: ``columns`` maps headers to fields, and a key
    that maps to no field is an ``unknown_column`` warning of the first row that
    has it and is left out, unless ``strict_columns`` (then every row with it is
    refused, as :func:`validate` does). numpy scalars are numbers; NaN, NaT,
    ``pd.NA`` and None are blank.
    """
    chosen = _profile(profile)
    plan = ColumnPlan(columns, custom_fields=chosen.custom_fields, strict=strict_columns)
    return [run_planned(row, plan, chosen, today=today) for row in rows]
