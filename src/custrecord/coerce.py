"""Coercion of raw values (cells, JSON, numpy scalars) into the model's types.

Each coercer takes one raw value and returns the field's value, None for blank,
or raises :class:`BadValue` carrying the problem code; it never raises anything
else for bad data. :data:`COERCERS` gives the coercer of each kind of value in
the field catalogue (:class:`custrecord.fields.Value`).

Values from pandas and numpy are read without importing either
(:func:`plain_value`): numpy scalars become the Python values they hold, and
NaN, NaT and ``pd.NA`` are blank, like None.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from custrecord.fields import Value, traditional
from custrecord.model import AddressRole, Kind, PartyRole, Status
from custrecord.money import MoneyError, parse_amount
from custrecord.problems import ProblemCode
from custrecord.text import PLACEHOLDERS, clean_text, has_unstorable, nfkc

__all__ = [
    "ADDRESS_ROLE_ALIASES",
    "COERCERS",
    "COUNTRY_ALIASES",
    "CURRENCY_ALIASES",
    "KIND_ALIASES",
    "PARTY_ROLE_ALIASES",
    "STATUS_ALIASES",
    "BadValue",
    "coerce_extra_value",
    "is_blank",
    "is_masked",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_decimal",
    "parse_int",
    "parse_roles",
    "parse_text",
    "plain_value",
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

#: Currencies by the names ERPs and spreadsheets write (Kingdee's 币别 says 人民币).
CURRENCY_ALIASES: dict[str, str] = {
    "人民币": "CNY", "RMB": "CNY", "元": "CNY", "本位币": "CNY", "美元": "USD", "美金": "USD", "欧元": "EUR",
    "港币": "HKD", "港元": "HKD", "日元": "JPY", "英镑": "GBP", "新台币": "TWD", "澳门元": "MOP",
    "韩元": "KRW", "新加坡元": "SGD",
}
# Kingdee writes a customer's state as 使用 (in use) or 禁用 (disabled).
STATUS_ALIASES.update({"使用": Status.ACTIVE, "禁用": Status.DISABLED})
# The Chinese aliases in traditional characters too (個人, 凍結, 已審核, 人民幣).
CURRENCY_ALIASES.update({traditional(k): v for k, v in list(CURRENCY_ALIASES.items())})
KIND_ALIASES.update({traditional(k): v for k, v in list(KIND_ALIASES.items())})
STATUS_ALIASES.update({traditional(k): v for k, v in list(STATUS_ALIASES.items())})

ADDRESS_ROLE_ALIASES: dict[str, AddressRole] = {
    **{role.value: role for role in AddressRole},
    "注册": AddressRole.REGISTERED, "注册地址": AddressRole.REGISTERED, "注册地": AddressRole.REGISTERED,
    "billing": AddressRole.BILLING, "invoice": AddressRole.BILLING, "bill to": AddressRole.BILLING,
    "开票": AddressRole.BILLING, "开票地址": AddressRole.BILLING, "发票": AddressRole.BILLING,
    "发票地址": AddressRole.BILLING,
    "delivery": AddressRole.SHIPPING, "ship to": AddressRole.SHIPPING, "收货": AddressRole.SHIPPING,
    "收货地址": AddressRole.SHIPPING, "送货": AddressRole.SHIPPING, "送货地址": AddressRole.SHIPPING,
    "发货地址": AddressRole.SHIPPING,
    "其他": AddressRole.OTHER, "其它": AddressRole.OTHER,
}
#: Each value of a roles cell: one role, or both (客户及供应商, as T3's 往来单位 writes it).
PARTY_ROLE_ALIASES: dict[str, frozenset[PartyRole]] = {
    **{role.value: frozenset({role}) for role in PartyRole},
    "客户": frozenset({PartyRole.CUSTOMER}),
    "供应商": frozenset({PartyRole.SUPPLIER}),
    "vendor": frozenset({PartyRole.SUPPLIER}),
    **dict.fromkeys(
        ("客户及供应商", "客户和供应商", "客户与供应商", "客户兼供应商", "客商", "both",
         "customer and supplier"),
        frozenset(PartyRole),
    ),
}
_TRUE = frozenset({"true", "yes", "y", "1", "是", "默认", "default", "x", "√", "✓"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "非默认"})
ADDRESS_ROLE_ALIASES.update({traditional(k): v for k, v in list(ADDRESS_ROLE_ALIASES.items())})
PARTY_ROLE_ALIASES.update({traditional(k): v for k, v in list(PARTY_ROLE_ALIASES.items())})

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
    # Traditional characters, as files from Taiwan and Hong Kong write them.
    "中國": "CN",
    "中國大陸": "CN",
    "中國香港": "HK",
    "澳門": "MO",
    "中國澳門": "MO",
    "台灣": "TW",
    "臺灣": "TW",
    "中華民國": "TW",
    "美國": "US",
    "英國": "GB",
    "德國": "DE",
    "法國": "FR",
    "韓國": "KR",
}


# -- values from other libraries ------------------------------------------

#: Types that are already plain Python values (the common case, checked first).
_PLAIN = frozenset({str, int, bool, Decimal, date, datetime, type(None), list, tuple, dict})
#: pandas' missing-value singletons, known by their type's name (pandas is never imported).
_MISSING_TYPES = frozenset({"NaTType", "NAType"})


def plain_value(value: Any) -> Any:
    """``value`` as Python's own types: NaN, NaT and ``pd.NA`` give None, a numpy scalar its value.

    Duck typing only: numpy scalars are known by their module and ``item()``,
    pandas' missing values by their type's name, NaN by not being equal to itself.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind.__name__ in _MISSING_TYPES:
        return None
    if isinstance(value, float):  # float, and numpy's float64, which is one
        return None if value != value else float(value)
    if kind.__module__ == "numpy" and callable(getattr(value, "item", None)):
        if kind.__name__.startswith("datetime64"):
            # item() gives an int for nanosecond times; the ISO text is read as any date text.
            text = str(value)
            return None if text == "NaT" else text
        return plain_value(value.item())
    return value


