"""Import templates: an XLSX sheet with the SPEC 1 headers, notes and drop-down lists."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from custrecord.fields import FIELDS, column_for, label
from custrecord.flat import identifier_columns
from custrecord.io.cells import column_letter
from custrecord.io.errors import FileError
from custrecord.io.writer import output_format, write_rows
from custrecord.io.xlsx import openpyxl_module

__all__ = ["DEFAULT_KINDS", "DEFAULT_ROLES", "DEFAULT_STATUSES", "write_template"]

DEFAULT_KINDS = {"zh": ("企业", "个人"), "en": ("enterprise", "individual")}
DEFAULT_ROLES = {
    "zh": ("客户", "供应商", "客户及供应商"),
    "en": ("customer", "supplier", "customer,supplier"),
}
DEFAULT_STATUSES = {
    "zh": ("正常", "草稿", "待审核", "冻结", "停用"),
    "en": ("active", "draft", "pending", "frozen", "disabled"),
}

#: Notes shown on the header cells: what to type, in English and Chinese.
NOTES: dict[str, tuple[str, str]] = {
    "code": (
        "A-Z, 0-9, - and _; blank: assigned by the code rule",
        "字母、数字、-、_；留空则按编码规则自动生成",
    ),
    "name": ("Full name, at most 100 characters", "客户全称，最多100个字符"),
    "short_name": ("At most 40 characters", "最多40个字符"),
    "kind": ("enterprise or individual", "企业 或 个人"),
    "country": ("ISO code such as CN, US, DE; blank: CN", "国家代码，如CN、US、DE；留空为CN"),
    "tax_id": (
        "Enterprise: unified social credit code (18); individual: ID card number. Keep as text",
        "企业填统一社会信用代码（18位），个人填身份证号；请保持文本格式",
    ),
    "category": ("A leaf category code", "末级分类编码"),
    "region": ("A region code", "地区编码"),
    "address.postcode": ("Six digits in China", "中国邮编为六位数字"),
    "contacts[].phone": (
        "e.g. 0512-65201234 or 0512-65201234-801",
        "如0512-65201234，分机写作0512-65201234-801",
    ),
    "contacts[].mobile": ("e.g. 13812345678", "如13812345678"),
    "contacts[].email": ("e.g. li@example.com", "如li@example.com"),
    "bank_account": ("Digits, or an IBAN", "数字或IBAN"),
    "credit.grade": ("A grade of the credit policy", "信用政策中的等级"),
    "credit.limit": ("Amount >= 0, e.g. 500000 or 50万", "不小于0的金额，如500000或50万"),
    "credit.currency": ("ISO 4217 code; blank: CNY", "币种代码；留空为CNY"),
    "credit.days": ("Whole days >= 0", "天数（整数）"),
    "credit.valid_from": ("Date, e.g. 2025-01-31", "日期，如2025-01-31"),
    "credit.valid_until": ("Date, not before the start date", "日期，不早于起始日期"),
    "credit.group_limit": (
        "A parent company's limit for its whole group, e.g. 2000000",
        "上级客户对整个集团的额度，如2000000",
    ),
    "parent": ("Code of the parent company, stored already or in an earlier row",
               "上级客户（总公司）编码，须已存在或在前面的行中"),
    "companies": (
        'Credit by company as JSON, e.g. {"002": {"limit": 50000, "days": 30}}',
        '各账套信用（JSON），如 {"002": {"信用额度": 50000, "信用期限": 30}}',
    ),
    "tags": ("Separated by , or ;", "多个标签用逗号或分号分隔"),
    "priority": ("1 (highest) to 5", "1（最高）至5"),
    "status": ("active, draft, pending, frozen or disabled", "正常、草稿、待审核、冻结或停用"),
    "remarks": ("At most 500 characters", "最多500个字符"),
    "addresses[shipping].street": ("The default shipping (ship-to) address", "默认收货地址"),
    "addresses[shipping].postcode": ("Six digits in China", "中国邮编为六位数字"),
    "addresses[billing].street": ("The default billing (invoice) address", "默认开票地址"),
    "addresses[billing].postcode": ("Six digits in China", "中国邮编为六位数字"),
    "currency": ("The trading currency, ISO 4217 code such as CNY, USD", "交易币种代码，如CNY、USD"),
    "price_level": ("The price level orders are priced at", "订单所用的价格级别"),
    "roles": ("customer, supplier or both; blank: customer", "客户、供应商或客户及供应商；留空为客户"),
}

_LISTS_SHEET = "Lists"
_LAST_ROW = 1048576


def write_template(
    path: str | os.PathLike[str],
    *,
    headers: str = "zh",
    kinds: Sequence[str] | None = None,
    grades: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    custom_fields: Sequence[str] = (),
    required: Iterable[str] = ("name", "kind"),
) -> None:
    """Write an import template with ``zh`` or ``en`` headers.

    XLSX: a header row whose cells carry notes (comments), required columns
    marked, identifier columns formatted as text, drop-down lists for kind
    (``kinds``, default 企业/个人 or enterprise/individual), status, party role, and credit
    grade and category when ``grades`` / ``categories`` are given, plus a
    notes sheet. CSV: the header row only. ``custom_fields`` adds columns.
    """
    lang = "zh" if headers == "zh" else "en"
    columns = [column_for(f.path, headers=lang) for f in FIELDS] + list(custom_fields)
    if output_format(path) == "csv":
        write_rows(path, columns, ())
        return
    openpyxl = openpyxl_module()
    workbook = openpyxl.Workbook()
    _fill(workbook, lang, columns, set(required), {
        "kind": list(kinds) if kinds is not None else list(DEFAULT_KINDS[lang]),
        "status": list(DEFAULT_STATUSES[lang]),
        "roles": list(DEFAULT_ROLES[lang]),
        "credit.grade": list(grades or ()),
        "category": list(categories or ()),
    })
    try:
        workbook.save(Path(path))
    except OSError as exc:
        raise FileError(path, f"cannot be written ({exc.strerror or exc})") from exc


def _fill(
    workbook: Any, lang: str, columns: list[str], required: set[str], lists: dict[str, list[str]]
) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang == "zh"
    sheet = workbook.active
    sheet.title = "客户档案" if zh else "Customers"
    sheet.freeze_panes = "A2"
    bold, red = Font(bold=True), Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="DDEBF7")
    paths = {column_for(f.path, headers=lang): f.path for f in FIELDS}
    for index, column in enumerate(columns):
        letter = column_letter(index)
        cell = sheet.cell(row=1, column=index + 1, value=column)
        path = paths.get(column)
        cell.font = red if path in required else bold
        cell.fill = fill
        sheet.column_dimensions[letter].width = min(max(len(column) * 2 + 2, 12), 40)
        if column in identifier_columns(lang):
            sheet.column_dimensions[letter].number_format = "@"
        note = _note(path, column, lang, path in required)
        cell.comment = Comment(note, "custrecord", width=260, height=90)
    options = workbook.create_sheet(_LISTS_SHEET)
    options.sheet_state = "hidden"
    list_column = 0
    for path, values in lists.items():
        column = column_for(path, headers=lang)
        if not values or column not in columns:
            continue
        list_column += 1
        list_letter = column_letter(list_column - 1)
        for row, value in enumerate(values, 1):
            options.cell(row=row, column=list_column, value=value).data_type = "s"
        letter = column_letter(columns.index(column))
        check = DataValidation(
            type="list",
            formula1=f"{_LISTS_SHEET}!${list_letter}$1:${list_letter}${len(values)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=label(path, lang),
            error=("请从下拉列表中选择" if zh else "Choose a value from the list"),
        )
        check.add(f"{letter}2:{letter}{_LAST_ROW}")
        sheet.add_data_validation(check)
    _notes_sheet(workbook, lang, columns, paths, required)


def _note(path: str | None, column: str, lang: str, required: bool) -> str:
    zh = lang == "zh"
    if path is None:
        return "自定义字段" if zh else "Custom field"
    text = label(path, lang)
    en, zh_note = NOTES.get(path, ("", ""))
    detail = zh_note if zh else en
    mark = ("（必填）" if zh else " (required)") if required else ""
    separator = "：" if zh else ": "
    return f"{text}{mark}{separator}{detail}" if detail else f"{text}{mark}"


def _notes_sheet(
    workbook: Any, lang: str, columns: list[str], paths: dict[str, str], required: set[str]
) -> None:
    from openpyxl.styles import Font

    zh = lang == "zh"
    notes = workbook.create_sheet("说明" if zh else "Notes")
    notes.append(["列" if zh else "column", "必填" if zh else "required", "说明" if zh else "notes"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in columns:
        path = paths.get(column)
        must = path in required
        notes.append([column, ("是" if zh else "yes") if must else "", _note(path, column, lang, False)])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 80
