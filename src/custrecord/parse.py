"""Tolerant parsing of raw input (nested or flat) into a :class:`Customer`.

Parsing coerces types and normalises text (trim, NFKC, aliases); it never
raises for bad data. Every value that cannot be coerced becomes a
:class:`~custrecord.problems.Problem` with its path, and the field keeps its
default, so the remaining fields are still parsed and checked. Which key goes
where is :func:`custrecord.flat.route`'s business; how each value is coerced,
:mod:`custrecord.coerce`'s. Both are decided once per set of keys (a file's
header, a DataFrame's columns), not per record: see :class:`_Plan`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from custrecord.codes import is_code_text
from custrecord.coerce import COERCERS, BadValue, coerce_extra_value, plain_value
from custrecord.fields import CATALOGUE, Value, field_for_column
from custrecord.flat import OTHER_ADDRESSES_KEY, OTHER_BANK_ACCOUNTS_KEY, OTHER_CONTACTS_KEY, route
from custrecord.model import (
    Address,
    AddressEntry,
    AddressRole,
    BankAccount,
    Companies,
    CompanyTerms,
    Contact,
    CreditProfile,
    Customer,
    FrozenMap,
)
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.text import PLACEHOLDERS, has_unstorable, text_of

__all__ = ["parse"]

Coercers = Mapping[str, Callable[[Any], Any]]


def _table(head: str) -> Coercers:
    """The coercers of one part (``""`` for the top level), by attribute name."""
    return {
        f.leaf: COERCERS[f.value]
        for f in CATALOGUE
        if f.value not in (Value.EXTRA, Value.COMPANIES) and (f.head == head if head else "." not in f.path)
    }


_TOP, _ADDRESS, _CONTACT, _CREDIT = _table(""), _table("address"), _table("contacts"), _table("credit")
_ADDRESSES, _BANK_ACCOUNTS = _table("addresses"), _table("bank_accounts")
_ROLE_RANK = {role: rank for rank, role in enumerate(AddressRole)}
#: The JSON list columns: the label of each in problems, and an example of its cell.
_LIST_HINTS = {
    "contacts": ("other contacts", "其他联系人", '[{"name": "Li Lei", "mobile": "13812345678"}]',
                 '[{"name": "李雷", "mobile": "13812345678"}]'),
    "addresses": ("other addresses", "其他地址", '[{"role": "shipping", "city": "Suzhou", "street": "..."}]',
                  '[{"role": "shipping", "city": "苏州", "street": "……"}]'),
    "bank_accounts": ("other bank accounts", "其他银行账户",
                      '[{"bank_name": "Bank of China", "account": "6222021234567890"}]',
                      '[{"bank_name": "中国银行", "account": "6222021234567890"}]'),
}
#: The terms of one company: the credit terms plus settlement method and payment terms.
_COMPANY_TERMS = {**_CREDIT, "settlement_method": _TOP["settlement_method"],
                  "payment_terms": _TOP["payment_terms"]}
_COMPANY_LEAVES = frozenset(_COMPANY_TERMS)
# A contact's id is no column of the flat form, but nested data and the other-contacts cell keep it.
_CONTACT = {**_CONTACT, "id": COERCERS[Value.IDENTIFIER]}

#: The flat parts of :class:`custrecord.flat.Parts` whose leaves are coerced one by one: table, path prefix.
#: A part that :func:`custrecord.flat.route` gives is added here and assembled in :func:`parse`.
_LEAF_PARTS: dict[str, tuple[Coercers, str]] = {
    "top": (_TOP, ""),
    "address": (_ADDRESS, "address."),
    "credit": (_CREDIT, "credit."),
    "contact": (_CONTACT, "contacts[0]."),
}

#: The parts of the flat form's address column groups (``shipping_street``), read as the default
#: addresses of their roles.
_ADDRESS_GROUPS = {"shipping": AddressRole.SHIPPING, "billing": AddressRole.BILLING}

#: One flat value to coerce: its index in the record, attribute name, problem path and coercer.
_Step = tuple[int, str, str, Callable[[Any], Any]]


class _Plan:
    """How the records with one set of keys are parsed, decided once for all of them.

    Each key is routed (:func:`custrecord.flat.route`) and given its coercer here,
    as cattrs builds a structuring function once per class; a record then only
    runs the coercers of its values. Two keys for one field: the last one is read,
    in the place of the first (as a dict keeps them).
    """

    __slots__ = (
        "address", "contact", "credit", "defaults", "extra", "flat_only", "nested", "read", "top", "unknown",
    )

    def __init__(self, keys: tuple[Any, ...], custom_fields: frozenset[str]) -> None:
        slots: dict[str, dict[Any, int]] = {}
        for index, key in enumerate(keys):
            part, name = route(key, custom_fields)
            slots.setdefault(part, {})[name] = index
        unplaced = [
            f"{part}.{name}" for part, names in slots.items() for name in names
            if part not in ("nested", "extra", "unknown", *_ADDRESS_GROUPS)
            and (part not in _LEAF_PARTS or name not in _LEAF_PARTS[part][0])
        ]
        if unplaced:  # a part or field added to the catalogue and flat.route but not here
            raise RuntimeError(f"custrecord.parse has no coercer for {', '.join(unplaced)}: see _LEAF_PARTS")
        steps: dict[str, tuple[_Step, ...]] = {}
        for part, (table, prefix) in _LEAF_PARTS.items():
            names = slots.get(part, {})
            steps[part] = tuple((i, name, prefix + name, table[name]) for name, i in names.items())
        self.top, self.address = steps["top"], steps["address"]
        self.credit, self.contact = steps["credit"], steps["contact"]
        self.nested: tuple[tuple[str, int], ...] = tuple(slots.get("nested", {}).items())
        # The default shipping and billing addresses' columns: read with the rest of the address
        # list, whose order decides the paths their problems get.
        self.defaults = tuple(
            (role, tuple(slots[part].items())) for part, role in _ADDRESS_GROUPS.items() if slots.get(part)
        )
        # Extra and unknown keys are named from the record's own key (see _plan_of).
        self.extra = tuple(slots.get("extra", {}).values())
        self.unknown = tuple(slots.get("unknown", {}).values())
        # No nested part, list column, address group or extra field: the record is its flat columns.
        self.flat_only = not (self.nested or self.defaults or self.extra)
        # The leaf parts' reader, written for a flat-only plan once a second record uses it (see _plan_of).
        self.read: _Reader | None = None


#: Plans by (custom fields, keys), for records whose keys are all plain strings.
_PLANS: dict[tuple[frozenset[str], tuple[Any, ...]], _Plan] = {}
_MAX_PLANS = 1024  # bounded: every record of a junk source may bring its own keys


def _plan_of(keys: tuple[Any, ...], custom_fields: frozenset[str]) -> _Plan:
    cache_key = (custom_fields, keys)
    try:
        plan = _PLANS[cache_key]
    except KeyError:
        pass
    except TypeError:  # an unhashable key (a Mapping that is not a dict may have one)
        return _Plan(keys, custom_fields)
    else:
        # Written on its second use: a source whose every record brings its own keys compiles nothing.
        if plan.read is None and plan.flat_only:
            plan.read = _compile_reader(plan)
        return plan
    plan = _Plan(keys, custom_fields)
    # Only string keys are cached: other keys may equal one another across types (1 == True).
    if all(type(key) is str for key in keys):
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        _PLANS[cache_key] = plan
    return plan


#: A compiled reader: ``read(row, problems)`` gives the customer of a flat-only record.
_Reader = Callable[[tuple[Any, ...], list["Problem"]], Customer]

#: The leaf parts of a flat record in the order :func:`parse` reads them (problems come in this
#: order), each with the customer's attribute it fills, a blank instance, whose attributes are
#: the defaults (the model's are immutable), and the code of the value when none is given.
_READ_PARTS: tuple[tuple[str, str, Any, str], ...] = (
    ("top", "", Customer(name=""), ""),
    ("address", "address", Address(), "_NO_ADDRESS"),
    ("credit", "credit", CreditProfile(), "_NO_CREDIT"),
    ("contact", "contacts", Contact(), "()"),
)

#: One step of a compiled reader: what :meth:`_Parser.planned` does for one value, into ``v<n>``.
_STEP_CODE = """\
    value = row[{index}]
    try:
        v{n} = coerce_{n}(value if type(value) is str else plain_value(value))
    except BadValue as exc:
        problems.append(_problem(path_{n}, exc, value))
        v{n} = None
