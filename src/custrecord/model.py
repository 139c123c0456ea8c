"""The customer master record and its value objects.

Every class here is an immutable, slotted attrs class. The model imports no I/O
and does no validation of its own: validation lives in :mod:`custrecord.validation`,
so a record can always be represented, even a bad one being cleaned.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar

import attrs

__all__ = [
    "Address",
    "AddressEntry",
    "AddressRole",
    "BankAccount",
    "Companies",
    "CompanyTerms",
    "Contact",
    "CreditProfile",
    "Customer",
    "FrozenMap",
    "Kind",
    "PartyRole",
    "Scalar",
    "Status",
]

V = TypeVar("V")

#: The value types allowed in :attr:`Customer.extra`.
Scalar: TypeAlias = str | int | float | bool | Decimal | date | None


class Kind(enum.StrEnum):
    """Whether a customer is an organisation or a natural person (客户类型)."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"


class Status(enum.StrEnum):
    """Lifecycle status of a customer (状态)."""

    DRAFT = "draft"
    PENDING = "pending"
    ACTIVE = "active"
    FROZEN = "frozen"
    DISABLED = "disabled"
    DELETED = "deleted"


class AddressRole(enum.StrEnum):
    """What an address is for (地址类型)."""

    REGISTERED = "registered"
    BILLING = "billing"
    SHIPPING = "shipping"
    OTHER = "other"


class PartyRole(enum.StrEnum):
    """What a business partner is to us (往来类型): a customer, a supplier, or both."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class _FrozenMapping(Mapping[str, V]):
    """An immutable, hashable, picklable mapping of text keys; equal to any mapping with its items."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, V] | None = None) -> None:
        self._data: dict[str, V] = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _FrozenMapping):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))


class FrozenMap(_FrozenMapping[Scalar]):
    """A small immutable, hashable, picklable mapping used for ``extra``."""

    __slots__ = ()


def _frozen_map(value: Mapping[str, Scalar] | None) -> FrozenMap:
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


def _tuple_of_contacts(value: Any) -> tuple[Contact, ...]:
    return tuple(value)


def _frozenset_of_str(value: Any) -> frozenset[str]:
    return frozenset(value)


_ROLE_RANK = {role: rank for rank, role in enumerate(AddressRole)}
_ROLES = frozenset(role.value for role in AddressRole)


def _address_order(entry: AddressEntry) -> tuple[int, bool]:
    # getattr: a record being cleaned may hold anything (validation reports it, see parse).
    role, default = getattr(entry, "role", None), getattr(entry, "default", False)
    rank = _ROLE_RANK[AddressRole(role)] if isinstance(role, str) and role in _ROLES else len(_ROLE_RANK)
    return rank, not default


def _tuple_of_addresses(value: Any) -> tuple[AddressEntry, ...]:
    # One order for one set of addresses: by role, each role's default first, otherwise as
    # given, so that every form (flat columns for the defaults, nested lists) reads back equal.
    items = tuple(value)
    if len(items) < 2:
        return items
    ordered = tuple(sorted(items, key=_address_order))
    return items if ordered == items else ordered


def _tuple_of_accounts(value: Any) -> tuple[BankAccount, ...]:
    return tuple(value)


def _frozenset_of_roles(value: Any) -> frozenset[PartyRole]:
    return value if isinstance(value, frozenset) else frozenset(value)


_CUSTOMER_ONLY: frozenset[PartyRole] = frozenset({PartyRole.CUSTOMER})


@attrs.frozen
class Address:
    """Postal address (地址). Every part is optional."""

    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    postcode: str | None = None

    def is_empty(self) -> bool:
        """True when no part is filled in."""
        return not any((self.province, self.city, self.district, self.street, self.postcode))


@attrs.frozen
class AddressEntry:
    """One address of a customer's list (``addresses``): what it is for, and whether it is
    the default of its role (默认地址). The parts are those of :class:`Address`."""

    role: AddressRole = AddressRole.OTHER
    default: bool = False
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    postcode: str | None = None

    @property
    def address(self) -> Address:
        """The postal parts alone."""
        return Address(self.province, self.city, self.district, self.street, self.postcode)

    def is_empty(self) -> bool:
        """True when no postal part is filled in."""
        return self.address.is_empty()


@attrs.frozen
class BankAccount:
    """A further bank account (银行账户). ``default`` marks the account used for its
    ``currency``; the customer's main account is ``Customer.bank_name`` / ``bank_account``."""

    bank_name: str | None = None
    #: The branch (开户支行).
    branch: str | None = None
    account: str | None = None
    #: The account holder's name (户名), when it is not the customer's.
    holder: str | None = None
    currency: str | None = None
    default: bool = False

    def is_empty(self) -> bool:
        """True when no part is filled in (``default`` aside)."""
        return not any((self.bank_name, self.branch, self.account, self.holder, self.currency))


@attrs.frozen
class Contact:
    """A contact person (联系人). Phones are stored in E.164 once validated."""

    name: str | None = None
    title: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    #: Unique within the customer, given by the book (see :mod:`custrecord.contact_ids`).
    id: str | None = None

    def is_empty(self) -> bool:
        """True when no part is filled in (the id is no part)."""
        return not any((self.name, self.title, self.phone, self.mobile, self.email))