def is_blank(value: Any) -> bool:
    """Whether a raw value means "not given": None, NaN, NaT, ``pd.NA``, blank text or a placeholder."""
    value = plain_value(value)
    return value is None or (isinstance(value, str) and (not value.strip() or value.strip() in PLACEHOLDERS))


def is_masked(value: Any) -> bool:
    """Whether a cell holds a masked value (``6222****1234``, ``w***@x.cn``) rather than real data.

    What custrecord's masking writes: a run of at least three ``*``, or only ``*``.
    """
    return isinstance(value, str) and ("***" in value or (bool(value) and not value.strip("*")))


# -- scalar coercers ------------------------------------------------------


def parse_text(value: Any) -> str | None:
    """A cleaned string; numbers are accepted as their digits (Excel stores IDs as numbers)."""
    if isinstance(value, str):
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

def parse_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a number or an amount as written: ``1,000.50``, ``¥2000``, ``50万元``.

    Text is read by :func:`custrecord.money.parse_amount`, as credit amounts and settings are.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue(ProblemCode.INVALID_FORMAT, "a number expected", "应为数字")
    if isinstance(value, Decimal):
        if not value.is_finite():  # the same answer as for a float NaN or infinity
            raise BadValue(ProblemCode.INVALID_FORMAT, "a finite number expected", "应为有限数字")
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(ProblemCode.INVALID_FORMAT, "a finite number expected", "应为有限数字")
        result = Decimal(repr(float(value)))  # float(): numpy's float64 has its own repr
    elif isinstance(value, str):
        try:
            amount = parse_amount(value)
        except MoneyError:
            raise BadValue(ProblemCode.INVALID_FORMAT, "an amount such as 50000, 50万 or ¥1,000.00",
                           "应为金额，如 50000、50万 或 ¥1,000.00") from None
        if amount is None:
            return None
        result = amount
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
        if _TAG_SPLIT.search(part):
            # A flat file separates tags by these: such a tag would come back as two.
            raise BadValue(ProblemCode.INVALID_FORMAT, "a tag may not contain , ; ， ； or 、",
                           "标签不能包含 , ; ， ； 或 、")
        tag = parse_text(part)
        if tag:
            tags.add(tag)
    return frozenset(tags)


