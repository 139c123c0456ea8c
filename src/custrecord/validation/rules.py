"""The built-in rules and the default rule list.

Each rule is a plain function ``rule(customer, ctx) -> None``; profiles list
them in order. Rules skip a field that already has an error, so one mistake
gives one problem, while every field of the record is still checked.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import phonenumbers

from custrecord.codes import CODE_CHARS_HINT, CODE_CHARS_HINT_ZH, is_code_text
from custrecord.model import Customer
from custrecord.problems import ProblemCode
from custrecord.validation.contact import check_bank_account, check_emails, check_phones, check_postcode
from custrecord.validation.context import Context, Rule
from custrecord.validation.taxid import check_tax_id

__all__ = [
    "COUNTRIES",
    "CURRENCIES",
    "DEFAULT_RULES",
    "check_choices",
    "check_classification",
    "check_code_format",
    "check_date_ranges",
    "check_defaults",
    "check_group",
    "check_lengths",
    "check_ranges",
    "check_required",
    "get_path",
]

#: ISO 3166-1 alpha-2 codes that custrecord accepts as ``country``.
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"XK"}

#: ISO 4217 currency codes in use.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG""".split()  # noqa: SIM905 - 160 codes read better as text
)

_CONTACT_PATH = re.compile(r"contacts\[\]\.(\w+)")


def get_path(customer: Customer, path: str) -> Any:
    """The value at a nested path such as ``address.city`` (not for ``contacts[]``)."""
    head, _, tail = path.partition(".")
    value = getattr(customer, head, None)
    return getattr(value, tail, None) if tail else value


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, frozenset | tuple) and not value)


@functools.lru_cache(maxsize=256)
def _required_plan(
    required: frozenset[str], by_kind: frozenset[str], with_category: bool
) -> tuple[tuple[str, str | None], ...]:
    """The required paths of a profile and kind, in a stable order, each with its contact field
    for ``contacts[].x`` paths."""
    paths = required | by_kind | ({"category"} if with_category else frozenset())
    plan = []
    for path in sorted(paths):
        m = _CONTACT_PATH.fullmatch(path)
        plan.append((path, m[1] if m else None))
    return tuple(plan)


def check_required(customer: Customer, ctx: Context) -> None:
    """Required paths of the profile (per kind) must not be blank."""
    profile = ctx.profile
    with_category = profile.require_category_with_tree and profile.categories is not None
    # frozenset() of a frozenset is the same object, whose hash the plan's cache has kept.
    by_kind = frozenset(profile.required_by_kind.get(customer.kind, ()))
    plan = _required_plan(frozenset(profile.required), by_kind, with_category)
    for path, contact_field in plan:
        if contact_field is not None:
            # "contacts[].mobile": the first contact must have it.
            contact = customer.primary_contact
            if contact is None or _blank(getattr(contact, contact_field, None)):
                concrete = f"contacts[0].{contact_field}"
                if not ctx.failed(concrete):
                    ctx.report(concrete, ProblemCode.REQUIRED)
            continue
        if path == "contacts":
            if not customer.contacts:
                ctx.report("contacts", ProblemCode.REQUIRED, label_zh="联系人")
            continue
        if _blank(get_path(customer, path)) and not ctx.failed(path):
            ctx.report(path, ProblemCode.REQUIRED)
    for i, contact in enumerate(customer.contacts):
        if not contact.name and not ctx.failed(f"contacts[{i}].name"):
            ctx.report(f"contacts[{i}].name", ProblemCode.REQUIRED)


_TOP_TEXTS = (
    "code", "name", "short_name", "tax_id", "category", "region", "industry", "legal_representative",
    "bank_name", "bank_account", "settlement_method", "payment_terms", "remarks", "owner", "department",
    "price_level",
)
_ADDRESS_TEXTS = tuple(
    (name, f"address.{name}") for name in ("province", "city", "district", "street", "postcode")
)
_LIST_TEXTS = (
    ("contacts", tuple((name, f"contacts[].{name}") for name in ("name", "title", "phone", "mobile",
                                                                "email"))),
    ("addresses", tuple((name, f"addresses[].{name}") for name in ("province", "city", "district", "street",
                                                                  "postcode"))),
    ("bank_accounts", tuple((name, f"bank_accounts[].{name}") for name in ("bank_name", "branch", "account",
                                                                          "holder"))),
)


