"""Tolerant parsing of raw input (nested or flat) into a :class:`Customer`.

Parsing coerces types and normalises text (trim, NFKC, aliases); it never
raises for bad data. Every value that cannot be coerced becomes a
:class:`~custrecord.problems.Problem` with its path, and the field keeps its
default, so the remaining fields are still parsed and checked.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from custrecord.copying import copy_with
from custrecord.fields import OTHER_CONTACTS, field_for_column
from custrecord.model import Address, Contact, CreditProfile, Customer, Kind, Status
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.text import PLACEHOLDERS, clean_text, has_unstorable, nfkc

__all__ = [
    "KIND_ALIASES",
    "STATUS_ALIASES",
    "BadValue",
    "parse",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_text",
    "split_tags",
]


class BadValue(Exception):
    """Raised by a coercer; carries the problem code and an optional hint."""

    def __init__(self, code: str, hint: str | None = None, hint_zh: str | None = None, **params: Any):
        super().__init__(code)
        self.code = code
        self.hint = hint
        self.hint_zh = hint_zh
        self.params = params


KIND_ALIASES: dict[str, Kind] = {
    "enterprise": Kind.ENTERPRISE,
    "company": Kind.ENTERPRISE,
    "organization": Kind.ENTERPRISE,
    "organisation": Kind.ENTERPRISE,
    "business": Kind.ENTERPRISE,
    "企业": Kind.ENTERPRISE,
    "公司": Kind.ENTERPRISE,
    "单位": Kind.ENTERPRISE,
    "企业客户": Kind.ENTERPRISE,
    "individual": Kind.INDIVIDUAL,
    "person": Kind.INDIVIDUAL,
    "personal": Kind.INDIVIDUAL,
    "个人": Kind.INDIVIDUAL,
    "个人客户": Kind.INDIVIDUAL,
}

STATUS_ALIASES: dict[str, Status] = {
    "draft": Status.DRAFT,
    "草稿": Status.DRAFT,
    "pending": Status.PENDING,
    "待审核": Status.PENDING,
    "审核中": Status.PENDING,
    "未审核": Status.PENDING,
    "active": Status.ACTIVE,
    "正常": Status.ACTIVE,
    "启用": Status.ACTIVE,
    "已审核": Status.ACTIVE,
    "frozen": Status.FROZEN,
    "冻结": Status.FROZEN,
    "disabled": Status.DISABLED,
    "停用": Status.DISABLED,
    "deleted": Status.DELETED,
    "删除": Status.DELETED,
    "已删除": Status.DELETED,
}

COUNTRY_ALIASES: dict[str, str] = {
    "中国": "CN",
    "中国大陆": "CN",
    "CHINA": "CN",
    "CHN": "CN",
    "PRC": "CN",
    "香港": "HK",
    "中国香港": "HK",
    "澳门": "MO",
    "中国澳门": "MO",
    "台湾": "TW",
    "中国台湾": "TW",
    "美国": "US",
    "USA": "US",
    "英国": "GB",
    "UK": "GB",
    "德国": "DE",
    "法国": "FR",
    "日本": "JP",
    "韩国": "KR",
    "新加坡": "SG",
}


# -- scalar coercers ------------------------------------------------------


def parse_text(value: Any) -> str | None:
    """A cleaned string; numbers are accepted as their digits (Excel stores IDs as numbers)."""
    if type(value) is str or isinstance(value, str):
        text = clean_text(value)
        # isprintable() is false for every character has_unstorable looks for (and for a
        # few harmless ones), so the common case skips the regular expression.
        if text is not None and not text.isprintable() and has_unstorable(text):
            raise _unstorable()
        return text
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue(ProblemCode.INVALID_FORMAT, "text expected, got a boolean", "应为文本")
    if isinstance(value, int):
        if abs(value) >= _TEXT_INT_LIMIT:
            raise BadValue(ProblemCode.INVALID_FORMAT, "a number far too long for this field", "数值过长")
        return str(value)
    if isinstance(value, float):
        # A spreadsheet turns 13812345678 into 1.3812345678E10; recover it when exact.
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise BadValue(
            ProblemCode.INVALID_FORMAT,
            "a number that cannot be read back exactly; store it as text",
            "数值无法精确还原，请以文本格式保存",
        )
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value.adjusted()) >= 40:
            raise BadValue(
                ProblemCode.INVALID_FORMAT, "a number that cannot be used as text", "数值无法作为文本"
            )
        if value == value.to_integral_value():
            return str(int(value))
        return str(value)
    raise BadValue(ProblemCode.INVALID_FORMAT, f"text expected, got {type(value).__name__}", "应为文本")


#: Integers given for a text field (IDs, phones) have far fewer digits than this.
_TEXT_INT_LIMIT = 10**40

#: Integers in ``extra`` must fit a signed 64-bit column of any database.
_EXTRA_INT_LIMIT = 2**63

_NUMBER_JUNK = str.maketrans("", "", ",， _¥￥$€£\u00a0")


def parse_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a number or text such as ``1,000.50``, ``¥2000`` or ``50万``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue(ProblemCode.INVALID_FORMAT, "a number expected", "应为数字")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(ProblemCode.INVALID_FORMAT, "a finite number expected", "应为有限数字")
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = nfkc(value).strip().translate(_NUMBER_JUNK)
        if not text:
            return None
        scale = 1
        if text.endswith("万"):
            text, scale = text[:-1], 10_000
        elif text.endswith("元"):
            text = text[:-1]
        if len(text) > 40:
            raise BadValue(ProblemCode.INVALID_FORMAT, "a number expected", "应为数字")
        try:
            result = Decimal(text) * scale
        except InvalidOperation:
            raise BadValue(ProblemCode.INVALID_FORMAT, "a number expected", "应为数字") from None
    else:
        raise BadValue(ProblemCode.INVALID_FORMAT, "a number expected", "应为数字")
    if not result.is_finite() or abs(result.adjusted()) > 30:
        raise BadValue(ProblemCode.OUT_OF_RANGE, "not a usable amount", "金额无效")
    return result


def parse_int(value: Any) -> int | None:
    """An int from an int, an integral float or text such as ``30`` or ``30天``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue(ProblemCode.INVALID_FORMAT, "a whole number expected", "应为整数")
    if isinstance(value, int):
        result = value
    elif isinstance(value, float | Decimal):
        # Decimal's own is_finite: math.isfinite raises for a signalling NaN.
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or abs(float(value)) > _EXTRA_INT_LIMIT:
            raise BadValue(ProblemCode.OUT_OF_RANGE if finite else ProblemCode.INVALID_FORMAT,
                           "a whole number expected", "应为整数")
        if value != int(value):
            raise BadValue(ProblemCode.INVALID_FORMAT, "a whole number expected", "应为整数")
        result = int(value)
    elif isinstance(value, str):
        text = nfkc(value).strip().removesuffix("天").removesuffix("days").strip()
        if not text:
            return None
        if len(text) > 20 or not re.fullmatch(r"[+-]?\d+", text):
            raise BadValue(ProblemCode.INVALID_FORMAT, "a whole number expected", "应为整数")
        result = int(text)
    else:
        raise BadValue(ProblemCode.INVALID_FORMAT, "a whole number expected", "应为整数")
    if abs(result) > 2**31 - 1:
        raise BadValue(ProblemCode.OUT_OF_RANGE, "number too large", "数值过大")
    return result


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: Any) -> date | None:
    """A date from a date, datetime or text (``2025-01-31``, ``2025/1/31``, ``2025年1月31日``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = nfkc(value).strip()
        if not text:
            return None
        head = text.split("T", 1)[0].split(" ", 1)[0] if len(text) > 10 else text
        m = _DATE.fullmatch(head) or _DATE_COMPACT.fullmatch(head) or _DATE.fullmatch(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise BadValue(ProblemCode.INVALID_FORMAT, "no such date", "日期不存在") from None
    raise BadValue(ProblemCode.INVALID_FORMAT, "a date such as 2025-12-31 expected", "应为日期，如2025-12-31")


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime (UTC when no zone is given) from a datetime or ISO text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str) and value.strip():
        try:
            result = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadValue(
                ProblemCode.INVALID_FORMAT, "an ISO 8601 time expected", "应为ISO 8601时间"
            ) from None
    elif isinstance(value, str):
        return None
    else:
        raise BadValue(ProblemCode.INVALID_FORMAT, "an ISO 8601 time expected", "应为ISO 8601时间")
    return result if result.tzinfo is not None else result.replace(tzinfo=UTC)


_TAG_SPLIT = re.compile(r"[,;，；、]")


def split_tags(value: Any) -> frozenset[str]:
    """Tags from text separated by ``,`` ``;`` ``，`` ``；`` or from a collection of strings."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        parts: Iterable[Any] = _TAG_SPLIT.split(value)
    elif isinstance(value, list | tuple | set | frozenset):
        parts = value
    else:
        raise BadValue(ProblemCode.INVALID_FORMAT, "a list of tags expected", "应为标签列表")
    tags = set()
    for part in parts:
        if not isinstance(part, str):
            raise BadValue(ProblemCode.INVALID_FORMAT, "tags must be text", "标签应为文本")
        tag = parse_text(part)
        if tag:
            tags.add(tag)
    return frozenset(tags)


