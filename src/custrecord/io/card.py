"""A printable customer card (客户档案卡): one customer as a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from custrecord.fields import label
from custrecord.model import AddressRole, Customer, Kind, PartyRole, Status

__all__ = ["customer_card_html"]

_KIND_ZH = {Kind.ENTERPRISE: "企业", Kind.INDIVIDUAL: "个人"}
_STATUS_ZH = {
    Status.DRAFT: "草稿",
    Status.PENDING: "待审核",
    Status.ACTIVE: "正常",
    Status.FROZEN: "冻结",
    Status.DISABLED: "停用",
    Status.DELETED: "已删除",
}
_ROLE_ZH = {AddressRole.REGISTERED: "注册", AddressRole.BILLING: "开票", AddressRole.SHIPPING: "收货",
            AddressRole.OTHER: "其他"}
_PARTY_ZH = {PartyRole.CUSTOMER: "客户", PartyRole.SUPPLIER: "供应商"}
_WORDS = {
    "title": ("Customer card", "客户档案卡"),
    "basic": ("Basic information", "基本信息"),
    "address": ("Address", "地址"),
    "contacts": ("Contacts", "联系人"),
    "bank": ("Bank and settlement", "银行与结算"),
    "credit": ("Credit", "信用"),
    "companies": ("Credit by company", "各账套信用"),
    "company": ("Company", "账套"),
    "extra": ("Custom fields", "自定义字段"),
    "yes": ("yes", "是"),
}

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimSun", sans-serif;
       font-size: 11pt; margin: 1.5cm; color: #000; }
h1 { font-size: 16pt; margin: 0 0 .2em; }
.subtitle { color: #444; margin: 0 0 1em; }
h2 { font-size: 12pt; border-bottom: 1px solid #888; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; width: 22%; font-weight: normal; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def _word(key: str, lang: str) -> str:
    en, zh = _WORDS[key]
    return zh if lang == "zh" else en


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, frozenset | set | list | tuple):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)


def _rows(pairs: Iterable[tuple[str, Any]]) -> str:
    cells = [
        f"<tr><th>{escape(name)}</th><td>{escape(_text(value))}</td></tr>"
        for name, value in pairs
        if _text(value)
    ]
    return "<table>\n" + "\n".join(cells) + "\n</table>" if cells else ""


def _section(title: str, body: str) -> str:
    return f"<h2>{escape(title)}</h2>\n{body}\n" if body else ""


def _grid(lang: str, paths: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A table with a header of the labels of ``paths`` and one line per row of values."""
    head = "".join(f"<th>{escape(label(p, lang))}</th>" for p in paths)
    body = "\n".join("<tr>" + "".join(f"<td>{escape(_text(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>" if body else ""
def _companies(customer: Customer, lang: str) -> str:
    """The credit terms by company (账套) as one table, a row per company."""
    if not customer.companies:
        return ""
    paths = ("credit.grade", "credit.limit", "credit.days", "credit.valid_from", "credit.valid_until",
             "credit.group_limit", "settlement_method", "payment_terms")
    names = (_word("company", lang), *(label(p, lang) for p in paths))
    head = "".join(f"<th>{escape(x)}</th>" for x in names)
    rows = []
    for company, t in customer.companies.items():
        values = (company, t.grade, None if t.limit is None else f"{t.limit:,} {t.currency}", t.days,
                  t.valid_from, t.valid_until,
                  None if t.group_limit is None else f"{t.group_limit:,} {t.currency}",
                  t.settlement_method, t.payment_terms)
        rows.append("<tr>" + "".join(f"<td>{escape(_text(v))}</td>" for v in values) + "</tr>")
    return f"<table>\n<tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>"


def customer_card_html(customer: Customer, *, lang: str = "zh") -> str:
    """A complete HTML page describing ``customer``, laid out for printing (打印); every value escaped."""
    lang = "zh" if lang == "zh" else "en"
    zh = lang == "zh"

    def field(path: str, value: Any) -> tuple[str, Any]:
        return label(path, lang), value

    kind = _KIND_ZH[customer.kind] if zh else customer.kind.value
    status = _STATUS_ZH[customer.status] if zh else customer.status.value
    basic = _rows([
        field("code", customer.code),
        field("name", customer.name),
        field("short_name", customer.short_name),
        field("kind", kind),
        field("country", customer.country),
        field("tax_id", customer.tax_id),
        field("category", customer.category),
        field("region", customer.region),
        field("industry", customer.industry),
        field("legal_representative", customer.legal_representative),
        field("status", status),
        field("priority", customer.priority),
        field("tags", customer.tags),
        field("roles", [_PARTY_ZH[r] if zh else r.value for r in customer.roles]),
        field("currency", customer.currency),
        field("price_level", customer.price_level),
        field("parent", customer.parent),
    ])
    a = customer.address
    address = _rows([
        field("address.province", a.province),
        field("address.city", a.city),
        field("address.district", a.district),
        field("address.street", a.street),
        field("address.postcode", a.postcode),
    ])
    yes = _word("yes", lang)
    address += _grid(lang, [f"addresses[].{p}" for p in ("role", "default", "province", "city", "district",
                                                         "street", "postcode")], (
        (_ROLE_ZH[e.role] if zh else e.role.value, yes if e.default else "", e.province, e.city, e.district,
         e.street, e.postcode)
        for e in customer.addresses
    ))
    contacts = ""
    if customer.contacts:
        paths = ("name", "title", "phone", "mobile", "email")
        head = "".join(f"<th>{escape(label(f'contacts[].{p}', lang))}</th>" for p in paths)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{escape(_text(getattr(c, p)))}</td>" for p in paths) + "</tr>"
            for c in customer.contacts
        )
        contacts = f"<table>\n<tr>{head}</tr>\n{body}\n</table>"
    bank = _rows([
        field("bank_name", customer.bank_name),
        field("bank_account", customer.bank_account),
        field("settlement_method", customer.settlement_method),
        field("payment_terms", customer.payment_terms),
    ])
    account_paths = ("bank_name", "branch", "account", "holder", "currency", "default")
    bank += _grid(lang, [f"bank_accounts[].{p}" for p in account_paths], (
        (b.bank_name, b.branch, b.account, b.holder, b.currency, yes if b.default else "")
        for b in customer.bank_accounts
    ))
    c = customer.credit
    credit = "" if c.is_empty() else _rows([
        field("credit.grade", c.grade),
        field("credit.limit", None if c.limit is None else f"{c.limit:,} {c.currency}"),
        field("credit.days", c.days),
        field("credit.valid_from", c.valid_from),
        field("credit.valid_until", c.valid_until),
        field("credit.group_limit", None if c.group_limit is None else f"{c.group_limit:,} {c.currency}"),
    ])
    companies = _companies(customer, lang)
    extra = _rows((str(k), v) for k, v in customer.extra.items())
    remarks = _rows([field("remarks", customer.remarks)])
    title = _word("title", lang)
    subtitle = " · ".join(x for x in (customer.code, kind, status) if x)
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if zh else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}: {escape(customer.name)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(customer.name)}</h1>\n<p class=\"subtitle\">{escape(title)} · {escape(subtitle)}</p>\n"
        + _section(_word("basic", lang), basic)
        + _section(_word("address", lang), address)
        + _section(_word("contacts", lang), contacts)
        + _section(_word("bank", lang), bank)
        + _section(_word("credit", lang), credit)
        + _section(_word("companies", lang), companies)
        + _section(_word("extra", lang), extra)
        + remarks
        + "</body>\n</html>\n"
    )
