"""Settings of a customer book: profile, code rule, approval, permissions, credit.

One immutable object gathers everything a :class:`~custrecord.book.CustomerBook`
reads, so a host application configures the book in one place (or in a TOML
file, see :mod:`custrecord.settings_file`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from custrecord.classification.rules import ClassificationRule
from custrecord.codes import CodeRule
from custrecord.credit.policy import CreditPolicy
from custrecord.permissions import Policy, RolePolicy
from custrecord.problems import Severity
from custrecord.validation.engine import Profile
from custrecord.validation.profiles import DEFAULT

__all__ = ["DEFAULT_CODE_RULE", "Settings"]

#: Codes ``C000001``, ``C000002``... when nothing else is configured.
DEFAULT_CODE_RULE = CodeRule("C{seq:6}")


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a book is configured with. Build variants with :meth:`evolve`."""

    #: Validation profile (required fields, tax-ID registry, trees, grades...).
    profile: Profile = DEFAULT
    #: How codes are made for customers registered without one.
    code_rule: CodeRule = DEFAULT_CODE_RULE
    #: New and changed customers wait in ``pending`` until approved (审核).
    require_approval: bool = False
    #: Whether the author of a change may approve it.
    allow_self_approval: bool = False
    #: ``error`` refuses a tax ID another customer has; ``warning`` stores it, flagged
    #: (the storage's unique key on (country, tax_id) still refuses an exact copy).
    duplicate_tax_id: Severity = Severity.ERROR
    #: Who may do what, and who sees which fields masked.
    policy: Policy = attrs.field(factory=RolePolicy)
    #: The credit policy (grades, defaults, thresholds); None: no grade defaults.
    credit_policy: CreditPolicy | None = None
    #: Classification rules applied at registration (they fill gaps, never overwrite).
    classification_rules: tuple[ClassificationRule, ...] = ()
    #: The host application's answer to "is this customer referenced (orders, invoices)?".
    is_referenced: Callable[[str], bool] | None = None
    #: Called after a merge with (replaced code, surviving code), so the host re-points its orders.
    on_merge: Callable[[str, str], None] | None = None
    #: Duplicate-candidate score above which registration adds a warning; None disables it.
    duplicate_warning_threshold: float | None = 0.9
    #: Codes given with a record: ``keep`` takes any well-formed code (letters, digits, ``-`` ``_``
    #: ``.`` ``/``, unique), as other systems made them; ``rule`` also checks it against the code rule.
    given_codes: str = attrs.field(default="keep", validator=attrs.validators.in_(("keep", "rule")))
    #: Import columns mapped to fields by header (``{"旧客户号": "code"}``), for every import.
    columns: Mapping[str, str] = attrs.field(factory=dict, converter=dict)

    def evolve(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return attrs.evolve(self, **changes)