"""


def _compile_reader(plan: _Plan) -> _Reader:
    """:func:`parse` of the records of a flat-only ``plan``, written out as one function.

    As cattrs generates a structuring function per class: each value is coerced in its own
    lines (no loop over the steps, no dict per part), and the customer, its address, credit
    terms and contact are built from them, a blank value giving the attribute's default. The
    code holds indexes and the model's attribute names only; paths and coercers are passed in
    the function's globals, so nothing a record brings becomes code.
    """
    namespace: dict[str, Any] = {
        "BadValue": BadValue, "plain_value": plain_value, "_problem": _problem, "_NO_ADDRESS": _NO_ADDRESS,
        "_NO_CREDIT": _NO_CREDIT, "Customer": Customer, "Address": Address, "CreditProfile": CreditProfile,
        "Contact": Contact,
    }
    code = ["def read(row, problems):"]
    built: dict[str, list[str]] = {}  # each part's keyword arguments, as code
    given: dict[str, list[str]] = {}  # each part's variables, as code
    n = 0
    for part, _, blank, _ in _READ_PARTS:
        for index, name, path, coerce in getattr(plan, part):
            if not name.isidentifier():  # pragma: no cover - the catalogue's names are attribute names
                raise RuntimeError(f"custrecord.parse cannot compile a reader for {path}")
            default = getattr(blank, name)
            namespace.update({f"coerce_{n}": coerce, f"path_{n}": path, f"default_{n}": default})
            code.append(_STEP_CODE.format(index=int(index), n=n))
            built.setdefault(part, []).append(f"{name}=v{n} if v{n} is not None else default_{n}")
            given.setdefault(part, []).append(f"v{n} is not None")
            n += 1
    arguments = built.get("top", [])
    if "name" not in (step[1] for step in plan.top):
        arguments.append('name=""')
    for part, attribute, blank, empty in _READ_PARTS[1:]:
        if part in built:
            value = f"{type(blank).__name__}({', '.join(built[part])})"
            value = f"({value},)" if part == "contact" else value  # the contacts' first
            arguments.append(f"{attribute}={value} if ({' or '.join(given[part])}) else {empty}")
    code.append(f"    return Customer({', '.join(arguments)})")
    exec(compile("\n".join(code), "<custrecord.parse reader>", "exec"), namespace)
    reader: _Reader = namespace["read"]
    return reader


def _problem(path: str, exc: BadValue, value: Any) -> Problem:
    return make_problem(path, exc.code, value=value, hint=exc.hint, hint_zh=exc.hint_zh, **exc.params)


class _Parser:
    __slots__ = ("custom_fields", "problems")

    def __init__(self, custom_fields: frozenset[str]) -> None:
        self.problems: list[Problem] = []
        self.custom_fields = custom_fields

    def fields(self, prefix: str, table: Mapping[str, Callable[[Any], Any]], data: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if data is None:
            return out
        if not isinstance(data, Mapping):
            self.problems.append(
                make_problem(
                    prefix.rstrip("."), ProblemCode.INVALID_FORMAT, value=data, hint="a mapping expected"
                )
            )
            return out
        for key, value in data.items():
            coerce = table.get(key) if isinstance(key, str) else None
            if coerce is None:
                self.unknown(f"{prefix}{text_of(key)}", value)
                continue
            try:
                parsed = coerce(plain_value(value))
            except BadValue as exc:
                self.problems.append(_problem(f"{prefix}{key}", exc, value))
                continue
            if parsed is not None:
                out[key] = parsed
        return out

    def planned(self, steps: tuple[_Step, ...], values: tuple[Any, ...]) -> dict[str, Any]:
        """:meth:`fields` for the flat values a plan picked out of a record."""
        out: dict[str, Any] = {}
        for index, name, path, coerce in steps:
            value = values[index]
            try:
                parsed = coerce(value if type(value) is str else plain_value(value))
            except BadValue as exc:
                self.problems.append(_problem(path, exc, value))
                continue
            if parsed is not None:
                out[name] = parsed
        return out

    def unknown(self, path: str, value: Any) -> None:
        if len(path) > 100:
            path = path[:99] + "…"  # a junk header must not blow up every message and report
        self.problems.append(make_problem(path, ProblemCode.UNKNOWN_COLUMN, value=value, column=path))

    def contacts(self, data: Any, first: dict[str, Any] | None) -> tuple[Contact, ...]:
        contacts: list[Contact] = []
        if first:
            contacts.append(Contact(**first))
        if data is None:
            return tuple(contacts)
        if isinstance(data, Mapping):
            data = [data]
        if not isinstance(data, list | tuple):
            self.problems.append(
                make_problem(
                    "contacts", ProblemCode.INVALID_FORMAT, value=data, hint="a list of contacts expected"
                )
            )
            return tuple(contacts)
        for item in data:
            # Paths use the index the contact gets in the record, which rules use too:
            # an empty contact is dropped unless it had problems (then it is kept,
            # so that the problems point at it).
            before = len(self.problems)
            values = self.fields(f"contacts[{len(contacts)}].", _CONTACT, item)
            contact = Contact(**values)
            if not contact.is_empty() or len(self.problems) > before:
                contacts.append(contact)
        return tuple(contacts)

    def other_contacts(self, value: Any) -> list[Any]:
        """The contacts of an other-contacts cell: a JSON list of contact objects, or blank."""
        return self.json_list(value, "contacts")

    def json_list(self, value: Any, path: str) -> list[Any]:
        """The items of a JSON list cell (other contacts, addresses or bank accounts), or blank."""
        value = plain_value(value)
        if value is None or (isinstance(value, str) and (not value.strip() or value.strip() in PLACEHOLDERS)):
            return []
        if isinstance(value, list | tuple):
            return list(value)  # already structured: checked like any contacts
        data: Any = None
        if isinstance(value, str):
            try:
                data = json.loads(value)
            except (ValueError, RecursionError):
                data = None
        if isinstance(data, list) and all(isinstance(item, Mapping) for item in data):
            return data
        label, label_zh, example, example_zh = _LIST_HINTS[path]
        self.problems.append(
            make_problem(
                path,
                ProblemCode.INVALID_FORMAT,
                value=value,
                label=label,
                label_zh=label_zh,
                hint=f"a JSON list such as {example}",
                hint_zh=f"应为JSON列表，如 {example_zh}",
            )
        )
        return []

    def items(self, path: str, data: Any, what: str) -> list[Any]:
        """The items of a nested list part (one mapping counts as a list of one; blank text as none)."""
        if data is None or (isinstance(data, str) and not data.strip()):
            return []
        if isinstance(data, Mapping):
            return [data]
        if isinstance(data, list | tuple):
            return list(data)
        self.problems.append(
            make_problem(path, ProblemCode.INVALID_FORMAT, value=data, hint=f"a list of {what} expected")
        )
        return []

    def addresses(
        self, raw: list[Any], defaults: list[tuple[AddressRole, dict[str, Any]]], address: dict[str, Any]
    ) -> tuple[AddressEntry, ...]:
        """The address list of ``raw`` items and the default ``(role, flat columns)`` groups.

        The list is put in the model's order (by role, each role's default first) before
        anything is read, so that problems point at the index the address gets. When no
        ``address`` is given, the first registered default of the list becomes it (``address``
        is the default registered address), filling ``address`` in place.
        """
        keyed: list[tuple[tuple[int, bool], Any]] = [
            ((_ROLE_RANK[role], False), {**values, "role": role, "default": True})
            for role, values in defaults
        ]
        for item in raw:
            if not isinstance(item, Mapping):
                keyed.append(((len(_ROLE_RANK), True), item))  # reported below, in its place
                continue
            role = _quiet(_ADDRESSES["role"], item.get("role")) or AddressRole.OTHER
            default = bool(_quiet(_ADDRESSES["default"], item.get("default")))
            keyed.append(((_ROLE_RANK.get(role, len(_ROLE_RANK)), not default), item))
        keyed.sort(key=lambda pair: pair[0])
        if keyed and keyed[0][0] == (0, False) and not address:
            first = {k: v for k, v in keyed.pop(0)[1].items() if k not in ("role", "default")}
            address.update(self.fields("address.", _ADDRESS, first))
        entries: list[AddressEntry] = []
        for _, item in keyed:
            before = len(self.problems)
            values = self.fields(f"addresses[{len(entries)}].", _ADDRESSES, item)
            entry = AddressEntry(**values)
            if not entry.is_empty() or len(self.problems) > before:
                entries.append(entry)
        return tuple(entries)

    def bank_accounts(self, raw: list[Any]) -> tuple[BankAccount, ...]:
        """The bank accounts of ``raw`` items; empty ones are dropped."""
        accounts: list[BankAccount] = []
        for item in raw:
            before = len(self.problems)
            values = self.fields(f"bank_accounts[{len(accounts)}].", _BANK_ACCOUNTS, item)
            account = BankAccount(**values)
            if not account.is_empty() or len(self.problems) > before:
                accounts.append(account)
        return tuple(accounts)
    def companies(self, value: Any) -> dict[str, CompanyTerms]:
        """Credit terms by company: a mapping, or its JSON text (a cell); blank is none.

        Terms are named as in ``credit`` (``limit``, ``days``) or by their column headers
        (``credit_limit``, ``信用额度``, ``结算方式``). Problems are at ``companies.<id>.<term>``.
        """
        value = plain_value(value)
        if isinstance(value, Companies):
            value = {k: attrs.asdict(v) for k, v in value.items()}
        if value is None or (isinstance(value, str) and value.strip() in ("", *PLACEHOLDERS)):
            return {}
        data: Any = value
        if isinstance(value, str):
            try:
                data = json.loads(value)
            except (ValueError, RecursionError):
                data = None
        if not isinstance(data, Mapping) or not all(isinstance(t, Mapping | None) for t in data.values()):
            self.problems.append(make_problem(
                "companies", ProblemCode.INVALID_FORMAT, value=value,
                hint='a JSON object of company to terms, such as {"002": {"limit": 50000, "days": 30}}',
                hint_zh='应为账套到信用条件的JSON对象，如 {"002": {"limit": 50000, "days": 30}}',
            ))
            return {}
        out: dict[str, CompanyTerms] = {}
        for raw_id, raw_terms in data.items():
            company = _company_id(raw_id)
            if company is None:
                self.problems.append(make_problem(
                    "companies", ProblemCode.INVALID_FORMAT, value=raw_id, label="company", label_zh="账套",
                    hint=f"letters, digits, '-', '_', '.' or '/', at most {_COMPANY_ID_LENGTH}",
                    hint_zh=f"账套编号只能含字母、数字、“-”“_”“.”“/”，最多{_COMPANY_ID_LENGTH}个字符",
                ))
                continue
            if raw_terms is None:
                continue
            terms = {_company_leaf(k): v for k, v in raw_terms.items()}
            out[company] = CompanyTerms(**self.fields(f"companies.{company}.", _COMPANY_TERMS, terms))
        return out

    def extra(self, data: Any, flat_extra: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if data is not None:
            if not isinstance(data, Mapping):
                self.problems.append(make_problem("extra", ProblemCode.INVALID_FORMAT, value=data))
                data = {}
            for key, value in data.items():
                self._extra_item(out, key, value)
        for key, value in flat_extra.items():
            self._extra_item(out, key, value)
        return out

    def _extra_item(self, out: dict[str, Any], key: Any, value: Any) -> None:
        if not isinstance(key, str) or not key.strip() or has_unstorable(key):
            self.problems.append(make_problem("extra", ProblemCode.INVALID_FORMAT, value=key))
            return
        try:
            out[key] = coerce_extra_value(plain_value(value))
        except BadValue as exc:
            self.problems.append(_problem(f"extra.{key}", exc, value))


def _quiet(coerce: Callable[[Any], Any], value: Any) -> Any:
    """``coerce(value)``, or None when it is bad (its problem is reported when the item is read)."""
    try:
        return coerce(plain_value(value))
    except BadValue:
        return None
_COMPANY_ID_LENGTH = 20


def _company_id(value: Any) -> str | None:
    """A company id as stored (upper case, no spaces), or None when it is not one."""
    try:
        company = COERCERS[Value.CODE](plain_value(value)) if isinstance(value, str | int) else None
    except BadValue:
        return None
    if company is None or len(company) > _COMPANY_ID_LENGTH or not is_code_text(company):
        return None
    return str(company)


def _company_leaf(key: Any) -> Any:
    """A term's name: ``limit`` for ``limit``, ``credit_limit`` or ``信用额度``; other keys as given."""
    if not isinstance(key, str) or key in _COMPANY_LEAVES:
        return key
    field = field_for_column(key)
    if field is not None and field.head in ("credit", "settlement_method", "payment_terms"):
        return field.leaf
    return key