def check_lengths(customer: Customer, ctx: Context) -> None:
    """Texts must not exceed the profile's limits (SPEC 1: name 100, code 30, ...)."""
    limits = ctx.profile.max_lengths
    # Plain loops, as this runs for every record; a contact's concrete path is
    # only built for the rare text that is too long.
    for name in _TOP_TEXTS:
        value = getattr(customer, name)
        if value:
            _check_length(ctx, limits.get(name), name, value)
    address = customer.address
    for name, key in _ADDRESS_TEXTS:
        value = getattr(address, name)
        if value:
            _check_length(ctx, limits.get(key), key, value)
    for head, texts in _LIST_TEXTS:
        for i, item in enumerate(getattr(customer, head)):
            for name, key in texts:
                value = getattr(item, name)
                if value:
                    limit = limits.get(key)
                    # The path is written out only for a value over its limit.
                    if limit is not None and len(value) > limit:
                        _check_length(ctx, limit, f"{head}[{i}].{name}", value)
    if customer.credit.grade:
        _check_length(ctx, limits.get("credit.grade"), "credit.grade", customer.credit.grade)
    tag_limit = limits.get("tags[]")
    if tag_limit is not None:
        for tag in customer.tags:
            _check_length(ctx, tag_limit, "tags", tag)


def _check_length(ctx: Context, limit: int | None, path: str, value: str) -> None:
    if limit is not None and len(value) > limit and not ctx.failed(path):
        ctx.report(path, ProblemCode.TOO_LONG, value=value, length=len(value), limit=limit)


def check_choices(customer: Customer, ctx: Context) -> None:
    """Country (ISO 3166-1), currency (ISO 4217) and, with a policy, credit grade."""
    if customer.country not in COUNTRIES and not ctx.failed("country"):
        ctx.report("country", ProblemCode.INVALID_CHOICE, value=customer.country,
                   choices="ISO 3166-1 alpha-2 codes such as CN, US, DE")
    currency = customer.credit.currency
    if currency not in CURRENCIES and not ctx.failed("credit.currency"):
        ctx.report("credit.currency", ProblemCode.INVALID_CHOICE, value=currency,
                   choices="ISO 4217 codes such as CNY, USD, EUR")
    _check_currency(ctx, customer.currency, "currency")
    for i, account in enumerate(customer.bank_accounts):
        _check_currency(ctx, account.currency, f"bank_accounts[{i}].currency")
    grades = ctx.profile.grades
    grade = customer.credit.grade
    if grades is not None and grade is not None and grade not in grades and not ctx.failed("credit.grade"):
        ctx.report("credit.grade", ProblemCode.INVALID_CHOICE, value=grade, choices=", ".join(sorted(grades)))


def _check_currency(ctx: Context, currency: str | None, path: str) -> None:
    if currency is not None and currency not in CURRENCIES and not ctx.failed(path):
        ctx.report(path, ProblemCode.INVALID_CHOICE, value=currency,
                   choices="ISO 4217 codes such as CNY, USD, EUR")


def check_defaults(customer: Customer, ctx: Context) -> None:
    """At most one default address per role (``address`` is the registered one) and one default
    bank account per currency (``duplicate_default``)."""
    seen: set[Any] = set()
    if customer.addresses and not customer.address.is_empty():
        seen.add("registered")
    for i, entry in enumerate(customer.addresses):
        if entry.default:
            if entry.role in seen:
                ctx.report(f"addresses[{i}].default", ProblemCode.DUPLICATE_DEFAULT, value=str(entry.role),
                           hint=f"another {entry.role} address is the default",
                           hint_zh=f"已有默认的{_ROLE_ZH.get(entry.role, entry.role)}地址")
            seen.add(entry.role)
    currencies: set[str | None] = set()
    for i, account in enumerate(customer.bank_accounts):
        if account.default:
            if account.currency in currencies:
                what = account.currency or "no currency"
                ctx.report(f"bank_accounts[{i}].default", ProblemCode.DUPLICATE_DEFAULT,
                           value=account.currency,
                           hint=f"another account is the default for {what}",
                           hint_zh=f"{account.currency or '未指定币种'}已有默认账户")
            currencies.add(account.currency)


_ROLE_ZH = {"registered": "注册", "billing": "开票", "shipping": "收货", "other": "其他"}


def check_ranges(customer: Customer, ctx: Context) -> None:
    """Priority 1-5; credit limit and credit days not negative; version not negative."""
    if customer.priority is not None and not 1 <= customer.priority <= 5:
        ctx.report("priority", ProblemCode.OUT_OF_RANGE, value=customer.priority,
                   hint="1 (highest) to 5", hint_zh="1（最高）至5")
    credit = customer.credit
    if credit.limit is not None and credit.limit < 0:
        ctx.report("credit.limit", ProblemCode.OUT_OF_RANGE, value=str(credit.limit),
                   hint="must not be negative", hint_zh="不能为负数")
    if credit.days is not None and not 0 <= credit.days <= 3650:
        ctx.report("credit.days", ProblemCode.OUT_OF_RANGE, value=credit.days,
                   hint="0 to 3650 days", hint_zh="0至3650天")
    if credit.group_limit is not None and credit.group_limit < 0:
        ctx.report("credit.group_limit", ProblemCode.OUT_OF_RANGE, value=str(credit.group_limit),
                   hint="must not be negative", hint_zh="不能为负数")
    if customer.version < 0:
        ctx.report("version", ProblemCode.OUT_OF_RANGE, value=customer.version)


