"""Who may do what (权限): actors with roles, a policy per action and per field, masking.

A policy answers four questions: may this actor perform an action, may it
edit a field, how does it see a field (in full or masked), and which customers
may it see at all (its :class:`Scope`, U8's 数据权限). The default
:class:`RolePolicy` knows the roles ``admin``, ``finance``, ``sales`` and
``viewer``; users supply their own policy object.

What is masked is decided by what a value is, never by what a customer says
about itself: a bank account, a personal ID number (a resident ID, or any tax ID
of an individual) and a contact's phones and e-mail.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs
from stdnum.cn import ric

from custrecord.diff import FieldChange
from custrecord.errors import CustrecordError
from custrecord.model import Contact, Customer, Kind
from custrecord.storage.values import Scope

__all__ = [
    "ADMIN",
    "NOBODY",
    "SYSTEM",
    "Action",
    "Actor",
    "PermissionDenied",
    "Policy",
    "RolePolicy",
    "Scope",
    "Visibility",
    "check_edit",
    "is_personal_id",
    "mask_contact_data",
    "mask_customer",
    "mask_middle",
]


class Action(enum.StrEnum):
    """Actions a policy rules on."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    #: Freeze, unfreeze, disable and enable: status decides whether orders go through.
    STATUS = "status"
    #: Grant temporary credit raises and let warned or blocked orders through.
    CREDIT = "credit"
    APPROVE = "approve"
    DELETE = "delete"
    EXPORT = "export"
    ERASE = "erase"
    MERGE = "merge"


class Visibility(enum.StrEnum):
    """How an actor sees a field."""

    FULL = "full"
    MASKED = "masked"


def _roles(value: Iterable[str]) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


@attrs.frozen
class Actor:
    """Someone acting on the book: a user name, roles, and the scope of customers it may see."""

    name: str
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_roles)
    scope: Scope | None = None

    def __str__(self) -> str:
        return self.name


#: The default actor of a book: the library's own calls and trusted scripts.
SYSTEM = Actor("system", {"admin"})
ADMIN = Actor("admin", {"admin"})
#: Who a call without an actor is when the book has no default actor: allowed nothing.
NOBODY = Actor("anonymous")


class PermissionDenied(CustrecordError, PermissionError):
    """The policy refused an action or a field change."""

    def __init__(self, actor: Actor, action: str, what: str | None = None) -> None:
        self.actor = actor
        self.action = action
        self.what = what
        target = f" on {what}" if what else ""
        super().__init__(
            f"{actor.name} (roles: {', '.join(sorted(actor.roles)) or 'none'}) may not {action}{target}"
        )


class Policy(Protocol):
    """What the book asks of a permission policy."""

    def allows(self, actor: Actor, action: Action) -> bool:
        """Whether ``actor`` may perform ``action`` at all."""
        ...

    def may_edit(self, actor: Actor, path: str) -> bool:
        """Whether ``actor`` may change the field at ``path`` (``credit.limit``)."""
        ...

    def visibility(self, actor: Actor, path: str) -> Visibility:
        """How ``actor`` sees the field at ``path``."""
        ...

    def scope(self, actor: Actor) -> Scope | None:
        """The customers ``actor`` may see, or None for all of them."""
        ...


_FINANCE = frozenset({"admin", "finance"})
_STAFF = frozenset({"admin", "finance", "sales"})
#: Sensitive fields and the roles that see them in full; others see them masked.
#: Only finance sees bank accounts and personal ID numbers; contact details are
#: for staff who deal with the customer.
SENSITIVE_FIELDS: Mapping[str, frozenset[str]] = {
    "bank_account": _FINANCE,
    "tax_id": _FINANCE,
    "contacts.phone": _STAFF,
    "contacts.mobile": _STAFF,
    "contacts.email": _STAFF,
}

_DEFAULT_ACTIONS: Mapping[str, frozenset[Action]] = {
    "admin": frozenset(Action),
    "finance": frozenset(
        {Action.VIEW, Action.CREATE, Action.EDIT, Action.STATUS, Action.CREDIT, Action.APPROVE, Action.EXPORT}
    ),
    "sales": frozenset({Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT}),
    "viewer": frozenset({Action.VIEW}),
}
_DEFAULT_LOCKED: Mapping[str, frozenset[str]] = {
    # Sales may not set credit terms (per company too) or bank details, nor move a customer into or
    # out of a group, whose limit then covers it or no longer does.
    "sales": frozenset(
        {"credit", "companies", "parent", "bank_name", "bank_account", "bank_accounts", "settlement_method",
         "payment_terms", "status"}
    ),
}


