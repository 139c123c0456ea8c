"""Settings of a customer book: profile, code rule, approval, permissions, credit.

One immutable object gathers everything a :class:`~custrecord.book.CustomerBook`
reads, so a host application configures the book in one place (or in a TOML
file, see :mod:`custrecord.settings_file`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from custrecord.access import AccessLog
from custrecord.classification.rules import ClassificationRule
from custrecord.codes import CodeRule
from custrecord.credit.policy import CreditPolicy
from custrecord.permissions import SYSTEM, Actor, Policy, RolePolicy
from custrecord.problems import Severity
from custrecord.validation.profiles import DEFAULT, Profile, get_profile

__all__ = ["DEFAULT_APPROVAL_FIELDS", "DEFAULT_CODE_RULE", "Settings"]

#: Codes ``C000001``, ``C000002``... when nothing else is configured.
DEFAULT_CODE_RULE = CodeRule("C{seq:6}")


def _profile(value: Profile | str) -> Profile:
    if isinstance(value, str):
        return get_profile(value)  # UnknownProfile (a KeyError) names the known ones
    if not isinstance(value, Profile):
        raise TypeError(f"profile must be a Profile or a profile name, not {type(value).__name__}")
    return value


def _code_rule(value: CodeRule | str) -> CodeRule:
    return CodeRule(value) if isinstance(value, str) else value


def _actor(value: Actor | None) -> Actor | None:
    if value is not None and not isinstance(value, Actor):
        raise TypeError(f"default_actor must be a custrecord.Actor or None, not {type(value).__name__}")
    return value


def _policy(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    names = ("allows", "may_edit", "visibility", "scope")
    missing = [name for name in names if not callable(getattr(value, name, None))]
    if missing:
        raise TypeError(f"policy {value!r} lacks {', '.join(missing)} (see custrecord.permissions.Policy)")


def _paths(value: Iterable[str]) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


#: What an edit by a role that needs approval must have approved before it takes effect.
DEFAULT_APPROVAL_FIELDS = frozenset(
    {"name", "kind", "tax_id", "bank_name", "bank_account", "bank_accounts", "credit", "companies", "parent"}
)

_INSTANCE = attrs.validators.instance_of
_OPTIONAL_CALLABLE = attrs.validators.optional(attrs.validators.is_callable())


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a book is configured with. Build variants with :meth:`evolve`.

    Values are checked when the settings are made, so a wrong one fails here with
    a clear error, never later inside a book.
    """

    #: Validation profile (required fields, tax-ID registry, trees, grades...), or a profile's name.
    profile: Profile = attrs.field(default=DEFAULT, converter=_profile)
    #: How codes are made for customers registered without one (a rule or its template).
    code_rule: CodeRule = attrs.field(default=DEFAULT_CODE_RULE, converter=_code_rule,
                                      validator=_INSTANCE(CodeRule))
    #: Approval (审核): new customers wait in ``pending`` until approved, and edits of
    #: ``approval_fields`` wait as a pending revision beside the approved customer.
    require_approval: bool = attrs.field(default=False, validator=_INSTANCE(bool))
    #: The fields (or parts: ``credit`` is every credit field) whose edits need approval.
    approval_fields: frozenset[str] = attrs.field(default=DEFAULT_APPROVAL_FIELDS, converter=_paths)
    #: Roles whose edits take effect without approval (none by default).
    approval_exempt_roles: frozenset[str] = attrs.field(default=frozenset(), converter=_paths)
    #: Whether the author of a change may approve it.
    allow_self_approval: bool = attrs.field(default=False, validator=_INSTANCE(bool))
    #: ``warning`` (default) stores a contact phone or mobile that another customer has, flagged
    #: ``duplicate_phone``; ``error`` refuses it.
    duplicate_phone: Severity = attrs.field(default=Severity.WARNING, converter=Severity)
    #: Who may do what, who sees which fields masked, and which customers each actor sees.
    policy: Policy = attrs.field(factory=RolePolicy, validator=_policy)
    #: Who acts when a call names no actor: :data:`~custrecord.permissions.SYSTEM` for local
    #: use (scripts, notebooks, the command line); None in a host application, where every
    #: call must name its actor and one that does not is refused.
    default_actor: Actor | None = attrs.field(default=SYSTEM, converter=_actor)
    #: Actors by name, for calls that name their actor as text (``actor="alice"``); without
    #: it such a call is a ``TypeError``. A mapping, or a function returning None for a stranger.
    actors: Mapping[str, Actor] | Callable[[str], Actor | None] | None = None
    #: The credit policy (grades, defaults, thresholds); None: no grade defaults.
    credit_policy: CreditPolicy | None = attrs.field(
        default=None, validator=attrs.validators.optional(_INSTANCE(CreditPolicy))
    )
    #: Classification rules applied at registration (they fill gaps, never overwrite).
    classification_rules: tuple[ClassificationRule, ...] = attrs.field(default=(), converter=tuple)
    #: The host application's answer to "is this customer referenced (orders, invoices)?".
    is_referenced: Callable[[str], bool] | None = attrs.field(default=None, validator=_OPTIONAL_CALLABLE)
    #: Called after a merge with (replaced code, surviving code), so the host re-points its orders.
    on_merge: Callable[[str, str], None] | None = attrs.field(default=None, validator=_OPTIONAL_CALLABLE)
    #: Duplicate-candidate score above which registration adds a warning; None disables it.
    duplicate_warning_threshold: float | None = 0.9
    #: Codes given with a record: ``keep`` takes any well-formed code (letters, digits, ``-`` ``_``
    #: ``.`` ``/``, unique), as other systems made them; ``rule`` also checks it against the code rule.
    given_codes: str = attrs.field(default="keep", validator=attrs.validators.in_(("keep", "rule")))
    #: Import columns mapped to fields by header (``{"旧客户号": "code"}``), for every import.
    columns: Mapping[str, str] = attrs.field(factory=dict, converter=dict)
    #: Where reads are recorded (who read or exported which customers, when, how many); None: nowhere.
    access_log: AccessLog | None = None

    def evolve(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return attrs.evolve(self, **changes)

    def needs_approval(self, actor: Actor, path: str) -> bool:
        """Whether an edit of ``path`` by ``actor`` waits for approval."""
        if not self.require_approval or actor.roles & self.approval_exempt_roles:
            return False
        head = path.split(".", 1)[0].split("[", 1)[0]
        return path in self.approval_fields or head in self.approval_fields