def _choice(aliases: Mapping[str, Any], choices: str) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            text = nfkc(value).strip()
            if not text:
                return None
            found = aliases.get(text) or aliases.get(text.lower())
            if found is not None:
                return found
        raise BadValue(ProblemCode.INVALID_CHOICE, choices=choices)

    return coerce


def _country(value: Any) -> str | None:
    text = parse_text(value)
    if text is None:
        return None
    upper = text.upper()
    return COUNTRY_ALIASES.get(upper, upper)


def _upper_text(value: Any) -> str | None:
    text = parse_text(value)
    return None if text is None else text.upper()


def _code(value: Any) -> str | None:
    text = parse_text(value)
    return None if text is None else text.upper().replace(" ", "")


def _identifier(value: Any) -> str | None:
    # Tax IDs, phones, postcodes and accounts: keep the characters (validators
    # compact them), but a placeholder such as "/" or "无" means none.
    text = parse_text(value)
    return None if text is None or text in PLACEHOLDERS else text


def _unstorable() -> BadValue:
    return BadValue(ProblemCode.INVALID_FORMAT, "contains control characters or broken Unicode",
                    "包含控制字符或无效的Unicode字符")


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        if has_unstorable(value):
            raise _unstorable()
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -_EXTRA_INT_LIMIT <= value < _EXTRA_INT_LIMIT:
            raise BadValue(ProblemCode.OUT_OF_RANGE, "a whole number of at most 64 bits", "整数超出64位范围")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(ProblemCode.INVALID_FORMAT, "a finite number expected", "应为有限数字")
        return value
    if isinstance(value, Decimal | date):
        # Stored as text so that a JSON round trip gives back the same value.
        return value.isoformat() if isinstance(value, date) else str(value)
    raise BadValue(ProblemCode.INVALID_FORMAT, "a text, number or boolean expected", "应为文本、数字或布尔值")


