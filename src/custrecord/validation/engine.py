"""The validation engine: rules composed into a profile, run over one record.

A rule is any callable ``rule(customer, ctx) -> None``. It reports problems with
``ctx.report(path, code, ...)`` and may hand back a normalised value with
``ctx.fix(path, value)`` (a phone in E.164, a tax ID in compact form); later
rules see the fixed record (the built-in rules, which never read each other's
fields, have their fixes applied together). Users add rules with a plain function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from custrecord.errors import ValidationError
from custrecord.model import Customer, Kind
from custrecord.parse import parse, with_values
from custrecord.problems import Problem, Report, Severity, make_problem

if TYPE_CHECKING:
    from custrecord.validation.taxid import TaxIdRegistry

__all__ = ["CodeTree", "Context", "Profile", "Rule", "run", "structure", "validate"]


class CodeTree(Protocol):
    """What validation needs of a category or region tree."""

    def __contains__(self, code: object) -> bool: ...

    def is_leaf(self, code: str) -> bool: ...


class Context:
    """What a rule sees besides the record: the profile, and where to report."""

    __slots__ = ("_failed", "_fixes", "_today", "problems", "profile")

    def __init__(self, profile: Profile, problems: list[Problem], today: date | None = None) -> None:
        self.profile = profile
        self.problems = problems
        self._today = today
        self._fixes: dict[str, Any] = {}
        self._failed = {p.path for p in problems if p.is_error}

    @property
    def today(self) -> date:
        """The day rules check dates against (today unless the caller fixed it)."""
        if self._today is None:
            self._today = date.today()
        return self._today

    def report(
        self,
        path: str,
        code: str,
        *,
        severity: Severity = Severity.ERROR,
        value: Any = None,
        hint: str | None = None,
        hint_zh: str | None = None,
        **params: Any,
    ) -> None:
        """Record a problem at ``path``; the profile may change its severity."""
        severity = self.profile.severities.get(code, severity)
        self.problems.append(
            make_problem(path, code, severity=severity, value=value, hint=hint, hint_zh=hint_zh, **params)
        )
        if severity is Severity.ERROR:
            self._failed.add(path)

    def failed(self, path: str) -> bool:
        """Whether ``path`` already has an error (rules skip such fields)."""
        return path in self._failed

    def fix(self, path: str, value: Any) -> None:
        """Replace the value at ``path`` with its normalised form."""
        self._fixes[path] = value


Rule = Callable[[Customer, Context], None]


def _default_rules() -> tuple[Rule, ...]:
    from custrecord.validation.rules import DEFAULT_RULES

    return DEFAULT_RULES


def _default_tax_ids() -> TaxIdRegistry:
    from custrecord.validation.taxid import DEFAULT_REGISTRY

    return DEFAULT_REGISTRY


DEFAULT_MAX_LENGTHS: Mapping[str, int] = {
    "code": 30,
    "name": 100,
    "short_name": 40,
    "remarks": 500,
    "industry": 100,
    "legal_representative": 100,
    "bank_name": 100,
    "bank_account": 50,  # as written, with spaces; the account rule checks the digits
    "tax_id": 64,
    "category": 30,
    "region": 30,
    "credit.grade": 20,
    "address.postcode": 20,
    "contacts[].phone": 60,
    "contacts[].mobile": 60,
    "settlement_method": 50,
    "payment_terms": 100,
    "address.province": 50,
    "address.city": 50,
    "address.district": 50,
    "address.street": 200,
    "contacts[].name": 50,
    "contacts[].title": 50,
    "contacts[].email": 254,
    "tags[]": 30,
}


@attrs.frozen(kw_only=True)
class Profile:
    """A named set of rules and the settings they read.

    Build variants with :meth:`evolve` (``DEFAULT.evolve(lenient=True)``) and
    add rules with :meth:`with_rules`.
    """

    name: str = "default"
    rules: tuple[Rule, ...] = attrs.field(factory=_default_rules)
    #: Paths that must not be blank, for every kind.
    required: frozenset[str] = frozenset({"name", "kind"})
    #: Extra required paths per kind (``contacts[].mobile`` style paths allowed).
    required_by_kind: Mapping[Kind, frozenset[str]] = attrs.field(factory=dict)
    max_lengths: Mapping[str, int] = DEFAULT_MAX_LENGTHS
    #: Tax-ID validators by (country, kind); see :mod:`custrecord.validation.taxid`.
    tax_ids: TaxIdRegistry = attrs.field(factory=_default_tax_ids)
    #: Accept pre-2015 15/20-character Chinese tax numbers, flagged as legacy.
    allow_legacy_tax_ids: bool = False
    #: Also verify the GB 11714 organisation code inside a USCC.
    check_organization_code: bool = False
    #: Warn when a USCC's region does not match the province of the address.
    check_tax_id_region: bool = True
    #: Report problems but never refuse the record (for cleaning old data).
    lenient: bool = False
    #: Flat columns accepted into ``extra``.
    custom_fields: frozenset[str] = frozenset()
    #: Severity overrides by problem code.
    severities: Mapping[str, Severity] = attrs.field(factory=dict)
    #: Category and region trees; when set, codes must belong to them.
    categories: CodeTree | None = None
    regions: CodeTree | None = None
    #: Customers may only sit on leaf categories.
    leaf_categories_only: bool = True
    #: Category required once a category tree is configured (Yonyou habit).
    require_category_with_tree: bool = False
    #: Credit grades of the policy; when set, ``credit.grade`` must be one.
    grades: frozenset[str] | None = None
    #: Codes may not change after saving (enforced by the book).
    immutable_codes: bool = False
    #: Short names must be unique (enforced by the book).
    unique_short_names: bool = False

    def evolve(self, **changes: Any) -> Profile:
        """A copy with ``changes`` applied."""
        return attrs.evolve(self, **changes)

    def with_rules(self, *rules: Rule) -> Profile:
        """A copy that also runs ``rules`` after the built-in ones."""
        return attrs.evolve(self, rules=self.rules + tuple(rules))

    def required_paths(self, kind: Kind) -> frozenset[str]:
        """Required paths for a customer of ``kind``."""
        return self.required | self.required_by_kind.get(kind, frozenset())


def run(data: Any, profile: Profile, *, today: date | None = None) -> Report:
    """Parse ``data`` and run every rule of ``profile``; never raises for bad data."""
    customer, problems = parse(data, custom_fields=profile.custom_fields)
    if profile.severities:
        problems = [
            attrs.evolve(p, severity=profile.severities[p.code]) if p.code in profile.severities else p
            for p in problems
        ]
    ctx = Context(profile, problems, today)
    independent = _independent_rules()
    for rule in profile.rules:
        if ctx._fixes and not _is_independent(rule, independent):
            customer = with_values(customer, ctx._fixes)
            ctx._fixes = {}
        rule(customer, ctx)
    if ctx._fixes:
        customer = with_values(customer, ctx._fixes)
    return Report(problems=tuple(_unique(ctx.problems)), customer=customer)


def _is_independent(rule: Rule, independent: frozenset[Rule]) -> bool:
    try:
        return rule in independent
    except TypeError:  # an unhashable callable object: a user rule
        return False


@functools.cache
def _independent_rules() -> frozenset[Rule]:
    # The built-in rules each fix only the fields they read, so their fixes can be
    # applied together (one rebuild of the record, not one per rule). Any other
    # rule sees every fix made before it.
    from custrecord.validation.rules import DEFAULT_RULES

    return frozenset(DEFAULT_RULES)


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
        return _default_profile()
    from custrecord.validation.profiles import get_profile

    return get_profile(profile)


@functools.cache
def _default_profile() -> Profile:
    from custrecord.validation.profiles import DEFAULT

    return DEFAULT


def validate(data: Any, *, profile: Profile | str | None = None, today: date | None = None) -> Report:
    """Validate raw input (nested or flat mapping) and report every problem.

    Never raises for bad data: ``report.ok``, ``report.problems`` and the
    normalised ``report.customer`` tell the outcome.
    """
    return run(data, _profile(profile), today=today)


def _record_label(data: Any, customer: Customer | None) -> str | None:
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
        raise ValidationError(report.problems, record=_record_label(data, report.customer))
    return report.customer
