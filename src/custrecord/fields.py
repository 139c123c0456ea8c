"""The field catalogue of SPEC section 1: one row per leaf field of a customer.

Everything that is said about a field is said here once: its nested path, its
flat (CSV) column, its Chinese header and labels, other headers seen in ERP
exports, the kind of value it holds (which picks its coercer and its cell type),
its default length limit, and whether it is personal data, storage-managed or
changeable through ``update``. Parsing, validation, the flat form, import and
export, erasure and the book derive their tables from this one.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping

import attrs

__all__ = [
    "CATALOGUE",
    "FIELDS",
    "LIST_COLUMN_HEADERS",
    "MANAGED_FIELDS",
    "MAX_LENGTHS",
    "OTHER_ADDRESSES",
    "OTHER_BANK_ACCOUNTS",
    "OTHER_CONTACTS",
    "OTHER_CONTACT_HEADERS",
    "PERSONAL_PATHS",
    "SELECTING_FIELDS",
    "TRADITIONAL",
    "Field",
    "Value",
    "column_for",
    "field_for_column",
    "field_for_path",
    "header_key",
    "label",
    "traditional",
]

#: The column holding the contacts after the primary one, as a JSON list (the flat form
#: holds one contact in its ``contact_*`` columns); by header language.
OTHER_CONTACTS: dict[str, str] = {"en": "other_contacts", "zh": "其他联系人"}
#: The column holding the addresses the ``shipping_*`` and ``billing_*`` columns do not (JSON list).
OTHER_ADDRESSES: dict[str, str] = {"en": "other_addresses", "zh": "其他地址"}
#: The column holding the bank accounts after the main one (JSON list).
OTHER_BANK_ACCOUNTS: dict[str, str] = {"en": "other_bank_accounts", "zh": "其他银行账户"}


class Value(enum.Enum):
    """What a field holds: decides how raw input is coerced and how a cell is typed."""

    TEXT = "text"  #: cleaned text (trimmed, NFKC, runs of spaces collapsed)
    IDENTIFIER = "identifier"  #: text kept as written for its validator; a placeholder means none
    CODE = "code"  #: a code: upper case, no spaces
    UPPER = "upper"  #: upper-case text (grade)
    CURRENCY = "currency"  #: ISO 4217, Chinese names (人民币, 美元) accepted
    COUNTRY = "country"  #: ISO 3166 alpha-2, names and aliases accepted
    KIND = "kind"  #: enterprise or individual
    STATUS = "status"  #: a lifecycle status
    DECIMAL = "decimal"  #: an amount
    INT = "int"  #: a whole number
    DATE = "date"
    DATETIME = "datetime"  #: an aware time
    TAGS = "tags"  #: a set of texts
    BOOL = "bool"  #: yes or no (是/否)
    ADDRESS_ROLE = "address_role"  #: registered, billing, shipping or other
    ROLES = "roles"  #: a set of party roles: customer, supplier
    EXTRA = "extra"  #: the mapping of user-defined fields
    COMPANIES = "companies"  #: credit terms by company (账套); one JSON cell in the flat form


@attrs.frozen
class Field:
    """One leaf field of the customer record.

    ``path`` is the nested path (``address.postcode``, ``contacts[].phone``),
    ``column`` the flat column name (``postcode``), ``zh`` the Chinese column
    header and label, ``en`` the English label used in messages, ``aliases``
    further headers that mean this field on import.
    """

    path: str
    column: str
    zh: str
    en: str
    value: Value = Value.TEXT
    #: The default length limit of a text (profiles may change it).
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    #: Personal data: erasure scrubs it from the record, its history and the outbox.
    personal: bool = False
    #: A column of the flat form (exports and import templates carry it).
    flat: bool = True
    #: Kept by storage (version and times); never in a diff, never given by a caller.
    managed: bool = False
    #: ``update`` may change it; the others change through their own operations.
    updatable: bool = True

    @property
    def head(self) -> str:
        """The top-level attribute of the customer (``address`` for ``address.city``,
        ``addresses`` for ``addresses[shipping].city``)."""
        return self.path.split(".", 1)[0].partition("[")[0]

    @property
    def leaf(self) -> str:
        """The attribute inside its part (``city`` for ``address.city``), or the head."""
        return self.path.rpartition(".")[2]


def _f(path: str, zh: str, en: str, value: Value = Value.TEXT, *, column: str | None = None,
       **options: object) -> Field:
    return Field(path=path, column=column or path.replace(".", "_"), zh=zh, en=en, value=value,
                 **options)  # type: ignore[arg-type]


_ID, _CODE = Value.IDENTIFIER, Value.CODE

#: Every leaf field: the flat form's columns in their order, then the record-only ones.
#: Aliases are headers other systems write (Yonyou U8/T3, Kingdee, spreadsheets); English ones
#: also match without case and with ``_`` for spaces, and every Chinese header and alias is also
#: recognised in traditional characters (:data:`TRADITIONAL`). A header is taken by its field, so
#: an extra field cannot have that name: single generic English words (Notes, Type, Title, Tel)
#: stay free for extra fields.
CATALOGUE: tuple[Field, ...] = (
    _f("code", "客户编码", "customer code", _CODE, max_length=30, updatable=False,
       aliases=("客户代码", "客户编号", "客户代号", "编码", "代码", "Customer Code", "Customer No",
                "Customer Number")),
    _f("name", "客户名称", "customer name", max_length=100, personal=True,
       aliases=("客户全称", "公司名称", "单位名称", "企业名称", "客户名", "名称", "Company", "Company Name",
                "Customer Name")),
    _f("short_name", "客户简称", "short name", max_length=40, personal=True,
       aliases=("简称",)),
    _f("kind", "客户类型", "customer type", Value.KIND, aliases=("客户性质", "Customer Type")),
    _f("country", "国家", "country", Value.COUNTRY, aliases=("国别", "国家/地区", "Country Code")),
    _f("tax_id", "税号", "tax ID", _ID, max_length=64, personal=True,
       aliases=("纳税人识别号", "统一社会信用代码", "社会信用代码", "税务登记号", "纳税人登记号",
                "税务登记证号", "统一编号", "Tax Number", "Tax No", "VAT Number", "VAT No", "USCC")),
    _f("category", "所属分类", "category", _CODE, max_length=30,
       aliases=("客户分类", "所属分类码", "客户分类编码", "分类编码", "分类")),
    _f("region", "所属地区", "region", _CODE, max_length=30,
       aliases=("地区", "所属地区码", "地区编码", "区域")),
    _f("industry", "所属行业", "industry", max_length=100, aliases=("行业",)),
    _f("address.province", "省份", "province", column="province", max_length=50, personal=True,
       aliases=("省",)),
    _f("address.city", "城市", "city", column="city", max_length=50, personal=True, aliases=("市",)),
    _f("address.district", "区县", "district", column="district", max_length=50, personal=True,
       aliases=("县区", "区")),
    _f("address.street", "地址", "street address", column="street", max_length=200, personal=True,
       aliases=("详细地址", "通讯地址", "联系地址", "公司地址", "Address", "Street Address")),
    _f("address.postcode", "邮编", "postcode", _ID, column="postcode", max_length=20, personal=True,
       aliases=("邮政编码", "Post Code", "Postal Code", "Zip Code")),
    _f("contacts[].name", "联系人", "contact name", column="contact_name", max_length=50, personal=True,
       aliases=("联系人姓名", "联系人名称", "联络人", "Contact Person")),
    _f("contacts[].title", "职务", "contact title", column="contact_title", max_length=50, personal=True,
       aliases=("职位", "联系人职务", "Job Title")),
    _f("contacts[].phone", "电话", "phone", _ID, column="contact_phone", max_length=60, personal=True,
       aliases=("联系电话", "电话号码", "固定电话", "座机", "办公电话", "联络电话", "Phone", "Telephone",
                "Phone Number")),
    _f("contacts[].mobile", "手机", "mobile", _ID, column="contact_mobile", max_length=60, personal=True,
       aliases=("移动电话", "手机号码", "手机号", "行动电话", "Mobile", "Mobile Phone", "Mobile Number",
                "Cell Phone")),
    _f("contacts[].email", "电子邮箱", "e-mail", _ID, column="contact_email", max_length=254,
       personal=True, aliases=("邮箱", "电子邮件", "Email地址", "联系人邮箱", "email", "E-mail",
                               "Email Address")),
    _f("bank_name", "开户银行", "bank name", max_length=100, personal=True,
       aliases=("开户行", "银行名称", "开户行名称")),
    # As written, with spaces; the account rule checks the digits.
    _f("bank_account", "银行账号", "bank account", _ID, max_length=50, personal=True,
       aliases=("账号", "银行账户", "银行帐号", "开户账号", "帐号", "Account Number", "Account No", "IBAN")),
    _f("legal_representative", "法人代表", "legal representative", max_length=100, personal=True,
       aliases=("法定代表人", "法人")),
    _f("credit.grade", "信用等级", "credit grade", Value.UPPER, max_length=20,
       aliases=("信用级别", "Credit Rating")),
    _f("credit.limit", "信用额度", "credit limit", Value.DECIMAL, aliases=("授信额度", "信用额度(元)")),
    _f("credit.currency", "币种", "credit currency", Value.CURRENCY,
       aliases=("币别", "结算币种", "信用币种")),
    _f("credit.days", "信用期限", "credit days", Value.INT,
       aliases=("信用期限(天)", "信用天数", "账期", "账期(天)", "Credit Period")),
    _f("credit.valid_from", "信用起始日期", "credit valid from", Value.DATE, aliases=("信用开始日期",)),
    _f("credit.valid_until", "信用截止日期", "credit valid until", Value.DATE,
       aliases=("信用结束日期", "信用到期日")),
    _f("credit.group_limit", "集团信用额度", "group credit limit", Value.DECIMAL,
       aliases=("集团额度", "集团授信额度", "Group Credit Limit")),
    _f("settlement_method", "结算方式", "settlement method", max_length=50),
    _f("payment_terms", "付款条件", "payment terms", max_length=100, aliases=("收款条件",)),
    _f("tags", "标签", "tags", Value.TAGS),
    _f("priority", "优先级", "priority", Value.INT),
    _f("status", "状态", "status", Value.STATUS, updatable=False, aliases=("客户状态",)),
    _f("remarks", "备注", "remarks", max_length=500, personal=True,
       aliases=("备注信息", "说明")),
    _f("review_date", "复核日期", "review date", Value.DATE),
    _f("owner", "专管业务员", "owner", max_length=50, aliases=("业务员", "负责人")),
    _f("department", "分管部门", "department", max_length=50, aliases=("部门",)),
    # -- addresses, bank accounts, trading terms, party role (issue 15) --
    # The default shipping and billing addresses have column groups of their own (U8 writes
    # 收货地址 and 开票地址); ``addresses[shipping]`` names the default of that role.
    *(
        _f(f"addresses[{role}].{part}", f"{zh_role}{zh}", f"{role} {en}", value,
           column=f"{role}_{part}", max_length=limit, personal=True, aliases=aliases)
        for role, zh_role, street_aliases in (
            ("shipping", "收货", ("送货地址", "发货地址", "收货人地址", "Shipping Address", "Ship To Address",
                                "Delivery Address")),
            ("billing", "开票", ("发票地址", "发票邮寄地址", "账单地址", "Billing Address",
                                "Invoice Address")),
        )
        for part, zh, en, value, limit, aliases in (
            ("province", "省份", "province", Value.TEXT, 50, ()),
            ("city", "城市", "city", Value.TEXT, 50, ()),
            ("district", "区县", "district", Value.TEXT, 50, ()),
            ("street", "地址", "address", Value.TEXT, 200, street_aliases),
            ("postcode", "邮编", "postcode", _ID, 20, ()),
        )
    ),
    _f("currency", "交易币种", "trading currency", Value.CURRENCY,
       aliases=("交易币别", "交易货币", "Trading Currency", "Transaction Currency")),
    _f("price_level", "价格级别", "price level", max_length=30,
       aliases=("价格等级", "价格级次", "Price Level")),
    _f("roles", "往来类型", "party role", Value.ROLES,
       aliases=("往来单位类型", "往来单位性质", "Party Type", "Partner Type")),
    # The items of the lists, for their paths (``addresses[1].postcode``): labels, limits, coercers.
    _f("addresses[].role", "地址类型", "address role", Value.ADDRESS_ROLE, flat=False),
    _f("addresses[].default", "默认地址", "default address", Value.BOOL, flat=False),
    _f("addresses[].province", "省份", "province", max_length=50, personal=True, flat=False),
    _f("addresses[].city", "城市", "city", max_length=50, personal=True, flat=False),
    _f("addresses[].district", "区县", "district", max_length=50, personal=True, flat=False),
    _f("addresses[].street", "地址", "street address", max_length=200, personal=True, flat=False),
    _f("addresses[].postcode", "邮编", "postcode", _ID, max_length=20, personal=True, flat=False),
    _f("bank_accounts[].bank_name", "开户银行", "bank name", max_length=100, personal=True, flat=False),
    _f("bank_accounts[].branch", "开户支行", "bank branch", max_length=100, personal=True, flat=False),
    _f("bank_accounts[].account", "银行账号", "bank account", _ID, max_length=50, personal=True, flat=False),
    _f("bank_accounts[].holder", "户名", "account holder", max_length=100, personal=True, flat=False),
    _f("bank_accounts[].currency", "币种", "account currency", Value.CURRENCY, flat=False),
    _f("bank_accounts[].default", "默认账户", "default account", Value.BOOL, flat=False),
    _f("extra", "自定义字段", "extra", Value.EXTRA, flat=False, personal=True),
    _f("replaced_by", "合并至", "merged into", _CODE, flat=False, updatable=False),
    # Groups and companies (集团与账套).
    _f("parent", "上级客户", "parent customer", _CODE, max_length=30,
       aliases=("客户总公司", "总公司", "上级客户编码", "总公司编码", "Parent", "Parent Customer",
                "Parent Code")),
    _f("companies", "账套信用", "credit by company", Value.COMPANIES,
       aliases=("分账套信用", "多账套信用", "Companies")),
    _f("version", "版本", "version", Value.INT, flat=False, managed=True, updatable=False),
    _f("created_at", "创建时间", "created at", Value.DATETIME, flat=False, managed=True, updatable=False),
    _f("updated_at", "修改时间", "updated at", Value.DATETIME, flat=False, managed=True, updatable=False),
)

#: The flat form's columns, in order (SPEC 1).
FIELDS: tuple[Field, ...] = tuple(f for f in CATALOGUE if f.flat)

#: Storage-managed fields: never in a diff, never given by a caller.
MANAGED_FIELDS: frozenset[str] = frozenset(f.path for f in CATALOGUE if f.managed)

#: Fields that pick a customer or change through their own operations, never through ``update``.
SELECTING_FIELDS: tuple[Field, ...] = tuple(f for f in CATALOGUE if not f.updatable)

#: Default length limits by path (``contacts[].phone``; ``tags[]`` for each tag).
MAX_LENGTHS: Mapping[str, int] = {
    **{f.path: f.max_length for f in CATALOGUE if f.max_length is not None},
    "tags[]": 30,
}

#: What erasure scrubs: the personal fields, as top-level parts (``address``, ``contacts``).
PERSONAL_PATHS: tuple[str, ...] = tuple(dict.fromkeys(f.head for f in CATALOGUE if f.personal))

_BY_PATH: dict[str, Field] = {f.path: f for f in CATALOGUE}


#: Simplified characters of the headers above and their traditional forms (客户名称 -> 客戶名稱).
TRADITIONAL = str.maketrans(
    "户编码称简类国税属区县邮联系职务电话机银账开额币种结条标签优级态状备注复业识别统会详细动纳号"
    "证义时间创并门员总单传发讯货现价数帐资质体实设计应营织构组团认书记录经济销购负责络网页说对维护审权删冻启个来",
    "戶編碼稱簡類國稅屬區縣郵聯繫職務電話機銀賬開額幣種結條標籤優級態狀備註複業識別統會詳細動納號"
    "證義時間創併門員總單傳發訊貨現價數帳資質體實設計應營織構組團認書記錄經濟銷購負責絡網頁說對維護審權刪凍啟個來",
)


def traditional(header: str) -> str:
    """``header`` in traditional characters (客户名称 -> 客戶名稱); other text is unchanged."""
    return header.translate(TRADITIONAL)


def header_key(header: str) -> str:
    """A header as compared: NFKC, trimmed, no trailing required mark ``*``, lower case, ``_`` for spaces.

    ``Credit Limit``, ``credit_limit`` and ``CREDIT LIMIT`` compare equal, and so do
    ``客户名称*`` and ``客户名称``.
    """
    text = unicodedata.normalize("NFKC", header).strip().removesuffix("*").strip()
    return "_".join(text.lower().split())


#: The other-contacts column under every header it is written with (both languages, traditional too).
OTHER_CONTACT_HEADERS: frozenset[str] = frozenset(
    {*OTHER_CONTACTS.values(), *(traditional(h) for h in OTHER_CONTACTS.values()), "其他聯絡人"}
)

#: The JSON list columns of the flat form by every header they are written with, each to the list
#: it holds: ``contacts``, ``addresses`` or ``bank_accounts``.
LIST_COLUMN_HEADERS: Mapping[str, str] = {
    **dict.fromkeys(OTHER_CONTACT_HEADERS, "contacts"),
    **{h: "addresses" for v in OTHER_ADDRESSES.values() for h in (v, traditional(v))},
    **{h: "bank_accounts" for v in OTHER_BANK_ACCOUNTS.values() for h in (v, traditional(v))},
}

_BY_HEADER: dict[str, Field] = {}
for _field in FIELDS:
    for _header in (_field.column, _field.zh, *_field.aliases):
        for _form in dict.fromkeys((_header, traditional(_header))):
            _BY_HEADER[_form] = _field
            _BY_HEADER.setdefault(header_key(_form), _field)

_INDEX = re.compile(r"\[\d+\]")


def field_for_path(path: str) -> Field | None:
    """The field at ``path`` (``contacts[0].phone`` and ``contacts[].phone`` alike), or None."""
    return _BY_PATH.get(_INDEX.sub("[]", path))


def field_for_column(header: str) -> Field | None:
    """The field a flat column header (English, Chinese or an alias) stands for, or None.

    Headers compare as :func:`header_key` gives them, in simplified or traditional characters.
    """
    found = _BY_HEADER.get(header.strip())
    return found if found is not None else _BY_HEADER.get(header_key(header))


def column_for(path: str, *, headers: str = "en") -> str:
    """The flat column header of ``path`` in English (``en``) or Chinese (``zh``)."""
    field = _BY_PATH[_INDEX.sub("[]", path)]
    return field.zh if headers == "zh" else field.column


def label(path: str, lang: str = "en") -> str:
    """A human label for ``path`` (``contacts[0].phone`` -> ``phone``/``电话``).

    A company's term (``companies.002.limit``) is the term's label with its company.
    """
    if path.startswith("companies.") and path.count(".") == 2:
        _, company, leaf = path.split(".")
        term = field_for_path(f"credit.{leaf}") or field_for_path(leaf)
        if term is not None:
            return f"账套{company}{term.zh}" if lang == "zh" else f"{term.en} (company {company})"
    field = field_for_path(path)
    if field is None:
        return path
    return field.zh if lang == "zh" else field.en