def _joined(contacts: Any, others: list[Any]) -> Any:
    """Nested ``contacts`` followed by the other-contacts column's."""
    if contacts is None:
        return others
    if isinstance(contacts, Mapping):
        return [contacts, *others]
    if isinstance(contacts, list | tuple):
        return [*contacts, *others]
    return contacts  # its type problem is reported by the contacts parser


def _merge(nested: Any, flat: dict[str, Any]) -> Any:
    if not flat:
        return nested
    if nested is None:
        return flat
    if isinstance(nested, Mapping):
        return {**nested, **flat}
    return nested  # the nested value's type problem is reported on its own


def _nested_parts(
    parser: _Parser, plan: _Plan, nested: dict[str, Any], row: tuple[Any, ...]
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The address, the credit terms and the raw contacts of a record with parts in nested form."""
    raw_address = nested.get("address")
    if isinstance(raw_address, str):
        # A one-line address is the street part, not an error.
        raw_address = {"street": raw_address}
    address = parser.fields("address.", _ADDRESS, raw_address)
    if plan.address:
        address.update(parser.planned(plan.address, row))
    if nested.get("credit") is None:
        credit = parser.planned(plan.credit, row)
    else:  # flat columns override the nested keys, whose values are then never read
        flat = {name: row[index] for index, name, _, _ in plan.credit}
        credit = parser.fields("credit.", _CREDIT, _merge(nested["credit"], flat))
    return address, credit, nested.get("contacts")


def _list_parts(
    parser: _Parser, plan: _Plan, nested: dict[str, Any], keys: tuple[Any, ...], row: tuple[Any, ...],
    raw_contacts: Any, first: dict[str, Any] | None, address: dict[str, Any],
) -> tuple[tuple[Contact, ...], tuple[AddressEntry, ...], tuple[BankAccount, ...], dict[str, Any]]:
    """The contacts, addresses, bank accounts and extra fields of a record with more than flat columns.

    ``address`` is filled in place when the registered address comes from the address list.
    """
    if OTHER_CONTACTS_KEY in nested:
        others = parser.other_contacts(nested[OTHER_CONTACTS_KEY])
        if others:
            raw_contacts = _joined(raw_contacts, others)
    contacts = parser.contacts(raw_contacts, first)
    raw_addresses = parser.items("addresses", nested.get("addresses"), "addresses")
    if OTHER_ADDRESSES_KEY in nested:
        raw_addresses += parser.json_list(nested[OTHER_ADDRESSES_KEY], "addresses")
    defaults = [(role, {name: row[index] for name, index in group}) for role, group in plan.defaults]
    addresses = parser.addresses(raw_addresses, defaults, address) if raw_addresses or defaults else ()
    raw_accounts = parser.items("bank_accounts", nested.get("bank_accounts"), "bank accounts")
    if OTHER_BANK_ACCOUNTS_KEY in nested:
        raw_accounts += parser.json_list(nested[OTHER_BANK_ACCOUNTS_KEY], "bank_accounts")
    accounts = parser.bank_accounts(raw_accounts) if raw_accounts else ()
    if "extra" in nested or plan.extra:
        extra = parser.extra(nested.get("extra"), {keys[index]: row[index] for index in plan.extra})
    else:
        extra = {}
    return contacts, addresses, accounts, extra


def parse(data: Any, *, custom_fields: Iterable[str] = ()) -> tuple[Customer, list[Problem]]:
    """Parse nested or flat input (or a :class:`Customer`) into a customer and the problems met.

    Never raises for bad data. ``custom_fields`` names flat columns that go to
    ``extra``; other unknown keys are reported as ``unknown_column``.
    """
    parser = _Parser(frozenset(custom_fields))
    if isinstance(data, Customer):
        # Parse a customer like any input, so that one built by hand is normalised
        # (trimmed, NFKC) and checked exactly as its dict form would be.
        data = attrs.asdict(data, recurse=True)
    if type(data) is dict:  # the usual record, before the slower Mapping check
        keys, row = tuple(data), tuple(data.values())
    elif isinstance(data, Mapping):
        items = tuple(data.items())
        keys, row = tuple(key for key, _ in items), tuple(value for _, value in items)
    else:
        parser.problems.append(
            make_problem("", ProblemCode.INVALID_FORMAT, value=data, label="record", label_zh="记录",
                         hint="a mapping of field names to values expected")
        )
        return Customer(name=""), parser.problems
    plan = _plan_of(keys, parser.custom_fields)
    for index in plan.unknown:
        parser.unknown(text_of(keys[index]), row[index])
    if plan.read is not None:  # the usual row of a file, in columns met before
        return plan.read(row, parser.problems), parser.problems
    values = parser.planned(plan.top, row)
    nested: dict[str, Any] = {}
    if plan.nested:
        # A whole part given as NaN (a DataFrame column named "address") is blank, like None.
        nested = {name: plain_value(row[index]) for name, index in plan.nested}
    raw_contacts: Any = None
    if nested:
        address, credit, raw_contacts = _nested_parts(parser, plan, nested, row)
    else:
        address, credit = parser.planned(plan.address, row), parser.planned(plan.credit, row)
    first = parser.planned(plan.contact, row)
    if plan.flat_only:
        contacts: tuple[Contact, ...] = (Contact(**first),) if first else ()
        return _customer(parser, values, address, credit, contacts), parser.problems
    contacts, addresses, accounts, extra = _list_parts(
        parser, plan, nested, keys, row, raw_contacts, first, address
    )
    if "companies" in nested:
        values["companies"] = parser.companies(nested["companies"])
    return _customer(parser, values, address, credit, contacts, addresses, accounts, extra), parser.problems


def _customer(
    parser: _Parser,
    values: dict[str, Any],
    address: dict[str, Any],
    credit: dict[str, Any],
    contacts: tuple[Contact, ...],
    addresses: tuple[AddressEntry, ...] = (),
    accounts: tuple[BankAccount, ...] = (),
    extra: dict[str, Any] | None = None,
) -> Customer:
    """The customer of parsed parts: ``values`` are the top-level fields, the name among them."""
    name = values.pop("name", "")
    try:
        return Customer(
            name=name,
            address=Address(**address) if address else _NO_ADDRESS,
            credit=CreditProfile(**credit) if credit else _NO_CREDIT,
            contacts=contacts,
            addresses=addresses,
            bank_accounts=accounts,
            extra=extra or _NO_EXTRA,
            **values,
        )
    except (TypeError, ValueError) as exc:  # pragma: no cover - the tables above guard this
        parser.problems.append(make_problem("", ProblemCode.INVALID_FORMAT, value=repr(exc)))
        return Customer(name=name)


# Values are immutable, so records without these parts can share one empty instance.
_NO_ADDRESS = Address()
_NO_CREDIT = CreditProfile()
_NO_EXTRA = FrozenMap()
