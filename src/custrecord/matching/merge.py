"""Merging duplicates (合并) as pure functions over customers.

:func:`merge` picks a survivor (whose code stays), combines every field by a
survivorship rule, keeps every contact (de-duplicated) and returns the merged
customer with a :class:`MergeRecord`: which codes were replaced by which, and
where each field's value came from. Storing the record in both histories and
pointing the replaced customers at the survivor is the book's job.

Customers with two different valid tax IDs are different legal entities:
merging them raises :class:`MergeError` unless ``force=True`` with a reason.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from custrecord.errors import CustrecordError
from custrecord.matching.features import valid_tax_id
from custrecord.matching.normalize import canon, normalize_email, normalize_phone
from custrecord.model import Address, Contact, CreditProfile, Customer, FrozenMap, Status

__all__ = [
    "DEFAULT_STRATEGIES",
    "FieldChoice",
    "MergeError",
    "MergeRecord",
    "Merged",
    "Strategy",
    "choose_survivor",
    "merge",
    "merge_contacts",
]


class MergeError(CustrecordError, ValueError):
    """A merge was refused: different valid tax IDs, a bad survivor or field choice."""


class Strategy(enum.StrEnum):
    """How a field's value is chosen among the merged customers."""

    #: The survivor's value; the first non-empty other value when it has none.
    SURVIVOR = "survivor"
    #: The non-empty value of the most recently updated customer.
    MOST_RECENT = "most_recent"
    #: The longest non-empty value.
    LONGEST = "longest"
    #: For address and credit: the one with the most parts filled in, taken whole.
    MOST_COMPLETE = "most_complete"
    #: Tags, contacts and extra fields: all of them, de-duplicated.
    UNION = "union"


#: The survivorship rule of every field. Credit terms need approval, so the
#: survivor's stand; names and contact data follow the most recent record.
DEFAULT_STRATEGIES: Mapping[str, Strategy] = {
    "name": Strategy.MOST_RECENT,
    "short_name": Strategy.MOST_RECENT,
    "kind": Strategy.SURVIVOR,
    "country": Strategy.SURVIVOR,
    "tax_id": Strategy.MOST_RECENT,
    "category": Strategy.SURVIVOR,
    "region": Strategy.MOST_RECENT,
    "industry": Strategy.MOST_RECENT,
    "address": Strategy.MOST_COMPLETE,
    "contacts": Strategy.UNION,
    "bank": Strategy.MOST_RECENT,
    "legal_representative": Strategy.MOST_RECENT,
    "credit": Strategy.SURVIVOR,
    "settlement_method": Strategy.MOST_RECENT,
    "payment_terms": Strategy.MOST_RECENT,
    "tags": Strategy.UNION,
    "priority": Strategy.SURVIVOR,
    "status": Strategy.SURVIVOR,
    "remarks": Strategy.LONGEST,
    "extra": Strategy.UNION,
}

#: Fields chosen as one unit: an account goes with its bank.
_GROUPS: Mapping[str, tuple[str, ...]] = {"bank": ("bank_account", "bank_name")}
_UNIONS = frozenset({"contacts", "tags", "extra"})


@attrs.frozen
class FieldChoice:
    """Where one merged field came from: ``source`` indexes the merged customers."""

    field: str
    source: int
    code: str | None
    strategy: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"field": self.field, "source": self.source, "code": self.code, "strategy": self.strategy}


@attrs.frozen
class MergeRecord:
    """What a merge did, to store in every merged customer's history and emit as an event.

    ``replaced`` are the codes that now point at ``survivor``; ``choices`` say
    where each field came from; ``forced`` and ``reason`` record an override.
    """

    survivor: str | None
    replaced: tuple[str | None, ...]
    survivor_index: int
    choices: tuple[FieldChoice, ...]
    contacts: int
    forced: bool = False
    reason: str | None = None
    at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "survivor": self.survivor,
            "replaced": list(self.replaced),
            "survivor_index": self.survivor_index,
            "choices": [c.to_dict() for c in self.choices],
            "contacts": self.contacts,
            "forced": self.forced,
            "reason": self.reason,
            "at": None if self.at is None else self.at.isoformat(),
        }


@attrs.frozen
class Merged:
    """The merged customer and the record of how it was made."""

    customer: Customer
    record: MergeRecord


def _filled(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, Address | CreditProfile | Contact):
        return not value.is_empty()
    if isinstance(value, tuple | frozenset | FrozenMap):
        return len(value) > 0
    return True


