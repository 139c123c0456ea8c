"""The book's gate: who acts, what it may do, which customers it sees and how, and what it read.

Every call of :class:`~custrecord.book.CustomerBook` passes here once on the way in
(the actor resolved and authorised) and once on the way out (results restricted to
the actor's scope, masked, and recorded in the access log when there is one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from custrecord.access import Access
from custrecord.book.approval import Revision
from custrecord.book.masking import view_entry, view_problems
from custrecord.book.results import ImportOutcome
from custrecord.book.revisions import BookContext
from custrecord.errors import InvalidQuery
from custrecord.model import Customer
from custrecord.permissions import NOBODY, Action, Actor, PermissionDenied, Visibility, mask_customer
from custrecord.problems import Problem
from custrecord.storage.values import HistoryEntry, Query, make_query

__all__ = ["Gate"]

#: The fields whose values each look-up filter probes.
_PROBED: dict[str, tuple[str, ...]] = {
    "phone": ("contacts.phone", "contacts.mobile"),
    "email": ("contacts.email",),
    "contact": ("contacts.name",),
    "tax_id": ("tax_id",),
}


@attrs.frozen
class Gate:
    """Rights, scope, masking and the access log of one book, as its settings say."""

    ctx: BookContext

    def actor(self, actor: Actor | str | None) -> Actor:
        """Who acts: the actor given, one named by text (through ``Settings.actors``), or the default."""
        settings = self.ctx.settings
        if isinstance(actor, Actor):
            return actor
        if actor is None:
            if settings.default_actor is None:
                raise PermissionDenied(NOBODY, "act", "this book: every call must name its actor")
            return settings.default_actor
        directory = settings.actors
        if isinstance(actor, str) and directory is not None:
            found = directory.get(actor) if isinstance(directory, Mapping) else directory(actor)
            if found is None:
                raise PermissionDenied(Actor(actor), "act", "this book: no such user")
            return found
        raise TypeError(f"actor must be a custrecord.Actor, not {type(actor).__name__} {actor!r}")

    def authorise(self, actor: Actor | str | None, action: Action) -> Actor:
        """The acting identity, once it may perform ``action``."""
        who = self.actor(actor)
        if not self.ctx.settings.policy.allows(who, action):
            raise PermissionDenied(who, action.value)
        return who

    def scoped(self, who: Actor, query: Query | None, filters: Mapping[str, Any]) -> Query:
        """The query restricted to the customers ``who`` may see.

        A look-up by a value ``who`` sees masked (a phone, e-mail or tax ID) is refused:
        finding customers by it would tell the value.
        """
        policy = self.ctx.settings.policy
        scope = policy.scope(who)
        full = make_query(query, filters)
        probed = [*full.lookups(), *(["phone"] if full.phone is not None else []),
                  *(["contact"] if full.contact_fragment() is not None else [])]
        for kind in probed:
            if any(policy.visibility(who, path) is Visibility.MASKED for path in _PROBED[kind]):
                raise PermissionDenied(who, "find by", kind)
        if scope is None:
            return full
        if full.scope is not None and full.scope != scope:
            raise InvalidQuery("a query by an actor with a scope of its own cannot name another scope")
        return make_query(full, {"scope": scope})

    def view(self, customer: Customer, who: Actor) -> Customer:
        """``customer`` as ``who`` may see it."""
        return mask_customer(customer, who, self.ctx.settings.policy)

    def visible(self, who: Actor, customers: Iterable[Customer]) -> Iterator[Customer]:
        """The customers ``who`` may see, as it sees them."""
        for customer in customers:
            if self.ctx.in_scope(who, customer):
                yield self.view(customer, who)

    def entry(self, item: HistoryEntry, who: Actor) -> HistoryEntry:
        """A history entry as ``who`` may see it."""
        return view_entry(item, who, self.ctx.settings.policy)

    def revision(self, revision: Revision, who: Actor) -> Revision:
        """A pending revision as ``who`` may see it: its values masked as history's are."""
        masked = self.entry(HistoryEntry(code=revision.code, version=0, action="propose",
                                         changes=revision.changes), who)
        return attrs.evolve(revision, changes=masked.changes)

    def problems(self, problems: Iterable[Problem], who: Actor) -> tuple[Problem, ...]:
        """Problems that show ``who`` no value it may not see."""
        return view_problems(problems, who, self.ctx.settings.policy)

    def outcomes(self, outcomes: list[ImportOutcome], who: Actor) -> list[ImportOutcome]:
        """Import outcomes whose problems show ``who`` no value it may not see."""
        return [attrs.evolve(o, problems=self.problems(o.problems, who)) if o.problems else o
                for o in outcomes]

    def record(self, who: Actor, action: str, codes: Sequence[str], count: int) -> None:
        """Keep one read in the access log, when the settings have one."""
        log = self.ctx.settings.access_log
        if log is not None:
            log.record(Access(at=self.ctx.now(), actor=who.name, action=action, codes=tuple(codes),
                              count=count))

    def logged(self, who: Actor, action: str, customers: list[Customer]) -> list[Customer]:
        """``customers`` once the read is recorded."""
        self.record(who, action, [c.code or "" for c in customers], len(customers))
        return customers

    def streamed(self, who: Actor, action: str, customers: Iterable[Customer]) -> Iterator[Customer]:
        """``customers`` one by one; the read is recorded once the caller stops taking them."""
        codes: list[str] = []
        try:
            for customer in customers:
                codes.append(customer.code or "")
                yield customer
        finally:
            self.record(who, action, codes, len(codes))
