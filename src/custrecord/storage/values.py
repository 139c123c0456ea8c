"""Values that cross the storage ports: queries, history entries and outbox events.

They are immutable attrs classes holding only JSON-safe or model types, so every
adapter can store them and every caller can compare them.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeAlias

import attrs

from custrecord.diff import FieldChange, changes_between
from custrecord.errors import InvalidQuery
from custrecord.model import Customer, PartyRole, Status
from custrecord.text import has_unstorable, nfkc

__all__ = [
    "ORDER_FIELDS",
    "REDACTED",
    "Change",
    "HistoryEntry",
    "OutboxEvent",
    "Query",
    "Scope",
    "added_entry",
    "make_query",
    "name_key",
    "new_event_id",
    "redact_changes",
    "redact_entry",
    "redact_payload",
    "utcnow",
]

#: Fields a query may order by; ``-name`` means descending. Ties always break on ``code``.
ORDER_FIELDS = frozenset(
    {"code", "name", "category", "region", "status", "priority", "created_at", "updated_at", "tax_id"}
)


def utcnow() -> datetime:
    """The current time, UTC-aware, the clock every adapter uses by default."""
    return datetime.now(UTC)


def name_key(text: str) -> str:
    """The form a name is searched in: NFKC and case-folded, so ``acme`` finds ``ACME``."""
    return nfkc(text).casefold()


def _text(value: Any, what: str = "a query value") -> str:
    """``value`` when it is text any store can hold; else ``InvalidQuery``."""
    if not isinstance(value, str):
        raise InvalidQuery(f"{what} must be text, not {type(value).__name__}")
    if has_unstorable(value):
        raise InvalidQuery(f"{what} holds control characters or broken Unicode: {value!r}")
    return value


def _optional_text(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        _text(value, attribute.name)


def _codes(value: Iterable[str]) -> frozenset[str]:
    return frozenset(_text(v) for v in ([value] if isinstance(value, str) else value))


@attrs.frozen
class Scope:
    """The customers an actor may see at all (数据权限); everyone else is not found for it.

    A customer is in scope when each part that is given holds: its category code
    starts with one of ``categories``, its region code with one of ``regions``,
    its owner (专管业务员) is one of ``owners``. An empty part restricts nothing.
    """

    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)
    regions: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)
    owners: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)

    def contains(self, customer: Customer) -> bool:
        """Whether ``customer`` is in this scope."""
        return (
            _under(customer.category, self.categories)
            and _under(customer.region, self.regions)
            and (not self.owners or customer.owner in self.owners)
        )


def _under(code: str | None, prefixes: frozenset[str]) -> bool:
    return not prefixes or (code is not None and code.startswith(tuple(prefixes)))


def _phone_texts(value: str | Iterable[str] | None) -> str | frozenset[str] | None:
    """One phone query, or several (a customer with any of them matches)."""
    if value is None or isinstance(value, str):
        return None if value is None else _text(value, "phone")
    return frozenset(_text(v, "phone") for v in value)


def _status(value: Status | str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise InvalidQuery(f"no status {value!r}; choose from {', '.join(s.value for s in Status)}") from None


def _statuses(value: Status | str | Iterable[Status | str] | None) -> frozenset[Status] | None:
    if value is None:
        return None
    if isinstance(value, Status | str):
        return frozenset({_status(value)})
    return frozenset(_status(v) for v in value)


def _order(value: str | Iterable[str]) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if not isinstance(item, str) or item.lstrip("-") not in ORDER_FIELDS:
            raise InvalidQuery(f"cannot order by {item!r}; choose from {', '.join(sorted(ORDER_FIELDS))}")
    return items


def _role(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and value not in _ROLES:
        raise InvalidQuery(f"no party role {value!r}; choose from {', '.join(sorted(_ROLES))}")


_ROLES = frozenset(role.value for role in PartyRole)


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidQuery(f"{attribute.name} must be a whole number >= 0, not {value!r}")


@attrs.frozen(kw_only=True)
class Query:
    """Which customers to find, in which order, which page.

    Every filter given must hold (AND). ``status`` is one status or several;
    without it, deleted customers are left out unless ``include_deleted``.
    ``category_prefix`` / ``region_prefix`` match a code and everything under it
    in its tree. ``short_name``, ``owner``, ``department`` and ``parent`` (the direct
    children of a customer code) match exactly; ``role`` keeps the partners that
    have it (``supplier`` finds suppliers and partners that are both); ``phone``,
    ``email``, ``contact`` (a contact's whole name) and ``tax_id`` find customers by their
    look-up keys (``phone`` may also be several numbers: a customer with any of them;
    :mod:`custrecord.storage.lookup`: a phone as stored phones were read,
    an e-mail or name case-insensitively, a tax ID in any country); ``scope`` keeps the
    customers of a :class:`Scope` (an actor's record-level rights). ``name_contains``
    is a case-insensitive substring of the name (Chinese or Latin, any length);
    ``contact_contains`` one of a contact's name, read as ``contact`` is (NFKC,
    case-folded, runs of spaces as one) and matched against the indexed names. Text
    that no store can hold (control characters, broken Unicode) is ``InvalidQuery``,
    as are unknown statuses and order fields. ``order_by`` names fields of
    :data:`ORDER_FIELDS` (``-`` for descending); missing values sort first
    ascending, last descending; ``code`` breaks ties. ``offset`` and ``limit``
    page the ordered result.
    """

    status: frozenset[Status] | None = attrs.field(default=None, converter=_statuses)
    kind: str | None = attrs.field(default=None, validator=_optional_text)
    country: str | None = attrs.field(default=None, validator=_optional_text)
    category: str | None = attrs.field(default=None, validator=_optional_text)
    category_prefix: str | None = attrs.field(default=None, validator=_optional_text)
    region: str | None = attrs.field(default=None, validator=_optional_text)
    region_prefix: str | None = attrs.field(default=None, validator=_optional_text)
    tag: str | None = attrs.field(default=None, validator=_optional_text)
    short_name: str | None = attrs.field(default=None, validator=_optional_text)
    owner: str | None = attrs.field(default=None, validator=_optional_text)
    #: Partners with this role (``customer`` or ``supplier``; both-role partners have each).
    role: str | None = attrs.field(default=None, validator=_role)
    parent: str | None = attrs.field(default=None, validator=_optional_text)
    department: str | None = attrs.field(default=None, validator=_optional_text)
    phone: str | frozenset[str] | None = attrs.field(default=None, converter=_phone_texts)
    email: str | None = attrs.field(default=None, validator=_optional_text)
    contact: str | None = attrs.field(default=None, validator=_optional_text)
    contact_contains: str | None = attrs.field(default=None, validator=_optional_text)
    tax_id: str | None = attrs.field(default=None, validator=_optional_text)
    scope: Scope | None = None
    name_contains: str | None = attrs.field(default=None, validator=_optional_text)
    include_deleted: bool = False
    order_by: tuple[str, ...] = attrs.field(default=("code",), converter=_order)
    offset: int = attrs.field(default=0, validator=_non_negative)
    limit: int | None = attrs.field(default=None, validator=_non_negative)

    def statuses(self) -> frozenset[Status] | None:
        """The statuses allowed, None for any (deleted customers excluded unless asked for)."""
        if self.status is not None:
            return self.status
        if self.include_deleted:
            return None
        return frozenset(Status) - {Status.DELETED}

    def fragment(self) -> str | None:
        """The name fragment in search form, or None when there is none to search."""
        return name_key(self.name_contains) if self.name_contains else None

    def contact_fragment(self) -> str | None:
        """The ``contact_contains`` text, or None when there is none to search (blank)."""
        text = self.contact_contains
        return text if text is not None and text.strip() else None

    def phones(self) -> frozenset[str]:
        """The phone texts of the ``phone`` filter (a customer with any of them matches)."""
        if self.phone is None:
            return frozenset()
        return frozenset({self.phone}) if isinstance(self.phone, str) else self.phone

    def lookups(self) -> dict[str, str]:
        """The look-up filters given besides ``phone``, by kind (``email``, ``contact``, ``tax_id``)."""
        wanted = {"email": self.email, "contact": self.contact, "tax_id": self.tax_id}
        return {kind: text for kind, text in wanted.items() if text is not None}

    def unpaged(self) -> Query:
        """The same filters without ``offset`` and ``limit`` (for counting)."""
        return attrs.evolve(self, offset=0, limit=None)


def make_query(query: Query | None, filters: Mapping[str, Any]) -> Query:
    """``query`` with ``filters`` (Query field names) applied on top."""
    base = query or Query()
    return attrs.evolve(base, **filters) if filters else base


#: One changed field of a history entry: a path (``credit.limit``) and JSON-safe values.
Change: TypeAlias = FieldChange


def _changes(value: Iterable[Any]) -> tuple[Change, ...]:
    out = []
    for item in value:
        if isinstance(item, FieldChange):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Change(item["path"], item.get("old"), item.get("new")))
        elif hasattr(item, "path") and hasattr(item, "old") and hasattr(item, "new"):
            out.append(Change(item.path, item.old, item.new))
        else:
            path, old, new = item
            out.append(Change(path, old, new))
    return tuple(out)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        raise ValueError("storage times must be timezone-aware (UTC)")
    return value.astimezone(UTC)


def _aware_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One append-only history record: who did what to which customer, when and why.

    ``action`` is a short verb (``add``, ``update``, ``delete``, ``restore``,
    ``freeze``...); ``changes`` lists ``(path, old, new)`` with JSON-safe values,
    as :func:`custrecord.diff.changes_between` gives.
    """

    code: str
    version: int
    action: str
    at: datetime = attrs.field(factory=utcnow, converter=_aware)
    actor: str | None = None
    reason: str | None = None
    changes: tuple[Change, ...] = attrs.field(default=(), converter=_changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "code": self.code,
            "version": self.version,
            "action": self.action,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "reason": self.reason,
            "changes": [list(c) for c in self.changes],
        }


def added_entry(
    customer: Customer, *, at: datetime, actor: str | None = None, reason: str | None = None
) -> HistoryEntry:
    """The ``add`` entry (version 1) of a new, stored ``customer``: what it sets over a blank record.

    """
    code = customer.code
    if code is None:
        raise ValueError("a stored customer has a code")
    return HistoryEntry(
        code=code,
        version=1,
        action="add",
        at=at,
        actor=actor,
        reason=reason,
        changes=changes_between(None, customer),
    )


class _EventIds:
    """Time-ordered unique ids: milliseconds, a random process tag, a counter (32 hex digits).

    Like UUIDv7, they sort by creation time, so a store's unique index on the id
    grows at its end instead of at random places (random UUIDs made outbox inserts
    four times slower at 100,000 rows); the tag keeps processes apart.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new tag and counter start (a forked child must not repeat its parent's ids)."""
        self._tag: str = os.urandom(6).hex()
        self._counter: Iterator[int] = itertools.count(int.from_bytes(os.urandom(3), "big"))

    def __call__(self) -> str:
        # 12 hex digits of milliseconds, 12 of tag, 8 of counter. next() on itertools.count is
        # atomic, so threads never share a value.
        return f"{time.time_ns() // 1_000_000:012x}{self._tag}{next(self._counter) & 0xFFFFFFFF:08x}"


#: A new outbox event id (see :class:`_EventIds`).
new_event_id = _EventIds()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=new_event_id.reset)