@attrs.frozen
class RolePolicy:
    """A role-based policy.

    ``actions`` maps a role to the actions it may perform; ``locked`` maps a
    role to path prefixes it may not edit; ``sensitive`` maps a field to the
    roles that see it in full, everyone else sees it masked. An actor holds
    the union of its roles' rights.
    """

    actions: Mapping[str, frozenset[Action]] = _DEFAULT_ACTIONS
    locked: Mapping[str, frozenset[str]] = _DEFAULT_LOCKED
    sensitive: Mapping[str, frozenset[str]] = SENSITIVE_FIELDS

    def allows(self, actor: Actor, action: Action) -> bool:
        """Whether any of the actor's roles grants ``action``."""
        return any(action in self.actions.get(role, ()) for role in actor.roles)

    def may_edit(self, actor: Actor, path: str) -> bool:
        """Editing needs the edit action and one role for which the path is not locked."""
        if not self.allows(actor, Action.EDIT) and not self.allows(actor, Action.CREATE):
            return False
        head = path.split(".", 1)[0].split("[", 1)[0]
        return any(
            not any(path == p or path.startswith(p + ".") or head == p for p in self.locked.get(role, ()))
            for role in actor.roles
            if role in self.actions
        )

    def visibility(self, actor: Actor, path: str) -> Visibility:
        """Sensitive fields are masked unless one of the actor's roles sees them in full."""
        full = self.sensitive.get(path)
        if full is not None and not (actor.roles & full):
            return Visibility.MASKED
        return Visibility.FULL

    def scope(self, actor: Actor) -> Scope | None:
        """The actor's own scope (None: every customer)."""
        return actor.scope


def mask_middle(text: str | None, *, keep_start: int = 4, keep_end: int = 4) -> str | None:
    """``6222021234567891234`` -> ``6222***********1234``; short values are masked whole."""
    if not text:
        return text
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    # Not text[-keep_end:]: with keep_end 0 that is the whole text.
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end :]


def _mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return mask_middle(email, keep_start=1, keep_end=0)
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    main = phone.split(";", 1)[0]
    return mask_middle(main, keep_start=max(len(main) - 8, 1), keep_end=4)


def is_personal_id(tax_id: str, kind: Kind) -> bool:
    """Whether a tax ID is a person's ID number: any individual's, or a valid resident ID.

    Decided by the value too, so changing the customer's kind or country never unmasks it.
    """
    return kind is Kind.INDIVIDUAL or ric.is_valid(tax_id)


def mask_customer(customer: Customer, actor: Actor, policy: Policy) -> Customer:
    """``customer`` as ``actor`` may see it: sensitive fields masked per the policy."""
    changes: dict[str, object] = {}
    if customer.bank_account and policy.visibility(actor, "bank_account") is Visibility.MASKED:
        changes["bank_account"] = mask_middle(customer.bank_account)
    if (
        customer.tax_id
        and is_personal_id(customer.tax_id, customer.kind)
        and policy.visibility(actor, "tax_id") is Visibility.MASKED
    ):
        changes["tax_id"] = mask_middle(customer.tax_id)
    contacts = tuple(_mask_contact(c, actor, policy) for c in customer.contacts)
    if contacts != customer.contacts:
        changes["contacts"] = contacts
    if customer.bank_accounts and policy.visibility(actor, "bank_account") is Visibility.MASKED:
        # Every account is an account: the main one's visibility decides for the others too.
        changes["bank_accounts"] = tuple(
            attrs.evolve(a, account=mask_middle(a.account)) if a.account else a
            for a in customer.bank_accounts
        )
    return attrs.evolve(customer, **changes) if changes else customer  # type: ignore[arg-type]


_CONTACT_MASKERS = (("phone", _mask_phone), ("mobile", _mask_phone), ("email", _mask_email))


def mask_contact_data(data: Mapping[str, Any], actor: Actor, policy: Policy) -> dict[str, Any]:
    """A contact given as a mapping (as history stores it), masked for ``actor`` like ``mask_customer``."""
    masked = dict(data)
    for field, masker in _CONTACT_MASKERS:
        value = masked.get(field)
        if (
            isinstance(value, str)
            and value
            and policy.visibility(actor, f"contacts.{field}") is Visibility.MASKED
        ):
            masked[field] = masker(value)
    return masked


def _mask_contact(contact: Contact, actor: Actor, policy: Policy) -> Contact:
    fields = {field: getattr(contact, field) for field, _ in _CONTACT_MASKERS}
    masked = mask_contact_data(fields, actor, policy)
    return contact if masked == fields else attrs.evolve(contact, **masked)


def check_edit(actor: Actor, policy: Policy, changes: Iterable[FieldChange]) -> None:
    """Raise :class:`PermissionDenied` for the first change ``actor`` may not make."""
    for change in changes:
        if not policy.may_edit(actor, change.path):
            raise PermissionDenied(actor, "edit", change.path)
