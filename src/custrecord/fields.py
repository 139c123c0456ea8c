"""The field catalogue of SPEC section 1: paths, flat column names and labels.

One table serves the flat (CSV/Excel) form, the Chinese import headers and the
labels that problem messages use, so the three can never disagree.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["FIELDS", "OTHER_CONTACTS", "Field", "column_for", "field_for_column", "label"]

#: The column holding the contacts after the primary one, as a JSON list (the flat form
#: holds one contact in its ``contact_*`` columns); by header language.
OTHER_CONTACTS: dict[str, str] = {"en": "other_contacts", "zh": "其他联系人"}


@attrs.frozen
class Field:
    """One leaf field of the customer record.

    ``path`` is the nested path (``address.postcode``), ``column`` the flat
    column name (``postcode``), ``zh`` the Chinese column header and label,
    ``en`` the English label used in messages.
    """

    path: str
    column: str
    zh: str
    en: str


def _f(path: str, zh: str, en: str, column: str | None = None) -> Field:
    return Field(path=path, column=column or path.replace(".", "_"), zh=zh, en=en)


#: Every leaf field in flat-form column order.
FIELDS: tuple[Field, ...] = (
    _f("code", "客户编码", "customer code"),
    _f("name", "客户名称", "customer name"),
    _f("short_name", "客户简称", "short name"),
    _f("kind", "客户类型", "customer type"),
    _f("country", "国家", "country"),
    _f("tax_id", "税号", "tax ID"),
    _f("category", "所属分类", "category"),
    _f("region", "所属地区", "region"),
    _f("industry", "所属行业", "industry"),
    _f("address.province", "省份", "province", "province"),
    _f("address.city", "城市", "city", "city"),
    _f("address.district", "区县", "district", "district"),
    _f("address.street", "地址", "street address", "street"),
    _f("address.postcode", "邮编", "postcode", "postcode"),
    _f("contacts[].name", "联系人", "contact name", "contact_name"),
    _f("contacts[].title", "职务", "contact title", "contact_title"),
    _f("contacts[].phone", "电话", "phone", "contact_phone"),
    _f("contacts[].mobile", "手机", "mobile", "contact_mobile"),
    _f("contacts[].email", "电子邮箱", "e-mail", "contact_email"),
    _f("bank_name", "开户银行", "bank name"),
    _f("bank_account", "银行账号", "bank account"),
    _f("legal_representative", "法人代表", "legal representative"),
    _f("credit.grade", "信用等级", "credit grade"),
    _f("credit.limit", "信用额度", "credit limit"),
    _f("credit.currency", "币种", "currency"),
    _f("credit.days", "信用期限", "credit days"),
    _f("credit.valid_from", "信用起始日期", "credit valid from"),
    _f("credit.valid_until", "信用截止日期", "credit valid until"),
    _f("settlement_method", "结算方式", "settlement method"),
    _f("payment_terms", "付款条件", "payment terms"),
    _f("tags", "标签", "tags"),
    _f("priority", "优先级", "priority"),
    _f("status", "状态", "status"),
    _f("remarks", "备注", "remarks"),
    _f("review_date", "复核日期", "review date"),
)

_BY_PATH = {f.path: f for f in FIELDS}
_BY_COLUMN: dict[str, Field] = {}
for _field in FIELDS:
    _BY_COLUMN[_field.column] = _field
    _BY_COLUMN[_field.zh] = _field
# Common alternative headers seen in ERP exports.
for _alias, _column in {
    "联系电话": "contact_phone",
    "移动电话": "contact_mobile",
    "邮箱": "contact_email",
    "email": "contact_email",
    "纳税人识别号": "tax_id",
    "统一社会信用代码": "tax_id",
    "客户分类": "category",
    "地区": "region",
    "行业": "industry",
    "邮政编码": "postcode",
    "详细地址": "street",
    "开户行": "bank_name",
    "账号": "bank_account",
    "法定代表人": "legal_representative",
    "信用期限(天)": "credit_days",
}.items():
    _BY_COLUMN[_alias] = _BY_COLUMN[_column]

_INDEX = re.compile(r"\[\d+\]")


def field_for_column(header: str) -> Field | None:
    """The field a flat column header (English or Chinese) stands for, or None."""
    key = header.strip()
    found = _BY_COLUMN.get(key)
    if found is None:
        found = _BY_COLUMN.get(key.lower().replace(" ", "_"))
    return found


def column_for(path: str, *, headers: str = "en") -> str:
    """The flat column header of ``path`` in English (``en``) or Chinese (``zh``)."""
    field = _BY_PATH[_INDEX.sub("[]", path)]
    return field.zh if headers == "zh" else field.column


def label(path: str, lang: str = "en") -> str:
    """A human label for ``path`` (``contacts[0].phone`` -> ``phone``/``电话``)."""
    field = _BY_PATH.get(_INDEX.sub("[]", path))
    if field is None:
        return path
    return field.zh if lang == "zh" else field.en