def _parts(value: Any) -> int:
    if isinstance(value, Address | CreditProfile):
        names = (f.name for f in attrs.fields(type(value)) if f.name != "currency")
        return sum(1 for name in names if _filled(getattr(value, name)))
    return 1 if _filled(value) else 0


_ACTIVE = {Status.ACTIVE: 0, Status.FROZEN: 1, Status.PENDING: 2, Status.DRAFT: 3, Status.DISABLED: 4,
           Status.DELETED: 5}
_SCORED_FIELDS = ("name", "short_name", "tax_id", "category", "region", "industry", "address", "contacts",
                  "bank_account", "legal_representative", "credit", "settlement_method", "payment_terms")


def choose_survivor(customers: Sequence[Customer]) -> int:
    """The index of the customer whose code should stay.

    Preference: active over frozen, pending, draft, disabled and deleted; a
    valid tax ID; the most fields filled in; created first; listed first.
    """
    def rank(i: int) -> tuple[Any, ...]:
        c = customers[i]
        filled = sum(_parts(getattr(c, f)) for f in _SCORED_FIELDS)
        created = c.created_at.timestamp() if c.created_at is not None else float("inf")
        return (_ACTIVE.get(c.status, 9), valid_tax_id(c) is None, -filled, created, i)

    if not customers:
        raise MergeError("nothing to merge")
    return min(range(len(customers)), key=rank)


def _recency(customers: Sequence[Customer], survivor: int) -> list[int]:
    """Indexes from most to least recently updated; the survivor first among equals."""
    def key(i: int) -> tuple[float, int, int]:
        at = customers[i].updated_at
        stamp = at.timestamp() if at is not None else float("-inf")
        return (-stamp, i != survivor, i)

    return sorted(range(len(customers)), key=key)


def _pick(strategy: Strategy, values: Sequence[Any], customers: Sequence[Customer], survivor: int) -> int:
    """The index whose value a strategy picks (the survivor when nobody has one)."""
    order = [survivor, *(i for i in range(len(values)) if i != survivor)]
    filled = [i for i in order if _filled(values[i])]
    if not filled:
        return survivor
    if strategy is Strategy.SURVIVOR:
        return filled[0]
    recent = [i for i in _recency(customers, survivor) if i in filled]
    if strategy is Strategy.MOST_RECENT:
        return recent[0]
    if strategy is Strategy.LONGEST:
        return max(recent, key=lambda i: len(str(values[i])))
    if strategy is Strategy.MOST_COMPLETE:
        return max(recent, key=lambda i: _parts(values[i]))
    return filled[0]


# -- contacts -----------------------------------------------------------------


def _contact_key(contact: Contact, region: str) -> dict[str, str]:
    key = {}
    if contact.name:
        key["name"] = canon(contact.name).replace(" ", "")
    for part in ("phone", "mobile"):
        phone = normalize_phone(getattr(contact, part), region)
        if phone is not None:
            key[part] = phone
    email = normalize_email(contact.email)
    if email is not None:
        key["email"] = email
    if contact.title:
        key["title"] = canon(contact.title)
    return key


def _same_person(a: dict[str, str], b: dict[str, str]) -> bool:
    """Compatible (no part differs) and sharing the name, a phone or the e-mail."""
    if any(a[k] != b[k] for k in a.keys() & b.keys()):
        return False
    return bool({"name", "phone", "mobile", "email"} & a.keys() & b.keys())


def merge_contacts(groups: Sequence[Sequence[Contact]], *, region: str = "CN") -> tuple[Contact, ...]:
    """Every contact of every group, in order, the same person kept once.

    Two contacts are the same person when no part of them differs (phones
    compared in E.164, e-mails case-insensitively) and they share the name, a
    phone or the e-mail; the kept contact takes the parts it lacked. Contacts
    that differ in any part are both kept, so nothing is lost.
    """
    kept: list[Contact] = []
    keys: list[dict[str, str]] = []
    for contacts in groups:
        for contact in contacts:
            if contact.is_empty():
                continue
            key = _contact_key(contact, region)
            for n, other in enumerate(keys):
                if _same_person(other, key):
                    base = kept[n]
                    fills = {f.name: getattr(contact, f.name) for f in attrs.fields(Contact)
                             if getattr(base, f.name) is None and getattr(contact, f.name) is not None}
                    kept[n] = attrs.evolve(base, **fills)
                    keys[n] = {**key, **other}
                    break
            else:
                kept.append(contact)
                keys.append(key)
    return tuple(kept)


# -- merge --------------------------------------------------------------------