# -- the field table ------------------------------------------------------

_TOP: dict[str, Callable[[Any], Any]] = {
    "code": _code,
    "name": parse_text,
    "short_name": parse_text,
    "kind": _choice(KIND_ALIASES, "enterprise, individual (企业, 个人)"),
    "country": _country,
    "tax_id": _identifier,
    "category": _code,
    "region": _code,
    "industry": parse_text,
    "bank_name": parse_text,
    "bank_account": _identifier,
    "legal_representative": parse_text,
    "settlement_method": parse_text,
    "payment_terms": parse_text,
    "tags": split_tags,
    "priority": parse_int,
    "status": _choice(STATUS_ALIASES, ", ".join(s.value for s in Status)),
    "remarks": parse_text,
    "review_date": parse_date,
    "replaced_by": _code,
    "version": parse_int,
    "created_at": parse_datetime,
    "updated_at": parse_datetime,
}
_ADDRESS: dict[str, Callable[[Any], Any]] = {
    "province": parse_text,
    "city": parse_text,
    "district": parse_text,
    "street": parse_text,
    "postcode": _identifier,
}
_CONTACT: dict[str, Callable[[Any], Any]] = {
    "name": parse_text,
    "title": parse_text,
    "phone": _identifier,
    "mobile": _identifier,
    "email": _identifier,
}
_CREDIT: dict[str, Callable[[Any], Any]] = {
    "grade": _upper_text,
    "limit": parse_decimal,
    "currency": _upper_text,
    "days": parse_int,
    "valid_from": parse_date,
    "valid_until": parse_date,
}
_NESTED = {"address", "contacts", "credit", "extra"}
#: The other-contacts column (a JSON list) in either language.
_OTHER_CONTACTS = frozenset(OTHER_CONTACTS.values())


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
        if type(data) is not dict and not isinstance(data, Mapping):
            self.problems.append(
                make_problem(
                    prefix.rstrip("."), ProblemCode.INVALID_FORMAT, value=data, hint="a mapping expected"
                )
            )
            return out
        for key, value in data.items():
            coerce = table.get(key) if isinstance(key, str) else None
            if coerce is None:
                self.unknown(f"{prefix}{_key_text(key)}", value)
                continue
            try:
                parsed = coerce(value)
            except BadValue as exc:
                self.problems.append(_problem(f"{prefix}{key}", exc, value))
                continue
            if parsed is not None:
                out[key] = parsed
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
        self.problems.append(
            make_problem(
                "contacts",
                ProblemCode.INVALID_FORMAT,
                value=value,
                label="other contacts",
                label_zh="其他联系人",
                hint='a JSON list such as [{"name": "Li Lei", "mobile": "13812345678"}]',
                hint_zh='应为JSON列表，如 [{"name": "李雷", "mobile": "13812345678"}]',
            )
        )
        return []

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
            out[key] = _scalar(value)
        except BadValue as exc:
            self.problems.append(_problem(f"extra.{key}", exc, value))


