"""Credit policy (信用政策): grades, category terms, thresholds and resolved defaults.

Each credit term resolves on its own, nearest first: the customer's own value,
then its category's (or the nearest ancestor category's that sets it), then the
grade's (the grade itself resolves the same way, then ``default_grade``), then
the policy's ``defaults``. A limit and its currency always come from the same place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

import attrs

from custrecord.credit.errors import CreditError, UnknownCompanyError
from custrecord.credit.money import to_money
from custrecord.model import CreditProfile, Customer, Status
from custrecord.money import MoneyError, parse_ratio

__all__ = [
    "DEFAULT_POLICY",
    "CreditPolicy",
    "CreditTerms",
    "Grade",
    "ResolvedTerms",
    "Thresholds",
    "apply_credit_defaults",
    "in_company",
    "resolve_terms",
]


def _optional_money(value: Any) -> Decimal | None:
    return None if value is None else to_money(value, "credit limit")


def _money(value: Any) -> Decimal:
    return to_money(value, "credit limit")


def _currency(value: str | None) -> str | None:
    return None if value is None else value.strip().upper()


def _currency_code(value: str) -> str:
    return value.strip().upper()


def _check_days(_instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise CreditError(f"{attribute.name} must be a whole number of days >= 0, not {value!r}")


@attrs.frozen
class CreditTerms:
    """Terms a category or the policy may set; ``None`` means "not set here"."""

    grade: str | None = None
    limit: Decimal | None = attrs.field(default=None, converter=_optional_money)
    currency: str | None = attrs.field(default=None, converter=_currency)
    days: int | None = attrs.field(default=None, validator=_check_days)
    settlement_method: str | None = None
    payment_terms: str | None = None


@attrs.frozen
class Grade:
    """A credit grade (信用等级) such as ``A`` with its default terms."""

    code: str
    limit: Decimal = attrs.field(converter=_money)
    currency: str = attrs.field(default="CNY", converter=_currency_code)
    days: int = attrs.field(default=30, validator=_check_days)
    settlement_method: str | None = None
    payment_terms: str | None = None
    name: str | None = None

    def terms(self) -> CreditTerms:
        """The grade as terms."""
        return CreditTerms(grade=self.code, limit=self.limit, currency=self.currency, days=self.days,
                           settlement_method=self.settlement_method, payment_terms=self.payment_terms)


def _ratio(value: Any) -> Decimal:
    # A ratio is a plain number (0.9, "90%"), not money: floats are welcome here.
    try:
        ratio = parse_ratio(value)
    except MoneyError as exc:
        raise CreditError(f"threshold: {exc}") from None
    if ratio < 0:
        raise CreditError(f"threshold must not be negative, not {value!r}")
    return ratio


@attrs.frozen
class Thresholds:
    """When a check warns or blocks, as shares of the limit, and how overdue debt counts.

    An order warns when exposure plus the order is above ``warn_above`` x limit,
    and blocks above ``block_above`` x limit; with ``block_overdue`` it blocks
    when the overdue days exceed the credit days plus ``grace_days``.
    """

    warn_above: Decimal = attrs.field(default=Decimal("0.9"), converter=_ratio)
    block_above: Decimal = attrs.field(default=Decimal("1"), converter=_ratio)
    block_overdue: bool = True
    grace_days: int = attrs.field(default=0, validator=_check_days)

    def __attrs_post_init__(self) -> None:
        if self.warn_above > self.block_above:
            raise CreditError(f"warn_above {self.warn_above} must not exceed block_above {self.block_above}")


class _Ancestry(Protocol):
    def __contains__(self, code: object) -> bool: ...

    def ancestors(self, code: str) -> tuple[str, ...]: ...


def _grades(value: Mapping[str, Grade] | Iterable[Grade]) -> Mapping[str, Grade]:
    items = value.values() if isinstance(value, Mapping) else value
    return {g.code: g for g in items}


def _statuses(value: Iterable[Status]) -> frozenset[Status]:
    return frozenset(Status(s) for s in value)


@attrs.frozen
class CreditPolicy:
    """Grades, per-category terms, thresholds and the statuses that always block.

    ``categories`` maps category codes to :class:`CreditTerms`; a customer's
    category inherits from its nearest ancestor that sets a term. Ancestors come
    from ``tree`` when given (anything with ``ancestors(code)``, such as a
    :class:`~custrecord.classification.ClassificationTree`), otherwise from code
    prefixes, which is the same thing under a level-length scheme.
    """

    grades: Mapping[str, Grade] = attrs.field(factory=dict, converter=_grades)
    default_grade: str | None = None
    defaults: CreditTerms = attrs.field(factory=CreditTerms)
    categories: Mapping[str, CreditTerms] = attrs.field(factory=dict)
    tree: _Ancestry | None = attrs.field(default=None, eq=False)
    thresholds: Thresholds = attrs.field(factory=Thresholds)
    blocked_statuses: frozenset[Status] = attrs.field(
        # A draft or an unapproved (待审核) customer may not take orders yet, as in U8 and Kingdee.
        default=frozenset({Status.DRAFT, Status.PENDING, Status.FROZEN, Status.DISABLED, Status.DELETED}),
        converter=_statuses,
    )
    currency: str = "CNY"

    def __attrs_post_init__(self) -> None:
        named = [("default_grade", self.default_grade), ("defaults.grade", self.defaults.grade)]
        named += [(f"categories[{c!r}].grade", t.grade) for c, t in self.categories.items()]
        for where, grade in named:
            if grade is not None and grade not in self.grades:
                raise CreditError(f"{where} names grade {grade!r}, which the policy does not define "
                                  f"(grades: {', '.join(sorted(self.grades)) or 'none'})")

    @property
    def grade_codes(self) -> frozenset[str]:
        """The grades' codes, for ``Profile(grades=...)``."""
        return frozenset(self.grades)

    def category_chain(self, category: str | None) -> tuple[str, ...]:
        """Category codes with terms that apply to ``category``, nearest first."""
        if not category:
            return ()
        if self.tree is not None and category in self.tree:
            chain: tuple[str, ...] = (category, *self.tree.ancestors(category))
        else:
            chain = tuple(category[:n] for n in range(len(category), 0, -1))
        return tuple(c for c in chain if c in self.categories)