def check_date_ranges(customer: Customer, ctx: Context) -> None:
    """The credit validity period must not end before it starts."""
    start, end = customer.credit.valid_from, customer.credit.valid_until
    if start is not None and end is not None and end < start:
        ctx.report("credit.valid_until", ProblemCode.INVALID_DATE_RANGE, value=end.isoformat())


def check_code_format(customer: Customer, ctx: Context) -> None:
    """A customer code uses A-Z, 0-9, ``-`` ``_`` ``.`` ``/`` only (its length is checked with the others)."""
    code = customer.code
    if code is not None and not ctx.failed("code") and not is_code_text(code):
        ctx.report("code", ProblemCode.INVALID_FORMAT, value=code, hint=CODE_CHARS_HINT,
                   hint_zh=CODE_CHARS_HINT_ZH)


def check_classification(customer: Customer, ctx: Context) -> None:
    """Category and region codes must belong to the configured trees."""
    categories = ctx.profile.categories
    category = customer.category
    if categories is not None and category is not None and not ctx.failed("category"):
        if category not in categories:
            ctx.report("category", ProblemCode.UNKNOWN_CATEGORY, value=category)
        elif ctx.profile.leaf_categories_only and not categories.is_leaf(category):
            ctx.report("category", ProblemCode.NOT_LEAF_CATEGORY, value=category)
    regions = ctx.profile.regions
    region = customer.region
    if regions is not None and region is not None and region not in regions and not ctx.failed("region"):
        ctx.report("region", ProblemCode.UNKNOWN_REGION, value=region)


def check_group(customer: Customer, ctx: Context) -> None:
    """The parent is a well-formed code other than the customer's own (that it is stored, and no
    descendant, is the book's check); each company's terms obey the rules of ``credit``."""
    parent = customer.parent
    if parent is not None:
        _check_length(ctx, ctx.profile.max_lengths.get("parent"), "parent", parent)
    if parent is not None and not ctx.failed("parent"):
        if not is_code_text(parent):
            ctx.report("parent", ProblemCode.INVALID_FORMAT, value=parent, hint=CODE_CHARS_HINT,
                       hint_zh=CODE_CHARS_HINT_ZH)
        elif parent == customer.code:
            ctx.report("parent", ProblemCode.PARENT_CYCLE, value=parent,
                       hint="a customer cannot be its own parent", hint_zh="客户不能是自己的上级客户")
    if not customer.companies:
        return
    grades = ctx.profile.grades
    for company, terms in customer.companies.items():
        at = f"companies.{company}."
        if terms.currency not in CURRENCIES and not ctx.failed(at + "currency"):
            ctx.report(at + "currency", ProblemCode.INVALID_CHOICE, value=terms.currency,
                       choices="ISO 4217 codes such as CNY, USD, EUR")
        if grades is not None and terms.grade is not None and terms.grade not in grades:
            ctx.report(at + "grade", ProblemCode.INVALID_CHOICE, value=terms.grade,
                       choices=", ".join(sorted(grades)))
        for name in ("limit", "group_limit"):
            amount = getattr(terms, name)
            if amount is not None and amount < 0 and not ctx.failed(at + name):
                ctx.report(at + name, ProblemCode.OUT_OF_RANGE, value=str(amount),
                           hint="must not be negative", hint_zh="不能为负数")
        if terms.days is not None and not 0 <= terms.days <= 3650 and not ctx.failed(at + "days"):
            ctx.report(at + "days", ProblemCode.OUT_OF_RANGE, value=terms.days, hint="0 to 3650 days",
                       hint_zh="0至3650天")
        start, end = terms.valid_from, terms.valid_until
        if start is not None and end is not None and end < start:
            ctx.report(at + "valid_until", ProblemCode.INVALID_DATE_RANGE, value=end.isoformat())
        for name in ("grade", "settlement_method", "payment_terms"):
            text, limit = getattr(terms, name), ctx.profile.max_lengths.get(_TERM_PATHS[name])
            if text:
                _check_length(ctx, limit, at + name, text)


_TERM_PATHS = {"grade": "credit.grade", "settlement_method": "settlement_method",
               "payment_terms": "payment_terms"}


DEFAULT_RULES: tuple[Rule, ...] = (
    check_required,
    check_lengths,
    check_choices,
    check_ranges,
    check_date_ranges,
    check_code_format,
    check_tax_id,
    check_phones,
    check_emails,
    check_postcode,
    check_bank_account,
    check_classification,
    check_defaults,
    check_group,
)
