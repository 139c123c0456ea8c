"""Erasure (PIPL/GDPR): a customer's personal data scrubbed from the record, its history and the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from custrecord.book.approval import pending_revision
from custrecord.book.revisions import BookContext, code_of, entry
from custrecord.copying import copy_with
from custrecord.diff import FieldChange, changes_between
from custrecord.errors import CustrecordError
from custrecord.events import Erased, Event
from custrecord.fields import PERSONAL_PATHS
from custrecord.model import Customer, Status
from custrecord.permissions import Actor
from custrecord.storage.ports import UnitOfWork
from custrecord.storage.values import REDACTED, HistoryEntry

__all__ = ["erase_customer", "erased"]


def erased(customer: Customer) -> Customer:
    """``customer`` without its personal data: the name becomes ``REDACTED``, the rest blank.

    Code, kind, status, category, region, tags and credit terms stay.
    """
    blank = Customer(name=REDACTED)
    return copy_with(customer, {path: getattr(blank, path) for path in PERSONAL_PATHS})


def erase_customer(
    ctx: BookContext, uow: UnitOfWork, who: Actor, code: str, reason: str
) -> tuple[Customer, list[Event]]:
    """Erase customer ``code`` and everyone merged with it now; see ``CustomerBook.erase``.

    Merge links are followed as they are now: a customer merged once and split off
    again by an unmerge is not erased with it. The erased customers' values are also
    scrubbed from the histories and events of the customers they were ever merged
    with, where a merge carried them.
    """
    ctx.load(uow, who, code)
    customers = [uow.customers.get(c) for c in _merged_now(uow, code)]
    for current in customers:
        if current.status is Status.PENDING or pending_revision(uow.history.list(code_of(current))):
            raise CustrecordError(
                f"customer {current.code} awaits approval; approve or reject it before erasing"
            )
    group = {code_of(c) for c in customers}
    at = ctx.now()
    events: list[Event] = []
    result = customers[0]
    for current in customers:
        key = code_of(current)
        entries = list(uow.history.list(key))
        secrets = _personal_texts(current, entries)
        stored = uow.customers.update(erased(current), current.version)
        uow.history.redact(key, PERSONAL_PATHS)
        uow.outbox.redact(key, PERSONAL_PATHS)
        for partner in _merge_partners(entries) - group:
            uow.history.redact(partner, (), secrets)
            uow.outbox.redact(partner, (), secrets)
        uow.customers.purge(key)
        diff = [FieldChange(c.path, REDACTED, c.new) for c in changes_between(current, stored)]
        uow.history.append(entry(stored, "erase", who, reason, diff, at))
        events.append(Erased(code=key, at=stored.updated_at or at, actor=who.name, reason=reason))
        if key == code:
            result = stored
    return result, events


def _merged_now(uow: UnitOfWork, code: str) -> list[str]:
    """``code`` first, then every customer merged into or with it now (the replacement links).

    A merge's record in the history names candidates; each is taken only when its link
    holds today (``replaced_by``), so an unmerged customer stays out.
    """
    group = [code]
    pending = [code]
    while pending:
        current = uow.customers.get(pending.pop())
        linked = [current.replaced_by] if current.replaced_by else []
        for other in _merge_partners(uow.history.list(code_of(current))):
            if other not in group and uow.customers.get(other).replaced_by == current.code:
                linked.append(other)
        for other in linked:
            if other not in group:
                group.append(other)
                pending.append(other)
    return group


def _merge_partners(entries: Iterable[HistoryEntry]) -> set[str]:
    """Every customer a history says this one was ever merged with (either way)."""
    partners: set[str] = set()
    for item in entries:
        for change in item.changes:
            if change.path == "merged" and isinstance(change.new, Mapping):
                partners.update(c for c in change.new.get("replaced", ()) if isinstance(c, str))
            elif change.path == "replaced_by":
                partners.update(v for v in (change.old, change.new) if isinstance(v, str))
    return partners


#: The fields whose texts identify the customer, scrubbed from merge partners' histories too.
#: Shared words are left out: a place (province, city, district, postcode), a bank's name, a
#: contact's title, custom fields; scrubbing them from a partner's history would erase the
#: partner's own data.
_IDENTIFYING = frozenset({"name", "short_name", "tax_id", "bank_account", "legal_representative",
                          "address.street", "remarks"})
_CONTACT_IDENTIFYING = ("name", "phone", "mobile", "email")
#: Lists whose items hold identifying texts, and those texts' keys.
_LIST_IDENTIFYING = {"contacts": _CONTACT_IDENTIFYING, "addresses": ("street",),
                     "bank_accounts": ("account", "holder")}


def _personal_texts(customer: Customer, entries: Iterable[HistoryEntry]) -> frozenset[str]:
    """Every text that identified the customer, now or in its history."""
    changes = [*changes_between(None, customer), *(c for item in entries for c in item.changes)]
    texts: set[str] = set()
    for change in changes:
        for value in (change.old, change.new):
            if change.path in _IDENTIFYING and isinstance(value, str):
                texts.add(value)
            elif change.path in _LIST_IDENTIFYING and isinstance(value, list):
                keys = _LIST_IDENTIFYING[change.path]
                texts.update(
                    text
                    for item in value
                    if isinstance(item, Mapping)
                    for text in (item.get(k) for k in keys)
                    if isinstance(text, str)
                )
    texts.discard("")
    texts.discard(REDACTED)
    return frozenset(texts)
