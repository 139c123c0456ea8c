"""Built-in validation profiles: ``default``, ``yonyou`` and ``lenient``."""

from __future__ import annotations

from custrecord.errors import CustrecordError
from custrecord.validation.engine import DEFAULT_MAX_LENGTHS, Profile

__all__ = ["DEFAULT", "LENIENT", "PROFILES", "YONYOU", "UnknownProfile", "get_profile"]

#: SPEC defaults: name and kind required, SPEC 1 length limits.
DEFAULT = Profile()

#: Yonyou U8/T3 habits: short name required and unique, category required once
#: a category tree exists, codes at most 20 characters and never changed.
YONYOU = Profile(
    name="yonyou",
    required=frozenset({"name", "kind", "short_name"}),
    max_lengths={**DEFAULT_MAX_LENGTHS, "code": 20},
    require_category_with_tree=True,
    immutable_codes=True,
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