def parse_bool(value: Any) -> bool | None:
    """Yes or no from a bool, 1 or 0, or text (``true``, ``yes``, ``是``; ``false``, ``no``, ``否``)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = nfkc(value).strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise BadValue(ProblemCode.INVALID_CHOICE, choices="true, false (是, 否)")


_ADDRESS_ROLE_CHOICES = "registered, billing, shipping, other (注册, 开票, 收货, 其他)"
_ROLES_CHOICES = "customer, supplier (客户, 供应商, 客户及供应商)"


def parse_roles(value: Any) -> frozenset[PartyRole] | None:
    """Party roles from text (``客户``, ``供应商``, ``客户及供应商``, ``customer,supplier``) or a list."""
    if value is None:
        return None
    if isinstance(value, str):
        parts: Iterable[Any] = _TAG_SPLIT.split(value.replace("/", ","))
    elif isinstance(value, list | tuple | set | frozenset):
        parts = value
    else:
        raise BadValue(ProblemCode.INVALID_CHOICE, choices=_ROLES_CHOICES)
    roles: set[PartyRole] = set()
    for part in parts:
        if not isinstance(part, str):
            raise BadValue(ProblemCode.INVALID_CHOICE, choices=_ROLES_CHOICES)
        text = nfkc(part).strip()
        if not text:
            continue
        found = PARTY_ROLE_ALIASES.get(text) or PARTY_ROLE_ALIASES.get(text.lower())
        if found is None:
            raise BadValue(ProblemCode.INVALID_CHOICE, choices=_ROLES_CHOICES)
        roles |= found
    return frozenset(roles) if roles else None


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


def _currency(value: Any) -> str | None:
    text = _upper_text(value)
    return None if text is None else CURRENCY_ALIASES.get(text, text)


def _upper_text(value: Any) -> str | None:
    text = parse_text(value)
    return None if text is None else text.upper()


def _code(value: Any) -> str | None:
    text = parse_text(value)
    return None if text is None else text.upper().replace(" ", "")


def _identifier(value: Any) -> str | None:
    # Tax IDs, phones, postcodes and accounts: keep the characters (validators
    # compact them), but a placeholder such as "/" or "无" means none. A masked
    # value (an export seen through masking) must never overwrite the real one.
    text = parse_text(value)
    if text is not None and is_masked(text):
        raise BadValue(ProblemCode.MASKED_VALUE, "export the file as a user who sees it in full",
                       "请以可查看完整信息的用户导出")
    return None if text is None or text in PLACEHOLDERS else text


def _unstorable() -> BadValue:
    return BadValue(ProblemCode.INVALID_FORMAT, "contains control characters or broken Unicode",
                    "包含控制字符或无效的Unicode字符")


def coerce_extra_value(value: Any) -> Any:
    """A value of ``extra``: text, a 64-bit integer, a finite float, a boolean; Decimal and dates as text."""
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
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadValue(ProblemCode.INVALID_FORMAT, "a finite number expected", "应为有限数字")
    if isinstance(value, Decimal | date):
        # Stored as text so that a JSON round trip gives back the same value.
        return value.isoformat() if isinstance(value, date) else str(value)
    raise BadValue(ProblemCode.INVALID_FORMAT, "a text, number or boolean expected", "应为文本、数字或布尔值")


#: The coercer of each kind of value.
COERCERS: Mapping[Value, Callable[[Any], Any]] = {
    Value.TEXT: parse_text,
    Value.IDENTIFIER: _identifier,
    Value.CODE: _code,
    Value.UPPER: _upper_text,
    Value.CURRENCY: _currency,
    Value.COUNTRY: _country,
    Value.KIND: _choice(KIND_ALIASES, "enterprise, individual (企业, 个人)"),
    Value.STATUS: _choice(STATUS_ALIASES, ", ".join(s.value for s in Status)),
    Value.DECIMAL: parse_decimal,
    Value.INT: parse_int,
    Value.DATE: parse_date,
    Value.DATETIME: parse_datetime,
    Value.TAGS: split_tags,
    Value.BOOL: parse_bool,
    Value.ADDRESS_ROLE: _choice(ADDRESS_ROLE_ALIASES, _ADDRESS_ROLE_CHOICES),
    Value.ROLES: parse_roles,
}