#: No grades, 90 % warns, above 100 % blocks, frozen/disabled/deleted always block.
DEFAULT_POLICY = CreditPolicy()

#: The currency of a credit profile that names none.
_MODEL_CURRENCY = attrs.fields(CreditProfile).currency.default


@attrs.frozen
class ResolvedTerms:
    """The credit terms that apply to a customer and where each came from.

    ``sources`` maps a term (``grade``, ``limit``, ``days``, ...) to ``customer``,
    ``category 0101``, ``grade A`` or ``policy``; an unset term has no source.
    """

    grade: str | None
    limit: Decimal | None
    currency: str
    days: int | None
    settlement_method: str | None
    payment_terms: str | None
    sources: Mapping[str, str]


def in_company(customer: Customer, company: str | None) -> Customer:
    """``customer`` with its terms in ``company`` (账套) as its ``credit``, settlement method and payment
    terms, so every credit rule applies to them unchanged; the customer itself for None (the default
    company). Raises :class:`UnknownCompanyError` for a company it has no terms in: an order there
    is refused, never checked against the default company's credit.
    """
    if company is None:
        return customer
    terms = customer.companies.get("".join(str(company).split()).upper())
    if terms is None:
        raise UnknownCompanyError(customer.code, company, list(customer.companies))
    return attrs.evolve(customer, credit=terms.credit, settlement_method=terms.settlement_method,
                        payment_terms=terms.payment_terms)


def resolve_terms(customer: Customer, policy: CreditPolicy = DEFAULT_POLICY) -> ResolvedTerms:
    """The terms that apply to ``customer`` under ``policy`` (see the module docs for the order)."""
    own = customer.credit
    chain = [(f"category {c}", policy.categories[c]) for c in policy.category_chain(customer.category)]
    sources: dict[str, str] = {}
    found: dict[str, CreditTerms] = {}
    layers: list[tuple[str, CreditTerms]] = [
        ("customer", CreditTerms(grade=own.grade, limit=own.limit, currency=own.currency, days=own.days,
                                 settlement_method=customer.settlement_method,
                                 payment_terms=customer.payment_terms)),
        *chain,
    ]

    def pick(name: str, candidates: list[tuple[str, CreditTerms]]) -> Any:
        for source, terms in candidates:
            value = getattr(terms, name)
            if value is not None:
                sources[name] = source
                found[name] = terms
                return value
        return None

    policy_grade = CreditTerms(grade=policy.default_grade)
    grade = pick("grade", [*layers, ("policy", policy_grade), ("policy", policy.defaults)])
    if grade is not None and grade in policy.grades:
        layers.append((f"grade {grade}", policy.grades[grade].terms()))
    layers.append(("policy", policy.defaults))
    limit = pick("limit", layers)
    currency = policy.currency
    if limit is not None:
        currency = found["limit"].currency or policy.currency
        sources["currency"] = sources["limit"]
    return ResolvedTerms(
        grade=grade,
        limit=limit,
        currency=currency,
        days=pick("days", layers),
        settlement_method=pick("settlement_method", layers),
        payment_terms=pick("payment_terms", layers),
        sources=sources,
    )


def apply_credit_defaults(customer: Customer, policy: CreditPolicy = DEFAULT_POLICY) -> Customer:
    """``customer`` with every credit term it lacks filled in from its category, grade and policy.

    Values the customer has are kept; a default limit brings its own currency, unless the
    customer names another currency than the model's default (a GBP customer of a grade whose
    limit is in CNY): that currency is kept and the default limit, in the wrong money, is not applied.
    """
    terms = resolve_terms(customer, policy)
    own = customer.credit
    limit, currency = terms.limit, terms.currency if terms.limit is not None else own.currency
    if own.limit is None and own.currency != _MODEL_CURRENCY and currency != own.currency:
        limit, currency = None, own.currency
    credit = attrs.evolve(own, grade=terms.grade, limit=limit, currency=currency, days=terms.days)
    return attrs.evolve(customer, credit=credit, settlement_method=terms.settlement_method,
                        payment_terms=terms.payment_terms)