def _check_tax_ids(customers: Sequence[Customer], force: bool, reason: str | None) -> None:
    valid = {t for t in (valid_tax_id(c) for c in customers) if t is not None}
    if len(valid) > 1 and not force:
        raise MergeError(
            "customers with different valid tax IDs are different legal entities "
            f"({', '.join(sorted(valid))}); pass force=True with a reason to merge them anyway"
        )
    if force and not (reason and reason.strip()):
        raise MergeError("a forced merge needs a reason")


def merge(
    customers: Sequence[Customer],
    *,
    survivor: int | None = None,
    strategies: Mapping[str, Strategy | str] | None = None,
    choose: Mapping[str, int] | None = None,
    force: bool = False,
    reason: str | None = None,
    now: datetime | None = None,
) -> Merged:
    """Merge duplicates into one customer; the inputs are not changed.

    ``survivor`` is the index whose code stays (default :func:`choose_survivor`);
    ``strategies`` overrides :data:`DEFAULT_STRATEGIES` per field; ``choose``
    takes a field from a given index whatever the rules (user choice, 用户指定).
    Field names are those of :data:`DEFAULT_STRATEGIES` (``bank`` covers the
    bank name and account). Raises :class:`MergeError` for fewer than two
    customers, an index out of range, an unknown field or strategy, and for
    different valid tax IDs unless ``force`` is true and ``reason`` given.
    """
    customers = list(customers)
    if len(customers) < 2:
        raise MergeError("a merge needs at least two customers")
    if not all(isinstance(c, Customer) for c in customers):
        raise MergeError("merge takes Customer objects; parse or structure raw data first")
    _check_tax_ids(customers, force, reason)
    n = len(customers)
    keep = choose_survivor(customers) if survivor is None else survivor
    if not 0 <= keep < n:
        raise MergeError(f"survivor index {keep} is out of range 0..{n - 1}")
    rules: dict[str, Strategy] = dict(DEFAULT_STRATEGIES)
    for field, strategy in (strategies or {}).items():
        if field not in rules:
            raise MergeError(f"unknown field {field!r}; known: {', '.join(sorted(rules))}")
        try:
            rules[field] = Strategy(strategy)
        except ValueError:
            known = ", ".join(s.value for s in Strategy)
            raise MergeError(f"unknown strategy {strategy!r}; known: {known}") from None
    for field, index in (choose or {}).items():
        if field not in rules:
            raise MergeError(f"unknown field {field!r}; known: {', '.join(sorted(rules))}")
        if not (isinstance(index, int) and 0 <= index < n):
            raise MergeError(f"choice for {field!r} must be an index 0..{n - 1}, got {index!r}")
    base = customers[keep]
    changes: dict[str, Any] = {}
    choices: list[FieldChoice] = []
    for field, strategy in rules.items():
        paths = _GROUPS.get(field, (field,))
        if choose and field in choose:
            source, label = choose[field], "chosen"
        elif field in _UNIONS and strategy is Strategy.UNION:
            continue
        else:
            values = [getattr(c, paths[0]) for c in customers]
            source, label = _pick(strategy, values, customers, keep), str(strategy)
        for path in paths:
            changes[path] = getattr(customers[source], path)
        if source != keep or label == "chosen":
            choices.append(FieldChoice(field, source, customers[source].code, label))
    order = [keep, *(i for i in range(n) if i != keep)]
    region = base.country if len(base.country) == 2 else "CN"
    if "contacts" not in (choose or {}) and rules["contacts"] is Strategy.UNION:
        changes["contacts"] = merge_contacts([customers[i].contacts for i in order], region=region)
    if "tags" not in (choose or {}) and rules["tags"] is Strategy.UNION:
        changes["tags"] = frozenset().union(*(c.tags for c in customers))
    if "extra" not in (choose or {}) and rules["extra"] is Strategy.UNION:
        extra: dict[str, Any] = {}
        for i in reversed(_recency(customers, keep)):  # the most recent value of a key wins
            extra.update({k: v for k, v in customers[i].extra.items() if _filled(v)})
        changes["extra"] = FrozenMap(extra)
    created = [c.created_at for c in customers if c.created_at is not None]
    changes["created_at"] = min(created) if created else None
    merged = attrs.evolve(base, **changes)
    at = now if now is not None else datetime.now(UTC)
    record = MergeRecord(
        survivor=base.code,
        replaced=tuple(customers[i].code for i in order[1:]),
        survivor_index=keep,
        choices=tuple(choices),
        contacts=len(merged.contacts),
        forced=force,
        reason=reason,
        at=at,
    )
    return Merged(merged, record)
