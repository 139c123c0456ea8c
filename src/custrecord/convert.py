"""The cattrs converter: customers to and from plain, JSON-safe data.

:func:`unstructure` gives the nested canonical form of SPEC 1 with only JSON
types (Decimal as a string, dates in ISO 8601, tags as a sorted list).
:func:`load` structures that form back without validation, for data that is
known to be good (storage, caches); :func:`custrecord.structure` is the
validating entry point for anything else.

cattrs is imported, and the converter built, on the first conversion, so that
``import custrecord`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, get_args, get_origin

from custrecord.model import (
    AddressEntry,
    AddressRole,
    BankAccount,
    Companies,
    CompanyTerms,
    Contact,
    Customer,
    FrozenMap,
    Kind,
    PartyRole,
    Status,
)

if TYPE_CHECKING:
    import cattrs

__all__ = ["converter", "load", "unstructure", "unstructure_set"]

#: The cattrs converter of the canonical form (built on first use: see ``__getattr__``).
converter: cattrs.Converter


def _is_frozenset(t: Any) -> bool:
    return t is frozenset or get_origin(t) is frozenset


def _is_optional(t: Any) -> bool:
    args = get_args(t)
    return len(args) == 2 and type(None) in args


class _Converters:
    """The converter and the set-form hook, built together on first use."""

    __slots__ = ("converter", "set_customer")

    def __init__(
        self, converter: cattrs.Converter, set_customer: Callable[[Customer], dict[str, Any]]
    ) -> None:
        self.converter = converter
        self.set_customer = set_customer


_built: _Converters | None = None


def _converters() -> _Converters:
    """The converters, built on first use: importing cattrs costs more than the rest of the package."""
    global _built
    if _built is None:
        _built = _build()
    return _built


def _build() -> _Converters:
    import cattrs
    from cattrs.fns import identity
    from cattrs.gen import make_dict_unstructure_fn, override

    converter = cattrs.Converter()
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_unstructure_hook_func(_is_frozenset, lambda tags: sorted(tags))
    converter.register_unstructure_hook(FrozenMap, dict)
    converter.register_unstructure_hook(Kind, str)
    converter.register_unstructure_hook(Status, str)
    converter.register_unstructure_hook(AddressRole, str)
    converter.register_unstructure_hook_func(
        lambda t: t == frozenset[PartyRole], lambda roles: sorted(str(role) for role in roles)
    )

    def optional_hook(t: Any) -> Any:
        # ``str | None`` passes through as it is; returning cattrs' own ``identity`` lets
        # the generated code read the attribute inline instead of calling a hook per field.
        inner = next(arg for arg in get_args(t) if arg is not type(None))
        handler = converter.get_unstructure_hook(inner)
        if handler is identity:
            return identity
        return lambda value: None if value is None else handler(value)

    converter.register_unstructure_hook_factory(_is_optional, optional_hook)

    converter.register_structure_hook(Decimal, lambda v, _: v if isinstance(v, Decimal) else Decimal(str(v)))
    converter.register_structure_hook(date, lambda v, _: v if isinstance(v, date) else date.fromisoformat(v))
    converter.register_structure_hook(
        datetime, lambda v, _: v if isinstance(v, datetime) else datetime.fromisoformat(v)
    )
    converter.register_structure_hook(FrozenMap, lambda v, _: FrozenMap(v))
    terms = converter.get_unstructure_hook(CompanyTerms)

    def unstructure_companies(companies: Companies) -> dict[str, Any]:
        # Unset terms are left out: the flat form holds the mapping in one JSON cell.
        return {company: {k: v for k, v in terms(t).items() if v is not None}
                for company, t in companies.items()}

    def structure_companies(value: Any, _: Any) -> Companies:
        if isinstance(value, Companies):
            return value
        return Companies({str(company): t if isinstance(t, CompanyTerms)
                          else converter.structure(t, CompanyTerms) for company, t in value.items()})

    converter.register_unstructure_hook(Companies, unstructure_companies)
    converter.register_structure_hook(Companies, structure_companies)

    contact_fields = converter.get_unstructure_hook(Contact)

    def contact(value: Contact) -> dict[str, Any]:
        # A contact without an id (stored before ids existed) unstructures as it always did.
        data: dict[str, Any] = contact_fields(value)
        if data["id"] is None:
            del data["id"]
        return data

    converter.register_unstructure_hook(Contact, contact)

    # The same canonical form without the fields that hold their default value.
    set_only = converter.copy(omit_if_default=True)
    address_entry = converter.get_unstructure_hook(AddressEntry)
    bank_account = converter.get_unstructure_hook(BankAccount)
    # The address and credit parts are unstructured whatever they hold and dropped when
    # empty: the same as comparing them with their defaults first, and cheaper, since
    # comparing two value objects compares every field before unstructuring does it again.
    set_customer = make_dict_unstructure_fn(
        Customer,
        set_only,
        _cattrs_omit_if_default=True,
        address=override(omit_if_default=False),
        credit=override(omit_if_default=False),
        # Contacts stay whole: the set form is also what a new customer's history records.
        contacts=override(unstruct_hook=lambda contacts: [contact(c) for c in contacts]),
        addresses=override(unstruct_hook=lambda entries: [address_entry(a) for a in entries]),
        bank_accounts=override(unstruct_hook=lambda accounts: [bank_account(a) for a in accounts]),
    )
    return _Converters(converter, set_customer)


def __getattr__(name: str) -> Any:
    # ``converter`` is built on first use, like the functions below.
    if name == "converter":
        return _converters().converter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def unstructure(customer: Customer) -> dict[str, Any]:
    """The nested canonical form of ``customer``: a JSON-safe dict."""
    data: dict[str, Any] = _converters().converter.unstructure(customer)
    return data


def unstructure_set(customer: Customer) -> dict[str, Any]:
    """:func:`unstructure` without the fields (and nested fields) that hold their default.

    Each contact, address and bank account is whole, as :func:`unstructure` gives it. What :func:`load` takes
    back to the same customer; smaller, so cheaper to store, and exactly what a new
    customer sets over a blank record.
    """
    data: dict[str, Any] = _converters().set_customer(customer)
    if not data["address"]:
        del data["address"]
    if not data["credit"]:
        del data["credit"]
    return data


def load(data: Mapping[str, Any]) -> Customer:
    """Structure trusted canonical data (as :func:`unstructure` gives) without validation."""
    customer: Customer = _converters().converter.structure(data, Customer)
    return customer