def _key_text(key: Any) -> str:
    """A non-str key as text, for the report (never fails, even for a huge int)."""
    try:
        return str(key)
    except Exception:
        return f"<{type(key).__name__}>"


_TOP_PART, _ADDRESS_PART, _CREDIT_PART, _CONTACT_PART, _NESTED_PART = range(5)
_PARTS = {"address": _ADDRESS_PART, "credit": _CREDIT_PART, "contacts[]": _CONTACT_PART}


@functools.lru_cache(maxsize=1024)
def _route(key: str) -> tuple[int, str] | None:
    """Where a column goes: (part, field name in it), or None when it maps to no field."""
    if key in _TOP:
        return _TOP_PART, key
    if key in _NESTED:
        return _NESTED_PART, key
    if key in _OTHER_CONTACTS:
        return _NESTED_PART, "other_contacts"
    field = field_for_column(key)
    if field is None:
        return None
    head, _, tail = field.path.partition(".")
    part = _PARTS.get(head)
    return (_TOP_PART, head) if part is None else (part, tail)


def _split_flat(data: Mapping[Any, Any], custom_fields: frozenset[str]) -> tuple[dict[str, Any], ...]:
    """Sort keys into top-level, address, credit, first-contact, nested parts, extra and unknown."""
    parts: tuple[dict[str, Any], ...] = ({}, {}, {}, {}, {})
    extra: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            unknown[_key_text(key)] = value
            continue
        if key in custom_fields and key not in _TOP and key not in _NESTED:
            extra[key] = value
            continue
        # Only short keys are cached: a junk record must not fill memory with huge ones.
        route = _route(key) if len(key) <= 64 else _route.__wrapped__(key)
        if route is None:
            unknown[key] = value
        else:
            parts[route[0]][route[1]] = value
    return (*parts, extra, unknown)


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
    if type(data) is not dict and not isinstance(data, Mapping):
        parser.problems.append(
            make_problem("", ProblemCode.INVALID_FORMAT, value=data, label="record", label_zh="记录",
                         hint="a mapping of field names to values expected")
        )
        return Customer(name=""), parser.problems
    top, flat_address, flat_credit, flat_contact, nested, flat_extra, unknown = _split_flat(
        data, parser.custom_fields
    )
    for key, value in unknown.items():
        parser.unknown(key, value)
    values = parser.fields("", _TOP, top)
    raw_address = nested.get("address")
    if isinstance(raw_address, str):
        # A one-line address is the street part, not an error.
        raw_address = {"street": raw_address}
    address = parser.fields("address.", _ADDRESS, raw_address)
    if flat_address:
        address.update(parser.fields("address.", _ADDRESS, flat_address))
    credit = parser.fields("credit.", _CREDIT, _merge(nested.get("credit"), flat_credit))
    first = parser.fields("contacts[0].", _CONTACT, flat_contact) if flat_contact else None
    raw_contacts = nested.get("contacts")
    if "other_contacts" in nested:
        others = parser.other_contacts(nested["other_contacts"])
        if others:
            raw_contacts = _joined(raw_contacts, others)
    contacts = parser.contacts(raw_contacts, first)
    extra = parser.extra(nested.get("extra"), flat_extra) if "extra" in nested or flat_extra else {}
    name = values.pop("name", "")
    try:
        customer = Customer(
            name=name,
            address=Address(**address) if address else _NO_ADDRESS,
            credit=CreditProfile(**credit) if credit else _NO_CREDIT,
            contacts=contacts,
            extra=extra,
            **values,
        )
    except (TypeError, ValueError) as exc:  # pragma: no cover - the tables above guard this
        parser.problems.append(make_problem("", ProblemCode.INVALID_FORMAT, value=repr(exc)))
        customer = Customer(name=name)
    return customer, parser.problems


# Values are immutable, so records without these parts can share one empty instance.
_NO_ADDRESS = Address()
_NO_CREDIT = CreditProfile()


def with_values(customer: Customer, changes: Mapping[str, Any]) -> Customer:
    """Return ``customer`` with nested ``changes`` applied (``{"credit.limit": ...}``)."""
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    contacts: dict[int, dict[str, Any]] = {}
    for path, value in changes.items():
        head, _, tail = path.partition(".")
        if head.startswith("contacts["):
            contacts.setdefault(int(head[9:-1]), {})[tail] = value
        elif tail:
            nested.setdefault(head, {})[tail] = value
        else:
            top[head] = value
    for head, parts in nested.items():
        top[head] = copy_with(getattr(customer, head), parts)
    if contacts:
        items = list(customer.contacts)
        for index, parts in contacts.items():
            items[index] = copy_with(items[index], parts)
        top["contacts"] = tuple(items)
    return copy_with(customer, top) if top else customer