def _payload(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


@attrs.frozen(kw_only=True)
class OutboxEvent:
    """An event to publish after the transaction that caused it commits (transactional outbox).

    ``id`` is unique (a time-ordered id by default); ``payload`` is a JSON-safe dict;
    ``delivered_at`` is None until :meth:`Outbox.mark_delivered`.
    """

    type: str
    payload: Mapping[str, Any] = attrs.field(factory=dict, converter=_payload)
    code: str | None = None
    id: str = attrs.field(factory=new_event_id)
    created_at: datetime = attrs.field(factory=utcnow, converter=_aware)
    delivered_at: datetime | None = attrs.field(default=None, converter=_aware_or_none)


#: What erasure leaves in place of a personal value.
REDACTED = "[erased]"


def _covered(path: Any, paths: frozenset[str]) -> bool:
    if not isinstance(path, str):
        return False
    return any(path == p or path.startswith((p + ".", p + "[")) for p in paths)


def _blot(value: Any) -> Any:
    return None if value is None else REDACTED


def _scrubbed(value: Any, secrets: frozenset[str]) -> Any:
    """``value`` with every text in ``secrets`` erased, inside lists and mappings too."""
    if not secrets:
        return value
    if isinstance(value, str):
        return REDACTED if value in secrets else value
    if isinstance(value, list | tuple):
        return [_scrubbed(item, secrets) for item in value]
    if isinstance(value, Mapping):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    return value


def redact_changes(
    changes: Iterable[Change], paths: Iterable[str], values: Iterable[str] = ()
) -> tuple[Change, ...] | None:
    """``changes`` with the values at ``paths`` (or under them) erased, and every text in ``values``
    wherever it stands; None when nothing is erased."""
    covered, secrets = frozenset(paths), frozenset(values)
    before = tuple(changes)
    after = tuple(
        Change(c.path, _blot(c.old), _blot(c.new))
        if _covered(c.path, covered)
        else Change(c.path, _scrubbed(c.old, secrets), _scrubbed(c.new, secrets))
        for c in before
    )
    return None if after == before else after


def redact_entry(
    entry: HistoryEntry, paths: Iterable[str], values: Iterable[str] = ()
) -> HistoryEntry | None:
    """``entry`` with :func:`redact_changes` applied to its changes; None when nothing is erased."""
    changes = redact_changes(entry.changes, paths, values)
    return None if changes is None else attrs.evolve(entry, changes=changes)


def redact_payload(
    payload: Mapping[str, Any], paths: Iterable[str], values: Iterable[str] = ()
) -> dict[str, Any] | None:
    """A payload with the values at ``paths`` erased (inside its ``changes`` too), and every text in
    ``values`` wherever it stands; None if nothing is erased."""
    covered, secrets = frozenset(paths), frozenset(values)
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if _covered(key, covered):
            value = _blot(value)
        elif key == "changes" and isinstance(value, list | tuple):
            value = [
                {**item, "old": _blot(item.get("old")), "new": _blot(item.get("new"))}
                if isinstance(item, Mapping) and _covered(item.get("path"), covered)
                else _scrubbed(item, secrets)
                for item in value
            ]
        else:
            value = _scrubbed(value, secrets)
        out[key] = value
    return None if out == dict(payload) else out