@attrs.frozen
class CreditProfile:
    """Credit terms granted to a customer (信用).

    ``limit`` is money in ``currency``; ``days`` is the credit period (信用期限).
    A profile outside ``valid_from``..``valid_until`` counts as no credit.
    """

    grade: str | None = None
    limit: Decimal | None = None
    currency: str = "CNY"
    days: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    #: The group credit limit (集团信用额度) of a parent company: it caps the exposure of the
    #: parent and all its descendants together, on top of each member's own ``limit``.
    group_limit: Decimal | None = None

    def is_empty(self) -> bool:
        """True when nothing but the default currency is set."""
        return not any(
            (
                self.grade,
                self.limit is not None,
                self.days is not None,
                self.valid_from,
                self.valid_until,
                self.group_limit is not None,
            )
        )

    def is_valid_on(self, day: date) -> bool:
        """Whether the profile's validity period covers ``day``."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_until is not None and day > self.valid_until)


@attrs.frozen
class CompanyTerms:
    """Credit terms of a customer in one company (账套) other than the default one.

    The credit fields of :class:`CreditProfile` plus the settlement method and payment
    terms, which differ between companies as much as limits do.
    """

    grade: str | None = None
    limit: Decimal | None = None
    currency: str = "CNY"
    days: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    group_limit: Decimal | None = None
    settlement_method: str | None = None
    payment_terms: str | None = None

    @property
    def credit(self) -> CreditProfile:
        """The credit part of these terms."""
        return CreditProfile(grade=self.grade, limit=self.limit, currency=self.currency, days=self.days,
                             valid_from=self.valid_from, valid_until=self.valid_until,
                             group_limit=self.group_limit)


class Companies(_FrozenMapping[CompanyTerms]):
    """An immutable, hashable mapping of company id (账套) to :class:`CompanyTerms`, ordered by id."""

    __slots__ = ()

    def __init__(self, data: Mapping[str, CompanyTerms] | None = None) -> None:
        super().__init__(dict(sorted((data or {}).items())))


def _companies(value: Mapping[str, CompanyTerms] | None) -> Companies:
    return value if isinstance(value, Companies) else Companies(value)


@attrs.frozen
class Customer:
    """A customer master record (客户档案).

    Field names are the public contract of SPEC section 1. ``version``,
    ``created_at`` and ``updated_at`` are managed by storage.
    """

    name: str
    code: str | None = None
    short_name: str | None = None
    kind: Kind = Kind.ENTERPRISE
    country: str = "CN"
    tax_id: str | None = None
    category: str | None = None
    region: str | None = None
    industry: str | None = None
    # Shared immutable defaults: nothing to build per customer, and cheap to compare.
    address: Address = attrs.field(default=Address())
    contacts: tuple[Contact, ...] = attrs.field(default=(), converter=_tuple_of_contacts)
    bank_name: str | None = None
    bank_account: str | None = None
    legal_representative: str | None = None
    credit: CreditProfile = attrs.field(default=CreditProfile())
    settlement_method: str | None = None
    payment_terms: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_frozenset_of_str)
    priority: int | None = None
    status: Status = Status.ACTIVE
    remarks: str | None = None
    #: When the customer's data is next due for review (复核日期); see ``CustomerBook.review_due``.
    review_date: date | None = None
    #: The sales representative in charge (专管业务员); record-level scopes may use it.
    owner: str | None = None
    #: The department in charge (分管部门).
    department: str | None = None
    # -- addresses, bank accounts and trading terms (issue 15) --
    #: Addresses besides the default registered one (``address``): shipping, billing, other.
    addresses: tuple[AddressEntry, ...] = attrs.field(default=(), converter=_tuple_of_addresses)
    #: Bank accounts besides the main one (``bank_name`` / ``bank_account``).
    bank_accounts: tuple[BankAccount, ...] = attrs.field(default=(), converter=_tuple_of_accounts)
    #: The trading currency (交易币种), ISO 4217; the credit limit has its own (``credit.currency``).
    currency: str | None = None
    #: The price level (价格级别) orders are priced at.
    price_level: str | None = None
    #: Customer, supplier or both (往来类型).
    roles: frozenset[PartyRole] = attrs.field(default=_CUSTOMER_ONLY, converter=_frozenset_of_roles)
    #: The code of the customer this one was merged into (合并); lookups follow it.
    replaced_by: str | None = None
    #: The code of the parent company (上级客户, U8's 客户总公司); see ``CustomerBook.group``.
    parent: str | None = None
    #: Credit terms in companies (账套) other than the default one, whose terms are ``credit``.
    companies: Companies = attrs.field(default=Companies(), converter=_companies)
    extra: FrozenMap = attrs.field(default=FrozenMap(), converter=_frozen_map)
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_customer(self) -> bool:
        """Whether this partner is a customer (and not only a supplier)."""
        return PartyRole.CUSTOMER in self.roles

    def default_address(self, role: AddressRole | str) -> AddressEntry | None:
        """The default address of ``role`` among :attr:`addresses` (``address`` is the registered one)."""
        for entry in self.addresses:
            if entry.role == role and entry.default:
                return entry
        return None

    @property
    def primary_contact(self) -> Contact | None:
        """The first contact, the one the flat (CSV) form carries."""
        return self.contacts[0] if self.contacts else None
