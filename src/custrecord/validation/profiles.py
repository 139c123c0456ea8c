"""Validation profiles: the :class:`Profile` type and the built-in ``default``, ``yonyou`` and ``lenient``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from custrecord.errors import CustrecordError
from custrecord.fields import MAX_LENGTHS
from custrecord.model import Kind
from custrecord.problems import Severity
from custrecord.validation.context import CodeTree, Rule
from custrecord.validation.rules import DEFAULT_RULES
from custrecord.validation.taxid import DEFAULT_REGISTRY, TaxIdRegistry

__all__ = [
    "DEFAULT",
    "DEFAULT_MAX_LENGTHS",
    "LENIENT",
    "PROFILES",
    "YONYOU",
    "Profile",
    "UnknownProfile",
    "get_profile",
]

#: SPEC 1 length limits by path, from the field catalogue.
DEFAULT_MAX_LENGTHS: Mapping[str, int] = MAX_LENGTHS


@attrs.frozen(kw_only=True)
class Profile:
    """A named set of rules and the settings they read.

    Build variants with :meth:`evolve` (``DEFAULT.evolve(lenient=True)``) and
    add rules with :meth:`with_rules`.
    """

    name: str = "default"
    rules: tuple[Rule, ...] = DEFAULT_RULES
    #: Paths that must not be blank, for every kind.
    required: frozenset[str] = frozenset({"name", "kind"})
    #: Extra required paths per kind (``contacts[].mobile`` style paths allowed).
    required_by_kind: Mapping[Kind, frozenset[str]] = attrs.field(factory=dict)
    max_lengths: Mapping[str, int] = DEFAULT_MAX_LENGTHS
    #: Tax-ID validators by (country, kind); see :mod:`custrecord.validation.taxid`.
    tax_ids: TaxIdRegistry = DEFAULT_REGISTRY
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
    #: Short names must be unique (the book checks it on registration and update).
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


#: SPEC defaults: name and kind required, SPEC 1 length limits.
DEFAULT = Profile()

#: Yonyou U8/T3 habits: short name required and unique, category required once
#: a category tree exists, codes at most 20 characters (codes never change after saving
#: in any profile).
YONYOU = Profile(
    name="yonyou",
    required=frozenset({"name", "kind", "short_name"}),
    max_lengths={**DEFAULT_MAX_LENGTHS, "code": 20},
    require_category_with_tree=True,
    unique_short_names=True,
)

#: Reports every problem but never refuses a record: for cleaning old data.
LENIENT = Profile(name="lenient", lenient=True, allow_legacy_tax_ids=True)

PROFILES = {p.name: p for p in (DEFAULT, YONYOU, LENIENT)}


class UnknownProfile(CustrecordError, KeyError):
    """No built-in profile has that name."""

    def __str__(self) -> str:
        return str(self.args[0])


def get_profile(name: str) -> Profile:
    """A built-in profile by name; raises :class:`UnknownProfile` (a ``KeyError``) naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfile(f"unknown profile {name!r}; known: {', '.join(sorted(PROFILES))}") from None
